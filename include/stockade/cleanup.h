/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CLEANUP_H
#define STOCKADE_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Scope-bound ownership, as in crun and bubblewrap. A variable marked
 * cleanup_* is released when it leaves scope; steal_pointer() hands its
 * ownership on (the variable becomes NULL / -1 and is not released). */

static inline void cleanup_freep(void *p) {
  void **pp = (void **)p;
  free(*pp);
}

static inline void cleanup_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}

static inline void cleanup_fclosep(FILE **f) {
  if (*f)
    fclose(*f);
}

static inline void cleanup_closedirp(DIR **d) {
  if (*d)
    closedir(*d);
}

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_dir __attribute__((cleanup(cleanup_closedirp)))

#define steal_pointer(pp)                                                                                              \
  ({                                                                                                                   \
    __typeof__(*(pp)) _ptr = *(pp);                                                                                    \
    *(pp) = NULL;                                                                                                      \
    _ptr;                                                                                                              \
  })

#define steal_fd(fdp)                                                                                                  \
  ({                                                                                                                   \
    int _fd = *(fdp);                                                                                                  \
    *(fdp) = -1;                                                                                                       \
    _fd;                                                                                                               \
  })

#endif

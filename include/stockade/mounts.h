/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_MOUNTS_H
#define STOCKADE_MOUNTS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "stockade/decide.h"
#include "stockade/error.h"

/* A container's mounts, read from /proc/<pid>/mountinfo, and what the
 * supervisor learns about an executed file from its descriptor alone. */

struct mount_entry {
  int id;           /* mount id (mountinfo field 1, statx stx_mnt_id) */
  char *mountpoint; /* as the container sees it ("/", "/tmp") */
  char *fstype;     /* "overlay", "tmpfs", "ext4", ... */
  bool writable;    /* per-mount "rw" */
  bool is_root;     /* the container's root file system */
};

struct mount_table {
  struct mount_entry *v;
  size_t n;
};

/* Parse mountinfo text (proc(5)). Octal escapes (\040) are decoded. */
int mounts_parse(const char *text, struct mount_table *t, struct sk_error **err);
/* Read /proc/<pid>/mountinfo. */
int mounts_load(pid_t pid, struct mount_table *t, struct sk_error **err);
const struct mount_entry *mounts_find(const struct mount_table *t, int mnt_id);
void mounts_free(struct mount_table *t);

/* Where a file lives: memfd, tmpfs, a writable non-root mount (volume),
 * the root file system (image, or upper when written after start), other. */
enum exec_where mounts_where(const struct mount_entry *m, bool written_after_start, bool memfd);

/* Facts about an open file (a fanotify event's fd, or a target's fd seen
 * through pidfd_getfd): path as the container sees it (from
 * /proc/self/fd/N), memfd or not, mount, written after `started`. Touches
 * only the descriptor: never opens a file on a marked mount. path must hold
 * PATH_MAX bytes. */
int mounts_fact_from_fd(int fd, const struct mount_table *t, const struct timespec *started, struct exec_fact *f,
                        char *path, struct sk_error **err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_EXECPATH_H
#define STOCKADE_EXECPATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "stockade/error.h"

/* Which file will execve/execveat open for a given thread? Resolved the way
 * the kernel resolves it for that thread: through its own root, cwd and
 * descriptor table (/proc/<tid>/root, /proc/<tid>/cwd, /proc/<tid>/fd/N),
 * never by matching the text of the path.
 *
 * Only O_PATH opens are made (no fanotify event is raised, nothing is
 * read), so this may run while a thread of the container waits in a
 * seccomp notification or in a fanotify permission event.
 *
 * Any resolution that looks something up inside procfs is reported as
 * EXECPATH_PROC and never followed: /proc/self/fd/N, /proc/<pid>/exe,
 * /proc/thread-self/..., /proc/<pid>/task/<tid>/fd/N, /dev/fd/N (a
 * symlink into /proc), a symlink anywhere that leads there, an execveat
 * directory descriptor on /proc. The links there are magic links (they
 * jump to whatever a descriptor holds, a memfd included) and "self" means
 * the caller, which the supervisor, outside the container's PID
 * namespace, cannot even resolve. */

enum execpath_kind {
  EXECPATH_FILE,   /* fd: O_PATH of the file the kernel will open */
  EXECPATH_ABSENT, /* nothing to execute: err is the errno the kernel answers (ENOENT, ENOTDIR, ELOOP, ...) */
  EXECPATH_PROC,   /* the resolution enters procfs */
};

/* What the kernel's exec checks will see of an open file (O_PATH is fine). */
struct execpath_file {
  bool regular; /* S_ISREG: anything else the kernel refuses with EACCES */
  bool symlink; /* only with EXECPATH_NOFOLLOW's O_NOFOLLOW */
  bool proc;    /* on procfs */
  bool noexec;  /* its mount is noexec: the kernel refuses it with EACCES */
  int mnt_id;   /* -1 if unknown */
  dev_t dev;
  ino_t ino;
};

struct execpath {
  enum execpath_kind kind;
  int fd;                    /* EXECPATH_FILE: O_PATH | O_CLOEXEC, owned by the caller; else -1 */
  int err;                   /* EXECPATH_ABSENT: the errno; else 0 */
  bool walk;                 /* the component-by-component walk decided (not openat2 alone) */
  struct execpath_file file; /* EXECPATH_FILE: what execpath_inspect says of fd */
};

/* execveat's AT_SYMLINK_NOFOLLOW: a final symlink is ELOOP. */
#define EXECPATH_NOFOLLOW 1u
/* Tests only: skip the openat2 fast path, so the walk is tested on its own. */
#define EXECPATH_WALK_ONLY 2u

/* The file execve(path) (dirfd AT_FDCWD) or execveat(dirfd, path) of thread
 * tid (a pid in the caller's PID namespace: a seccomp notification's pid,
 * a fanotify FAN_REPORT_TID event's) will open. path must not be empty
 * (execveat with AT_EMPTY_PATH is execpath_fd).
 *
 * Fast path: openat2(root, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * for an absolute path, openat2(start, path, RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS) for a relative one; a success whose file is not
 * on procfs is the answer. Any failure is decided by a walk that emulates
 * the kernel: one component at a time from root or start, ".." stopping
 * at the thread's root, symlinks read with readlinkat and followed (at
 * most 40), each directory's file system checked (fstatfs) before a name
 * is looked up in it.
 *
 * Returns 0 with *out filled, or -1 when the question cannot be answered
 * (the thread is gone, a descriptor of ours cannot be opened, a hostile
 * path too long to hold): the caller denies. */
int execpath_resolve(pid_t tid, int dirfd, const char *path, unsigned flags, struct execpath *out,
                     struct sk_error **err);

/* execveat(fd, "", AT_EMPTY_PATH) (fexecve) of thread tid: the file its
 * descriptor fd holds (opened through /proc/<tid>/fd/<fd>, O_PATH). A
 * descriptor that is not open is EXECPATH_ABSENT with EBADF. */
int execpath_fd(pid_t tid, int fd, struct execpath *out, struct sk_error **err);

/* statx and fstatfs of fd. */
int execpath_inspect(int fd, struct execpath_file *out, struct sk_error **err);

/* The interpreter the kernel opens inside an exec of the file fd (read
 * with pread only: fd may be a fanotify event's): a script's "#!" name as
 * binfmt_script reads it (the first 256 bytes), or an ELF's PT_INTERP as
 * binfmt_elf reads it (little-endian, 32 or 64 bits; the program headers,
 * at most 64 KiB, go through buf of bufsize bytes). 1: out (size bytes,
 * PATH_MAX is enough) holds it; 0: none (or a file the kernel will refuse
 * to load); -1: unreadable (errno). */
int execpath_interp(int fd, unsigned char *buf, size_t bufsize, char *out, size_t size);

#endif

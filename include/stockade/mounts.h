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
  bool marked;      /* fanotify watches it (set by fan_mark_container) */
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

/* Where a file lives, in this order: memfd; the root file system (image,
 * or upper when written after start), even when the root is itself a
 * tmpfs; a pseudo file system (other); tmpfs or ramfs, rw or ro (tmpfs); a
 * writable non-root mount (volume); anything else, or m NULL (other). */
enum exec_where mounts_where(const struct mount_entry *m, bool written_after_start, bool memfd);

/* The kernel's views and device file systems, where no program a container
 * could bring can be: proc, sysfs, devtmpfs, devpts, mqueue, cgroup,
 * cgroup2, securityfs, debugfs, tracefs, bpf, ... */
bool mounts_pseudo_fs(const char *fstype);

/* The path as the container sees it of a file on mount mnt_id whose
 * descriptor reads `path` (readlink of /proc/self/fd/N). A file on a mount
 * that is no longer attached (the container ended while the file was still
 * open: the kernel closes it after its mount namespace is gone) reads
 * relative to its mount ("/app.log" for /data/app.log): such a path, not
 * below the mount's mountpoint, gets the mountpoint put in front. A path
 * on the root file system, on an unknown mount, or already below the
 * mountpoint is kept. 0, or -1 (ENAMETOOLONG) when out (size bytes) is too
 * small. */
int mounts_container_path(const struct mount_table *t, int mnt_id, const char *path, char *out, size_t size);

/* The mount id of an open file (also O_PATH): statx STATX_MNT_ID, or
 * /proc/self/fdinfo before Linux 5.8. -1 if unknown. */
int mounts_fd_mount_id(int fd);

/* Facts about an open file (a fanotify event's fd, an O_PATH fd, or a
 * target's fd seen through pidfd_getfd): path as the container sees it
 * (readlink of /proc/self/fd/N, verbatim: "/memfd:x (deleted)", "/tmp/y
 * (deleted)"), memfd or not (then fileless too), mount (statx
 * STATX_MNT_ID, or /proc/self/fdinfo before Linux 5.8), written after
 * `started` (ctime > started; no ctime: counted as written after).
 * Take `started` from mounts_clock_stamp, not from a clock read: file
 * systems stamp ctime from the coarse clock, and since Linux 6.13
 * (multigrain timestamps) sometimes from the fine clock, ahead of any
 * coarse reading, so only a stamp the kernel made itself is never earlier
 * than the ctime of a file written before it. f->sha256 is set to NULL.
 * Touches only the descriptor: never opens a
 * file on a marked mount. path must hold PATH_MAX bytes; f->path points
 * to it. f is written only on success. */
int mounts_fact_from_fd(int fd, const struct mount_table *t, const struct timespec *started, struct exec_fact *f,
                        char *path, struct sk_error **err);

/* The reference for "written after start": make the kernel stamp fd's
 * ctime (a file of our own, on any local file system: every file system
 * takes its ctimes from the same clock) and read it back into *out. Every
 * file written before this call has a ctime <= *out; one written after it
 * has a ctime >= *out, and > *out once mounts_clock_settle returned true. */
int mounts_clock_stamp(int fd, struct timespec *out, struct sk_error **err);

/* Wait (at most max_ms; about one clock tick is needed) until the coarse
 * clock has passed ref, so that every ctime stamped from now on is greater
 * than ref. False when it did not pass in time (the clock was set back). */
bool mounts_clock_settle(const struct timespec *ref, int max_ms);

#endif

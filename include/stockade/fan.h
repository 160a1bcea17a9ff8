/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_FAN_H
#define STOCKADE_FAN_H

#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "stockade/error.h"
#include "stockade/mounts.h"

struct sup_ctx;

/* fanotify: every mount of the container is marked for FAN_OPEN_EXEC_PERM
 * through /proc/<pid>/root/<mountpoint> (a mark made through the host's
 * mount namespace would not see the container's copies). Each event is
 * decided on the file actually opened for execution. Plain opens are not
 * marked, so they cost nothing.
 *
 * The kernel raises FAN_OPEN_EXEC_PERM for every file execve opens: the
 * program, the ELF interpreter (ld-linux) of a dynamic program, the
 * interpreter of a "#!" script. Each is decided on its own, so an exec
 * allow-list must admit those too. It is not raised for a memfd (the
 * kernel's internal mount is not marked), nor for libraries ld.so maps
 * (plain opens): seccomp notify covers execveat of descriptors.
 *
 * Fail open on close: when the fanotify fd is closed (or the supervisor
 * dies) the kernel allows every pending and later exec. Supervision stays
 * closed only because the seccomp listener goes with it (execve then fails
 * with ENOSYS): never close this fd while a listener is kept open. */

struct fan;

/* Counters for the supervisor's stop event and for tests. */
struct fan_stats {
  uint64_t events;        /* FAN_OPEN_EXEC_PERM events answered */
  uint64_t denied;        /* answered FAN_DENY */
  uint64_t errors;        /* files that could not be examined (denied in enforce mode) */
  uint64_t overflows;     /* FAN_Q_OVERFLOW seen (not expected: the queue is unlimited) */
  uint64_t kernel_denied; /* events the kernel denied itself: it could not hand us the file (read error) */
  uint64_t hash_hits;     /* fan_hash_fd answered from the cache */
  uint64_t hash_misses;   /* fan_hash_fd read the file */
  uint64_t hash_reads;    /* pread calls that returned data */
  uint64_t marks;         /* successful fanotify_mark calls (a mount marked again counts again) */
  uint64_t marks_skipped; /* mounts left unmarked by design, per call (proc, covered, pseudo fs refused) */
};

/* fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK |
 * FAN_UNLIMITED_QUEUE): an unlimited queue because a permission event
 * dropped on overflow is allowed by the kernel; the queue is bounded anyway
 * by the container's threads, each blocked on its own event. Also checks
 * that the kernel knows FAN_OPEN_EXEC_PERM (Linux 5.0). Needs
 * CAP_SYS_ADMIN. */
int fan_open(struct fan **out, struct sk_error **err);
int fan_fd(const struct fan *f);

/* Mark the mounts of pid's mount namespace. Each mount is opened O_PATH
 * inside the container's root (openat2 RESOLVE_IN_ROOT: the container's
 * symlinks cannot lead to a host path) and its mount id checked against
 * mountinfo before the mark, which goes on exactly that mount. Every call
 * marks every mount it finds: a mark that exists is left as it is, so
 * calling it again (another pid of the container, or after a mount
 * appeared) adds only what is new. The table becomes this mountinfo plus
 * mounts seen before that it does not list (another namespace's).
 *
 * Not marked, by design (counted in marks_skipped, logged at debug): proc
 * (the kernel refuses permission events on it; nothing there is a program),
 * a mount covered by a later mount at or above its place (no path reaches
 * it; the covering mount is marked on its own line), and a pseudo file
 * system (sysfs, cgroup, devpts, mqueue, ...) the kernel refuses to mark.
 *
 * Every other mount that cannot be marked is an error: all the others are
 * marked anyway and the message names each failed mount and why; a later
 * call tries again. In enforce mode the caller must fail closed (deny the
 * exec) on error. pid must stay the container's while this runs: call it
 * while that process waits in a seccomp notification, and check
 * SECCOMP_IOCTL_NOTIF_ID_VALID after it. */
int fan_mark_container(struct fan *f, pid_t pid, struct sk_error **err);
/* The same for a process whose root is not yet the container's: an OCI
 * hook at createRuntime/prestart runs before the runtime's pivot_root,
 * when pid's mount namespace still shows the container's root file system
 * at its host path (root, absolute, as pid sees it). Only the mounts at
 * or below root are marked, and the table keeps their mount points as the
 * container will see them ("/", "/tmp"): the mounts are the same objects
 * after pivot_root, so marks and mount ids stay valid. root "/" is
 * fan_mark_container. */
int fan_mark_container_at(struct fan *f, pid_t pid, const char *root, struct sk_error **err);
/* Every mount seen by fan_mark_container (empty before the first call). */
const struct mount_table *fan_mounts(const struct fan *f);

/* Answer every pending permission event: facts, hash when needed (cached
 * by device, inode, ctime and size; read with pread on the event's fd),
 * decide_exec, respond FAN_ALLOW or FAN_DENY (always FAN_ALLOW unless
 * ctx->mode is SK_MODE_ENFORCE), then, for every decision that is not
 * "exec", sup_event() with the profile's action through sup_act(). A file
 * that cannot be examined is decision type "error" (denied in enforce
 * mode). Never blocks on anything but the event's own fd; reads at most a
 * bounded batch, so call it again while the fd is readable (epoll does).
 *
 * Returns 0, or -1 when something must be said: err->code EOVERFLOW when
 * the kernel reported a queue overflow (events may have gone unchecked),
 * the read's errno when the kernel denied events it could not hand over,
 * EPROTO for an unknown metadata version. Events that could be answered
 * were answered in every case. */
int fan_handle(struct fan *f, struct sup_ctx *ctx, struct sk_error **err);

void fan_stats(const struct fan *f, struct fan_stats *out);

/* Closes the fd (see "fail open on close" above) and frees f. NULL is fine. */
void fan_close(struct fan *f);

/* Learning: also mark for FAN_CLOSE_WRITE, to record the paths written.
 * Call before fan_mark_container. */
void fan_set_learning(struct fan *f, bool learning);

/* SHA-256 of an open file, read with pread (no new open, no fanotify
 * event), cached by (dev, ino, ctime, size) in a table of 1024 entries
 * (about 80 KiB). hex holds 65 bytes. f may be NULL: no cache, the
 * default bounds.
 *
 * Bounded: a file larger than the size bound is not read at all; one
 * whose reading takes longer than the time bound (a slow or hostile file
 * system) is given up, and remembered as such while it is unchanged; and
 * every 1 MiB the interrupt fds (fan_set_interrupt) are polled, so a
 * signal or the container's end is seen within a read of 1 MiB. Returns 0
 * (hex set), 1 not hashed (why says why: "size 1099511627776 over
 * 268435456"), or -1 on a read error. */
#define FAN_HASH_MAX_BYTES (256ULL << 20)
#define FAN_HASH_MAX_MS 2000U
#define FAN_INTERRUPT_FDS 2
int fan_hash_fd_bounded(struct fan *f, int fd, char hex[65], char *why, size_t why_size, struct sk_error **err);
/* The same; not hashed is an error (EFBIG, "not hashed: why"): for
 * callers that cannot decide without the hash. */
int fan_hash_fd(struct fan *f, int fd, char hex[65], struct sk_error **err);
/* The node config's hashMaxBytes and hashMaxMillis. */
void fan_set_hash_limits(struct fan *f, uint64_t max_bytes, unsigned max_ms);
/* fd (or -1) in interrupt slot 0 or 1: the supervisor's signalfd, its
 * container's init pidfd. Not owned. */
void fan_set_interrupt(struct fan *f, int slot, int fd);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_FAN_H
#define STOCKADE_FAN_H

#include <sys/types.h>

#include "stockade/error.h"
#include "stockade/mounts.h"

struct sup_ctx;

/* fanotify: every mount of the container is marked for FAN_OPEN_EXEC_PERM
 * through /proc/<pid>/root/<mountpoint> (a mark made through the host's
 * mount namespace would not see the container's copies). Each event is
 * decided on the file actually opened for execution. Plain opens are not
 * marked, so they cost nothing. */

struct fan;

int fan_open(struct fan **out, struct sk_error **err);
int fan_fd(const struct fan *f);

/* Mark the mounts of pid's mount namespace (once per container; later
 * calls for another pid of the same container add nothing new). Keeps the
 * mount table for classification. */
int fan_mark_container(struct fan *f, pid_t pid, struct sk_error **err);
const struct mount_table *fan_mounts(const struct fan *f);

/* Answer every pending permission event: facts, hash when needed (cached
 * by device, inode, ctime and size; read with pread on the event's fd),
 * decide_exec, respond FAN_ALLOW or FAN_DENY, then sup_event() and the
 * profile's action through sup_act(). Never blocks on anything but the
 * event's own fd. */
int fan_handle(struct fan *f, struct sup_ctx *ctx, struct sk_error **err);

void fan_close(struct fan *f);

/* SHA-256 of an open file, read with pread (no new open, no fanotify
 * event), cached by (dev, ino, ctime, size). hex holds 65 bytes. */
int fan_hash_fd(struct fan *f, int fd, char hex[65], struct sk_error **err);

#endif

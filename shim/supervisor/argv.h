/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_ARGV_H
#define STOCKADE_ARGV_H

#include <stdint.h>
#include <sys/types.h>

#include "stockade/json.h"

/* Reading an exec's path and argv from the calling process's memory
 * (process_vm_readv), for the supervisor's events. The argv is read only
 * for an event that will be written: an exec that goes on costs nothing
 * here. */

/* A NUL-terminated string at addr in pid's memory (cut to size - 1
 * bytes). Its length, or -1. */
ssize_t argv_read_string(pid_t pid, uint64_t addr, char *buf, size_t size);

/* The argv array at addr (arch: the notification's AUDIT_ARCH_*, for the
 * pointer size) as a JSON array of at most 64 strings of at most 255
 * bytes each; an empty array when addr is 0; NULL when out of memory. */
struct json *argv_read(pid_t pid, uint32_t arch, uint64_t addr);

struct sup_ctx;

/* The seccomp side let thread tid's exec go on: remember where its argv is
 * (no read, no copy). */
void argv_remember(struct sup_ctx *ctx, pid_t tid, uint32_t arch, uint64_t addr);

/* The argv of the exec thread tid waits in (a fanotify permission event
 * for the file it opens, not answered yet), read now from where
 * argv_remember said; NULL if unknown. Until the exec's point of no return
 * the old memory still holds it. (Not /proc/<tid>/syscall: that takes the
 * exec's cred_guard_mutex, which an exec opening its ELF interpreter holds
 * while it waits for us.) */
struct json *argv_of_waiting_exec(struct sup_ctx *ctx, pid_t tid);

#endif

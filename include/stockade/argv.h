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

/* The argv of the execve or execveat that thread tid is blocked in (a
 * fanotify permission event for the file it opens): its arguments from
 * /proc/<tid>/syscall, then argv_read. NULL when tid is in no exec call of
 * the native architecture or cannot be read. Before the exec's point of no
 * return, the old memory still holds the argv. */
struct json *argv_of_blocked_exec(pid_t tid);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CONFINE_H
#define STOCKADE_CONFINE_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <seccomp.h>

#include "stockade/error.h"

/* The supervisor confines itself once it holds everything it opens only
 * once (its listening socket, the fanotify fd with its group, epoll,
 * signalfd, the log): a compromised supervisor (it parses what the
 * container hands it) keeps only what its event loop needs.
 *
 * - Capabilities: every set (effective, permitted, inheritable, bounding,
 *   ambient) cut to confine_caps[] (see shim/supervisor/confine.c for why
 *   each one stays).
 * - no_new_privs.
 * - A seccomp filter of its own, default action KILL_PROCESS: the syscalls
 *   of its event loop, some with their arguments pinned (ioctl only the
 *   seccomp user-notify requests, socket only AF_UNIX, no executable
 *   mappings, tgkill only to itself).
 *
 * The filter's rules are in confine_rules.c. libseccomp turns them into a
 * program once, when stockade is built (scripts/gen-confine-bpf.c writes
 * $(B)/confine_bpf.h, for the build's own architecture), with
 * CONFINE_PID_MARK where the supervisor's pid goes; at start the supervisor
 * puts its pid there and loads the program. Building the filter with
 * libseccomp in the supervisor cost 1.5 ms of every container's start
 * here (its pages faulted in again after the fork, its probing of the
 * kernel, the compilation), loading it 0.05 ms. */

/* No pid is this (pid_max is at most 2^22): the program's placeholder for
 * the supervisor's own pid (tgkill), replaced by confine_filter_pin. */
#define CONFINE_PID_MARK 0x7ffffff0U

/* Capabilities the supervisor keeps, as CAP_* numbers. */
extern const int confine_caps[];
extern const size_t confine_n_caps;

/* The syscalls allowed without conditions on their arguments (names as
 * libseccomp knows them), and those allowed only with some arguments. */
extern const char *const confine_syscalls[];
extern const size_t confine_n_syscalls;
extern const char *const confine_syscalls_conditional[];
extern const size_t confine_n_syscalls_conditional;

struct confine_opts {
  pid_t self; /* the supervisor's pid: tgkill (abort) only to itself */
};

/* Build the supervisor's filter with libseccomp (not loaded): what the
 * build's generator exports. *out is the caller's to seccomp_release. */
int confine_filter(const struct confine_opts *o, scmp_filter_ctx *out, struct sk_error **err);

/* Put self where prog has CONFINE_PID_MARK as a constant to compare with
 * (BPF_JMP|BPF_JEQ|BPF_K). Refused, prog left half done, unless there is
 * exactly one such place. */
int confine_filter_pin(struct sock_filter *prog, size_t n, pid_t self, struct sk_error **err);

/* Load the program built with stockade, pinned to self, into this thread
 * (no_new_privs must be set already). */
int confine_filter_load(pid_t self, struct sk_error **err);

/* Cut this process's capabilities to confine_caps[] (every set). */
int confine_caps_apply(struct sk_error **err);

/* Everything: capabilities, no_new_privs, the filter loaded (not under
 * valgrind, which cannot load one). Irreversible; on failure the process
 * may be half confined and must not go on. */
int confine_self(struct sk_error **err);

/* Is this process running under valgrind? (A client request: false on a
 * real CPU, whatever the environment says.) */
bool confine_under_valgrind(void);

#endif

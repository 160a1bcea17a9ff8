/* SPDX-License-Identifier: Apache-2.0 */
/* Private to shim/supervisor/: what its files call in each other. The
 * runtime and the hook use only stockade/supervisor.h. */
#ifndef STOCKADE_SUPERVISOR_SUP_INT_H
#define STOCKADE_SUPERVISOR_SUP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "stockade/decide.h"
#include "stockade/error.h"
#include "stockade/json.h"
#include "stockade/supervisor.h"

/* --- proc.c (also below) --- */

/* stdio to /dev/null and every other descriptor closed but keep[]: a
 * long-lived process must not hold the runtime's output pipes open
 * (containerd and the hook's runtime wait for them to close). -1, with
 * nothing done, when a kept descriptor is 0, 1 or 2: /dev/null would
 * replace it (stdio_hold keeps them taken; this is the check). */
int sup_close_others(const int *keep, int n_keep);

/* --- notify.c --- */

/* The notification fd's handler (shim/supervisor/notify.c): receive one
 * notification, decide, answer. Returns -1 on an error that ends this fd
 * (its processes are gone), 0 otherwise. */
int notify_handle(struct sup_ctx *ctx, int nfd, struct sk_error **err);
/* Once per listener fd: ask the kernel to wake the target on the CPU that
 * answers (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, Linux 6.6), where it can. */
void notify_setup_fd(int nfd);

/* --- verdict.c --- */

/* After a deny in enforce mode, do what the profile says: nothing more
 * (deny), kill the container, or freeze it (falling back to kill, and
 * saying so, when its cgroup cannot be frozen). Returns what was done:
 * "deny", "kill", "freeze", "freeze-failed-killed"; complain mode: "allow". */
const char *sup_act(struct sup_ctx *ctx, const struct decision *d, pid_t pid);

/* Remember this process's cgroups before it moves into its own
 * (sup_cgroup_join): sup_act never freezes those. */
void sup_act_remember_cgroups(void);

/* One event for an exec decision (also used by fanotify and notify), with
 * argv when the caller read it (argv.c: only for an event it writes). */
void sup_event(struct sup_ctx *ctx, const struct decision *d, const char *mechanism, pid_t pid,
               const struct exec_fact *f, const struct json *argv, const char *action_taken);

/* --- cgroup.c, syscalls.c, init_exec.c --- */

/* The supervisor's own cgroup (shim/supervisor/cgroup.c): <cpu
 * hierarchy>/stockade/<state key>, limited to cpu_percent of one CPU.
 * prepare: make it, set the limit, and open its cgroup.procs into
 * *procs_fd (-1 with cpu_percent 0: stay put), before confining itself;
 * where says what was done. join: move this process in through that fd,
 * after create has been told "ok": the move waits for an RCU grace period
 * where the hierarchy is cgroup v1's (10 ms here), which create need not
 * wait for, and which the runtime's own cgroup writes, made meanwhile,
 * share. leave: move this process to the hierarchy's root and remove the
 * cgroup (at its end). remove: remove it (after the supervisor is gone).
 * path: where it is, -1 when no hierarchy has the cpu controller. */
int sup_cgroup_prepare(const char *state_dir, unsigned cpu_percent, int *procs_fd, char *where, size_t size,
                       struct sk_error **err);
int sup_cgroup_join(int procs_fd, struct sk_error **err);
void sup_cgroup_leave(const char *state_dir);
void sup_cgroup_remove(const char *state_dir);
int sup_cgroup_path(const char *state_dir, char *out, size_t size);

/* The event subject of this container: id, workload, profile, mode. */
void sup_subject(const struct sup_ctx *ctx, struct event_subject *s);

/* Write an event of this supervisor's (not rate-limited here): one that
 * cannot be written is counted and the next written carries
 * "details": {"lost": N}. */
void sup_emit(struct sup_ctx *ctx, struct json *ev);

/* proc.c: a thread of the container, through /proc. proc_read reads len
 * bytes at addr of pid's memory (0 on success); proc_status_line copies
 * the rest of the /proc/<pid>/status line that starts with key; the
 * effective id of "Uid:" or "Gid:"; proc_uid_of_target the effective uid
 * of the process the caller knows as target (its PID namespace). */
int proc_read(void *ctx, pid_t pid, uint64_t addr, void *buf, size_t len);
bool proc_status_line(pid_t pid, const char *key, char *out, size_t size);
bool proc_effective_id(pid_t pid, const char *key, unsigned *id);
bool proc_euid(pid_t pid, uid_t *uid);
int proc_uid_of_target(void *ctx, pid_t caller, pid_t target, uid_t *uid);

/* memfd.c: vm.memfd_noexec without a hook. sup_memfd_start forks the
 * helper (before the supervisor confines itself; nothing when
 * ctx->memfd_by_sup is false). sup_memfd_request hands it the container's
 * init when the runtime hands over the listener: it raises the level in
 * that PID namespace while the runtime goes on. sup_memfd_wait, before any
 * exec is answered, waits for its answer and writes the "memfd" event: 0,
 * or -1 when the level could not be set (or was never asked for): the
 * caller denies the exec and stops the container. */
int sup_memfd_start(struct sup_ctx *ctx, struct sk_error **err);
int sup_memfd_request(struct sup_ctx *ctx, pid_t pid);
int sup_memfd_wait(struct sup_ctx *ctx);

/* diag.c: a syscall the hardened filter notifies because hardening may
 * make it fail (include/stockade/diagnose.h): an event naming the rule
 * when it will, then the call goes on. 1: answered; 0: not such a
 * syscall; -1: the answer failed (*err). */
struct seccomp_notif;
int sup_diag_notified(struct sup_ctx *ctx, int nfd, const struct seccomp_notif *req, struct sk_error **err);

/* A notification of a syscall the filter denies (shim/supervisor/syscalls.c):
 * answered with the filter's errno; the workload's (after the listener's
 * first exec) are counted, the first of each syscall is an event. */
struct seccomp_notif;
int sup_syscall_denied(struct sup_ctx *ctx, int nfd, const struct seccomp_notif *req, struct sk_error **err);
/* Summaries: the denied syscalls' counts that moved, and a "dropped"
 * event for what the rate limiter dropped; every config summaryInterval
 * seconds, and with final (the stop) whatever is left. */
void sup_summaries(struct sup_ctx *ctx, bool final);
/* The epoll timeout (ms, -1 none) shortened to the next summary due. */
int sup_summary_timeout(const struct sup_ctx *ctx, int timeout_ms);

/* Is fd (open or O_PATH) the host's stockade-init that create mounted
 * into this container? (shim/supervisor/init_exec.c) */
bool sup_is_init(const struct sup_ctx *ctx, int fd);
/* The same from a statx the caller made already. */
bool sup_is_init_id(const struct sup_ctx *ctx, dev_t dev, ino_t ino, bool regular);

#endif

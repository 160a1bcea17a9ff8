/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_SUPERVISOR_H
#define STOCKADE_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "stockade/config.h"
#include "stockade/decide.h"
#include "stockade/error.h"
#include "stockade/events.h"
#include "stockade/json.h"
#include "stockade/profile.h"
#include "stockade/sysdeny.h"

/* The supervisor: one small process per container, beside it, outside it.
 *
 * stockade create binds and listens on <state>/sup.sock, then forks the
 * supervisor (double fork, own session) which inherits the listening
 * socket, so it is ready before the runtime runs. The runtime connects to
 * the spec's listenerPath and sends the container state and a seccomp
 * listener fd (runc at create, crun at start, both again for each exec).
 * The filter sends execve and execveat to it; fanotify marks every mount
 * of the container for FAN_OPEN_EXEC_PERM before the first exec is let
 * through. */

#define SUP_SOCKET_NAME "sup.sock"
#define SUP_PID_NAME "sup.pid"

/* Everything the supervisor knows about its container. */
struct learn_rec;

struct sup_ctx {
  const struct sk_config *cfg;
  const struct profile *profile;
  struct blocklist blocklist; /* config's and profile's */
  enum sk_mode mode;
  char *id;
  char *state_dir;
  const struct json *spec; /* the spec as it will run (annotations for events) */
  /* "Written after start" means ctime > started, a ctime the kernel
   * stamped on clock_fd (mounts_clock_stamp): at create, again when the
   * runtime's create has returned, and for `run` at the first
   * notification; final (started_final) once the first notification is
   * handled, before the container's first program runs. */
  struct timespec started;
  int clock_fd; /* <state>/clock, the supervisor's; -1 if none */
  bool started_final;
  char *runtime_root; /* the runtime's --root (or its default) */
  /* stockade-init on the host (0, 0: not used): the one file outside
   * the image the container may run, recognised by device and inode. */
  dev_t init_dev;
  ino_t init_ino;

  /* Inside the supervisor. */
  struct fan *fan;         /* fanotify, opened before fork so failure is reported */
  struct learn_rec *learn; /* learning mode: the recording, else NULL */
  char *learn_path;        /* where it is written */
  bool marked;             /* the container's mounts are marked */
  pid_t init_pid;          /* the container's init, from the first connection */
  int init_pidfd;          /* -1 until then */
  struct event_limiter limiter;
  unsigned long long n_notify, n_deny; /* counters for the stop event */
  /* events that could not be written: since the last one written (that
   * one says "lost": N), and in all (the stop event, supervisor.log) */
  unsigned long long n_event_lost, n_event_lost_total;
  struct {
    pid_t pid;
    struct json *argv;
  } recent[16]; /* sup_remember_argv: a small ring */
  unsigned recent_next;
  /* Complain and learn modes: execs the seccomp side reported and let go
   * on (exec_told_remember), so that fanotify, deciding the same file for
   * the same thread, does not report it again. A small ring. */
  struct {
    pid_t tid;
    dev_t dev;
    ino_t ino;
  } told[8];
  unsigned told_next;
  /* Learning: per listener fd, has its first execve (the entrypoint's or
   * the exec'd program's) gone by? Syscalls before it are the runtime's. */
  bool exec_seen[1024];
  struct timespec learn_written; /* CLOCK_MONOTONIC of the last write */
  /* The syscalls the filter denies and notifies (enforce mode; built at
   * create by sysdeny_harden, inherited through fork) and their counts. */
  struct sysdeny denied;
  unsigned long long n_syscall_deny;
  bool summary_pending;         /* a count moved since its last event */
  struct timespec summary_last; /* CLOCK_MONOTONIC of the last summary */
};

/* Start the supervisor for a container: bind the socket, fork, detach.
 * Returns in the caller once the supervisor is listening (the socket is
 * bound and listening before fork), while it still sets itself up;
 * *ready_fd is for sup_ready. */
int sup_spawn(struct sup_ctx *ctx, int *ready_fd, struct sk_error **err);

/* Wait for the supervisor sup_spawn started to set itself up and confine
 * itself (it says "ok" or why not over ready_fd, which this closes), and
 * write its pid to sup.pid. Split from sup_spawn so that create writes the
 * spec while the supervisor sets up; it must be called, even on a failure
 * path, before the runtime runs or the state is undone. */
int sup_ready(const char *state_dir, int ready_fd, pid_t *pid, struct sk_error **err);

/* stdio to /dev/null and every other descriptor closed but keep[]: a
 * long-lived process must not hold the runtime's output pipes open
 * (containerd and the hook's runtime wait for them to close). */
void sup_close_others(const int *keep, int n_keep);

/* The notification fd's handler (shim/supervisor/notify.c): receive one
 * notification, decide, answer. Returns -1 on an error that ends this fd
 * (its processes are gone), 0 otherwise. */
int notify_handle(struct sup_ctx *ctx, int nfd, struct sk_error **err);
/* Once per listener fd: ask the kernel to wake the target on the CPU that
 * answers (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, Linux 6.6), where it can. */
void notify_setup_fd(int nfd);

/* Is the container's supervisor running? 1 yes, 0 it is gone (its pid
 * file remains: it died), -1 the container has none. *pid gets its pid. */
int sup_alive(const char *state_dir, pid_t *pid);

/* Stop a container's supervisor (stockade delete): SIGTERM by the pid
 * recorded in the state directory, checked to be ours. With wait, until it
 * has exited (SIGKILL after a second); tearing down its fanotify marks takes
 * the kernel ~10 ms, which `run` in the foreground need not wait for. */
int sup_stop(const char *state_dir, bool wait, struct sk_error **err);

/* After a deny in enforce mode, do what the profile says: nothing more
 * (deny), kill the container, or freeze it (falling back to kill, and
 * saying so, when its cgroup cannot be frozen). Returns what was done:
 * "deny", "kill", "freeze", "freeze-failed-killed"; complain mode: "allow". */
const char *sup_act(struct sup_ctx *ctx, const struct decision *d, pid_t pid);

/* The argv of an exec let through to fanotify, kept briefly by pid so the
 * fanotify decision's event carries it too (fanotify sees no argv). */
void sup_remember_argv(struct sup_ctx *ctx, pid_t pid, const struct json *argv);

/* A lifecycle event of type "supervisor" ("event": what, "message":
 * message, "pid": this process): "started" and "stopped". Never
 * rate-limited. */
void sup_note(struct sup_ctx *ctx, const char *what, const char *message);

/* One event for an exec decision (also used by fanotify and notify). With
 * argv NULL, the argv remembered for pid (if any) is used. */
void sup_event(struct sup_ctx *ctx, const struct decision *d, const char *mechanism, pid_t pid,
               const struct exec_fact *f, const struct json *argv, const char *action_taken);

/* The supervisor's own cgroup (shim/supervisor/cgroup.c): <cpu
 * hierarchy>/stockade/<state key>, limited to cpu_percent of one CPU.
 * enter: make it, set the limit, move this process in (before confining
 * itself); where says what was done. cpu_percent 0: stay put. leave: move
 * this process to the hierarchy's root and remove the cgroup (at its
 * end). remove: remove it (after the supervisor is gone). path: where it
 * is, -1 when no hierarchy has the cpu controller. */
int sup_cgroup_enter(const char *state_dir, unsigned cpu_percent, char *where, size_t size, struct sk_error **err);
void sup_cgroup_leave(const char *state_dir);
void sup_cgroup_remove(const char *state_dir);
int sup_cgroup_path(const char *state_dir, char *out, size_t size);

/* The event subject of this container: id, workload, profile, mode. */
void sup_subject(const struct sup_ctx *ctx, struct event_subject *s);

/* Write an event of this supervisor's (not rate-limited here): one that
 * cannot be written is counted and the next written carries
 * "details": {"lost": N}. */
void sup_emit(struct sup_ctx *ctx, struct json *ev);

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

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_SUPERVISOR_H
#define STOCKADE_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "stockade/config.h"
#include "stockade/decide.h"
#include "stockade/diagnose.h"
#include "stockade/error.h"
#include "stockade/events.h"
#include "stockade/json.h"
#include "stockade/profile.h"
#include "stockade/sysdeny.h"

/* The supervisor: one small process per container, beside it, outside it.
 *
 * stockade create binds and listens on <state>/sup.sock, then forks the
 * supervisor (a child of create's caller, own session) which inherits the
 * listening socket, so it is ready before the runtime runs. The runtime connects to
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
   * runtime's create has returned, and for `run` when the runtime hands
   * over the container's first listener; final (started_final) once the
   * clock has passed it, right before the container's first exec is
   * answered (notify.c, settle_start), stockade-init's not counted: until
   * then nothing of the container's own has run, so a later stamp (the
   * runtime's create returning meanwhile) is still right. */
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
  /* Where the argv of an exec the seccomp side let go on is, by thread
   * (argv_remember): fanotify reads it only for an event it writes. */
  struct {
    pid_t tid;
    uint32_t arch;
    uint64_t addr;
  } exec_argv[16];
  unsigned exec_argv_next;
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
  /* What hardening took away (enforce mode; zero: nothing watched), and
   * the failures it caused that were written: one event for each
   * capability and syscall, and for each place written to (n_diag: how
   * many, for the stop message). */
  struct diag_plan diag;
  struct {
    char key[96];
  } diag_seen[32];
  unsigned n_diag_seen;
  unsigned long long n_diag;
  int diag_root_mnt; /* the container's root mount id; 0 until a write is looked at */
  /* vm.memfd_noexec applied by the supervisor (shim/supervisor/memfd.c)
   * rather than by a createRuntime hook: its helper's pipes (-1: none). */
  bool memfd_by_sup, memfd_pending, memfd_done, memfd_reported;
  const char *memfd_failed; /* why it could not be set; NULL: it was, or is not needed */
  int memfd_to, memfd_from;
};

/* The supervisor as a process, for the runtime (sup_spawn) and the hook
 * (stockade-hook): what its loop watches besides fanotify and its
 * signals. The runtime's supervisor listens for the runtime's connections
 * (seccomp listeners), waits for the runtime's command, moves into its own
 * cgroup and confines itself; the hook's has only fanotify, the
 * container's init (ctx->init_pidfd) and its mountinfo (extra_fd). */
struct sup_watch {
  const char *name;      /* process name; "stockade..." (sup_alive checks it) */
  int listen_fd;         /* sup.sock; -1: none, fanotify only (the hook) */
  int runtime_pidfd;     /* readable when the runtime's command is over; -1: none */
  pid_t runtime_pid;     /* without a pidfd: polled in /proc; 0: none */
  int clock_fd;          /* the reference for drift, restamped later (sup_ctx.clock_fd); -1: none */
  bool confine;          /* own cgroup (cgroup.c), then confine_self (confine.c) */
  bool sibling;          /* the caller's parent's child (create; see sup_start), not a double fork */
  int extra_fd;          /* another descriptor to watch, or -1 ... */
  uint32_t extra_events; /* ... for these epoll events ... */
  void (*on_extra)(struct sup_ctx *ctx, void *arg); /* ... and what to do then */
  /* At the end, after the "stopped" event; init_gone: the container's
   * init ended (rather than a signal). */
  void (*on_end)(struct sup_ctx *ctx, bool init_gone, void *arg);
  void *arg;
};

/* Start the supervisor for ctx (ctx->fan open and marked as the caller
 * needs): own session, stdio to /dev/null, every descriptor closed but the
 * ones in w and ctx, the log in <state_dir>/supervisor.log; it runs the
 * loop until the container is over or a signal ends it.
 * - w->sibling: one clone(CLONE_PARENT), the supervisor a child of our
 *   caller (create's: the engine, a subreaper that reaps what it is
 *   given), a session leader; a double fork when that is refused (pid 1
 *   of a pid namespace).
 * - else a double fork (the hook: its caller is the runtime mid-start,
 *   which is given no child it did not make): the supervisor goes to the
 *   nearest subreaper or init, and leads no session.
 * Returns with *ready_fd for sup_ready. */
int sup_start(struct sup_ctx *ctx, const struct sup_watch *w, int *ready_fd, struct sk_error **err);

/* Start the supervisor for a container: bind the socket, fork, detach.
 * Returns in the caller once the supervisor is listening (the socket is
 * bound and listening before fork), while it still sets itself up;
 * *ready_fd is for sup_ready. */
int sup_spawn(struct sup_ctx *ctx, int *ready_fd, struct sk_error **err);

/* Wait for the supervisor sup_spawn started to set itself up and confine
 * itself (it says "<pid>\n" and "ok" or why not, ended by a NUL, over
 * ready_fd, which this closes; end of file first is a supervisor that
 * ended before its report), and write its pid to sup.pid. The wait ends at
 * the NUL, not at end of file: a process the supervisor forked before its
 * report may still hold the pipe. Split from sup_spawn so that create writes the
 * spec while the supervisor sets up; it must be called, even on a failure
 * path, before the runtime runs or the state is undone. */
int sup_ready(const char *state_dir, int ready_fd, pid_t *pid, struct sk_error **err);

/* Is the container's supervisor running? 1 yes, 0 it is gone (its pid
 * file remains: it died), -1 the container has none. *pid gets its pid. */
int sup_alive(const char *state_dir, pid_t *pid);

/* Stop a container's supervisor (stockade delete): SIGTERM by the pid
 * recorded in the state directory, checked to be ours. With wait, until it
 * has exited (SIGKILL after a second); tearing down its fanotify marks takes
 * the kernel ~10 ms, which `run` in the foreground need not wait for. */
int sup_stop(const char *state_dir, bool wait, struct sk_error **err);

/* A lifecycle event of type "supervisor" ("event": what, "message":
 * message, "pid": this process): "started" and "stopped". Never
 * rate-limited. */
void sup_note(struct sup_ctx *ctx, const char *what, const char *message);

#endif

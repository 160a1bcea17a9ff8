/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp user-notify: the container's execve and execveat come here.
 *
 * A deny is always safe and is answered here. An allow is answered with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE, which the kernel documents as racy for
 * pointer arguments (the target may rewrite the path after we read it), so
 * the final allow is fanotify's, on the file actually opened; it is
 * answered only for a file fanotify will see (execcheck.c: resolved for
 * the calling thread, regular, on a watched mount that allows execution).
 * What only this side sees: execs through /proc and of descriptors
 * (fileless execution: a memfd is on no watched mount), paths that lead
 * nowhere (answered with the kernel's errno), the argv for the record,
 * and the first exec, before which the container's mounts are marked. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "argv.h"
#include "stockade/cleanup.h"
#include "stockade/compat.h"
#include "stockade/fan.h"
#include "stockade/learn.h"
#include "stockade/seccomp.h"
#include "stockade/log.h"
#include "stockade/mounts.h"
#include "stockade/supervisor.h"

#include "execcheck.h"
#include "execpath.h"
#include "sup_int.h"

void notify_setup_fd(int nfd) {
  /* EINVAL before 6.6: the kernel then wakes the target as usual. */
  (void)ioctl(nfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}

/* SHA-256 for the record of a denied file, into f->sha256 (hex), or why
 * it was not hashed into f->sha256_skipped (a file over the hashing
 * bounds: a sparse 1 TiB file is not read). Read through a fresh read-only
 * descriptor: the marks are for exec opens only, so this open raises no
 * permission event, and the exec has been answered already. */
static void hash_for_event(struct sup_ctx *ctx, int opath, char hex[65], struct exec_fact *f) {
  static char why[160];
  char p[64];
  cleanup_close int fd = -1;
  cleanup_error struct sk_error *err = NULL;
  int r;
  snprintf(p, sizeof(p), "/proc/self/fd/%d", opath);
  fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return;
  r = fan_hash_fd_bounded(ctx->fan, fd, hex, why, sizeof(why), &err);
  if (r == 0)
    f->sha256 = hex;
  else if (r == 1)
    f->sha256_skipped = why;
}

static int respond(int nfd, uint64_t id, int error, bool cont) {
  struct seccomp_notif_resp resp = {.id = id, .val = 0, .error = error, .flags = 0};
  if (cont)
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  /* ENOENT: the target died (or was interrupted) meanwhile; nothing to do. */
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
    return -1;
  return 0;
}

/* Learning: record a syscall of the workload (not the runtime's, before
 * this listener's first exec) and what its arguments imply. */
static void learn_record(struct sup_ctx *ctx, int nfd, const struct seccomp_notif *req) {
  const char *arch = seccomp_arch_name(req->data.arch);
  char *name;
  struct learn_call call;

  if (ctx->learn == NULL || nfd < 0 || nfd >= 1024 || !ctx->exec_seen[nfd] || arch == NULL)
    return;
  name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
  if (name == NULL)
    return;
  learn_count_notification(ctx->learn);
  learn_add_syscall(ctx->learn, arch, name, NULL);
  memset(&call, 0, sizeof(call));
  call.name = name;
  memcpy(call.args, req->data.args, sizeof(call.args));
  call.pid = (pid_t)req->pid;
  {
    unsigned gid;
    if (proc_euid(call.pid, &call.uid) && proc_effective_id(call.pid, "Gid:", &gid)) {
      call.gid = gid;
      learn_infer(ctx->learn, &call, proc_read, proc_uid_of_target, ctx);
    }
  }
  free(name);
}

/* The container's first exec: mark its mounts before anything runs. 0: go
 * on; -1: nothing more to do (the notification is gone, or the exec was
 * denied and answered: enforce mode, the mounts cannot be watched). */
static int mark_first(struct sup_ctx *ctx, int nfd, const struct seccomp_notif *req, uint64_t argv_addr) {
  cleanup_error struct sk_error *merr = NULL;
  cleanup_json struct json *argv = NULL;
  pid_t pid = (pid_t)req->pid;
  if (ctx->marked)
    return 0;
  /* The pid names the container's process only while the notification is
   * valid: marking another process's mounts would judge its execs. */
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
    return -1;
  if (fan_mark_container(ctx->fan, pid, &merr) == 0) {
    ctx->marked = true;
    return 0;
  }
  log_msg(LOG_ERROR, "container \"%s\": cannot watch its mounts: %s", ctx->id, merr->msg);
  if (ctx->mode != SK_MODE_ENFORCE)
    return 0;
  argv = argv_read(pid, req->data.arch, argv_addr);
  {
    struct decision fd_ = {DECIDE_DENY, "error", NULL, "the container's mounts cannot be watched"};
    sup_event(ctx, &fd_, "fanotify", pid, NULL, argv, "deny");
  }
  (void)respond(nfd, req->id, -EPERM, false);
  return -1;
}

/* execve's and execveat's numbers on arch, resolved once per architecture
 * (libseccomp's lookups are not free, and this runs for every exec). */
static void exec_numbers(uint32_t arch, int *execve_nr, int *execveat_nr) {
  static struct {
    uint32_t arch;
    int execve, execveat;
  } known[4];
  static unsigned n_known;
  unsigned i;
  for (i = 0; i < n_known; i++) {
    if (known[i].arch == arch) {
      *execve_nr = known[i].execve;
      *execveat_nr = known[i].execveat;
      return;
    }
  }
  *execve_nr = seccomp_syscall_resolve_name_arch(arch, "execve");
  *execveat_nr = seccomp_syscall_resolve_name_arch(arch, "execveat");
  if (n_known < sizeof(known) / sizeof(known[0]))
    known[n_known++] = (typeof(known[0])){arch, *execve_nr, *execveat_nr};
}

/* The exec call as the target made it. */
static void exec_call_of(const struct seccomp_notif *req, bool is_execveat, const char *path, struct exec_call *c) {
  uint64_t flags = is_execveat ? req->data.args[4] : 0;
  c->tid = (pid_t)req->pid;
  c->dirfd = is_execveat ? (int)req->data.args[0] : AT_FDCWD;
  c->by_fd = is_execveat && (flags & AT_EMPTY_PATH) && path[0] == '\0';
  c->flags = (flags & AT_SYMLINK_NOFOLLOW) ? EXECPATH_NOFOLLOW : 0;
  c->path = path;
}

/* Answer a classified exec, then act and report. */
static int exec_answer(struct sup_ctx *ctx, int nfd, const struct seccomp_notif *req, struct exec_verdict *v,
                       const struct json *argv, uint64_t argv_addr, struct sk_error **err) {
  pid_t pid = (pid_t)req->pid;
  const char *action;
  char hex[65] = "";

  if (v->answer == EXEC_CONTINUE) {
    /* Final word: fanotify, on the file the kernel really opens. An event
     * it writes reads the argv then (argv_of_waiting_exec): nothing is
     * read here for an exec that goes on, only where it is noted. */
    argv_remember(ctx, pid, req->data.arch, argv_addr);
    return respond(nfd, req->id, 0, true) < 0 ? sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND") : 0;
  }
  if (v->answer == EXEC_ERRNO) {
    /* Nothing there to run: the kernel's own answer, without an event
     * (execvp trying every PATH entry). Complain mode changes nothing. */
    int e = ctx->mode == SK_MODE_ENFORCE ? -v->eno : 0;
    return respond(nfd, req->id, e, e == 0) < 0 ? sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND") : 0;
  }
  if (ctx->mode != SK_MODE_ENFORCE) {
    /* Reported here: fanotify must not report the same exec again. */
    exec_told_remember(ctx, pid, v->opath);
    if (respond(nfd, req->id, 0, true) < 0)
      return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND");
    action = "allow";
  } else {
    ctx->n_deny++;
    if (respond(nfd, req->id, -EPERM, false) < 0)
      return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND");
    action = sup_act(ctx, &v->d, pid);
  }
  if (v->opath >= 0 && v->f.sha256 == NULL) {
    hash_for_event(ctx, v->opath, hex, &v->f);
  }
  sup_event(ctx, &v->d, "seccomp", pid, &v->f, argv, action);
  return 0;
}

/* Before the container's first exec is answered (stockade-init's does not
 * count: notify_handle), once: wait until the clock has passed the
 * reference for drift (sup_ctx.started), so that whatever the container
 * writes from then on has a later ctime (a file written in the same tick
 * would carry the same ctime, and equal is "before"). The reference was last taken when the runtime's create
 * returned or, for `run`, when the runtime handed over the container's
 * listener (sup.c, accept_one): what is left of the clock's tick (4 ms
 * at HZ=250) after that, and after the work that decides this exec, is
 * waited for here. Only the answer to an exec lets the container's own
 * code run: what is answered before (the runtime's syscalls under the
 * filter) need not wait. */
static void settle_start(struct sup_ctx *ctx) {
  if (ctx->started_final)
    return;
  ctx->started_final = true;
  if (!mounts_clock_settle(&ctx->started, 100))
    log_msg(LOG_WARNING,
            "container \"%s\": the clock did not pass the start reference within 100 ms (was it set back?): a "
            "file written in the next instants may not count as drift",
            ctx->id);
}

int notify_handle(struct sup_ctx *ctx, int nfd, struct sk_error **err) {
  struct seccomp_notif req;
  struct exec_call call;
  struct exec_verdict v;
  cleanup_json struct json *argv = NULL;
  char path[PATH_MAX];
  bool is_execveat;
  uint64_t path_addr, argv_addr;
  int nr_execve, nr_execveat;
  pid_t pid;
  int r;

  memset(&req, 0, sizeof(req));
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
    if (errno == EINTR || errno == ENOENT)
      return 0; /* the target went away before we read it */
    return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_RECV");
  }
  pid = (pid_t)req.pid;
  exec_numbers(req.data.arch, &nr_execve, &nr_execveat);
  is_execveat = (int)req.data.nr == nr_execveat;
  if (!is_execveat && (int)req.data.nr != nr_execve) {
    /* Not an exec: a learning filter's (recorded), or a profile that
     * notifies more. Let it through; the arguments were read before the
     * answer, while the caller waits. In enforce mode the filter notifies
     * only execs and what it denies (shim/lib/spec/sysdeny.c): denied. */
    if (ctx->learn == NULL && ctx->mode == SK_MODE_ENFORCE) {
      /* What the filter denies is answered with its errno; what hardening
       * may make fail goes on, named when it will (diag.c); anything else
       * is no call this supervisor asked for: denied. */
      if (sysdeny_find(&ctx->denied, req.data.arch, (int)req.data.nr) == NULL &&
          (r = sup_diag_notified(ctx, nfd, &req, err)) != 0)
        return r < 0 ? -1 : 0;
      return sup_syscall_denied(ctx, nfd, &req, err);
    }
    learn_record(ctx, nfd, &req);
    return respond(nfd, req.id, 0, true) < 0 ? sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND") : 0;
  }
  ctx->n_notify++; /* exec notifications, for the stop event */
  /* No exec before vm.memfd_noexec is set (memfd.c). Not set: denied, and
   * the container stopped. */
  if (sup_memfd_wait(ctx) < 0) {
    if (ctx->init_pidfd >= 0)
      syscall(SYS_pidfd_send_signal, ctx->init_pidfd, SIGKILL, NULL, 0);
    return respond(nfd, req.id, -EPERM, false) < 0 ? sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND") : 0;
  }
  path_addr = req.data.args[is_execveat ? 1 : 0];
  argv_addr = req.data.args[is_execveat ? 2 : 1];
  if (argv_read_string(pid, path_addr, path, sizeof(path)) < 0)
    path[0] = '\0';
  if (mark_first(ctx, nfd, &req, argv_addr) < 0)
    return 0;
  exec_call_of(&req, is_execveat, path, &call);
  exec_check(ctx, &call, &v);
  /* argv only for an event this side writes, and before the answer (and
   * the validity check below): once the target runs on, it may change it. */
  if (v.answer == EXEC_DENY)
    argv = argv_read(pid, req.data.arch, argv_addr);
  /* Everything read from the target and through /proc/<pid> is trusted
   * only if the notification is still valid: the thread, blocked in it,
   * was then the same one throughout (its id cannot have been reused).
   * A plain CONTINUE needs no separate check: the answer itself fails
   * (ENOENT) for a notification no longer valid, and nothing else is
   * done with what was read. Anything with another effect (an event, an
   * action, learning, marking) is checked first. */
  if (!(v.answer == EXEC_CONTINUE && ctx->learn == NULL && nfd >= 0 && nfd < 1024 && ctx->exec_seen[nfd]) &&
      ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0) {
    exec_verdict_done(&v);
    return 0;
  }
  if (nfd >= 0 && nfd < 1024) {
    /* The exec itself belongs to the workload once the runtime's own
     * (the entrypoint's) has gone by; so do the syscalls after it
     * (learning, denied syscalls). */
    if (ctx->learn && ctx->exec_seen[nfd])
      learn_record(ctx, nfd, &req);
    ctx->exec_seen[nfd] = true;
  }
  /* The first exec's answer waits for the clock, unless it is
   * stockade-init's: the host's program, which writes nothing and only
   * execs the entrypoint, whose answer then waits instead, while
   * stockade-init's own run (0.5 to 0.8 ms here) has used up some of the
   * tick. */
  if (!(v.answer == EXEC_CONTINUE && v.init))
    settle_start(ctx);
  r = exec_answer(ctx, nfd, &req, &v, argv, argv_addr, err);
  exec_verdict_done(&v);
  return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* vm.memfd_noexec for a supervised container, without a hook process.
 *
 * The sysctl is raised from inside the container's PID namespace by a
 * process of the host with CAP_SYS_ADMIN (memfd_noexec_apply). Unsupervised,
 * that is a createRuntime hook: the runtime starts stockade once more, about
 * 10 ms of every start. Supervised, the supervisor already learns the
 * container's init when the runtime hands it the seccomp listener, before
 * any program of the container has run (the listener's first exec waits for
 * an answer from this process). A helper forked before the supervisor
 * confines itself (its filter allows neither setns nor fork) waits for that
 * pid, applies the level, says how it went and exits. The supervisor waits
 * for it before it takes the listener: no exec is answered before the
 * level is set. Fail closed: when it cannot be set, the container's init
 * is killed and the "memfd" event says why. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/log.h"
#include "stockade/memfd_noexec.h"
#include "stockade/supervisor.h"

#include "sup_int.h"

/* The helper: one pid in, "1", "0 why" or "-1 message" out. */
static void helper(int in, int out) {
  cleanup_error struct sk_error *err = NULL;
  char why[300] = "", msg[600];
  pid_t pid = 0;
  ssize_t n;
  int r;

  do
    n = read(in, &pid, sizeof(pid));
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof(pid) || pid <= 0)
    _exit(0); /* the supervisor ended, or needs nothing */
  r = memfd_noexec_apply(pid, MEMFD_NOEXEC_LEVEL, why, sizeof(why), &err);
  n = snprintf(msg, sizeof(msg), "%d %s", r, r < 0 ? (err && err->msg ? err->msg : "failed") : why);
  if (n > 0 && write(out, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1) < 0)
    _exit(1);
  _exit(0);
}

int sup_memfd_start(struct sup_ctx *ctx, struct sk_error **err) {
  int to[2], from[2];
  pid_t c;

  if (!ctx->memfd_by_sup)
    return 0;
  if (pipe2(to, O_CLOEXEC) < 0)
    return sk_error_set(err, errno, "vm.memfd_noexec helper: pipe");
  if (pipe2(from, O_CLOEXEC) < 0) {
    int e = errno;
    close(to[0]);
    close(to[1]);
    return sk_error_set(err, e, "vm.memfd_noexec helper: pipe");
  }
  /* The supervisor's filter has no wait4: its children are reaped by the
   * kernel. The helper waits for its own (memfd_noexec_apply). */
  signal(SIGCHLD, SIG_IGN);
  c = fork();
  if (c < 0) {
    int e = errno;
    close(to[0]);
    close(to[1]);
    close(from[0]);
    close(from[1]);
    return sk_error_set(err, e, "vm.memfd_noexec helper: fork");
  }
  if (c == 0) {
    int keep[2] = {to[0], from[1]};
    signal(SIGCHLD, SIG_DFL);
    if (sup_close_others(keep, 2) < 0)
      _exit(1);
    helper(to[0], from[1]);
  }
  close(to[0]);
  close(from[1]);
  ctx->memfd_to = to[1];
  ctx->memfd_from = from[0];
  return 0;
}

static void memfd_event(struct sup_ctx *ctx, int level, const char *not_applied, const char *message) {
  struct event_subject subj;
  cleanup_json struct json *ev = NULL;
  sup_subject(ctx, &subj);
  ev = memfd_noexec_event(&subj, level, not_applied, message);
  if (ev)
    sup_emit(ctx, ev);
}

int sup_memfd_request(struct sup_ctx *ctx, pid_t pid) {
  if (!ctx->memfd_by_sup || ctx->memfd_done || ctx->memfd_pending)
    return 0;
  if (pid <= 0 || ctx->memfd_to < 0 || write(ctx->memfd_to, &pid, sizeof(pid)) != (ssize_t)sizeof(pid)) {
    ctx->memfd_failed = pid <= 0 ? "the runtime's message names no pid" : "the helper is gone";
    ctx->memfd_done = true;
    return -1;
  }
  ctx->memfd_pending = true;
  return 0;
}

int sup_memfd_wait(struct sup_ctx *ctx) {
  char buf[600], msg[700];
  ssize_t n = 0, r;
  int code = -1;

  if (!ctx->memfd_by_sup)
    return 0;
  if (ctx->memfd_pending) {
    /* Its answer, then end of file when it exits. */
    for (;;) {
      r = read(ctx->memfd_from, buf + n, sizeof(buf) - 1 - (size_t)n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0 || (size_t)(n += r) == sizeof(buf) - 1)
        break;
    }
    buf[n] = '\0';
    ctx->memfd_pending = false;
    ctx->memfd_done = true;
    code = buf[0] ? atoi(buf) : -1;
    if (code == 1)
      memfd_event(ctx, MEMFD_NOEXEC_LEVEL, NULL, MEMFD_NOEXEC_APPLIED_MESSAGE);
    else if (code == 0)
      memfd_event(ctx, 0, strchr(buf, ' ') ? strchr(buf, ' ') + 1 : "not applied",
                  "vm.memfd_noexec is never changed in the host's PID namespace");
    else
      ctx->memfd_failed = "";
  } else if (!ctx->memfd_done) {
    return 0; /* not asked yet: the runtime has not handed over the init */
  }
  if (ctx->memfd_to >= 0)
    close(ctx->memfd_to);
  if (ctx->memfd_from >= 0)
    close(ctx->memfd_from);
  ctx->memfd_to = ctx->memfd_from = -1;
  if (ctx->memfd_failed == NULL)
    return 0;
  if (!ctx->memfd_reported) {
    const char *why = ctx->memfd_failed[0] ? ctx->memfd_failed
                                           : (strchr(buf, ' ') ? strchr(buf, ' ') + 1 : "no answer from the helper");
    snprintf(msg, sizeof(msg),
             "cannot set vm.memfd_noexec=%d in the container's PID namespace: %s; the container is stopped (fix: "
             "run the supervisor where it has CAP_SYS_ADMIN, or let the profile set exec.memfdExec)",
             MEMFD_NOEXEC_LEVEL, why);
    log_msg(LOG_ERROR, "container \"%s\": %s", ctx->id, msg);
    memfd_event(ctx, 0, "error", msg);
    ctx->memfd_reported = true;
  }
  return -1;
}

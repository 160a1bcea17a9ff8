/* SPDX-License-Identifier: Apache-2.0 */
/* Denied syscalls and summaries.
 *
 * The hardened filter notifies the syscalls it denies (shim/lib/spec/sysdeny.c);
 * each is answered here with the filter's errno. The first call of each
 * syscall in a container is an event; later ones are counted and written
 * as summaries, once per interval when the counts moved and at the stop.
 * The same ticks write a "dropped" event for what the rate limiter let
 * fall, so the deny events plus the dropped counts are every denial. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "stockade/cleanup.h"
#include "stockade/log.h"
#include "stockade/seccomp.h"
#include "stockade/supervisor.h"

#include "sup_int.h"

/* MITRE ATT&CK for the denied syscalls that name an intent. */
static const char *technique_of(const char *name) {
  static const char *const escape[] = {
      "mount",        "umount2",         "unshare", "setns",  "pivot_root", "open_by_handle_at", "init_module",
      "finit_module", "kexec_load",      "bpf",     "chroot", "fsopen",     "fsmount",           "move_mount",
      "open_tree",    "kexec_file_load", NULL,
  };
  size_t i;
  if (strcmp(name, "ptrace") == 0 || strcmp(name, "process_vm_writev") == 0)
    return "T1055"; /* process injection */
  for (i = 0; escape[i]; i++)
    if (strcmp(escape[i], name) == 0)
      return "T1611"; /* escape to host */
  return NULL;
}

/* One "syscall" event: the first call (pid known, summary NULL) or a
 * summary ("periodic" or "stop") with the total and what is new. */
static void syscall_event(struct sup_ctx *ctx, struct sysdeny_entry *e, pid_t pid, const char *summary) {
  cleanup_json struct json *ev = NULL;
  const char *en = strerrorname_np(e->errno_);
  char reason[160];
  struct event_subject subj;
  struct event_what w = {.type = "syscall",
                         .decision = "deny",
                         .mechanism = "seccomp",
                         .message = reason,
                         .technique = technique_of(e->name)};
  struct event_process proc = {.pid = pid > 0 ? pid : 0};

  snprintf(reason, sizeof(reason), "profile \"%s\"'s seccomp filter denies %s (answered %s)", ctx->profile->name,
           e->name, en ? en : "an errno");
  sup_subject(ctx, &subj);
  ev = event_build(&subj, &w, &proc);
  if (ev == NULL || event_detail_str(ev, "action", "deny") < 0 || event_detail_str(ev, "syscall", e->name) < 0 ||
      event_detail_str(ev, "arch", e->arch_name) < 0 || event_detail_int(ev, "errno", e->errno_) < 0 ||
      event_detail_str(ev, "errnoName", en) < 0 || event_detail_int(ev, "count", (int64_t)e->count) < 0)
    return;
  if (summary && (event_detail_str(ev, "summary", summary) < 0 ||
                  event_detail_int(ev, "new", (int64_t)(e->count - e->reported)) < 0))
    return;
  sup_emit(ctx, ev);
  e->reported = e->count;
}

static int answer(int nfd, uint64_t id, int eno) {
  struct seccomp_notif_resp resp = {.id = id, .error = -eno};
  /* ENOENT: the caller is gone (or was interrupted); nothing to answer. */
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
    return -1;
  return 0;
}

/* A notification for no syscall of the table (a filter this supervisor
 * did not generate): denied, fail closed, with an event each time
 * (rate-limited); the name from libseccomp, on this rare path only. */
static void unknown_syscall(struct sup_ctx *ctx, const struct seccomp_notif *req) {
  struct sysdeny_entry e = {.arch = req->data.arch, .nr = req->data.nr, .errno_ = EPERM, .count = 1};
  cleanup_free char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  if (!event_limiter_take_type(&ctx->limiter, &now, "syscall"))
    return;
  snprintf(e.name, sizeof(e.name), "%s", name ? name : "unknown");
  e.arch_name = seccomp_arch_name(req->data.arch);
  syscall_event(ctx, &e, (pid_t)req->pid, NULL);
}

int sup_syscall_denied(struct sup_ctx *ctx, int nfd, const struct seccomp_notif *req, struct sk_error **err) {
  struct sysdeny_entry *e = sysdeny_find(&ctx->denied, req->data.arch, (int)req->data.nr);
  /* Before this listener's first exec the caller is the runtime, between
   * installing the filter and starting the program: answered, not the
   * workload's to report. */
  bool workload = nfd >= 0 && nfd < 1024 && ctx->exec_seen[nfd];
  struct timespec now;

  if (answer(nfd, req->id, e ? e->errno_ : EPERM) < 0)
    return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND");
  if (!workload)
    return 0;
  ctx->n_syscall_deny++;
  if (e == NULL) {
    unknown_syscall(ctx, req);
    return 0;
  }
  if (e->count < ~0ull)
    e->count++;
  if (e->count > 1) {
    ctx->summary_pending = true;
    return 0;
  }
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (event_limiter_take_type(&ctx->limiter, &now, "syscall"))
    syscall_event(ctx, e, (pid_t)req->pid, NULL);
  else
    ctx->summary_pending = true; /* the summary reports it */
  return 0;
}

static double since(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void write_dropped(struct sup_ctx *ctx) {
  cleanup_json struct json *ev = NULL;
  struct json *details = NULL;
  struct event_subject subj;
  struct event_what w = {.type = "dropped",
                         .decision = "info",
                         .mechanism = "supervisor",
                         .message = "events beyond the rate limit (config eventRate, eventBurst) were not written; "
                                    "details has their counts by type"};

  if (event_dropped_details(&ctx->limiter, &details) < 0 || details == NULL)
    return;
  sup_subject(ctx, &subj);
  ev = event_build(&subj, &w, NULL);
  if (ev == NULL) {
    json_free(details);
    return;
  }
  if (json_set(ev, "details", details) < 0)
    return;
  sup_emit(ctx, ev);
}

void sup_summaries(struct sup_ctx *ctx, bool final) {
  struct timespec now;
  size_t i;

  clock_gettime(CLOCK_MONOTONIC, &now);
  if (ctx->summary_last.tv_sec == 0 && ctx->summary_last.tv_nsec == 0)
    ctx->summary_last = now;
  if (!final && since(&ctx->summary_last, &now) < ctx->cfg->summary_interval)
    return;
  ctx->summary_last = now;
  if (ctx->summary_pending) {
    for (i = 0; i < ctx->denied.n; i++)
      if (ctx->denied.v[i].count > ctx->denied.v[i].reported)
        syscall_event(ctx, &ctx->denied.v[i], 0, final ? "stop" : "periodic");
    ctx->summary_pending = false;
  }
  write_dropped(ctx);
}

int sup_summary_timeout(const struct sup_ctx *ctx, int timeout_ms) {
  struct timespec now;
  double left;
  int ms;

  if (!ctx->summary_pending && ctx->limiter.dropped == 0)
    return timeout_ms;
  clock_gettime(CLOCK_MONOTONIC, &now);
  left = ctx->cfg->summary_interval - since(&ctx->summary_last, &now);
  ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
  return timeout_ms < 0 || ms < timeout_ms ? ms : timeout_ms;
}

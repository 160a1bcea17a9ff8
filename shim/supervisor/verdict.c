/* SPDX-License-Identifier: Apache-2.0 */
/* A decision's consequences: the event that reports it (sup_event,
 * sup_note, sup_emit, with the argv the seccomp side saw) and, in enforce
 * mode, what the profile says to do after a deny (sup_act: deny, kill,
 * freeze). Below fanotify (fan_event.c), user-notify (notify.c) and the
 * denied syscalls (syscalls.c), which all report through it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/log.h"
#include "stockade/supervisor.h"

#include "sup_int.h"

void sup_remember_argv(struct sup_ctx *ctx, pid_t pid, const struct json *argv) {
  unsigned i = ctx->recent_next++ % (sizeof(ctx->recent) / sizeof(ctx->recent[0]));
  json_free(ctx->recent[i].argv);
  ctx->recent[i].pid = pid;
  ctx->recent[i].argv = argv ? json_copy(argv) : NULL;
}

static const struct json *recall_argv(const struct sup_ctx *ctx, pid_t pid) {
  size_t n = sizeof(ctx->recent) / sizeof(ctx->recent[0]), k;
  /* newest first: a pid that execs twice matches its latest exec */
  for (k = 1; k <= n; k++) {
    size_t i = (ctx->recent_next - k) % n;
    if (ctx->recent[i].argv && ctx->recent[i].pid == pid)
      return ctx->recent[i].argv;
  }
  return NULL;
}

/* Write one event. One that cannot be written (event file gone, a
 * directory, full, read-only) changes no decision, which was taken
 * already; it is counted, logged in supervisor.log with the reason, and the
 * next event that is written carries "lost": N, as the stop message does. */
void sup_emit(struct sup_ctx *ctx, struct json *ev) {
  cleanup_error struct sk_error *err = NULL;
  if (ctx->n_event_lost > 0 && event_detail_int(ev, "lost", (int64_t)ctx->n_event_lost) < 0)
    return;
  if (event_emit(ctx->cfg, ev, &err) < 0) {
    ctx->n_event_lost++;
    ctx->n_event_lost_total++;
    log_msg(LOG_WARNING, "container \"%s\": event lost (%llu since the last written): %s", ctx->id, ctx->n_event_lost,
            err->msg);
    return;
  }
  ctx->n_event_lost = 0;
}

void sup_subject(const struct sup_ctx *ctx, struct event_subject *s) {
  s->container = ctx->id;
  s->spec = ctx->spec;
  s->profile = ctx->profile->name;
  s->profile_sha256 = ctx->profile->sha256;
  s->mode = mode_name(ctx->mode);
}

/* An exec decision: "deny" when enforce mode denied it, "report" when
 * another mode let through what enforce mode would deny. */
void sup_event(struct sup_ctx *ctx, const struct decision *d, const char *mechanism, pid_t pid,
               const struct exec_fact *f, const struct json *argv, const char *action_taken) {
  cleanup_json struct json *ev = NULL;
  struct event_subject subj;
  struct event_what w = {.type = d->type, .mechanism = mechanism, .message = d->reason, .technique = d->technique};
  struct event_process proc = {.pid = pid > 0 ? pid : 0};
  struct timespec now;

  /* What the limiter drops is counted by type and written by
   * sup_summaries as a "dropped" event. */
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (!event_limiter_take_type(&ctx->limiter, &now, d->type))
    return;
  if (d->kind != DECIDE_DENY)
    w.decision = "allow";
  else
    w.decision = ctx->mode == SK_MODE_ENFORCE ? "deny" : "report";
  if (w.message == NULL || *w.message == '\0')
    w.message = d->kind == DECIDE_DENY ? "exec denied" : "exec allowed";
  if (f) {
    proc.path = f->path;
    proc.sha256 = f->sha256;
    proc.where = exec_where_name(f->where);
  }
  if (argv == NULL && pid > 0)
    argv = recall_argv(ctx, pid);
  proc.argv = argv;
  sup_subject(ctx, &subj);
  ev = event_build(&subj, &w, &proc);
  if (ev == NULL || event_detail_str(ev, "action", action_taken) < 0)
    return;
  if (f && f->sha256_skipped && event_detail_str(ev, "sha256Skipped", f->sha256_skipped) < 0)
    return;
  sup_emit(ctx, ev);
}

/* A lifecycle line: always written (not rate-limited: there are two). */
void sup_note(struct sup_ctx *ctx, const char *what, const char *message) {
  struct event_subject subj;
  struct event_what w = {.type = "supervisor", .decision = "info", .mechanism = "supervisor", .message = message};
  cleanup_json struct json *ev = NULL;
  sup_subject(ctx, &subj);
  ev = event_build(&subj, &w, NULL);
  if (ev == NULL || event_detail_str(ev, "event", what) < 0 || event_detail_int(ev, "supervisorPid", getpid()) < 0)
    return;
  sup_emit(ctx, ev);
}

/* The supervisor's cgroups (freezer v1, unified v2) before it moved into
 * its own: its caller's (sup_act_remember_cgroups). */
static char orig_v1[PATH_MAX], orig_v2[PATH_MAX];

/* Read the freezer (v1) and unified (v2) cgroup paths of a process. */
static void cgroup_paths(const char *file, char *v1, char *v2, size_t size) {
  cleanup_fclose FILE *f = fopen(file, "re");
  char line[PATH_MAX];
  v1[0] = v2[0] = '\0';
  while (f && fgets(line, sizeof(line), f)) {
    char *c;
    line[strcspn(line, "\n")] = '\0';
    if ((c = strstr(line, ":freezer:")))
      snprintf(v1, size, "%s", c + 9);
    else if (strncmp(line, "0::", 3) == 0)
      snprintf(v2, size, "%s", line + 3);
  }
}

static int write_str(const char *path, const char *s) {
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  size_t n = strlen(s);
  return fd >= 0 && write(fd, s, n) == (ssize_t)n ? 0 : -1;
}

/* Freeze the container's cgroup. Refused when it is the root or the
 * supervisor's own cgroup (crun with its cgroup manager disabled leaves the
 * container in its caller's): freezing that would freeze more than the
 * container. */
static int freeze_container(pid_t pid) {
  char p[PATH_MAX + 64], v1[PATH_MAX], v2[PATH_MAX], my1[PATH_MAX], my2[PATH_MAX];
  snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
  cgroup_paths(p, v1, v2, sizeof(v1));
  cgroup_paths("/proc/self/cgroup", my1, my2, sizeof(my1));
  /* The supervisor left its caller's cgroup for its own (cgroup.c): the
   * caller's is refused as well. */
  if ((v1[0] && strcmp(v1, orig_v1) == 0) || (v2[0] && strcmp(v2, orig_v2) == 0))
    return -1;
  if (v1[0] && strcmp(v1, "/") != 0 && strcmp(v1, my1) != 0) {
    snprintf(p, sizeof(p), "/sys/fs/cgroup/freezer%s/freezer.state", v1);
    if (write_str(p, "FROZEN") == 0)
      return 0;
  }
  if (v2[0] && strcmp(v2, "/") != 0 && strcmp(v2, my2) != 0) {
    snprintf(p, sizeof(p), "/sys/fs/cgroup%s/cgroup.freeze", v2);
    if (write_str(p, "1") == 0)
      return 0;
  }
  return -1;
}

static void kill_container(struct sup_ctx *ctx) {
  /* The init of a PID namespace takes every process of it along. */
  if (ctx->init_pidfd >= 0)
    pidfd_send_signal(ctx->init_pidfd, SIGKILL, NULL, 0);
}

const char *sup_act(struct sup_ctx *ctx, const struct decision *d, pid_t pid) {
  if (ctx->mode != SK_MODE_ENFORCE || d->kind != DECIDE_DENY)
    return "allow";
  switch (ctx->profile->action) {
  case PROFILE_ACTION_KILL:
    kill_container(ctx);
    return "kill";
  case PROFILE_ACTION_FREEZE:
    if (freeze_container(ctx->init_pid > 0 ? ctx->init_pid : pid) == 0)
      return "freeze";
    /* No cgroup of its own to freeze: fail closed. */
    kill_container(ctx);
    return "freeze-failed-killed";
  case PROFILE_ACTION_DENY:
    break;
  }
  return "deny";
}

void sup_act_remember_cgroups(void) { cgroup_paths("/proc/self/cgroup", orig_v1, orig_v2, sizeof(orig_v1)); }

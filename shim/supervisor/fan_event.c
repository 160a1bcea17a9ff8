/* SPDX-License-Identifier: Apache-2.0 */
/* fanotify's events: each FAN_OPEN_EXEC_PERM decided (the file the kernel
 * opened, its interpreter), answered, then reported and acted on; in
 * learning mode the files the container wrote. The group itself (marks,
 * hashes) is fan.c's. While an event is unanswered a process of the
 * container is blocked in execve: nothing here may wait for the container
 * or open a file on a marked mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/fan.h"
#include "stockade/landlock.h"
#include "stockade/learn.h"
#include "stockade/log.h"
#include "stockade/supervisor.h"

#include "execcheck.h"
#include "execpath.h"
#include "fan_int.h"
#include "sup_int.h"

/* --- events --- */

static int respond(struct fan *f, int event_fd, bool allow) {
  struct fanotify_response r = {.fd = event_fd, .response = allow ? FAN_ALLOW : FAN_DENY};
  for (;;) {
    if (write(f->fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
      return 0;
    if (errno != EINTR)
      return -1;
  }
}

/* Why the last file examine() did not hash (over a bound); the event
 * written for its decision points at it. One supervisor, one thread. */
static char skipped_why[160];

/* The facts about the event's file, with its hash when the decision needs
 * it. A file over the hashing bounds (fan_hash_fd_bounded) cannot be
 * judged by a rule that needs its hash: an error, so the exec is denied in
 * enforce mode with the reason; when only learning wants the hash, the
 * fact says why there is none. */
static int examine(struct fan *f, struct sup_ctx *ctx, int fd, struct exec_fact *fact, char *path, char hex[65],
                   struct sk_error **err) {
  bool needed;
  int r;
  if (mounts_fact_from_fd(fd, &f->mounts, &ctx->started, fact, path, err) < 0)
    return -1;
  needed = decide_needs_hash(ctx->profile, &ctx->blocklist, fact);
  /* Learning records every program with its hash. */
  if (ctx->learn || needed) {
    r = fan_hash_fd_bounded(f, fd, hex, skipped_why, sizeof(skipped_why), err);
    if (r < 0)
      return -1;
    if (r == 1 && needed)
      return sk_error_set(err, EFBIG,
                          "not hashed (%s), and the profile's block-list or pinned allow-list needs its SHA-256",
                          skipped_why);
    if (r == 1)
      fact->sha256_skipped = skipped_why;
    else
      fact->sha256 = hex;
  }
  return 0;
}

/* --- interpreters --- */

/* The interpreter the kernel will open for the program fd: "#!" name or
 * PT_INTERP, cached by device, inode, size and ctime. 1: out holds it; 0:
 * none; -1: unreadable. */
static int interp_of(struct fan *f, int fd, char *out, size_t size) {
  struct cache_entry key;
  bool keyed = fan_file_key(fd, &key);
  struct interp_entry *slot = keyed ? &f->interp[slot_of(&key) & (INTERP_CACHE - 1)] : NULL;
  int r;

  if (slot && same_key(&slot->key, &key)) {
    if (slot->has)
      snprintf(out, size, "%s", slot->name);
    return slot->has ? 1 : 0;
  }
  r = execpath_interp(fd, f->buf, sizeof(f->buf), out, size);
  if (r >= 0 && slot && (r == 0 || strlen(out) < INTERP_MAX)) {
    slot->key = key;
    slot->has = r == 1;
    if (r == 1)
      snprintf(slot->name, sizeof(slot->name), "%s", out);
  }
  return r;
}

/* A script's "#!" interpreter and a program's ELF interpreter are opened
 * by the kernel inside this exec: they must pass what the program's own
 * path passes on the seccomp side (no /proc, no memfd, a watched mount
 * that allows execution, exec.allow), resolved for the thread that
 * executes. Landlock would refuse an interpreter outside exec.allow
 * before fanotify saw it, without an event: the program is denied here
 * instead, with one. d stays as it is when the interpreter may run. */
static void judge_interp(struct fan *f, struct sup_ctx *ctx, const struct fanotify_event_metadata *m,
                         const struct exec_fact *fact, struct decision *d, char *reason) {
  char name[PATH_MAX];
  struct exec_call c = {.tid = m->pid, .by_fd = false, .dirfd = AT_FDCWD, .flags = 0, .path = name};
  struct exec_verdict v;
  int r = interp_of(f, m->fd, name, sizeof(name));

  if (r == 0)
    return;
  if (r < 0) {
    d->kind = DECIDE_DENY;
    d->type = "error";
    d->technique = NULL;
    snprintf(reason, DECISION_REASON_MAX, "%s: cannot read which interpreter it needs: %s",
             fact->path ? fact->path : "(unknown path)", strerror(errno));
    d->reason = reason;
    return;
  }
  exec_check(ctx, &c, &v);
  if (v.answer == EXEC_DENY) {
    *d = v.d;
    /* Cut when too long (the reason names the program first). */
    if (snprintf(reason, DECISION_REASON_MAX, "%s needs interpreter %s: %s", fact->path ? fact->path : "(unknown path)",
                 v.f.path ? v.f.path : name, v.reason) >= DECISION_REASON_MAX)
      reason[DECISION_REASON_MAX - 1] = '\0';
    d->reason = reason;
  }
  exec_verdict_done(&v);
}

/* Learning: the user the executing process runs as, against the one the
 * container's process started as (learn_infer_ids). */
static void learn_exec_ids(struct sup_ctx *ctx, pid_t pid, const char *path) {
  char p[64], line[256];
  cleanup_fclose FILE *f = NULL;
  uint64_t start_uid = 0, start_gid = 0;
  unsigned r, e, uid = 0, gid = 0;
  int have = 0;

  if (!json_uint64(json_get_path(ctx->spec, "process", "user", "uid", NULL), &start_uid))
    start_uid = 0;
  if (!json_uint64(json_get_path(ctx->spec, "process", "user", "gid", NULL), &start_gid))
    start_gid = 0;
  if (start_uid != 0)
    return;
  snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
  f = fopen(p, "re");
  while (f && fgets(line, sizeof(line), f) && have != 3) {
    if (sscanf(line, "Uid: %u %u", &r, &e) == 2) {
      uid = e;
      have |= 1;
    } else if (sscanf(line, "Gid: %u %u", &r, &e) == 2) {
      gid = e;
      have |= 2;
    }
  }
  if (have == 3)
    learn_infer_ids(ctx->learn, (uid_t)start_uid, (gid_t)start_gid, (uid_t)uid, (gid_t)gid, path);
}

/* One FAN_OPEN_EXEC_PERM event: decide, answer, then act and report. */
static void handle_exec(struct fan *f, struct sup_ctx *ctx, const struct fanotify_event_metadata *m) {
  cleanup_error struct sk_error *e = NULL;
  struct exec_fact fact = {.path = NULL, .where = WHERE_OTHER};
  struct decision d;
  char path[PATH_MAX], hex[65], reason[DECISION_REASON_MAX];
  bool allow;

  memset(&d, 0, sizeof(d));
  f->stats.events++;
  if (sup_is_init(ctx, m->fd)) {
    d.kind = DECIDE_ALLOW; /* stockade-init, the host's file (init_exec.c) */
    d.type = "exec";
    fact.path = SK_INIT_DEST;
  } else if (examine(f, ctx, m->fd, &fact, path, hex, &e) == 0) {
    decide_exec(ctx->profile, &ctx->blocklist, &fact, &d);
    if (d.kind == DECIDE_ALLOW)
      judge_interp(f, ctx, m, &fact, &d, reason);
  } else {
    /* Fail closed: a file we cannot examine is not let run in enforce mode. */
    f->stats.errors++;
    d.kind = DECIDE_DENY;
    d.type = "error";
    d.technique = NULL;
    snprintf(reason, sizeof(reason), "%s: cannot examine the executed file: %s",
             fact.path ? fact.path : "(unknown path)", e && e->msg ? e->msg : "unknown error");
    d.reason = reason;
  }

  allow = d.kind == DECIDE_ALLOW || ctx->mode != SK_MODE_ENFORCE;
  if (!allow)
    f->stats.denied++;
  if (respond(f, m->fd, allow) < 0)
    log_msg(LOG_ERROR, "container \"%s\": fanotify: cannot answer the exec of %s by pid %d: %s", ctx->id,
            fact.path ? fact.path : "(unknown path)", (int)m->pid, strerror(errno));
  /* One event per exec: not again what the seccomp side reported for this
   * thread and file and let go on (complain and learn modes). */
  if (strcmp(d.type, "exec") != 0 && !(ctx->mode != SK_MODE_ENFORCE && exec_told_take(ctx, m->pid, m->fd)))
    sup_event(ctx, &d, "fanotify", m->pid, &fact, NULL, sup_act(ctx, &d, m->pid));
  if (ctx->learn && fact.path) {
    learn_add_exec(ctx->learn, fact.path, fact.sha256, exec_where_name(fact.where), NULL);
    learn_exec_ids(ctx, m->pid, fact.path);
  }
}

/* Learning: a file the container wrote (FAN_CLOSE_WRITE, not a permission
 * event: nothing waits for us), at its path in the container, also when it
 * was still open as the container ended (mounts_container_path). */
static void handle_write(struct fan *f, struct sup_ctx *ctx, const struct fanotify_event_metadata *m) {
  char link[64], path[PATH_MAX], full[PATH_MAX];
  ssize_t n;
  if (ctx->learn == NULL)
    return;
  snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
  n = readlink(link, path, sizeof(path) - 1);
  if (n <= 0)
    return;
  path[n] = '\0';
  if (path[0] == '/' && mounts_container_path(&f->mounts, mounts_fd_mount_id(m->fd), path, full, sizeof(full)) == 0)
    learn_add_write(ctx->learn, full, NULL);
}

int fan_handle(struct fan *f, struct sup_ctx *ctx, struct sk_error **err) {
  union {
    struct fanotify_event_metadata m;
    char b[4096];
  } buf;
  uint64_t overflows = f->stats.overflows;
  int read_errno = 0, rounds;

  for (rounds = 0; rounds < READS_PER_CALL; rounds++) {
    const struct fanotify_event_metadata *m;
    ssize_t len = read(f->fd, buf.b, sizeof(buf.b));
    if (len < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      /* The kernel could not hand the event over (it could not open the
       * file for us: EMFILE, ENFILE, an LSM); it denied that exec itself. */
      read_errno = errno;
      f->stats.kernel_denied++;
      continue;
    }
    if (len == 0)
      break;
    for (m = &buf.m; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
      if (m->vers != FANOTIFY_METADATA_VERSION)
        return sk_error_set(err, EPROTO, "fanotify metadata version %u, expected %u", m->vers,
                            FANOTIFY_METADATA_VERSION);
      if (m->mask & FAN_Q_OVERFLOW)
        f->stats.overflows++;
      if (m->fd < 0)
        continue;
      if (m->mask & FAN_OPEN_EXEC_PERM)
        handle_exec(f, ctx, m);
      if (m->mask & FAN_CLOSE_WRITE)
        handle_write(f, ctx, m);
      close(m->fd);
    }
  }
  if (f->stats.overflows != overflows)
    return sk_error_set(err, EOVERFLOW, "the fanotify queue overflowed: some executions may have run unchecked");
  if (read_errno)
    return sk_error_set(err, read_errno, "the kernel could not hand over an exec event and denied it");
  return 0;
}

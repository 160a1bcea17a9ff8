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
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/fan.h"
#include "stockade/landlock.h"
#include "stockade/learn.h"
#include "stockade/log.h"
#include "stockade/supervisor.h"

#include "argv.h"
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
static int examine(struct fan *f, struct sup_ctx *ctx, int fd, const struct execpath_file *info, struct exec_fact *fact,
                   char *path, char hex[65], struct sk_error **err) {
  const struct mount_entry *mnt = info ? mounts_find(&f->mounts, info->mnt_id) : NULL;
  bool needed;
  int r;
  if (mnt != NULL) {
    /* The usual case: the statx the caller made says it all; the path is
     * read for the rules that look at it and for learning (a denial's
     * event reads it later, fan_fact_path). */
    mounts_fact_on(mnt, info->has_ctime, info->ctime_sec, info->ctime_nsec, &ctx->started, fact);
    if ((ctx->learn || (ctx->profile && ctx->profile->has_exec_allow) || fact->written_after_start ||
         fact->where != WHERE_IMAGE) &&
        mounts_fact_path(fd, path, fact, err) < 0)
      return -1;
  } else if (mounts_fact_from_fd(fd, &f->mounts, &ctx->started, fact, path, err) < 0) {
    return -1;
  }
  needed = decide_needs_hash(ctx->profile, &ctx->blocklist, fact);
  /* Learning records every program with its hash. */
  if (ctx->learn || needed) {
    if (fact->path == NULL && mounts_fact_path(fd, path, fact, err) < 0)
      return -1;
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
static int interp_of(struct fan *f, int fd, const struct execpath_file *info, char *out, size_t size) {
  struct cache_entry key;
  bool keyed = info ? fan_key_of(info, &key) : fan_file_key(fd, &key);
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

/* The identity of thread tid's root directory (its /proc link followed). */
static bool root_of(pid_t tid, uint64_t id[3]) {
  char p[64];
  struct statx stx;
  snprintf(p, sizeof(p), "/proc/%d/root", (int)tid);
  if (statx(AT_FDCWD, p, 0, STATX_INO | STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
    return false;
  id[0] = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  id[1] = stx.stx_ino;
  id[2] = stx.stx_mnt_id;
  return true;
}

static const struct interp_ok *interp_ok_find(const struct fan *f, const uint64_t root[3], const char *name) {
  for (size_t i = 0; i < INTERP_OK; i++) {
    const struct interp_ok *k = &f->interp_ok[i];
    if (k->used && k->root_dev == root[0] && k->root_ino == root[1] && k->root_mnt == root[2] &&
        strcmp(k->name, name) == 0)
      return k;
  }
  return NULL;
}

/* May an interpreter that passed (v, for thread tid) be taken as passing
 * again without its walk? Only when where the name leads cannot change
 * under the container: an absolute name without "..", which resolves
 * without any symlink (RESOLVE_NO_SYMLINKS) to the same file, a file of the
 * image written before start on the container's root file system mounted
 * read-only: then every directory on the way is on that read-only mount,
 * and nothing but a new mount (which marks again and empties this cache)
 * or CAP_SYS_ADMIN in the container could change it; a profile that keeps
 * CAP_SYS_ADMIN, or admits privileged settings, gets no cache. */
static bool interp_ok_keep(struct fan *f, struct sup_ctx *ctx, pid_t tid, const char *name,
                           const struct exec_verdict *v) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  const struct mount_entry *m;
  struct statx a, b;
  cleanup_close int root = -1;
  cleanup_close int fd = -1;
  char p[64];
  size_t len = strlen(name);

  if (v->answer != EXEC_CONTINUE || v->opath < 0 || name[0] != '/' || len >= INTERP_MAX ||
      strstr(name, "/../") != NULL || (len >= 3 && strcmp(name + len - 3, "/..") == 0))
    return false;
  if (v->f.where != WHERE_IMAGE || v->f.written_after_start || ctx->profile == NULL ||
      ctx->profile->admit.all_capabilities || ctx->profile->admit.host_mounts || ctx->profile->admit.host_namespaces ||
      ctx->profile->admit.spec_seccomp)
    return false;
  for (size_t i = 0; i < ctx->profile->n_capabilities; i++)
    if (strcmp(ctx->profile->capabilities[i], "CAP_SYS_ADMIN") == 0)
      return false;
  if (statx(v->opath, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &a) < 0 || !(a.stx_mask & STATX_MNT_ID))
    return false;
  m = mounts_find(&f->mounts, (int)a.stx_mnt_id);
  if (m == NULL || !m->is_root || m->writable || !m->marked)
    return false;
  snprintf(p, sizeof(p), "/proc/%d/root", (int)tid);
  root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return false;
  fd = (int)syscall(SYS_openat2, root, name, &how, sizeof(how));
  if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &b) < 0)
    return false;
  return a.stx_dev_major == b.stx_dev_major && a.stx_dev_minor == b.stx_dev_minor && a.stx_ino == b.stx_ino &&
         a.stx_mnt_id == b.stx_mnt_id;
}

/* A script's "#!" interpreter and a program's ELF interpreter are opened
 * by the kernel inside this exec: they must pass what the program's own
 * path passes on the seccomp side (no /proc, no memfd, a watched mount
 * that allows execution, exec.allow), resolved for the thread that
 * executes. Landlock would refuse an interpreter outside exec.allow
 * before fanotify saw it, without an event: the program is denied here
 * instead, with one. d stays as it is when the interpreter may run. */
static void judge_interp(struct fan *f, struct sup_ctx *ctx, const struct fanotify_event_metadata *m,
                         const struct execpath_file *info, const struct exec_fact *fact, struct decision *d,
                         char *reason) {
  char name[PATH_MAX];
  struct exec_call c = {.tid = m->pid, .by_fd = false, .dirfd = AT_FDCWD, .flags = 0, .path = name};
  struct exec_verdict v;
  uint64_t root[3];
  bool have_root;
  int r = interp_of(f, m->fd, info, name, sizeof(name));

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
  have_root = root_of(m->pid, root);
  if (have_root && interp_ok_find(f, root, name))
    return; /* passed before, and where it leads cannot have changed */
  exec_check(ctx, &c, &v);
  if (have_root && strlen(name) < sizeof(f->interp_ok[0].name) && interp_ok_keep(f, ctx, m->pid, name, &v)) {
    struct interp_ok *k = &f->interp_ok[f->interp_ok_next++ % INTERP_OK];
    k->used = true;
    k->root_dev = root[0];
    k->root_ino = root[1];
    k->root_mnt = root[2];
    memcpy(k->name, name, strlen(name) + 1); /* fits: checked above */
  }
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
  struct execpath_file info;
  struct decision d;
  cleanup_json struct json *argv = NULL;
  char path[PATH_MAX], hex[65], reason[DECISION_REASON_MAX];
  bool allow, have_info, reported;

  memset(&d, 0, sizeof(d));
  f->stats.events++;
  /* One statx of the event's file for all that follows. */
  have_info = fan_stat_info(m->fd, &info);
  if (have_info ? sup_is_init_id(ctx, info.dev, info.ino, info.regular) : sup_is_init(ctx, m->fd)) {
    d.kind = DECIDE_ALLOW; /* stockade-init, the host's file (init_exec.c) */
    d.type = "exec";
    fact.path = SK_INIT_DEST;
  } else if (examine(f, ctx, m->fd, have_info ? &info : NULL, &fact, path, hex, &e) == 0) {
    decide_exec(ctx->profile, &ctx->blocklist, &fact, &d);
    if (d.kind != DECIDE_ALLOW && fact.path == NULL && mounts_fact_path(m->fd, path, &fact, NULL) == 0)
      decide_exec(ctx->profile, &ctx->blocklist, &fact, &d); /* its reason names the file */
    if (d.kind == DECIDE_ALLOW)
      judge_interp(f, ctx, m, have_info ? &info : NULL, &fact, &d, reason);
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

  if (d.kind != DECIDE_ALLOW && fact.path == NULL)
    (void)mounts_fact_path(m->fd, path, &fact, NULL);
  /* An event will be written: the argv, while the thread still waits in
   * this exec (its old memory holds it until the point of no return). */
  reported = strcmp(d.type, "exec") != 0 && !(ctx->mode != SK_MODE_ENFORCE && exec_told_take(ctx, m->pid, m->fd));
  if (reported)
    argv = argv_of_waiting_exec(ctx, m->pid);
  allow = d.kind == DECIDE_ALLOW || ctx->mode != SK_MODE_ENFORCE;
  if (!allow)
    f->stats.denied++;
  if (respond(f, m->fd, allow) < 0)
    log_msg(LOG_ERROR, "container \"%s\": fanotify: cannot answer the exec of %s by pid %d: %s", ctx->id,
            fact.path ? fact.path : "(unknown path)", (int)m->pid, strerror(errno));
  /* One event per exec: not again what the seccomp side reported for this
   * thread and file and let go on (complain and learn modes). */
  if (reported)
    sup_event(ctx, &d, "fanotify", m->pid, &fact, argv, sup_act(ctx, &d, m->pid));
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
  bool more;

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
    more = (size_t)len + FAN_EVENT_METADATA_LEN * 8 > sizeof(buf.b);
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
    /* A read that left room in the buffer took every event queued: the
     * next one wakes epoll again (level-triggered), so no read is spent
     * finding EAGAIN. */
    if (!more)
      break;
  }
  if (f->stats.overflows != overflows)
    return sk_error_set(err, EOVERFLOW, "the fanotify queue overflowed: some executions may have run unchecked");
  if (read_errno)
    return sk_error_set(err, read_errno, "the kernel could not hand over an exec event and denied it");
  return 0;
}

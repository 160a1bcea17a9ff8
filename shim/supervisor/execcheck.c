/* SPDX-License-Identifier: Apache-2.0 */
/* Fail-closed exec classification (execcheck.h).
 *
 * Who owns what: the O_PATH descriptor of the file found is v->opath, kept
 * for the event's hash and closed by exec_verdict_done. Nothing here opens
 * a file for reading: only O_PATH opens (execpath.c) and statx, fstatfs,
 * readlink of our own descriptors, so it is safe while a container thread
 * waits in a fanotify permission event. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/fan.h"
#include "stockade/landlock.h"
#include "stockade/log.h"
#include "stockade/mounts.h"
#include "stockade/supervisor.h"

#include "execcheck.h"
#include "execpath.h"
#include "sup_int.h"

/* The path for a reason line: control characters as '?', so that a crafted
 * name cannot forge a line. */
static const char *shown(const char *path, char *buf, size_t size) {
  size_t i;
  for (i = 0; path && path[i] && i + 1 < size; i++)
    buf[i] = (unsigned char)path[i] < 0x20 || path[i] == 0x7f ? '?' : path[i];
  buf[i] = '\0';
  return buf;
}

__attribute__((format(printf, 4, 5))) static void deny(struct exec_verdict *v, const char *type, const char *technique,
                                                       const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
  va_end(ap);
  v->answer = EXEC_DENY;
  v->d.kind = DECIDE_DENY;
  v->d.type = type;
  v->d.technique = technique;
  v->d.reason = v->reason;
}

static void go_on(struct exec_verdict *v) {
  v->answer = EXEC_CONTINUE;
  v->d.kind = DECIDE_ALLOW;
  v->d.type = "exec";
  v->d.technique = NULL;
  v->d.reason = v->reason;
}

/* The facts of the file found, and the mount it lies on if fanotify
 * watches it. A mount made after the last marking is not known yet: mark
 * again, once (not for a memfd, whose mount is never the container's). */
static int facts(struct sup_ctx *ctx, pid_t tid, int mnt_id, struct exec_verdict *v, const struct mount_entry **out,
                 struct sk_error **err) {
  const struct mount_entry *m;
  if (mounts_fact_from_fd(v->opath, fan_mounts(ctx->fan), &ctx->started, &v->f, v->path, err) < 0)
    return -1;
  m = mounts_find(fan_mounts(ctx->fan), mnt_id);
  if (m == NULL && v->f.where != WHERE_MEMFD) {
    cleanup_error struct sk_error *merr = NULL;
    if (fan_mark_container(ctx->fan, tid, &merr) < 0)
      log_msg(LOG_ERROR, "container \"%s\": cannot watch a new mount: %s", ctx->id, merr->msg);
    m = mounts_find(fan_mounts(ctx->fan), mnt_id);
    if (m && mounts_fact_from_fd(v->opath, fan_mounts(ctx->fan), &ctx->started, &v->f, v->path, err) < 0)
      return -1;
  }
  *out = m && m->marked ? m : NULL;
  return 0;
}

/* v->f.path: the file's own path (for an event, the allow-list, the
 * writable exemptions) instead of the one named. One readlink, made only
 * when something needs it. */
static int own_path(struct exec_verdict *v, bool *have, struct sk_error **err) {
  if (*have)
    return 0;
  if (mounts_fact_path(v->opath, v->path, &v->f, err) < 0)
    return -1;
  *have = true;
  return 0;
}

/* The file was found (v->opath): judge it. What the common case costs is
 * nothing beyond execpath's statx and fstatfs: the mount is looked up in
 * the table by id, where the file lies and whether it was written after
 * start come from that statx, and the file's own path is read only for an
 * allow-list, a writable file or a denial. */
static void judge_file(struct sup_ctx *ctx, const struct exec_call *c, const struct execpath_file *info,
                       struct exec_verdict *v) {
  cleanup_error struct sk_error *e = NULL;
  const struct mount_entry *m;
  bool have_path = false;
  char named[256];

  shown(c->by_fd ? "" : c->path, named, sizeof(named));
  if (info->proc) {
    deny(v, "fileless", "T1620", "%s: a file on /proc is executed: fileless execution", named);
    v->f.fileless = true;
    return;
  }
  if (sup_is_init_id(ctx, info->dev, info->ino, info->regular)) {
    go_on(v); /* stockade-init, the host's file: fanotify lets it run by the same test */
    v->f.path = SK_INIT_DEST;
    v->init = true;
    return;
  }
  if (!info->regular) {
    v->answer = EXEC_ERRNO; /* the kernel refuses anything else so */
    v->eno = EACCES;
    return;
  }
  m = mounts_find(fan_mounts(ctx->fan), info->mnt_id);
  if (m != NULL) {
    mounts_fact_on(m, info->has_ctime, info->ctime_sec, info->ctime_nsec, &ctx->started, &v->f);
    if (!m->marked)
      m = NULL;
  } else {
    /* A mount not seen before, or no mount of the container (a memfd):
     * the full examination, which marks again once. */
    if (facts(ctx, c->tid, info->mnt_id, v, &m, &e) < 0) {
      deny(v, "error", NULL, "%s: cannot examine the file to execute: %s", named, e->msg);
      return;
    }
    have_path = true;
  }
  if (c->by_fd && !ctx->profile->exec_fd) {
    v->f.fileless = true;
    if (own_path(v, &have_path, &e) == 0)
      shown(v->f.path, named, sizeof(named));
    deny(v, "fileless", "T1620",
         "%s is executed from descriptor %d (execveat AT_EMPTY_PATH, fexecve): fileless execution; the profile's "
         "exec.fdExec is off",
         named, c->dirfd);
    return;
  }
  if (m == NULL && v->f.where != WHERE_MEMFD) {
    if (own_path(v, &have_path, &e) == 0)
      shown(v->f.path, named, sizeof(named));
    if (c->by_fd) {
      v->f.fileless = true;
      deny(v, "fileless", "T1620", "%s (descriptor %d) lies on mount %d, which the supervisor does not watch", named,
           c->dirfd, info->mnt_id);
    } else {
      deny(v, "not-allowed", NULL, "%s lies on mount %d, which the supervisor does not watch", named, info->mnt_id);
    }
    return;
  }
  if (info->noexec && v->f.where != WHERE_MEMFD) {
    if (own_path(v, &have_path, &e) == 0)
      shown(v->f.path, named, sizeof(named));
    deny(v, "drift", "T1105", "%s is on a noexec mount (%s): a program put there is not run", named,
         exec_where_name(v->f.where));
    return;
  }
  /* The rules read the path only for an allow-list or a file written
   * after start (exec.allowWritable); a denial's reason names it. */
  if ((ctx->profile->has_exec_allow || v->f.written_after_start || v->f.where != WHERE_IMAGE) &&
      own_path(v, &have_path, &e) < 0) {
    deny(v, "error", NULL, "%s: cannot examine the file to execute: %s", named, e->msg);
    return;
  }
  decide_exec(ctx->profile, &ctx->blocklist, &v->f, &v->d);
  if (v->d.kind != DECIDE_ALLOW && !have_path) {
    if (own_path(v, &have_path, &e) < 0) {
      deny(v, "error", NULL, "%s: cannot examine the file to execute: %s", named, e->msg);
      return;
    }
    decide_exec(ctx->profile, &ctx->blocklist, &v->f, &v->d);
  }
  snprintf(v->reason, sizeof(v->reason), "%s", v->d.reason ? v->d.reason : "");
  v->d.reason = v->reason;
  /* Hashes are fanotify's to read, from the file the kernel opens; only a
   * rule a hash could satisfy waits for it. */
  v->answer =
      v->d.kind == DECIDE_ALLOW || decide_hash_may_allow(ctx->profile, &v->f, &v->d) ? EXEC_CONTINUE : EXEC_DENY;
}

void exec_check(struct sup_ctx *ctx, const struct exec_call *c, struct exec_verdict *v) {
  cleanup_error struct sk_error *e = NULL;
  struct execpath ep;
  char named[256];
  int r;

  memset(v, 0, sizeof(*v));
  v->opath = -1;
  v->f.where = WHERE_OTHER;
  if (c->by_fd)
    snprintf(v->path, sizeof(v->path), "fd %d", c->dirfd);
  else
    snprintf(v->path, sizeof(v->path), "%s", c->path ? c->path : "");
  v->f.path = v->path;
  shown(v->path, named, sizeof(named));

  r = c->by_fd ? execpath_fd(c->tid, c->dirfd, &ep, &e)
               : execpath_resolve(c->tid, c->dirfd, c->path, c->flags, &ep, &e);
  if (r < 0) {
    if (c->by_fd) {
      v->f.fileless = true;
      deny(v, "fileless", "T1620", "execveat of descriptor %d (fexecve): its file cannot be seen: %s", c->dirfd,
           e->msg);
    } else {
      deny(v, "error", NULL, "%s: cannot tell which file thread %d would execute: %s", named, (int)c->tid, e->msg);
    }
    return;
  }
  switch (ep.kind) {
  case EXECPATH_ABSENT:
    v->answer = EXEC_ERRNO;
    v->eno = ep.err;
    return;
  case EXECPATH_PROC:
    v->f.fileless = true;
    deny(v, "fileless", "T1620",
         "%s leads into /proc (a descriptor or process link, /dev/fd, self): fileless execution", named);
    return;
  case EXECPATH_FILE:
    v->opath = ep.fd;
    judge_file(ctx, c, &ep.file, v);
    return;
  }
  deny(v, "error", NULL, "%s: unknown resolution", named);
}

void exec_told_remember(struct sup_ctx *ctx, pid_t tid, int fd) {
  struct stat st;
  unsigned n = sizeof(ctx->told) / sizeof(ctx->told[0]);
  if (fd < 0 || fstat(fd, &st) < 0)
    return;
  ctx->told[ctx->told_next % n].tid = tid;
  ctx->told[ctx->told_next % n].dev = st.st_dev;
  ctx->told[ctx->told_next % n].ino = st.st_ino;
  ctx->told_next++;
}

bool exec_told_take(struct sup_ctx *ctx, pid_t tid, int fd) {
  struct stat st;
  if (tid <= 0 || fd < 0 || fstat(fd, &st) < 0)
    return false;
  for (size_t i = 0; i < sizeof(ctx->told) / sizeof(ctx->told[0]); i++) {
    if (ctx->told[i].tid == tid && ctx->told[i].dev == st.st_dev && ctx->told[i].ino == st.st_ino) {
      ctx->told[i].tid = 0;
      return true;
    }
  }
  return false;
}

void exec_verdict_done(struct exec_verdict *v) {
  if (v->opath >= 0)
    close(v->opath);
  v->opath = -1;
}

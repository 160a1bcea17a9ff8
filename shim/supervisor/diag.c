/* SPDX-License-Identifier: Apache-2.0 */
/* Failures hardening caused, named (include/stockade/diagnose.h).
 *
 * The hardened filter notifies, in enforce mode, the syscalls that can fail
 * because of a capability stockade took away or the root it made
 * read-only. Each is let go on (CONTINUE): the kernel decides. Before that
 * the call is looked at as the kernel will: the capability its arguments
 * need (learn_infer's rules, the same that learning uses) against the
 * calling thread's effective set; the place it writes, resolved through
 * the thread's root, cwd and descriptors (execpath.c), against the root
 * mount's read-only flag. A call bound to fail for a reason stockade
 * caused is one event, "capability" or "write", with the rule and the
 * fix. The first of each kind is written; later ones are not. What
 * cannot be read (the thread gone, a path it unmapped) is no event: the
 * call goes on either way, and nothing is decided here. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "execpath.h"
#include "stockade/caps.h"
#include "stockade/cleanup.h"
#include "stockade/diagnose.h"
#include "stockade/learn.h"
#include "stockade/recording.h"
#include "stockade/supervisor.h"

#include "sup_int.h"

static bool seen(const struct sup_ctx *ctx, const char *key) {
  unsigned i;
  for (i = 0; i < ctx->n_diag_seen; i++)
    if (strcmp(ctx->diag_seen[i].key, key) == 0)
      return true;
  return false;
}

/* The first time key is seen: true (and remembered while there is room). */
static bool first_seen(struct sup_ctx *ctx, const char *key) {
  if (seen(ctx, key))
    return false;
  if (ctx->n_diag_seen < sizeof(ctx->diag_seen) / sizeof(ctx->diag_seen[0]))
    snprintf(ctx->diag_seen[ctx->n_diag_seen++].key, sizeof(ctx->diag_seen[0].key), "%.95s", key);
  return true;
}

static bool has_cap(pid_t tid, int cap) {
  char v[64];
  unsigned long long eff;
  if (!proc_status_line(tid, "CapEff:", v, sizeof(v)) || sscanf(v, "%llx", &eff) != 1)
    return false;
  return cap < 64 && (eff >> cap) & 1;
}

static struct json *diag_event(struct sup_ctx *ctx, const char *type, const char *rule, const char *message,
                               pid_t pid) {
  struct event_subject subj;
  struct event_what w = {.type = type, .decision = "deny", .mechanism = "seccomp", .rule = rule, .message = message};
  struct event_process proc = {.pid = pid};
  sup_subject(ctx, &subj);
  return event_build(&subj, &w, &proc);
}

/* A call that needs a capability stockade took away: its event, or NULL. */
static struct json *cap_failure(struct sup_ctx *ctx, const struct seccomp_notif *req, const char *name,
                                const struct diag_call *c) {
  cleanup_learn struct learn_rec *rec = NULL;
  struct learn_call call = {.name = name, .pid = (pid_t)req->pid};
  const char *rule = diag_cap_rule(&ctx->diag, c->cap);
  const char *why = NULL, *capname = NULL;
  char msg[512], fix[256], key[96];
  unsigned gid;
  struct json *ev;
  size_t i;

  if (rule == NULL || has_cap(call.pid, c->cap))
    return NULL;
  /* Written once per capability and syscall: a later call is not looked
   * at (nor counted) once its kind has been reported. */
  snprintf(key, sizeof(key), "cap %d %s", c->cap, name);
  if (seen(ctx, key))
    return NULL;
  memcpy(call.args, req->data.args, sizeof(call.args));
  if (!proc_euid(call.pid, &call.uid) || !proc_effective_id(call.pid, "Gid:", &gid))
    return NULL;
  call.gid = gid;
  if (learn_new(ctx->id, ctx->profile->name, NULL, &rec, NULL) < 0 ||
      learn_infer(rec, &call, proc_read, proc_uid_of_target, ctx) < 0)
    return NULL;
  for (i = 0; i < rec->n_caps; i++)
    if (caps_number(rec->caps[i].name) == c->cap) {
      capname = rec->caps[i].name;
      why = rec->caps[i].why;
    }
  if (capname == NULL)
    return NULL; /* the call needs no capability (a port above 1023, a chown to oneself) */
  if (!first_seen(ctx, key))
    return NULL;
  ctx->n_diag++;
  if (strcmp(rule, "SK-CAP-EXTRA") == 0) {
    snprintf(msg, sizeof(msg),
             "%s fails without %s: profile \"%s\" does not grant it, and the engine's spec did; the call: %s", name,
             capname, ctx->profile->name, why);
    snprintf(fix, sizeof(fix), "add \"%s\" to profile \"%s\"'s capabilities, or change the workload not to need it",
             capname + 4, ctx->profile->name);
  } else {
    snprintf(msg, sizeof(msg),
             "%s fails without %s: the engine ran the process as root, which had it, and profile \"%s\" runs it as "
             "uid %u, which does not; the call: %s",
             name, capname, ctx->profile->name, (unsigned)call.uid, why);
    snprintf(fix, sizeof(fix),
             "grant \"%s\" in the engine's effective and permitted sets (stockade then makes it ambient), or let "
             "profile \"%s\" run the workload as root (allowRoot)",
             capname + 4, ctx->profile->name);
  }
  ev = diag_event(ctx, "capability", rule, msg, call.pid);
  if (ev == NULL || event_detail_str(ev, "syscall", name) < 0 || event_detail_str(ev, "capability", capname) < 0 ||
      event_detail_str(ev, "call", why) < 0 || event_detail_int(ev, "uid", (int64_t)call.uid) < 0 ||
      event_detail_str(ev, "fix", fix) < 0) {
    json_free(ev);
    return NULL;
  }
  return ev;
}

/* What a path names, resolved for the thread: 1 and *fd (O_PATH) for a
 * file, 0 for nothing there (ENOENT), -1 for anything else (another
 * error, procfs, a path that cannot be read): not judged here. */
static int resolve(pid_t tid, int dirfd, const char *path, unsigned flags, int *fd, struct execpath_file *f) {
  cleanup_error struct sk_error *err = NULL;
  struct execpath ep;
  *fd = -1;
  if (path[0] == '\0' || execpath_resolve(tid, dirfd, path, flags, &ep, &err) < 0)
    return -1;
  if (ep.kind == EXECPATH_FILE && !ep.file.proc) {
    *fd = ep.fd;
    *f = ep.file;
    return 1;
  }
  if (ep.fd >= 0)
    close(ep.fd);
  return ep.kind == EXECPATH_ABSENT && ep.err == ENOENT ? 0 : -1;
}

/* Has the directory fd (O_PATH) any entry besides . and ..? */
static bool dir_has_entries(int fd) {
  char p[64];
  cleanup_dir DIR *d = NULL;
  struct dirent *e;
  int dfd;
  snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
  dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
    if (dfd >= 0)
      close(dfd);
    return true; /* unknown: the advice that is safe either way */
  }
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      return true;
  return false;
}

/* The directory a name is made or removed in. */
static void parent_of(const char *path, char *out, size_t size) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/')
    n--;
  while (n > 0 && path[n - 1] != '/')
    n--;
  while (n > 1 && path[n - 1] == '/')
    n--;
  if (n == 0)
    snprintf(out, size, ".");
  else
    snprintf(out, size, "%.*s", (int)n, path);
}

/* The path as the container sees it, for the message: relative ones
 * after the directory they start from. */
static void container_path(pid_t tid, int dirfd, const char *path, char *out, size_t size) {
  char link[64], base[PATH_MAX];
  ssize_t n;
  if (path[0] == '/') {
    snprintf(out, size, "%s", path);
    return;
  }
  if (dirfd == AT_FDCWD)
    snprintf(link, sizeof(link), "/proc/%d/cwd", (int)tid);
  else
    snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid, dirfd);
  n = readlink(link, base, sizeof(base) - 1);
  if (n <= 0) {
    snprintf(out, size, "%s", path);
    return;
  }
  base[n] = '\0';
  if (snprintf(out, size, "%s%s%s", base, strcmp(base, "/") == 0 ? "" : "/", path) >= (int)size)
    snprintf(out, size, "%s", path);
}

static int mnt_id_of(int fd) {
  cleanup_error struct sk_error *err = NULL;
  struct execpath_file f;
  return execpath_inspect(fd, &f, &err) < 0 ? -1 : f.mnt_id;
}

/* A write to the root stockade made read-only: its event, or NULL. The
 * kernel's order decides: a name that exists answers EEXIST to mkdir
 * before EROFS; an existing file opened without writing or truncating is
 * opened; a device, fifo or socket on a read-only file system may be
 * written; a missing directory is ENOENT. */
static struct json *write_failure(struct sup_ctx *ctx, const struct seccomp_notif *req, const char *name,
                                  const struct diag_call *c) {
  pid_t tid = (pid_t)req->pid;
  int dirfd = c->dirfd_arg >= 0 ? (int)req->data.args[c->dirfd_arg] : AT_FDCWD;
  uint64_t flags = c->flags_arg >= 0 ? req->data.args[c->flags_arg] : (O_WRONLY | O_CREAT | O_TRUNC);
  enum diag_target how = diag_target_of(c, flags);
  char path[PATH_MAX], dir[PATH_MAX], shown[PATH_MAX], msg[PATH_MAX + 512], fix[2 * PATH_MAX + 256], link[64];
  cleanup_close int fd = -1;
  cleanup_close int root = -1;
  struct execpath_file f;
  struct statvfs sv;
  struct json *ev;
  bool in_dir = true; /* the place is the directory the name is in */
  int r = 0;

  if (!ctx->diag.root_ro || argv_read_string(tid, req->data.args[c->path_arg], path, sizeof(path)) <= 0)
    return NULL;
  if (how != DIAG_PARENT) {
    r = resolve(tid, dirfd, path, how == DIAG_NEW ? EXECPATH_NOFOLLOW : 0, &fd, &f);
    if (r < 0 || (how == DIAG_NEW && r == 1) || (how == DIAG_FILE && r == 0))
      return NULL;
    if (r == 1 && (!f.regular || (how == DIAG_CREATE && !(flags & (O_WRONLY | O_RDWR | O_TRUNC)))))
      return NULL;
    in_dir = r == 0;
  }
  if (in_dir) {
    if (fd >= 0)
      close(fd);
    parent_of(path, dir, sizeof(dir));
    if (resolve(tid, dirfd, dir, 0, &fd, &f) != 1)
      return NULL;
  }
  if (fstatvfs(fd, &sv) < 0 || !(sv.f_flag & ST_RDONLY))
    return NULL;
  /* The container's root mount, found once (the workload's first call
   * comes after the runtime's pivot_root; a thread that chroots later
   * still writes to this mount when it writes to the root). */
  if (ctx->diag_root_mnt <= 0) {
    snprintf(link, sizeof(link), "/proc/%d/root", (int)tid);
    root = open(link, O_PATH | O_CLOEXEC);
    if (root < 0)
      return NULL;
    ctx->diag_root_mnt = mnt_id_of(root);
  }
  if (ctx->diag_root_mnt <= 0 || ctx->diag_root_mnt != mnt_id_of(fd))
    return NULL; /* another read-only mount: the engine's, not stockade's doing */
  container_path(tid, dirfd, path, shown, sizeof(shown));
  snprintf(msg, sizeof(msg), "write %.80s", shown);
  if (!first_seen(ctx, msg))
    return NULL;
  ctx->n_diag++;
  snprintf(msg, sizeof(msg),
           "%s of %s fails with EROFS: profile \"%s\" makes the root read-only (the engine's was writable) and lists "
           "no writable path there",
           name, shown, ctx->profile->name);
  parent_of(shown, dir, sizeof(dir));
  /* A writable path is an empty tmpfs: over a directory of the image it
   * would hide what the image has there. */
  if (in_dir && !dir_has_entries(fd))
    snprintf(fix, sizeof(fix), "add {\"path\": \"%s\"} to profile \"%s\"'s writablePaths", dir, ctx->profile->name);
  else if (in_dir)
    snprintf(fix, sizeof(fix),
             "%s has files of the image, which a writable path (an empty tmpfs) there would hide: mount a volume "
             "on %s, or have the workload write under one of profile \"%s\"'s writablePaths",
             dir, dir, ctx->profile->name);
  else
    snprintf(fix, sizeof(fix),
             "%s is a file of the image on the read-only root: mount a volume or a file over it, or have the "
             "workload write under one of profile \"%s\"'s writablePaths",
             shown, ctx->profile->name);
  ev = diag_event(ctx, "write", NULL, msg, tid);
  if (ev == NULL || event_detail_str(ev, "syscall", name) < 0 || event_detail_str(ev, "path", shown) < 0 ||
      event_detail_str(ev, "errnoName", "EROFS") < 0 || event_detail_str(ev, "fix", fix) < 0) {
    json_free(ev);
    return NULL;
  }
  return ev;
}

int sup_diag_notified(struct sup_ctx *ctx, int nfd, const struct seccomp_notif *req, struct sk_error **err) {
  cleanup_free char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
  struct diag_call c = diag_classify(name);
  struct seccomp_notif_resp resp = {.id = req->id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
  cleanup_json struct json *ev = NULL;
  struct timespec now;

  if (c.kind == DIAG_NONE)
    return 0;
  /* The runtime's calls before the entrypoint are not the workload's. */
  if (nfd >= 0 && nfd < 1024 && ctx->exec_seen[nfd])
    ev = c.kind == DIAG_CAP ? cap_failure(ctx, req, name, &c) : write_failure(ctx, req, name, &c);
  /* What was read is the caller's only if the notification is still
   * valid (its pid not reused meanwhile). */
  if (ev && ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
    return 1;
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
    return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND");
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (ev && event_limiter_take_type(&ctx->limiter, &now, c.kind == DIAG_CAP ? "capability" : "write"))
    sup_emit(ctx, ev);
  return 1;
}

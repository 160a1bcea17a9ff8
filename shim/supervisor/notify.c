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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

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

#define ARGV_MAX 64     /* argv entries kept for the event */
#define ARG_MAX_LEN 256 /* bytes of each entry kept */

void notify_setup_fd(int nfd) {
  /* EINVAL before 6.6: the kernel then wakes the target as usual. */
  (void)ioctl(nfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}

/* Read a NUL-terminated string from the target. process_vm_readv stops at
 * an unmapped page, so read page by page. Returns its length or -1. */
static ssize_t read_string(pid_t pid, uint64_t addr, char *buf, size_t size) {
  size_t got = 0;
  while (got + 1 < size) {
    size_t page_left = 4096 - ((addr + got) & 4095);
    size_t want = size - 1 - got < page_left ? size - 1 - got : page_left;
    struct iovec local = {buf + got, want};
    struct iovec remote = {(void *)(uintptr_t)(addr + got), want};
    ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    char *nul;
    if (r <= 0)
      return -1;
    nul = memchr(buf + got, '\0', (size_t)r);
    if (nul)
      return nul - buf;
    got += (size_t)r;
  }
  buf[size - 1] = '\0';
  return (ssize_t)(size - 1);
}

static bool arch_is_32(uint32_t arch) {
  return arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_ARM || arch == SCMP_ARCH_X32 || arch == SCMP_ARCH_MIPSEL ||
         arch == SCMP_ARCH_MIPS || arch == SCMP_ARCH_PPC || arch == SCMP_ARCH_S390;
}

/* argv as a JSON array (at most ARGV_MAX entries, each cut to ARG_MAX_LEN). */
static struct json *read_argv(pid_t pid, uint32_t arch, uint64_t addr) {
  struct json *arr = json_new(JSON_ARRAY);
  size_t psize = arch_is_32(arch) && arch != SCMP_ARCH_X32 ? 4 : 8;
  int i;
  if (arr == NULL || addr == 0)
    return arr;
  for (i = 0; i < ARGV_MAX; i++) {
    uint64_t p = 0;
    char s[ARG_MAX_LEN];
    struct iovec local = {&p, psize};
    struct iovec remote = {(void *)(uintptr_t)(addr + (uint64_t)i * psize), psize};
    if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)psize || p == 0)
      break;
    if (read_string(pid, p, s, sizeof(s)) < 0)
      break;
    if (json_append(arr, json_new_string(s)) < 0)
      break;
  }
  return arr;
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

static int read_target(void *ctx, pid_t pid, uint64_t addr, void *buf, size_t len) {
  struct iovec local = {buf, len};
  struct iovec remote = {(void *)(uintptr_t)addr, len};
  (void)ctx;
  return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* A field of /proc/<pid>/status ("Uid:", "NSpid:"): the line after the key. */
static bool status_line(pid_t pid, const char *key, char *out, size_t size) {
  char p[64], line[512];
  cleanup_fclose FILE *f = NULL;
  snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
  f = fopen(p, "re");
  while (f && fgets(line, sizeof(line), f)) {
    if (strncmp(line, key, strlen(key)) == 0) {
      snprintf(out, size, "%s", line + strlen(key));
      return true;
    }
  }
  return false;
}

static bool effective_id(pid_t pid, const char *key, unsigned *id) {
  char v[256];
  unsigned r, e;
  if (!status_line(pid, key, v, sizeof(v)) || sscanf(v, "%u %u", &r, &e) != 2)
    return false;
  *id = e;
  return true;
}

static bool euid_of(pid_t pid, uid_t *uid) {
  unsigned id;
  if (!effective_id(pid, "Uid:", &id))
    return false;
  *uid = id;
  return true;
}

/* The effective uid of the process the caller calls `target` (a pid in the
 * caller's PID namespace): the host process in the same namespace whose
 * NSpid ends with target. */
static int uid_of_target(void *ctx, pid_t caller, pid_t target, uid_t *uid) {
  char ns_caller[64], link[64], ns[64], v[256];
  cleanup_dir DIR *d = opendir("/proc");
  struct dirent *de;
  ssize_t n;
  (void)ctx;
  snprintf(link, sizeof(link), "/proc/%d/ns/pid", (int)caller);
  n = readlink(link, ns_caller, sizeof(ns_caller) - 1);
  if (n < 0 || d == NULL)
    return -1;
  ns_caller[n] = '\0';
  while ((de = readdir(d))) {
    pid_t p = (pid_t)atoi(de->d_name);
    char *last;
    if (p <= 0)
      continue;
    snprintf(link, sizeof(link), "/proc/%d/ns/pid", (int)p);
    n = readlink(link, ns, sizeof(ns) - 1);
    if (n < 0)
      continue;
    ns[n] = '\0';
    if (strcmp(ns, ns_caller) != 0 || !status_line(p, "NSpid:", v, sizeof(v)))
      continue;
    v[strcspn(v, "\n")] = '\0';
    last = strrchr(v, '\t');
    if (atoi(last ? last + 1 : v) == (int)target)
      return euid_of(p, uid) ? 0 : -1;
  }
  return -1;
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
    if (euid_of(call.pid, &call.uid) && effective_id(call.pid, "Gid:", &gid)) {
      call.gid = gid;
      learn_infer(ctx->learn, &call, read_target, uid_of_target, ctx);
    }
  }
  free(name);
}

/* The container's first exec: mark its mounts before anything runs. 0: go
 * on; -1: nothing more to do (the notification is gone, or the exec was
 * denied and answered: enforce mode, the mounts cannot be watched). */
static int mark_first(struct sup_ctx *ctx, int nfd, const struct seccomp_notif *req, const struct json *argv) {
  cleanup_error struct sk_error *merr = NULL;
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
  {
    struct decision fd_ = {DECIDE_DENY, "error", NULL, "the container's mounts cannot be watched"};
    sup_event(ctx, &fd_, "fanotify", pid, NULL, argv, "deny");
  }
  (void)respond(nfd, req->id, -EPERM, false);
  return -1;
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
                       const struct json *argv, struct sk_error **err) {
  pid_t pid = (pid_t)req->pid;
  const char *action;
  char hex[65] = "";

  if (v->answer == EXEC_CONTINUE) {
    sup_remember_argv(ctx, pid, argv);
    /* Final word: fanotify, on the file the kernel really opens. */
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

int notify_handle(struct sup_ctx *ctx, int nfd, struct sk_error **err) {
  struct seccomp_notif req;
  struct exec_call call;
  struct exec_verdict v;
  cleanup_json struct json *argv = NULL;
  char path[PATH_MAX];
  bool is_execveat;
  uint64_t path_addr, argv_addr;
  pid_t pid;
  int r;

  memset(&req, 0, sizeof(req));
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
    if (errno == EINTR || errno == ENOENT)
      return 0; /* the target went away before we read it */
    return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_RECV");
  }
  pid = (pid_t)req.pid;
  is_execveat = req.data.nr == seccomp_syscall_resolve_name_arch(req.data.arch, "execveat");
  if (!is_execveat && req.data.nr != seccomp_syscall_resolve_name_arch(req.data.arch, "execve")) {
    /* Not an exec: a learning filter's (recorded), or a profile that
     * notifies more. Let it through; the arguments were read before the
     * answer, while the caller waits. In enforce mode the filter notifies
     * only execs and what it denies (shim/lib/spec/sysdeny.c): denied. */
    if (ctx->learn == NULL && ctx->mode == SK_MODE_ENFORCE)
      return sup_syscall_denied(ctx, nfd, &req, err);
    learn_record(ctx, nfd, &req);
    return respond(nfd, req.id, 0, true) < 0 ? sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND") : 0;
  }
  ctx->n_notify++; /* exec notifications, for the stop event */
  path_addr = req.data.args[is_execveat ? 1 : 0];
  argv_addr = req.data.args[is_execveat ? 2 : 1];
  if (read_string(pid, path_addr, path, sizeof(path)) < 0)
    path[0] = '\0';
  /* argv before the answer: once the target runs on, it may change it. */
  argv = read_argv(pid, req.data.arch, argv_addr);
  if (mark_first(ctx, nfd, &req, argv) < 0)
    return 0;
  exec_call_of(&req, is_execveat, path, &call);
  exec_check(ctx, &call, &v);
  /* Everything read from the target and through /proc/<pid> is trusted
   * only if the notification is still valid: the thread, blocked in it,
   * was then the same one throughout (its id cannot have been reused). */
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0) {
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
  r = exec_answer(ctx, nfd, &req, &v, argv, err);
  exec_verdict_done(&v);
  return r;
}

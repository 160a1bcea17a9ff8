/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp user-notify: the container's execve and execveat come here.
 *
 * A deny is always safe and is answered here. An allow is answered with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE, which the kernel documents as racy for
 * pointer arguments (the target may rewrite the path after we read it), so
 * the final allow is fanotify's, on the file actually opened. What only
 * this side sees: execveat of a descriptor (fileless execution: memfd, an
 * unlinked file), the argv for the record, and the first exec, before
 * which the container's mounts are marked. */
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

/* "/proc/self/fd/3", "/dev/fd/3", "/proc/<n>/fd/3": the target's fd 3. */
static int fd_path_target(const char *path, pid_t pid, int *fd) {
  const char *rest = NULL;
  char *end;
  long n;
  if (strncmp(path, "/dev/fd/", 8) == 0)
    rest = path + 8;
  else if (strncmp(path, "/proc/self/fd/", 14) == 0)
    rest = path + 14;
  else if (strncmp(path, "/proc/thread-self/fd/", 21) == 0)
    rest = path + 21;
  else if (strncmp(path, "/proc/", 6) == 0 && path[6] >= '0' && path[6] <= '9') {
    const char *p = path + 6;
    while (*p >= '0' && *p <= '9')
      p++;
    if (strncmp(p, "/fd/", 4) == 0)
      rest = p + 4;
  }
  (void)pid;
  if (rest == NULL)
    return 0;
  n = strtol(rest, &end, 10);
  if (end == rest || *end != '\0' || n < 0 || n > INT_MAX)
    return 0;
  *fd = (int)n;
  return 1;
}

/* What a descriptor of the target is: "/memfd:x (deleted)", a deleted
 * file, or a path. Read from /proc/<pid>/fd/N without opening it. */
static bool fd_is_fileless(pid_t pid, int fd, char *target, size_t size) {
  char link[64];
  ssize_t n;
  snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
  n = readlink(link, target, size - 1);
  if (n < 0) {
    snprintf(target, size, "fd %d", fd);
    return true; /* not a file we can see: treat as fileless */
  }
  target[n] = '\0';
  return strncmp(target, "/memfd:", 7) == 0 || strstr(target, " (deleted)") != NULL || target[0] != '/';
}

/* Facts about a path the target named, found through the container's root
 * (openat2 RESOLVE_IN_ROOT, O_PATH: no open event, symlinks stay inside). */
static int path_facts(struct sup_ctx *ctx, pid_t pid, int dirfd_arg, const char *path, struct exec_fact *f,
                      char *resolved, int *opath) {
  char buf[64];
  cleanup_close int root = -1;
  cleanup_close int fd = -1;
  cleanup_free char *full = NULL;
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  cleanup_error struct sk_error *err = NULL;

  snprintf(buf, sizeof(buf), "/proc/%d/root", (int)pid);
  root = open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return -1;
  if (path[0] != '/') {
    /* Relative: to the cwd, or to execveat's directory fd, both as the
     * container sees them. */
    char dir[PATH_MAX];
    ssize_t n;
    if (dirfd_arg == AT_FDCWD)
      snprintf(buf, sizeof(buf), "/proc/%d/cwd", (int)pid);
    else
      snprintf(buf, sizeof(buf), "/proc/%d/fd/%d", (int)pid, dirfd_arg);
    n = readlink(buf, dir, sizeof(dir) - 1);
    if (n < 0)
      return -1;
    dir[n] = '\0';
    if (asprintf(&full, "%s/%s", dir, path) < 0)
      return -1;
    path = full;
  }
  fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
  if (fd < 0)
    return -1;
  /* A mount made after the first marking is not watched yet: mark again. */
  if (mounts_find(fan_mounts(ctx->fan), mounts_fd_mount_id(fd)) == NULL) {
    cleanup_error struct sk_error *merr = NULL;
    if (fan_mark_container(ctx->fan, pid, &merr) < 0)
      log_msg(LOG_ERROR, "container \"%s\": cannot watch a new mount: %s", ctx->id, merr->msg);
  }
  if (mounts_fact_from_fd(fd, fan_mounts(ctx->fan), &ctx->started, f, resolved, &err) < 0)
    return -1;
  *opath = steal_fd(&fd);
  return 0;
}

/* SHA-256 for the record of a denied file. Read through a fresh read-only
 * descriptor: the marks are for exec opens only, so this open raises no
 * permission event, and the exec has been answered already. */
static void hash_for_event(struct sup_ctx *ctx, int opath, char hex[65]) {
  char p[64];
  cleanup_close int fd = -1;
  cleanup_error struct sk_error *err = NULL;
  snprintf(p, sizeof(p), "/proc/self/fd/%d", opath);
  fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 || fan_hash_fd(ctx->fan, fd, hex, &err) < 0)
    hex[0] = '\0';
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
  learn_add_syscall(ctx->learn, arch, name);
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

int notify_handle(struct sup_ctx *ctx, int nfd, struct sk_error **err) {
  struct seccomp_notif req;
  struct exec_fact f = {0};
  struct decision d = {0};
  cleanup_json struct json *argv = NULL;
  cleanup_close int opath = -1;
  char path[PATH_MAX], resolved[PATH_MAX], target[PATH_MAX], hex[65] = "";
  const char *action;
  bool is_execveat, undecided = false;
  int dirfd_arg = AT_FDCWD, fdno;
  uint64_t path_addr, argv_addr, flags = 0;
  pid_t pid;

  memset(&req, 0, sizeof(req));
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
    if (errno == EINTR || errno == ENOENT)
      return 0; /* the target went away before we read it */
    return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_RECV");
  }
  ctx->n_notify++;
  pid = (pid_t)req.pid;
  is_execveat = req.data.nr == seccomp_syscall_resolve_name_arch(req.data.arch, "execveat");
  if (!is_execveat && req.data.nr != seccomp_syscall_resolve_name_arch(req.data.arch, "execve")) {
    /* Not an exec: a learning filter's (recorded), or a profile that
     * notifies more. Let it through; the arguments were read before the
     * answer, while the caller waits. In enforce mode the filter notifies
     * only execs and what it denies (shim/sysdeny.c): denied. */
    if (ctx->learn == NULL && ctx->mode == SK_MODE_ENFORCE)
      return sup_syscall_denied(ctx, nfd, &req, err);
    learn_record(ctx, nfd, &req);
    return respond(nfd, req.id, 0, true) < 0 ? sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND") : 0;
  }
  if (is_execveat) {
    dirfd_arg = (int)req.data.args[0];
    path_addr = req.data.args[1];
    argv_addr = req.data.args[2];
    flags = req.data.args[4];
  } else {
    path_addr = req.data.args[0];
    argv_addr = req.data.args[1];
  }
  if (read_string(pid, path_addr, path, sizeof(path)) < 0)
    path[0] = '\0';
  argv = read_argv(pid, req.data.arch, argv_addr);
  /* Everything read from the target is trusted only if the notification
   * is still valid: the pid could otherwise have been reused. */
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0)
    return 0;

  /* The container's first exec: mark its mounts before anything runs. */
  if (!ctx->marked) {
    cleanup_error struct sk_error *merr = NULL;
    if (fan_mark_container(ctx->fan, pid, &merr) < 0) {
      log_msg(LOG_ERROR, "container \"%s\": cannot watch its mounts: %s", ctx->id, merr->msg);
      if (ctx->mode == SK_MODE_ENFORCE) {
        struct decision fd_ = {DECIDE_DENY, "supervisor", NULL, "the container's mounts cannot be watched"};
        sup_event(ctx, &fd_, "fanotify", pid, NULL, argv, "deny");
        return respond(nfd, req.id, -EPERM, false);
      }
    } else {
      ctx->marked = true;
    }
    /* Marking read /proc/<pid>: trust it only if the target is the same. */
    if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0)
      return 0;
  }

  f.path = path[0] ? path : NULL;
  f.where = WHERE_OTHER;
  if (is_execveat && (flags & AT_EMPTY_PATH) && path[0] == '\0') {
    f.fileless = fd_is_fileless(pid, dirfd_arg, target, sizeof(target));
    f.path = target;
    if (strncmp(target, "/memfd:", 7) == 0)
      f.where = WHERE_MEMFD;
  } else if (fd_path_target(path, pid, &fdno)) {
    f.fileless = fd_is_fileless(pid, fdno, target, sizeof(target));
    if (strncmp(target, "/memfd:", 7) == 0)
      f.where = WHERE_MEMFD;
    if (f.fileless)
      f.path = target;
  } else if (path[0] && path_facts(ctx, pid, dirfd_arg, path, &f, resolved, &opath) == 0) {
    /* Judge the file the path leads to (symlinks resolved inside the
     * container: /bin/sh is /bin/busybox), as fanotify will; argv keeps
     * the name the program used. */
    f.path = resolved;
  } else {
    /* Nothing there to judge (execvp tries every PATH entry, most of them
     * missing): the kernel answers ENOENT itself, and should a file appear
     * meanwhile, fanotify judges it when the kernel opens it. */
    undecided = true;
  }

  if (undecided || sup_is_init(ctx, opath)) {
    /* stockade-init is ours: fanotify lets it run by the same test. */
    d.kind = DECIDE_ALLOW;
    d.type = "exec";
  } else {
    decide_exec(ctx->profile, &ctx->blocklist, &f, &d);
  }
  /* Hashes are fanotify's to read, from the file the kernel opens: a rule
   * that needs one (a block-list, a pinned allow-list entry) is decided
   * there. Fileless and drift need none and are decided here. */
  if (d.kind == DECIDE_DENY && decide_needs_hash(ctx->profile, &ctx->blocklist, &f) &&
      strcmp(d.type, "fileless") != 0 && strcmp(d.type, "drift") != 0)
    d.kind = DECIDE_ALLOW;
  if (nfd >= 0 && nfd < 1024) {
    /* The exec itself belongs to the workload once the runtime's own
     * (the entrypoint's) has gone by; so do the syscalls after it
     * (learning, denied syscalls). */
    if (ctx->learn && ctx->exec_seen[nfd])
      learn_record(ctx, nfd, &req);
    ctx->exec_seen[nfd] = true;
  }
  if (d.kind == DECIDE_ALLOW) {
    sup_remember_argv(ctx, pid, argv);
    /* Final word: fanotify, on the file the kernel really opens. */
    if (respond(nfd, req.id, 0, true) < 0)
      return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND");
    return 0;
  }
  if (ctx->mode != SK_MODE_ENFORCE) {
    if (respond(nfd, req.id, 0, true) < 0)
      return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND");
    action = "allow";
  } else {
    ctx->n_deny++;
    if (respond(nfd, req.id, -EPERM, false) < 0)
      return sk_error_set(err, errno, "SECCOMP_IOCTL_NOTIF_SEND");
    action = sup_act(ctx, &d, pid);
  }
  if (opath >= 0 && f.sha256 == NULL) {
    hash_for_event(ctx, opath, hex);
    f.sha256 = hex[0] ? hex : NULL;
  }
  sup_event(ctx, &d, "seccomp", pid, &f, argv, action);
  return 0;
}

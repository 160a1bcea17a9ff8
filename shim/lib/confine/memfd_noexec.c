/* SPDX-License-Identifier: Apache-2.0 */
/* vm.memfd_noexec for the container's PID namespace (see memfd_noexec.h):
 * the create step that asks for it, and the createRuntime hook that sets
 * it.
 *
 * Why a hook: the namespace exists only once the runtime has made it, and
 * the entrypoint must not run before the setting is in place. An OCI
 * createRuntime hook runs exactly then, in the runtime's namespaces, with
 * the runtime's privileges, and a hook that fails fails the create: the
 * container is refused, with our message, which is the fail-closed answer
 * enforce mode needs. It also works with the node's "supervisor": false.
 *
 * Who owns what: memfd_noexec_apply joins the PID namespace itself,
 * makes the writer with vfork (only a child of a process that joined is
 * in the namespace), goes back to its own namespace and waits for the
 * writer, which ends by itself after saying on a pipe what it did. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/events.h"
#include "stockade/log.h"
#include "stockade/memfd_noexec.h"

int memfd_noexec_supported(char *why, size_t size) {
  if (access(MEMFD_NOEXEC_SYSCTL, F_OK) == 0)
    return 1;
  snprintf(why, size, "the kernel has no per-PID-namespace vm.memfd_noexec (%s: %s; it came with Linux 6.3)",
           MEMFD_NOEXEC_SYSCTL, strerror(errno));
  return 0;
}

/* What the writer did: the step that failed, its errno, and the level
 * read back. Sent on a pipe, in one write: under valgrind, which turns
 * vfork into fork, the writer's memory is not the caller's. */
struct writer_result {
  int step; /* 0 done; else the failed step below */
  int err;
  int got;
};
enum { W_OPEN = 1, W_WRITE, W_READ };

/* The writer, a vfork child in the target namespace: write level, then
 * read back what the kernel now answers there (the stricter of the
 * namespace's and its parents'), and report. Only system calls: it runs
 * on the caller's stack, in the caller's memory, while the caller waits. */
_Noreturn static void writer(int report, const char *want, size_t n) {
  struct writer_result res = {.step = 0, .err = 0, .got = 0};
  char got[16];
  int fd;
  ssize_t r;
  fd = open(MEMFD_NOEXEC_SYSCTL, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    res.step = W_OPEN;
  } else if (write(fd, want, n) != (ssize_t)n) {
    res.step = W_WRITE;
  } else {
    close(fd);
    fd = open(MEMFD_NOEXEC_SYSCTL, O_RDONLY | O_CLOEXEC);
    r = fd < 0 ? -1 : read(fd, got, sizeof(got));
    if (r <= 0) {
      res.step = W_READ;
      if (r == 0)
        errno = EIO;
    }
    for (ssize_t i = 0; i < r && got[i] >= '0' && got[i] <= '9'; i++)
      res.got = res.got * 10 + (got[i] - '0');
  }
  if (res.step != 0)
    res.err = errno;
  _exit(write(report, &res, sizeof(res)) == (ssize_t)sizeof(res) && res.step == 0 ? 0 : 1);
}

/* vfork in a frame of its own: nothing of the caller's lives across it. */
__attribute__((noinline)) static pid_t spawn_writer(int report, const char *want, size_t n) {
  pid_t c = vfork();
  if (c == 0)
    writer(report, want, n);
  return c;
}

/* The level is written by a process of the container's namespace, which
 * only a child of a process that joined it is: this process joins it
 * (setns changes only where its children go), makes the writer with
 * vfork (no copy of this process's memory: a copy costs a few
 * milliseconds here, on the container's first exec, and twice as much
 * when the copy's pages fault back), and goes back to its own namespace
 * before anything else. */
int memfd_noexec_apply(pid_t pid, int level, char *why, size_t size, struct sk_error **err) {
  char path[64], want[16];
  cleanup_close int nsfd = -1;
  cleanup_close int ownfd = -1;
  cleanup_close int rd = -1;
  cleanup_close int wr = -1;
  struct stat theirs, ours;
  struct writer_result res = {.step = W_OPEN, .err = 0, .got = 0};
  int status = 0, n, back, e, p[2];
  ssize_t got;
  pid_t c;

  snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
  nsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    return sk_error_set(err, errno, "cannot open %s", path);
  ownfd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  if (ownfd < 0 || fstat(nsfd, &theirs) < 0 || fstat(ownfd, &ours) < 0)
    return sk_error_set(err, errno, "cannot compare %s with this process's PID namespace", path);
  /* Never the namespace the runtime itself runs in: that is the host's
   * (or a node's), shared with everything else there. */
  if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) {
    snprintf(why, size, "host pid namespace");
    return 0;
  }
  if (pipe2(p, O_CLOEXEC) < 0)
    return sk_error_set(err, errno, "pipe");
  rd = p[0];
  wr = p[1];
  n = snprintf(want, sizeof(want), "%d\n", level);
  if (setns(nsfd, CLONE_NEWPID) < 0)
    return sk_error_set(err, errno, "cannot join the container's PID namespace (setns)");
  c = spawn_writer(wr, want, (size_t)n);
  e = errno;
  back = setns(ownfd, CLONE_NEWPID);
  if (back < 0)
    e = errno;
  close(wr);
  wr = -1;
  if (c > 0) {
    while (waitpid(c, &status, 0) < 0) {
      if (errno != EINTR)
        return sk_error_set(err, errno, "waitpid");
    }
  }
  if (back < 0)
    return sk_error_set(err, e, "cannot go back to this process's own PID namespace (setns)");
  if (c < 0)
    return sk_error_set(err, e, "cannot fork into the container's PID namespace");
  do
    got = read(rd, &res, sizeof(res));
  while (got < 0 && errno == EINTR);
  if (got != (ssize_t)sizeof(res))
    return sk_error_set(err, 0, "the process that sets vm.memfd_noexec failed without a report");
  if (res.step != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    switch (res.step) {
    case W_WRITE:
      return sk_error_set(err, res.err, "cannot write %d to %s in the container's PID namespace", level,
                          MEMFD_NOEXEC_SYSCTL);
    case W_READ:
      return sk_error_set(err, res.err, "cannot read %s back in the container's PID namespace", MEMFD_NOEXEC_SYSCTL);
    default:
      return sk_error_set(err, res.err, "cannot open %s in the container's PID namespace", MEMFD_NOEXEC_SYSCTL);
    }
  }
  if (res.got < level)
    return sk_error_set(err, EPERM, "%s reads %d after writing %d", MEMFD_NOEXEC_SYSCTL, res.got, level);
  return 1;
}

/* --- the create step --- */

/* The "memfd" event: what the kernel's memfd protection is for this
 * container. applied: the level ("harden"), or NULL with a "not applied:
 * ..." text ("info"). */
struct json *memfd_noexec_event(const struct event_subject *s, int level, const char *not_applied,
                                const char *message) {
  struct event_what w = {
      .type = "memfd", .decision = not_applied ? "info" : "harden", .mechanism = "memfd_noexec", .message = message};
  struct json *ev = event_build(s, &w, NULL);
  char na[300];

  snprintf(na, sizeof(na), "not applied: %s", not_applied ? not_applied : "");
  if (ev == NULL || event_detail(ev, "memfdNoexec", not_applied ? json_new_string(na) : json_new_int(level)) < 0) {
    json_free(ev);
    return NULL;
  }
  return ev;
}

static void emit(const struct sk_config *cfg, const char *id, const struct json *spec_or_state, enum sk_mode mode,
                 int level, const char *not_applied, const char *message) {
  struct event_subject subj = {.container = id, .spec = spec_or_state, .mode = mode_name(mode)};
  cleanup_json struct json *ev = memfd_noexec_event(&subj, level, not_applied, message);
  cleanup_error struct sk_error *err = NULL;

  if (ev == NULL) {
    log_msg(LOG_WARNING, "cannot build the memfd event: out of memory");
    return;
  }
  if (event_emit(cfg, ev, &err) < 0)
    log_msg(LOG_WARNING, "%s", err->msg);
}

/* Does the spec keep the host's PID namespace (no "pid" entry)? One joined
 * by path is judged by the hook, which sees where it leads. */
static bool host_pid(const struct json *spec) {
  const struct json *ns = json_get_path(spec, "linux", "namespaces", NULL);
  for (size_t i = 0; json_is(ns, JSON_ARRAY) && i < ns->n; i++) {
    const char *t = json_string(json_get(ns->items[i], "type"));
    if (t && strcmp(t, "pid") == 0)
      return false;
  }
  return true;
}

/* hooks.createRuntime[0] = {path: self, args: [self, HOOK_ARG], env:
 * [STOCKADE_CONFIG=...]}: the hook is run with only the env the spec gives
 * it, so it is told which config (event file) to use. */
static int add_hook(struct json *spec, const char *self, const char *config, struct sk_error **err) {
  struct json *hooks = json_ensure(spec, "hooks", JSON_OBJECT);
  struct json *list, *h;
  cleanup_free char *envvar = NULL;

  if (hooks == NULL)
    return sk_error_set(err, 0, "hooks: expected an object");
  list = json_ensure(hooks, "createRuntime", JSON_ARRAY);
  if (list == NULL)
    return sk_error_set(err, 0, "hooks.createRuntime: expected an array");
  /* A spec we hardened before carries our hook already. */
  for (size_t i = 0; i < list->n; i++) {
    const struct json *a = json_get(list->items[i], "args");
    if (json_is(a, JSON_ARRAY) && a->n >= 2 && json_is(a->items[1], JSON_STRING) &&
        strcmp(a->items[1]->str, MEMFD_NOEXEC_HOOK_ARG) == 0)
      json_remove_at(list, i--);
  }
  /* The runtime runs hooks from the bundle, not from create's working
   * directory: a relative config path would name another file there. */
  if (config[0] != '/') {
    cleanup_free char *abs = realpath(config, NULL);
    if (abs == NULL)
      return sk_error_set(err, errno, "the config %s, for the vm.memfd_noexec hook", config);
    if (asprintf(&envvar, "STOCKADE_CONFIG=%s", abs) < 0)
      return sk_error_set(err, ENOMEM, "hooks");
  } else if (asprintf(&envvar, "STOCKADE_CONFIG=%s", config) < 0)
    return sk_error_set(err, ENOMEM, "hooks");
  /* json_set and json_append free what they could not take */
  h = json_new(JSON_OBJECT);
  if (h == NULL || json_set(h, "path", json_new_string(self)) < 0 || json_set(h, "args", json_new(JSON_ARRAY)) < 0 ||
      json_set(h, "env", json_new(JSON_ARRAY)) < 0 || json_set(h, "timeout", json_new_int(10)) < 0 ||
      json_append(json_get(h, "args"), json_new_string(self)) < 0 ||
      json_append(json_get(h, "args"), json_new_string(MEMFD_NOEXEC_HOOK_ARG)) < 0 ||
      json_append(json_get(h, "env"), json_new_string(envvar)) < 0) {
    json_free(h);
    return sk_error_set(err, ENOMEM, "hooks");
  }
  if (json_append(list, h) < 0)
    return sk_error_set(err, ENOMEM, "hooks");
  /* First: nothing of the engine's hooks runs before the setting is in. */
  memmove(list->items + 1, list->items, (list->n - 1) * sizeof(list->items[0]));
  list->items[0] = h;
  return 0;
}

int memfd_noexec_create(const struct sk_config *cfg, const char *id, struct json *spec, const struct profile *p,
                        enum sk_mode mode, const char *self, bool *to_supervisor, struct sk_error **err) {
  char why[300], exe[PATH_MAX];

  if (to_supervisor)
    *to_supervisor = false;
  if (mode == SK_MODE_LEARN)
    return 0; /* learning changes nothing the workload can do */
  if (mode != SK_MODE_ENFORCE) {
    emit(cfg, id, spec, mode, 0, "complain mode changes nothing",
         "vm.memfd_noexec is left as the host has it; enforce mode would set 2 in the container's PID namespace");
    return 0;
  }
  if (p->exec_memfd) {
    emit(cfg, id, spec, mode, 0, "profile exec.memfdExec",
         "profile sets exec.memfdExec: memfds may be made executable (MFD_EXEC is not refused)");
    return 0;
  }
  if (host_pid(spec)) {
    emit(cfg, id, spec, mode, 0, "host pid namespace",
         "the container shares the host's PID namespace; vm.memfd_noexec is never changed there");
    return 0;
  }
  if (!memfd_noexec_supported(why, sizeof(why))) {
    emit(cfg, id, spec, mode, 0, "kernel",
         "the kernel has no per-PID-namespace vm.memfd_noexec (Linux 6.3); the seccomp filter refuses "
         "memfd_create(MFD_EXEC) and the supervisor denies memfd execs");
    return 0;
  }
  if (to_supervisor) {
    /* No process of its own: the supervisor applies it (and writes the
     * event) before it answers the container's first exec. */
    *to_supervisor = true;
    return 0;
  }
  if (self == NULL) {
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    self = exe;
  }
  if (self[0] != '/')
    return sk_error_set(err, 0,
                        "refusing container \"%s\": vm.memfd_noexec needs stockade's own path for its "
                        "createRuntime hook, and /proc/self/exe gave none",
                        id);
  if (add_hook(spec, self, cfg->path, err) < 0)
    return sk_error_wrap(err, "refusing container \"%s\": cannot add the vm.memfd_noexec hook", id);
  return 0;
}

/* --- the hook --- */

#define STATE_MAX (1024 * 1024) /* the OCI state is a few KiB; annotations can grow it */

/* The runtime's pipe on stdin, to its end (at most STATE_MAX bytes). */
static int read_state(char **out, size_t *len, struct sk_error **err) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 1);
  for (;;) {
    ssize_t r;
    if (buf == NULL)
      return sk_error_set(err, ENOMEM, "stdin");
    if (n == cap) {
      char *nb;
      if (cap >= STATE_MAX) {
        free(buf);
        return sk_error_set(err, EFBIG, "stdin: more than %d bytes", STATE_MAX);
      }
      cap *= 2;
      nb = realloc(buf, cap + 1);
      if (nb == NULL)
        free(buf);
      buf = nb;
      continue;
    }
    r = read(STDIN_FILENO, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int e = errno;
      free(buf);
      return sk_error_set(err, e, "stdin");
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

int memfd_noexec_hook(struct sk_error **err) {
  cleanup_free char *raw = NULL;
  cleanup_json struct json *state = NULL;
  struct sk_config *cfg = NULL;
  const char *id;
  int64_t pid = 0;
  size_t len = 0;
  char why[300], msg[400];
  int r;

  if (read_state(&raw, &len, err) < 0 || json_parse(raw, len, &state, err) < 0)
    return sk_error_wrap(err, "vm.memfd_noexec hook: the container state on stdin");
  id = json_string(json_get(state, "id"));
  if (id == NULL || !json_int64(json_get(state, "pid"), &pid) || pid <= 0)
    return sk_error_set(err, 0,
                        "vm.memfd_noexec hook: the container state on stdin has no id or pid (run it as a "
                        "createRuntime hook)");
  if (config_load(config_path(), &cfg, err) < 0)
    return sk_error_wrap(err, "refusing container \"%s\": vm.memfd_noexec hook", id);
  r = memfd_noexec_apply((pid_t)pid, MEMFD_NOEXEC_LEVEL, why, sizeof(why), err);
  if (r < 0) {
    snprintf(msg, sizeof(msg), "cannot set vm.memfd_noexec=%d in the container's PID namespace: %s", MEMFD_NOEXEC_LEVEL,
             (*err)->msg);
    emit(cfg, id, state, SK_MODE_ENFORCE, 0, "error", msg);
    config_free(cfg);
    return sk_error_set(err, 0,
                        "refusing container \"%s\": %s; fix: run it where the runtime has CAP_SYS_ADMIN, or let its "
                        "profile set exec.memfdExec",
                        id, msg);
  }
  if (r == 0)
    emit(cfg, id, state, SK_MODE_ENFORCE, 0, why, "vm.memfd_noexec is never changed in the host's PID namespace");
  else
    emit(cfg, id, state, SK_MODE_ENFORCE, MEMFD_NOEXEC_LEVEL, NULL, MEMFD_NOEXEC_APPLIED_MESSAGE);
  config_free(cfg);
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/runtime.h"

int runtime_check(const struct sk_config *cfg, struct sk_error **err) {
  struct stat st;
  if (stat(cfg->runtime, &st) < 0)
    return sk_error_set(err, errno,
                        "runtime %s (%s, field \"runtime\") cannot be used; install runc or crun, or point "
                        "\"runtime\" at it",
                        cfg->runtime, cfg->path);
  if (!S_ISREG(st.st_mode) || access(cfg->runtime, X_OK) < 0)
    return sk_error_set(err, 0, "runtime %s (%s, field \"runtime\") is not an executable file", cfg->runtime,
                        cfg->path);
  return 0;
}

int runtime_exec(const struct sk_config *cfg, char **argv, struct sk_error **err) {
  /* argv[0] becomes the runtime's own name so its messages read as usual. */
  argv[0] = cfg->runtime;
  execv(cfg->runtime, argv);
  return sk_error_set(err, errno, "cannot execute the runtime %s", cfg->runtime);
}

int runtime_run(const struct sk_config *cfg, char **argv, int *status, struct sk_error **err) {
  sigset_t all, old;
  pid_t pid;
  int ws;

  /* Block every signal before forking so none is lost between fork and
   * the wait loop; the child restores the mask before exec. */
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  pid = fork();
  if (pid < 0) {
    int saved = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return sk_error_set(err, saved, "cannot fork");
  }
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    argv[0] = cfg->runtime;
    execv(cfg->runtime, argv);
    _exit(127); /* the forked child: exec failed; the parent reads 127 as the shell does */
  }
  /* We reap this child; every other signal is passed on to it, as runc
   * run passes signals on to the container. */
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0)
      continue;
    if (sig == SIGCHLD) {
      pid_t r = waitpid(pid, &ws, WNOHANG);
      if (r == pid)
        break;
      continue;
    }
    kill(pid, sig);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (WIFEXITED(ws))
    *status = WEXITSTATUS(ws);
  else if (WIFSIGNALED(ws))
    *status = 128 + WTERMSIG(ws);
  else
    *status = 1;
  return 0;
}

int runtime_capture(const struct sk_config *cfg, char **argv, char **out, size_t *len, int *status,
                    struct sk_error **err) {
  int p[2];
  pid_t pid;
  int ws;
  size_t cap = 4096, used = 0;
  cleanup_free char *buf = NULL;

  if (pipe2(p, O_CLOEXEC) < 0)
    return sk_error_set(err, errno, "pipe");
  pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(p[0]);
    close(p[1]);
    return sk_error_set(err, saved, "cannot fork");
  }
  if (pid == 0) {
    if (dup2(p[1], 1) < 0)
      _exit(127); /* the forked child, before exec: the parent sees 127 */
    argv[0] = cfg->runtime;
    execv(cfg->runtime, argv);
    _exit(127); /* the forked child: exec failed; the parent reads 127 as the shell does */
  }
  close(p[1]);
  buf = malloc(cap);
  for (;;) {
    ssize_t r;
    if (buf == NULL)
      break;
    if (used + 1 >= cap) {
      char *nb = cap < (1u << 20) ? realloc(buf, cap * 2) : NULL;
      if (nb == NULL)
        break;
      buf = nb;
      cap *= 2;
    }
    r = read(p[0], buf + used, cap - used - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    used += (size_t)r;
  }
  close(p[0]);
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
    ;
  if (buf == NULL)
    return sk_error_set(err, ENOMEM, "reading the runtime's output");
  buf[used] = '\0';
  *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  *out = steal_pointer(&buf);
  if (len)
    *len = used;
  return 0;
}

int runtime_quiet(const struct sk_config *cfg, char **argv, int *status, struct sk_error **err) {
  pid_t pid;
  int ws;

  pid = fork();
  if (pid < 0)
    return sk_error_set(err, errno, "cannot fork");
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
      _exit(127); /* the forked child, before exec: the parent sees 127 */
    argv[0] = cfg->runtime;
    execv(cfg->runtime, argv);
    _exit(127); /* the forked child: exec failed; the parent reads 127 as the shell does */
  }
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR)
      return sk_error_set(err, errno, "waiting for the runtime %s", cfg->runtime);
  *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  return 0;
}

static const char *runtime_base(const struct sk_config *cfg) {
  const char *base = strrchr(cfg->runtime, '/');
  return base ? base + 1 : cfg->runtime;
}

bool runtime_is_runc(const struct sk_config *cfg) { return strstr(runtime_base(cfg), "runc") != NULL; }

const char *runtime_root(const struct sk_config *cfg, const char *root) {
  if (root && *root)
    return root;
  return strstr(runtime_base(cfg), "crun") ? "/run/crun" : "/run/runc";
}

bool runtime_knows(const struct sk_config *cfg, const char *root, const char *id) {
  char p[PATH_MAX];
  struct stat st;
  int n;
  if (id == NULL || *id == '\0' || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return false;
  n = snprintf(p, sizeof(p), "%s/%s", runtime_root(cfg, root), id);
  return n > 0 && (size_t)n < sizeof(p) && lstat(p, &st) == 0;
}

bool runtime_runc_refuses_id(const char *id) {
  const char *c;
  if (*id == '\0' || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return true;
  for (c = id; *c; c++)
    if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || strchr("_+,.-", *c)))
      return true;
  return false;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spawn.h: what the static test programs that run inside containers
 * (tests/helpers/exectest.c, tests/attacks/attack.c) share: try an exec in a
 * child and tell a failed execve (its errno) from a program that ran (its
 * exit status), errno names for the KEY=VALUE reports, and a copy loop.
 * Header-only: each program is one static file built on its own.
 */
#ifndef SK_TEST_SPAWN_H
#define SK_TEST_SPAWN_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static inline const char *errno_name(int e) {
  static char buf[32];
  const char *n = e ? strerrorname_np(e) : "OK";
  if (n)
    return n;
  snprintf(buf, sizeof buf, "E%d", e);
  return buf;
}

static inline int wait_child(pid_t pid, int *st) {
  while (waitpid(pid, st, 0) < 0) {
    if (errno != EINTR)
      return -1;
  }
  return 0;
}

static inline int status_code(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

/* Run fn(arg) in a child; fn is expected to execve and returns only when
 * that failed. A CLOEXEC pipe tells a failed execve (its errno comes through
 * the pipe) from a program that ran (the pipe closes empty). *err is 0 when
 * the program ran, *code its exit status. stdout of the child goes to
 * /dev/null so that the report's lines stay clean. */
static inline int spawn(void (*fn)(void *), void *arg, int *err, int *code) {
  int p[2], st, e = 0;
  ssize_t n;
  pid_t pid;

  if (pipe2(p, O_CLOEXEC) < 0)
    return -1;
  fflush(stdout);
  pid = fork();
  if (pid < 0) {
    e = errno;
    close(p[0]);
    close(p[1]);
    errno = e;
    return -1;
  }
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd >= 0)
      dup2(fd, 1);
    close(p[0]);
    fn(arg);
    e = errno;
    if (write(p[1], &e, sizeof e) < 0)
      _exit(126);
    _exit(127);
  }
  close(p[1]);
  do
    n = read(p[0], &e, sizeof e);
  while (n < 0 && errno == EINTR);
  close(p[0]);
  if (wait_child(pid, &st) < 0)
    return -1;
  *err = n == (ssize_t)sizeof e ? e : 0;
  *code = status_code(st);
  return 0;
}

static inline void report_exec(const char *key, int err, int code) {
  printf("%s=%s\n", key, errno_name(err));
  if (err == 0)
    printf("%s-status=%d\n", key, code);
}

/* Copy all of in to out (both open); 0 or the errno. */
static inline int copy_fd(int in, int out) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno;
    if (n == 0)
      return 0;
    for (char *p = buf; n > 0;) {
      ssize_t w = write(out, p, (size_t)n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return errno;
      p += w;
      n -= w;
    }
  }
}

/* Copy the file src to dst (created or truncated, mode 0755 whatever the
 * umask): 0 or the errno of the first step that failed. */
static inline int copy_file(const char *src, const char *dst) {
  int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, e;

  if (in < 0)
    return errno;
  out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (out < 0)
    e = errno;
  else {
    e = copy_fd(in, out);
    if (e == 0 && fchmod(out, 0755) < 0)
      e = errno;
    if (close(out) < 0 && e == 0)
      e = errno;
  }
  close(in);
  return e;
}

#endif

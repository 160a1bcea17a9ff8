/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memfdtest: a static program that runs inside test containers and reports,
 * in KEY=VALUE lines, what the kernel lets it do with memfds (issue 11:
 * vm.memfd_noexec and the filter's memfd_create(MFD_EXEC) rule). It decides
 * nothing itself.
 *
 *   memfdtest SRC
 *     memfd-noexec=N|ERRNO        /proc/sys/vm/memfd_noexec as read here
 *     memfd-exec-create=OK|ERRNO  memfd_create("x", MFD_EXEC)
 *     memfd-plain-create=OK|ERRNO memfd_create("x", 0), then SRC copied in
 *     memfd-plain-execveat=OK|ERRNO  execveat(fd, "", AT_EMPTY_PATH) of it,
 *                                 in a child (OK: SRC ran and exited 0)
 *
 * Exit status 0 when it ran, 1 when it could not work, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static const char *result(int e) { return e == 0 ? "OK" : strerrorname_np(e) ? strerrorname_np(e) : "E?"; }

static int copy_into(int fd, const char *src) {
  char buf[65536];
  ssize_t n;
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return errno;
  while ((n = read(in, buf, sizeof(buf))) > 0) {
    if (write(fd, buf, (size_t)n) != n) {
      int e = errno;
      close(in);
      return e;
    }
  }
  close(in);
  return n < 0 ? errno : 0;
}

int main(int argc, char **argv) {
  char v[32];
  int fd, e, status;
  ssize_t n;
  pid_t c;

  if (argc != 2) {
    fprintf(stderr, "usage: memfdtest SRC\n");
    return 2;
  }
  fd = open("/proc/sys/vm/memfd_noexec", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || (n = read(fd, v, sizeof(v) - 1)) <= 0) {
    printf("memfd-noexec=%s\n", result(errno));
  } else {
    v[n] = '\0';
    v[strcspn(v, "\n")] = '\0';
    printf("memfd-noexec=%s\n", v);
  }
  if (fd >= 0)
    close(fd);

  fd = (int)syscall(SYS_memfd_create, "memfdtest-exec", MFD_EXEC);
  printf("memfd-exec-create=%s\n", result(fd < 0 ? errno : 0));
  if (fd >= 0)
    close(fd);

  fd = (int)syscall(SYS_memfd_create, "memfdtest", 0);
  e = fd < 0 ? errno : copy_into(fd, argv[1]);
  printf("memfd-plain-create=%s\n", result(e));
  fflush(stdout);
  if (e != 0)
    return 0;
  c = fork();
  if (c < 0)
    return 1;
  if (c == 0) {
    char *args[] = {"memfd", NULL}, *env[] = {NULL};
    syscall(SYS_execveat, fd, "", args, env, AT_EMPTY_PATH);
    printf("memfd-plain-execveat=%s\n", result(errno));
    fflush(stdout);
    _exit(99); /* SRC (sktrue) exits 0: 99 says the exec failed, and was reported */
  }
  while (waitpid(c, &status, 0) < 0)
    if (errno != EINTR)
      return 1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    printf("memfd-plain-execveat=OK\n"); /* SRC ran */
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 99) {
    printf("memfd-plain-execveat-status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* subreaper FILE CMD [ARG...]: run CMD as a child subreaper (host side,
 * tests only): every process CMD leaves behind (a stockade supervisor,
 * a detached container's init) is reparented here when its
 * parent exits, and reaped here. One line per reaped process goes to FILE:
 * "pid=N exit=S" or "pid=N signal=S". Exits when no child is left. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int fd, status;
  pid_t pid;
  if (argc < 3) {
    fprintf(stderr, "usage: subreaper FILE CMD [ARG...]\n");
    return 2;
  }
  fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
    perror("subreaper");
    return 1;
  }
  pid = fork();
  if (pid < 0) {
    perror("subreaper: fork");
    return 1;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror("subreaper: exec");
    _exit(127);
  }
  for (;;) {
    pid_t w = waitpid(-1, &status, 0);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      break;
    if (WIFSIGNALED(status))
      dprintf(fd, "pid=%d signal=%d\n", (int)w, WTERMSIG(status));
    else
      dprintf(fd, "pid=%d exit=%d\n", (int)w, WEXITSTATUS(status));
  }
  return 0;
}

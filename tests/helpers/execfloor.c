/* SPDX-License-Identifier: Apache-2.0 */
/* execfloor: what the supervisor's two kernel mechanisms cost an exec on
 * this machine when nobody does any work in them: the floor under
 * stockade's per-exec figure (bench/exec.sh). Runs on the host.
 *
 *   execfloor MODE DIR PROG [ARGS...]
 *
 * runs PROG (typically `exectest execloop N sktiny`) as a child and waits
 * for it, exiting with its status. MODE:
 *   none     nothing else: the same fork and wait, for the baseline
 *   notify   the child's execve and execveat go to a seccomp user-notify
 *            listener (as stockade's filter sends them), which this
 *            process answers CONTINUE at once, with the flag the
 *            supervisor sets (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)
 *   both     that, and fanotify FAN_OPEN_EXEC_PERM on DIR's mount, answered
 *            FAN_ALLOW at once: the supervisor's two round trips
 * One thread, one epoll loop over both descriptors, as the supervisor. DIR
 * should be a mount of its own (a tmpfs) holding PROG's programs: every
 * exec on that mount waits for this process while it runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "execfloor: add this architecture's AUDIT_ARCH"
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS /* Linux 6.6; headers may be older */
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static void die(const char *what) {
  fprintf(stderr, "execfloor: %s: %s\n", what, strerror(errno));
  exit(125);
}

/* In the child: the filter, its listener sent to the parent on sock. */
static void child_filter(int sock) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 4),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execve, 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execveat, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};
  char cbuf[CMSG_SPACE(sizeof(int))], byte = 0;
  struct iovec iov = {&byte, 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  struct cmsghdr *cm;
  int l;

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die("PR_SET_NO_NEW_PRIVS");
  l = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  if (l < 0)
    die("seccomp");
  cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &l, sizeof(int));
  if (sendmsg(sock, &mh, 0) != 1)
    die("sendmsg");
  close(l);
}

static int receive_fd(int sock) {
  char cbuf[CMSG_SPACE(sizeof(int))], byte;
  struct iovec iov = {&byte, 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  struct cmsghdr *cm;
  int fd;
  if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1 || (cm = CMSG_FIRSTHDR(&mh)) == NULL || cm->cmsg_type != SCM_RIGHTS)
    return -1;
  memcpy(&fd, CMSG_DATA(cm), sizeof(int));
  return fd;
}

static void answer_notify(int nfd) {
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  memset(&req, 0, sizeof(req));
  if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
    return;
  memset(&resp, 0, sizeof(resp));
  resp.id = req.id;
  resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  (void)ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static void answer_fan(int ffd) {
  char buf[4096] __attribute__((aligned(8)));
  ssize_t n = read(ffd, buf, sizeof(buf));
  const struct fanotify_event_metadata *m = (const void *)buf;
  for (; n > 0 && FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
    struct fanotify_response r = {.fd = m->fd, .response = FAN_ALLOW};
    if (m->fd < 0)
      continue;
    if (write(ffd, &r, sizeof(r)) != (ssize_t)sizeof(r))
      die("fanotify response");
    close(m->fd);
  }
}

int main(int argc, char **argv) {
  int sv[2], nfd = -1, ffd = -1, ep, status;
  bool notify, fan;
  pid_t child;

  if (argc < 4 || (strcmp(argv[1], "none") != 0 && strcmp(argv[1], "notify") != 0 && strcmp(argv[1], "both") != 0)) {
    fprintf(stderr, "usage: execfloor none|notify|both DIR PROG [ARGS...]\n");
    return 125;
  }
  notify = strcmp(argv[1], "none") != 0;
  fan = strcmp(argv[1], "both") == 0;
  if (fan) {
    ffd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (ffd < 0)
      die("fanotify_init");
    if (fanotify_mark(ffd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_EXEC_PERM, AT_FDCWD, argv[2]) < 0)
      die("fanotify_mark");
  }
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    die("socketpair");
  child = fork();
  if (child < 0)
    die("fork");
  if (child == 0) {
    if (notify)
      child_filter(sv[1]);
    execv(argv[3], argv + 3);
    die(argv[3]);
  }
  close(sv[1]);
  if (!notify) {
    if (waitpid(child, &status, 0) < 0)
      die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  nfd = receive_fd(sv[0]);
  if (nfd < 0)
    die("receiving the listener");
  (void)ioctl(nfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP); /* EINVAL before 6.6 */
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0)
    die("epoll_create1");
  {
    struct epoll_event e = {.events = EPOLLIN, .data.fd = nfd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, nfd, &e) < 0)
      die("epoll_ctl");
  }
  if (fan) {
    struct epoll_event e = {.events = EPOLLIN, .data.fd = ffd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, ffd, &e) < 0)
      die("epoll_ctl");
  }
  for (;;) {
    struct epoll_event evs[4];
    int n = epoll_wait(ep, evs, 4, -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      die("epoll_wait");
    for (int i = 0; i < n; i++) {
      if (evs[i].data.fd == ffd) {
        answer_fan(ffd);
      } else if (evs[i].events & EPOLLIN) {
        answer_notify(nfd);
      } else if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
        /* every process of the filter is gone: the child has ended */
        if (waitpid(child, &status, 0) < 0)
          die("waitpid");
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
  }
}

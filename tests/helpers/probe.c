/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe: a static program that runs inside test containers and reports, in
 * lines of the form KEY=VALUE, what the container's process is allowed to do.
 * The integration tests, the demo and the bench read its output; it decides
 * nothing itself.
 *
 * Usage:
 *   probe [status]        identity and hardening state (the default):
 *                           uid= gid= euid= egid= groups=
 *                           NoNewPrivs= Seccomp= CapEff= CapPrm= CapBnd=
 *                           CapInh= CapAmb=   (values as in /proc/self/status)
 *   probe syscalls        try, each in a child process so nothing sticks:
 *                           unshare=  unshare(CLONE_NEWUSER|CLONE_NEWNS)
 *                           mount=    mount("probe", "/tmp", "tmpfs", ...)
 *                           keyctl=   keyctl(KEYCTL_GET_KEYRING_ID, session)
 *                         each value is OK or the errno's name (EPERM, ...)
 *   probe all             status, then syscalls
 *   probe write PATH      create PATH and write a byte: write=OK or errno name
 *   probe exec PATH [ARG...]
 *                         execve PATH in a child: exec=OK (the child's own exit
 *                         status is reported as exec-status=N) or the errno
 *                         name of the failed execve
 *   probe copy SRC DST    copy SRC to DST with mode 0755: copy=OK or errno name
 *   probe bind PORT       bind a TCP socket to 0.0.0.0:PORT: bind=OK or errno
 *   probe connect PORT    TCP connect to 127.0.0.1:PORT: connect=OK or errno
 *   probe listen PORT     listen on 127.0.0.1:PORT (listen=OK or errno), then
 *                         accept and close connections until killed
 *   probe openrw PATH     open an existing PATH for writing, no create, no
 *                         truncate (/proc/self/mem): openrw=OK or errno
 *
 * Exit status: 0 when the probe ran (whatever it found; a denied syscall is a
 * finding, not an error), 1 when the probe itself could not work (cannot read
 * /proc/self/status, cannot fork), 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

#define KEYCTL_GET_KEYRING_ID_ 0
#define KEY_SPEC_SESSION_KEYRING_ -3

static int print_status(void) {
  static const char *keys[] = {"NoNewPrivs", "Seccomp", "CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb"};
  char line[512];
  FILE *f;
  gid_t groups[64];
  int n, i;

  printf("uid=%u\ngid=%u\neuid=%u\negid=%u\n", (unsigned)getuid(), (unsigned)getgid(), (unsigned)geteuid(),
         (unsigned)getegid());
  n = getgroups(64, groups);
  printf("groups=");
  for (i = 0; i < n; i++)
    printf("%s%u", i ? "," : "", (unsigned)groups[i]);
  printf("\n");

  f = fopen("/proc/self/status", "re");
  if (!f) {
    fprintf(stderr, "probe: /proc/self/status: %s\n", strerror(errno));
    return 1;
  }
  while (fgets(line, sizeof line, f)) {
    for (i = 0; i < (int)(sizeof keys / sizeof keys[0]); i++) {
      size_t kl = strlen(keys[i]);
      if (strncmp(line, keys[i], kl) == 0 && line[kl] == ':') {
        char *v = line + kl + 1;
        while (*v == ' ' || *v == '\t')
          v++;
        v[strcspn(v, "\n")] = '\0';
        printf("%s=%s\n", keys[i], v);
      }
    }
  }
  fclose(f);
  return 0;
}

/* Run fn in a child so a syscall that succeeds (a new namespace, a mount)
 * changes nothing in the probe itself; the child's exit status carries the
 * errno (0 = success). */
static int in_child(int (*fn)(void), int *err_out) {
  pid_t pid;
  int st;

  fflush(stdout);
  pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0)
    _exit(fn() < 0 ? (errno & 0xff) : 0);
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR)
      return -1;
  }
  if (!WIFEXITED(st))
    return -1;
  *err_out = WEXITSTATUS(st);
  return 0;
}

static int try_unshare(void) { return unshare(CLONE_NEWUSER | CLONE_NEWNS); }

static int try_mount(void) {
  if (mount("probe", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k") < 0)
    return -1;
  umount2("/tmp", MNT_DETACH);
  return 0;
}

static int try_keyctl(void) {
  long r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID_, KEY_SPEC_SESSION_KEYRING_, 0);
  return r < 0 ? -1 : 0;
}

static int report_child(const char *name, int (*fn)(void)) {
  int e;
  if (in_child(fn, &e) < 0) {
    fprintf(stderr, "probe: %s: cannot run child: %s\n", name, strerror(errno));
    return 1;
  }
  printf("%s=%s\n", name, errno_name(e));
  return 0;
}

static int print_syscalls(void) {
  int rc = 0;
  rc |= report_child("unshare", try_unshare);
  rc |= report_child("mount", try_mount);
  rc |= report_child("keyctl", try_keyctl);
  return rc;
}

static int do_write(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int e = 0;
  if (fd < 0)
    e = errno;
  else {
    if (write(fd, "x", 1) != 1)
      e = errno;
    if (close(fd) < 0 && e == 0)
      e = errno;
  }
  printf("write=%s\n", errno_name(e));
  return 0;
}

static int do_copy(const char *src, const char *dst) {
  printf("copy=%s\n", errno_name(copy_file(src, dst)));
  return 0;
}

static void exec_argv(void *arg) {
  char **argv = arg;
  execv(argv[0], argv);
}

/* execve in a child (spawn.h): exec=OK with exec-status=N, or the errno. */
static int do_exec(char **argv) {
  int err, code;
  if (spawn(exec_argv, argv, &err, &code) < 0)
    return 1;
  report_exec("exec", err, code);
  return 0;
}

static int do_bind(const char *port_s) {
  struct sockaddr_in sa;
  char *end;
  long port = strtol(port_s, &end, 10);
  int fd, e = 0;

  if (*port_s == '\0' || *end != '\0' || port < 0 || port > 65535) {
    fprintf(stderr, "probe: bind: bad port \"%s\"\n", port_s);
    return 2;
  }
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    printf("bind=%s\n", errno_name(errno));
    return 0;
  }
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    e = errno;
  close(fd);
  printf("bind=%s\n", errno_name(e));
  return 0;
}

static int parse_port(const char *port_s, const char *what, unsigned short *out) {
  char *end;
  long port = strtol(port_s, &end, 10);
  if (*port_s == '\0' || *end != '\0' || port < 0 || port > 65535) {
    fprintf(stderr, "probe: %s: bad port \"%s\"\n", what, port_s);
    return 2;
  }
  *out = (unsigned short)port;
  return 0;
}

static void loopback(struct sockaddr_in *sa, unsigned short port) {
  memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  sa->sin_port = htons(port);
  sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int do_connect(const char *port_s) {
  struct sockaddr_in sa;
  unsigned short port;
  int fd, e = 0;
  if (parse_port(port_s, "connect", &port))
    return 2;
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    printf("connect=%s\n", errno_name(errno));
    return 0;
  }
  loopback(&sa, port);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    e = errno;
  close(fd);
  printf("connect=%s\n", errno_name(e));
  return 0;
}

static int do_listen(const char *port_s) {
  struct sockaddr_in sa;
  unsigned short port;
  int fd, one = 1;
  if (parse_port(port_s, "listen", &port))
    return 2;
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    printf("listen=%s\n", errno_name(errno));
    return 0;
  }
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  loopback(&sa, port);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
    printf("listen=%s\n", errno_name(errno));
    close(fd);
    return 0;
  }
  printf("listen=OK\n");
  fflush(stdout);
  for (;;) {
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0)
      close(c);
    else if (errno != EINTR && errno != ECONNABORTED)
      return 1;
  }
}

static int do_openrw(const char *path) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  int e = fd < 0 ? errno : 0;
  if (fd >= 0)
    close(fd);
  printf("openrw=%s\n", errno_name(e));
  return 0;
}

static int usage(void) {
  fprintf(stderr, "usage: probe [status|syscalls|all|write PATH|exec PATH [ARG...]|copy SRC DST|bind PORT|connect "
                  "PORT|listen PORT|openrw PATH]\n");
  return 2;
}

int main(int argc, char **argv) {
  int rc;
  const char *cmd = argc > 1 ? argv[1] : "status";

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(cmd, "status") == 0 && argc <= 2)
    rc = print_status();
  else if (strcmp(cmd, "syscalls") == 0 && argc == 2)
    rc = print_syscalls();
  else if (strcmp(cmd, "all") == 0 && argc == 2) {
    rc = print_status();
    rc |= print_syscalls();
  } else if (strcmp(cmd, "write") == 0 && argc == 3)
    rc = do_write(argv[2]);
  else if (strcmp(cmd, "copy") == 0 && argc == 4)
    rc = do_copy(argv[2], argv[3]);
  else if (strcmp(cmd, "exec") == 0 && argc >= 3)
    rc = do_exec(argv + 2);
  else if (strcmp(cmd, "bind") == 0 && argc == 3)
    rc = do_bind(argv[2]);
  else if (strcmp(cmd, "connect") == 0 && argc == 3)
    rc = do_connect(argv[2]);
  else if (strcmp(cmd, "listen") == 0 && argc == 3)
    rc = do_listen(argv[2]);
  else if (strcmp(cmd, "openrw") == 0 && argc == 3)
    rc = do_openrw(argv[2]);
  else
    return usage();
  fflush(stdout);
  return rc;
}

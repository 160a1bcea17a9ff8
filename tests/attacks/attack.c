/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attack: a static program that runs inside test containers and tries, one
 * technique class per mode, to execute a program the container must not run
 * (tests/attacks/a_*.sh, docs/security.md "Attack suite"). It reports in
 * KEY=VALUE lines what each attempt got and decides nothing itself.
 *
 * The program an attack tries to run is this very binary in mode payload,
 * copied into a memfd or a writable mount: it exits 42 (and appends a byte
 * to its marker file, when given one), so a payload that ran is told from
 * an image program (sktrue, exit 0) and from a failed execve. An attempt is
 * reported as OK with KEY-status=N when a program ran, or as the errno name
 * of the failed execve (EPERM, EACCES, ...). Every exec is tried in a child,
 * so attack keeps running and reports.
 *
 * Usage:
 *   attack payload [MARKER]   exit 42 (the program no attack may run)
 *   attack fdlinks            a memfd holding the payload, executed through
 *       every spelling of a descriptor link: fdlink-proc-self= -dev-fd=
 *       -task= -thread-self= -slashes= -dot= -dotdot= -relative= -symlink=
 *       -dirfd= -other-pid= -other-pid-shadow= -clone-files= -thread=
 *       (memfd-create= first: how the memfd was made). The payload's
 *       argv[0] is the key (fdlink-<spelling>), so each event names its try.
 *   attack swap TRIES SECONDS IMAGE
 *       fd swap race: a thread dup2()s the memfd and IMAGE onto one fd
 *       number while the main thread executes /proc/self/fd/N; each try a
 *       fresh child; stops after TRIES or SECONDS:
 *       swap-n= swap-payload= swap-image= swap-eperm= swap-eacces=
 *       swap-other= swap-marker=
 *   attack memfd              memfd_create with MFD_EXEC, no flag and
 *       MFD_NOEXEC_SEAL (memfd-create-exec= -plain= -noexec-seal=), each
 *       created one executed with execveat(AT_EMPTY_PATH) and fexecve:
 *       memfd-exec-execveat= memfd-exec-fexecve= ...
 *   attack shebang SCRIPT FD  the payload in a memfd on descriptor FD, then
 *       execve SCRIPT (whose #! line names that descriptor): shebang=
 *   attack opath PATH         copy the payload to PATH, open it O_PATH,
 *       execveat(fd, "", AT_EMPTY_PATH): opath-copy= opath=
 *   attack dirfd DIR...       per DIR (KEY: DIR with / as -): copy the
 *       payload to DIR/atk-dirfd, open DIR as a directory, execveat(dirfd,
 *       "atk-dirfd") and "./atk-dirfd": dirfd-copy-KEY= dirfd-KEY=
 *       dirfd-dot-KEY=
 *   attack bigfile PATH GIB   PATH: the payload's bytes, then sparse up to
 *       GIB GiB (ftruncate), mode 0755; executed: bigfile-create= bigfile=
 *   attack storm N PATH       copy the payload to PATH, then N execve of it
 *       from this process (each denied one returns): storm-n= storm-denied=
 *       storm-other= storm-first-other=
 *   attack syscalls           syscalls the default seccomp profile denies:
 *       syscall-unshare= syscall-mount= syscall-kexec_load= syscall-add_key=
 *
 * Exit status: 0 when attack ran (a failed attack is a finding), 1 when it
 * could not set up (no memfd, cannot fork), 2 on a usage error; 42 as the
 * payload.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define PAYLOAD_EXIT 42
#define MEMFD_NO 100  /* the descriptor number the memfd is put on */
#define HOLDER_NO 200 /* the memfd's number in another process */

extern char **environ;

static char *payload_argv[] = {(char *)"attack", (char *)"payload", NULL, NULL};

/* ---- payload and memfds ---------------------------------------------------- */

static int do_payload(const char *marker) {
  if (marker) {
    int fd = open(marker, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd >= 0) {
      if (write(fd, "x", 1) < 0)
        _exit(1);
      close(fd);
    }
  }
  return PAYLOAD_EXIT;
}

/* Copy this program (the payload) into fd; 0 or the errno. */
static int copy_self(int fd) {
  int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), e;
  if (in < 0)
    return errno;
  e = copy_fd(in, fd);
  close(in);
  return e;
}

/* A memfd holding the payload, made with flags, moved to number `at` (not
 * close-on-exec: a script's interpreter is opened after the exec began).
 * Returns the descriptor, or -1 with errno. */
static int payload_memfd(unsigned flags, int at) {
  int fd = (int)syscall(SYS_memfd_create, "attack", flags), e;
  if (fd < 0)
    return -1;
  e = copy_self(fd);
  if (e == 0 && at >= 0 && fd != at) {
    if (dup2(fd, at) < 0)
      e = errno;
    close(fd);
    fd = at;
  }
  if (e != 0) {
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

/* The memfd the link attacks use: executable if the kernel still makes
 * one (MFD_EXEC, then no flag), else sealed non-executable. Reports how. */
static int attack_memfd(int at) {
  static const struct {
    unsigned flags;
    const char *name;
  } tries[] = {{MFD_EXEC, "exec"}, {0, "plain"}, {MFD_NOEXEC_SEAL, "noexec-seal"}};
  for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
    int fd = payload_memfd(tries[i].flags, at);
    if (fd >= 0) {
      printf("memfd-create=%s\n", tries[i].name);
      return fd;
    }
  }
  printf("memfd-create=%s\n", errno_name(errno));
  return -1;
}

static void report_attempt(const char *key, void (*fn)(void *), void *arg) {
  int err, code;
  if (spawn(fn, arg, &err, &code) < 0) {
    printf("%s=ESPAWN\n", key);
    return;
  }
  report_exec(key, err, code);
}

/* ---- fdlinks ------------------------------------------------------------------ */

struct link_try {
  const char *kind;
  char argv0[64]; /* the payload's argv[0]: fdlink-<kind>, for the event */
  int fd;         /* the memfd's number */
  int image;      /* an image file's descriptor */
  pid_t holder;   /* a process holding the memfd on HOLDER_NO */
  int err;        /* a thread's execve errno */
  volatile int done;
};

static void exec_path(const char *path) { execve(path, payload_argv, environ); }

static void exec_path_arg(void *path) { exec_path(path); }

static void exec_fmt(const char *fmt, long a, long b) {
  char path[128];
  snprintf(path, sizeof path, fmt, a, b);
  exec_path(path);
}

/* A thread that executes /proc/self/fd/N: with its own descriptor table
 * (no CLONE_FILES) holding an image file on N while the leader's N is the
 * memfd, or sharing the leader's. */
static int link_thread(void *arg) {
  struct link_try *t = arg;
  if (strcmp(t->kind, "clone-files") == 0 && dup2(t->image, t->fd) < 0)
    t->err = errno;
  else {
    exec_fmt("/proc/self/fd/%ld", t->fd, 0);
    t->err = errno;
  }
  t->done = 1;
  syscall(SYS_exit, 0); /* this thread only */
  return 0;
}

static void exec_by_thread(struct link_try *t) {
  static char stack[256 * 1024] __attribute__((aligned(16)));
  int flags = CLONE_VM | CLONE_FS | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
  if (strcmp(t->kind, "thread") == 0)
    flags |= CLONE_FILES;
  t->done = 0;
  if (clone(link_thread, stack + sizeof stack, flags, t) < 0)
    return;
  while (!t->done)
    sched_yield();
  errno = t->err;
}

static void exec_link(void *arg) {
  struct link_try *t = arg;
  const char *k = t->kind;
  int fd = t->fd;
  payload_argv[0] = t->argv0; /* in this child only */
  if (strcmp(k, "proc-self") == 0)
    exec_fmt("/proc/self/fd/%ld", fd, 0);
  else if (strcmp(k, "dev-fd") == 0)
    exec_fmt("/dev/fd/%ld", fd, 0);
  else if (strcmp(k, "task") == 0)
    exec_fmt("/proc/self/task/%ld/fd/%ld", gettid(), fd);
  else if (strcmp(k, "thread-self") == 0)
    exec_fmt("/proc/thread-self/fd/%ld", fd, 0);
  else if (strcmp(k, "slashes") == 0)
    exec_fmt("//proc//self/fd/%ld", fd, 0);
  else if (strcmp(k, "dot") == 0)
    exec_fmt("/proc/./self/fd/%ld", fd, 0);
  else if (strcmp(k, "dotdot") == 0)
    exec_fmt("/proc/self/../self/fd/%ld", fd, 0);
  else if (strcmp(k, "relative") == 0) {
    if (chdir("/") == 0)
      exec_fmt("proc/self/fd/%ld", fd, 0);
  } else if (strcmp(k, "symlink") == 0)
    exec_path("/tmp/atk-fdlink");
  else if (strcmp(k, "dirfd") == 0) {
    int d = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char name[16];
    snprintf(name, sizeof name, "%d", fd);
    if (d >= 0)
      syscall(SYS_execveat, d, name, payload_argv, environ, 0);
  } else if (strcmp(k, "other-pid") == 0) {
    exec_fmt("/proc/%ld/fd/%ld", t->holder, HOLDER_NO);
  } else if (strcmp(k, "other-pid-shadow") == 0) {
    /* This process's HOLDER_NO is an image file, the holder's the memfd. */
    if (dup2(t->image, HOLDER_NO) >= 0)
      exec_fmt("/proc/%ld/fd/%ld", t->holder, HOLDER_NO);
  } else
    exec_by_thread(t);
}

/* A child that keeps the memfd on HOLDER_NO until killed. */
static pid_t start_holder(int memfd) {
  int p[2];
  char c;
  pid_t pid;
  if (pipe2(p, O_CLOEXEC) < 0)
    return -1;
  pid = fork();
  if (pid == 0) {
    if (dup2(memfd, HOLDER_NO) < 0 || write(p[1], "r", 1) != 1)
      _exit(1);
    for (;;)
      pause();
  }
  close(p[1]);
  if (pid > 0 && read(p[0], &c, 1) != 1) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    pid = -1;
  }
  close(p[0]);
  return pid;
}

static int do_fdlinks(void) {
  static const char *const kinds[] = {"proc-self", "dev-fd",           "task",        "thread-self", "slashes",
                                      "dot",       "dotdot",           "relative",    "symlink",     "dirfd",
                                      "other-pid", "other-pid-shadow", "clone-files", "thread"};
  struct link_try t = {.fd = -1};
  char target[64];

  t.fd = attack_memfd(MEMFD_NO);
  if (t.fd < 0)
    return 1;
  t.image = open("/bin/sktrue", O_RDONLY | O_CLOEXEC);
  if (t.image < 0) {
    fprintf(stderr, "attack: fdlinks: cannot open /bin/sktrue: %s\n", strerror(errno));
    return 1;
  }
  snprintf(target, sizeof target, "/proc/self/fd/%d", t.fd);
  unlink("/tmp/atk-fdlink");
  if (symlink(target, "/tmp/atk-fdlink") < 0)
    printf("fdlink-symlink-create=%s\n", errno_name(errno));
  /* The holder gets the memfd; this process keeps it too (the other
   * spellings need it) but never on HOLDER_NO. */
  t.holder = start_holder(t.fd);
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    t.kind = kinds[i];
    if (strncmp(t.kind, "other-pid", 9) == 0 && t.holder < 0) {
      printf("fdlink-%s=ENOHOLDER\n", t.kind);
      continue;
    }
    snprintf(t.argv0, sizeof t.argv0, "fdlink-%s", t.kind);
    report_attempt(t.argv0, exec_link, &t);
  }
  if (t.holder > 0) {
    kill(t.holder, SIGKILL);
    waitpid(t.holder, NULL, 0);
  }
  return 0;
}

/* ---- swap race ------------------------------------------------------------------ */

#define SWAP_NO 50

struct swap {
  int memfd, image;
  volatile unsigned flips;
};

static void *swap_flipper(void *arg) {
  struct swap *s = arg;
  for (;;) {
    dup2(s->memfd, SWAP_NO);
    dup2(s->image, SWAP_NO);
    /* both threads may share one CPU: let the exec run now and then */
    if (++s->flips % 64 == 0)
      sched_yield();
  }
  return NULL;
}

static void swap_child(void *arg) {
  struct swap *s = arg;
  pthread_t t;
  int e;
  if (dup2(s->image, SWAP_NO) < 0)
    return;
  e = pthread_create(&t, NULL, swap_flipper, s);
  if (e != 0) {
    errno = e;
    return;
  }
  while (s->flips < 2)
    sched_yield();
  exec_fmt("/proc/self/fd/%ld", SWAP_NO, 0);
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) < 0 ? 0 : (long)st.st_size;
}

static int do_swap(long tries, long seconds, const char *image) {
  static const char marker[] = "/tmp/atk-swap.marker";
  struct swap s = {0};
  long n = 0, payload = 0, img = 0, eperm = 0, eacces = 0, other = 0;
  time_t end = time(NULL) + seconds;

  s.memfd = attack_memfd(-1);
  s.image = open(image, O_RDONLY | O_CLOEXEC);
  if (s.memfd < 0 || s.image < 0) {
    fprintf(stderr, "attack: swap: no memfd or cannot open %s: %s\n", image, strerror(errno));
    return 1;
  }
  unlink(marker);
  payload_argv[2] = (char *)marker;
  for (; n < tries && time(NULL) < end; n++) {
    int err, code;
    s.flips = 0;
    if (spawn(swap_child, &s, &err, &code) < 0) {
      fprintf(stderr, "attack: swap: cannot fork: %s\n", strerror(errno));
      return 1;
    }
    if (err == 0 && code == PAYLOAD_EXIT)
      payload++;
    else if (err == 0 && code == 0)
      img++;
    else if (err == EPERM)
      eperm++;
    else if (err == EACCES)
      eacces++;
    else
      other++;
  }
  printf("swap-n=%ld\nswap-payload=%ld\nswap-image=%ld\nswap-eperm=%ld\nswap-eacces=%ld\nswap-other=%ld\n"
         "swap-marker=%ld\n",
         n, payload, img, eperm, eacces, other, file_size(marker));
  return 0;
}

/* ---- memfd creation and descriptor execs ----------------------------------------- */

static void exec_fd_at(void *arg) { syscall(SYS_execveat, *(int *)arg, "", payload_argv, environ, AT_EMPTY_PATH); }

static void exec_fd_fexecve(void *arg) { fexecve(*(int *)arg, payload_argv, environ); }

static int do_memfd(void) {
  static const struct {
    unsigned flags;
    const char *name;
  } kinds[] = {{MFD_EXEC, "exec"}, {0, "plain"}, {MFD_NOEXEC_SEAL, "noexec-seal"}};
  char key[64];
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    int fd = payload_memfd(kinds[i].flags, -1);
    printf("memfd-create-%s=%s\n", kinds[i].name, errno_name(fd < 0 ? errno : 0));
    if (fd < 0)
      continue;
    snprintf(key, sizeof key, "memfd-%s-execveat", kinds[i].name);
    report_attempt(key, exec_fd_at, &fd);
    snprintf(key, sizeof key, "memfd-%s-fexecve", kinds[i].name);
    report_attempt(key, exec_fd_fexecve, &fd);
    close(fd);
  }
  return 0;
}

/* ---- shebang --------------------------------------------------------------------- */

static void exec_script(void *arg) {
  char *argv[] = {arg, NULL};
  execve(arg, argv, environ);
}

static int do_shebang(char *script, int at) {
  if (attack_memfd(at) < 0)
    return 1;
  report_attempt("shebang", exec_script, script);
  return 0;
}

/* ---- files on writable mounts: O_PATH, dirfd, big, storm ---------------------------- */

/* Copy the payload to path, mode 0755; 0 or the errno. */
static int drop_payload(const char *path) { return copy_file("/proc/self/exe", path); }

static int do_opath(const char *path) {
  int e = drop_payload(path), fd;
  printf("opath-copy=%s\n", errno_name(e));
  if (e != 0)
    return 0;
  fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) {
    printf("opath=EOPEN-%s\n", errno_name(errno));
    return 0;
  }
  report_attempt("opath", exec_fd_at, &fd);
  close(fd);
  return 0;
}

struct dir_try {
  int dirfd;
  const char *name;
};

static void exec_in_dir(void *arg) {
  struct dir_try *d = arg;
  syscall(SYS_execveat, d->dirfd, d->name, payload_argv, environ, 0);
}

static int do_dirfd(int n, char **dirs) {
  for (int i = 0; i < n; i++) {
    char key[128], path[4096], *k;
    struct dir_try d = {.name = "atk-dirfd"};
    int e;
    snprintf(key, sizeof key, "%s", dirs[i][1] ? dirs[i] + 1 : "root");
    for (k = key; *k; k++)
      if (*k == '/')
        *k = '-';
    snprintf(path, sizeof path, "%s/atk-dirfd", dirs[i]);
    e = drop_payload(path);
    printf("dirfd-copy-%s=%s\n", key, errno_name(e));
    if (e != 0)
      continue;
    d.dirfd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d.dirfd < 0) {
      printf("dirfd-%s=EOPEN-%s\n", key, errno_name(errno));
      continue;
    }
    snprintf(path, sizeof path, "dirfd-%s", key);
    report_attempt(path, exec_in_dir, &d);
    d.name = "./atk-dirfd";
    snprintf(path, sizeof path, "dirfd-dot-%s", key);
    report_attempt(path, exec_in_dir, &d);
    close(d.dirfd);
  }
  return 0;
}

static int do_bigfile(const char *path, long gib) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755), e;
  if (fd < 0)
    e = errno;
  else {
    e = copy_self(fd);
    if (e == 0 && ftruncate(fd, (off_t)gib << 30) < 0)
      e = errno;
    if (e == 0 && fchmod(fd, 0755) < 0)
      e = errno;
    close(fd);
  }
  printf("bigfile-create=%s\n", errno_name(e));
  if (e == 0)
    report_attempt("bigfile", exec_path_arg, (void *)path);
  return 0;
}

static int do_storm(long n, const char *path) {
  long denied = 0, other = 0;
  int first_other = 0, e = drop_payload(path);

  if (e != 0) {
    printf("storm-copy=%s\n", errno_name(e));
    return 1;
  }
  /* No fork: a denied execve returns, and one that is not replaces this
   * process with the payload (exit 42), so no storm-n line is printed. */
  for (long i = 0; i < n; i++) {
    execve(path, payload_argv, environ);
    if (errno == EPERM || errno == EACCES)
      denied++;
    else if (other++ == 0)
      first_other = errno;
  }
  printf("storm-n=%ld\nstorm-denied=%ld\nstorm-other=%ld\nstorm-first-other=%s\n", n, denied, other,
         errno_name(first_other));
  return 0;
}

/* ---- syscalls the seccomp profile denies -------------------------------------------- */

static void try_syscall(const char *name, long nr, long a, long b, long c, long d, long e) {
  long r = syscall(nr, a, b, c, d, e);
  printf("syscall-%s=%s\n", name, errno_name(r < 0 ? errno : 0));
}

static int do_syscalls(void) {
  try_syscall("unshare", SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS, 0, 0, 0, 0);
  try_syscall("mount", SYS_mount, (long)"attack", (long)"/tmp", (long)"tmpfs", 0, 0);
  try_syscall("kexec_load", SYS_kexec_load, 0, 0, 0, 0, 0);
  try_syscall("add_key", SYS_add_key, (long)"user", (long)"attack", (long)"x", 1, -3 /* session keyring */);
  return 0;
}

static int usage(void) {
  fprintf(stderr, "usage: attack payload [MARKER] | fdlinks | swap TRIES SECONDS IMAGE | memfd | shebang SCRIPT FD\n"
                  "       | opath PATH | dirfd DIR... | bigfile PATH GIB | storm N PATH | syscalls\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "";
  int rc;

  if (strcmp(cmd, "payload") == 0)
    return do_payload(argc > 2 ? argv[2] : NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(cmd, "fdlinks") == 0 && argc == 2)
    rc = do_fdlinks();
  else if (strcmp(cmd, "swap") == 0 && argc == 5)
    rc = do_swap(strtol(argv[2], NULL, 10), strtol(argv[3], NULL, 10), argv[4]);
  else if (strcmp(cmd, "memfd") == 0 && argc == 2)
    rc = do_memfd();
  else if (strcmp(cmd, "shebang") == 0 && argc == 4)
    rc = do_shebang(argv[2], (int)strtol(argv[3], NULL, 10));
  else if (strcmp(cmd, "opath") == 0 && argc == 3)
    rc = do_opath(argv[2]);
  else if (strcmp(cmd, "dirfd") == 0 && argc >= 3)
    rc = do_dirfd(argc - 2, argv + 2);
  else if (strcmp(cmd, "bigfile") == 0 && argc == 4)
    rc = do_bigfile(argv[2], strtol(argv[3], NULL, 10));
  else if (strcmp(cmd, "storm") == 0 && argc == 4)
    rc = do_storm(strtol(argv[2], NULL, 10), argv[3]);
  else if (strcmp(cmd, "syscalls") == 0 && argc == 2)
    rc = do_syscalls();
  else
    return usage();
  fflush(stdout);
  return rc;
}

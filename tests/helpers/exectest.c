/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exectest: a static program that runs inside test containers and tries the
 * ways a process can start another program, reporting in KEY=VALUE lines
 * what happened. The supervisor's integration tests and bench/exec.sh read
 * its output; it decides nothing itself. Every exec is tried in a child, so
 * exectest itself keeps running and reports.
 *
 * An exec result is OK (the program ran; its exit status follows as
 * KEY-status=N, 128+signal when killed) or the errno name of the failed
 * execve (EPERM, EACCES, ENOSYS, ...).
 *
 * Usage:
 *   exectest drift SRC DST [ARG...]
 *       copy SRC to DST (mode 0755), then execve DST:
 *         drift-copy=OK|ERRNO  drift=OK|ERRNO  [drift-status=N]
 *   exectest memfd SRC [ARG...]
 *       copy SRC into a memfd, then execveat(fd, "", AT_EMPTY_PATH) and
 *       execve("/proc/self/fd/N") (what glibc's fexecve falls back to):
 *         memfd-copy=OK|ERRNO  memfd-execveat=...  memfd-fexecve=...
 *   exectest race N GOOD BAD [MARKER]
 *       N times: fork a child whose second thread flips a path buffer
 *       between GOOD and BAD while its main thread execve()s the buffer with
 *       argv {BAD, "marker", MARKER}. GOOD must be a program that ignores
 *       its arguments and exits 0 (sktrue); BAD must be exectest itself, which
 *       in mode marker appends a byte to MARKER (default
 *       /tmp/exectest-race.marker) and exits 42. Paths of the same length
 *       that differ in one byte make every read of the buffer see exactly
 *       GOOD or BAD (a one-byte store is atomic); otherwise a read can see a
 *       mix, which fails with ENOENT and is counted as such.
 *         race-n=N race-good= race-bad= race-eperm= race-eacces=
 *         race-enoent= race-enosys= race-other= race-marker=
 *       race-bad and race-marker must be 0 when BAD is denied.
 *   exectest spell SRC [SCRIPT]
 *       copy SRC into a memfd held at descriptor 7 (not close-on-exec),
 *       then try to execute it through every spelling of a descriptor
 *       link, each in a child (KEY=OK|ERRNO):
 *         spell-procself     /proc/self/fd/7
 *         spell-slashes      //proc//self///fd//7
 *         spell-dots         /proc/./self/../self/fd/./7
 *         spell-relroot      proc/self/fd/7, from the cwd /
 *         spell-devfd        /dev/fd/7
 *         spell-symlink      /tmp/exectest-fdlink, a symlink to /proc/self/fd/7
 *         spell-task         /proc/self/task/TID/fd/7
 *         spell-threadself   /proc/thread-self/fd/7
 *         spell-dirfd        execveat(open("/proc/self/fd"), "7", 0)
 *         spell-otherpid     /proc/PPID/fd/7 after closing its own 7
 *         spell-nofiles      /proc/self/fd/7 from a thread cloned without
 *                            CLONE_FILES (its own descriptor table) that
 *                            closed 7
 *                            ("self" is the thread group leader, whose
 *                            table still has it)
 *         spell-opath        execveat(O_PATH fd of /tmp/exectest-opath, a
 *                            copy of SRC, "", AT_EMPTY_PATH)
 *         spell-script       SCRIPT (when given): a file of the image whose
 *                            "#!" names /dev/fd/7
 *   exectest marker FILE
 *       append one byte to FILE and exit 42 (BAD of the race).
 *   exectest execloop N PATH
 *       fork + execve PATH (no arguments) + wait, N times; latency of each
 *       in microseconds, nearest-rank percentiles:
 *         execloop-n= execloop-errors= execloop-first-error=
 *         execloop-p50-us= execloop-p90-us= execloop-p99-us=
 *         execloop-max-us= execloop-mean-us=
 *   exectest getppid N
 *       N getppid system calls (raw syscall, never cached):
 *         getppid-n= getppid-ns=   (nanoseconds per call)
 *   exectest tick FILE PROG
 *       forever, every 100 ms: try to execve PROG in a child, then replace
 *       FILE (write and rename) with "tick=COUNT\nexec=OK|ERRNO\n". Shows
 *       that a running process keeps running and what a new exec gets.
 *
 * Exit status: 0 when exectest ran (a denied exec is a finding, not an
 * error), 1 when it could not work (cannot fork, cannot open), 2 on a usage
 * error; 42 in mode marker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- drift ---------------------------------------------------------------- */

static void exec_argv(void *arg) {
  char **argv = arg;
  execve(argv[0], argv, environ);
}

static int do_drift(const char *src, char **dst_argv) {
  int e = copy_file(src, dst_argv[0]), err, code;

  printf("drift-copy=%s\n", errno_name(e));
  if (e != 0)
    return 0;
  if (spawn(exec_argv, dst_argv, &err, &code) < 0) {
    fprintf(stderr, "exectest: drift: cannot fork: %s\n", strerror(errno));
    return 1;
  }
  report_exec("drift", err, code);
  return 0;
}

/* ---- memfd ---------------------------------------------------------------- */

struct memfd_exec {
  int fd;
  char **argv;
  char path[64];
};

static void exec_memfd_at(void *arg) {
  struct memfd_exec *m = arg;
  syscall(SYS_execveat, m->fd, "", m->argv, environ, AT_EMPTY_PATH);
}

static void exec_memfd_proc(void *arg) {
  struct memfd_exec *m = arg;
  execve(m->path, m->argv, environ);
}

static int do_memfd(const char *src, char **argv) {
  struct memfd_exec m = {.argv = argv};
  int in, e, err, code;

  /* Not CLOEXEC: the descriptor must still be open when the kernel reads
   * the program from it (a script would need it after the exec). MFD_EXEC
   * where the kernel knows it (vm.memfd_noexec), else no flag: before 6.3
   * (EINVAL), or where MFD_EXEC is refused (EACCES: stockade's filter,
   * vm.memfd_noexec=2), so that the exec still reaches the supervisor. */
  m.fd = (int)syscall(SYS_memfd_create, "exectest", MFD_EXEC);
  if (m.fd < 0 && (errno == EINVAL || errno == EACCES))
    m.fd = (int)syscall(SYS_memfd_create, "exectest", 0);
  if (m.fd < 0) {
    printf("memfd-copy=%s\n", errno_name(errno));
    return 0;
  }
  in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    printf("memfd-copy=%s\n", errno_name(errno));
    close(m.fd);
    return 0;
  }
  e = copy_fd(in, m.fd);
  close(in);
  printf("memfd-copy=%s\n", errno_name(e));
  if (e != 0) {
    close(m.fd);
    return 0;
  }
  snprintf(m.path, sizeof m.path, "/proc/self/fd/%d", m.fd);
  if (spawn(exec_memfd_at, &m, &err, &code) < 0)
    goto nofork;
  report_exec("memfd-execveat", err, code);
  if (spawn(exec_memfd_proc, &m, &err, &code) < 0)
    goto nofork;
  report_exec("memfd-fexecve", err, code);
  close(m.fd);
  return 0;
nofork:
  fprintf(stderr, "exectest: memfd: cannot fork: %s\n", strerror(errno));
  close(m.fd);
  return 1;
}

/* ---- spell ---------------------------------------------------------------- */

#define SPELL_FD 7

static char *spell_argv[] = {(char *)"spelled", NULL};
static char spell_path[128];

static void exec_spell_path(void *arg) {
  (void)arg;
  execve(spell_path, spell_argv, environ);
}

static void exec_spell_relroot(void *arg) {
  (void)arg;
  if (chdir("/") == 0)
    execve(spell_path, spell_argv, environ);
}

static void exec_spell_dirfd(void *arg) {
  int d = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  (void)arg;
  if (d >= 0)
    syscall(SYS_execveat, d, "7", spell_argv, environ, 0);
}

static void exec_spell_otherpid(void *arg) {
  (void)arg;
  close(SPELL_FD);
  snprintf(spell_path, sizeof spell_path, "/proc/%d/fd/%d", (int)getppid(), SPELL_FD);
  execve(spell_path, spell_argv, environ);
}

static void exec_spell_task(void *arg) {
  (void)arg;
  snprintf(spell_path, sizeof spell_path, "/proc/self/task/%d/fd/%d", (int)syscall(SYS_gettid), SPELL_FD);
  execve(spell_path, spell_argv, environ);
}

/* A thread of its own descriptor table: clone(CLONE_THREAD) without
 * CLONE_FILES (unshare is not in the default filter). It shares this
 * process's TLS, so it touches nothing of libc's but errno, which the
 * waiting parent reads only after the thread said it is done. */
static volatile int nofiles_done, nofiles_err;

static int nofiles_thread(void *arg) {
  (void)arg;
  close(SPELL_FD);
  execve("/proc/self/fd/7", spell_argv, environ);
  nofiles_err = errno;
  nofiles_done = 1;
  syscall(SYS_exit, 0);
  return 0;
}

static void exec_spell_nofiles(void *arg) {
  static char stack[65536] __attribute__((aligned(16)));
  struct timespec ms = {0, 1000000};
  (void)arg;
  if (clone(nofiles_thread, stack + sizeof stack, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_SYSVSEM, NULL) < 0)
    return;
  while (!nofiles_done)
    nanosleep(&ms, NULL);
  errno = nofiles_err;
}

static void exec_spell_opath(void *arg) {
  int fd = open("/tmp/exectest-opath", O_PATH | O_CLOEXEC);
  (void)arg;
  if (fd >= 0)
    syscall(SYS_execveat, fd, "", spell_argv, environ, AT_EMPTY_PATH);
}

static void spell_try(const char *key, void (*fn)(void *), const char *path) {
  int err, code;
  if (path)
    snprintf(spell_path, sizeof spell_path, "%s", path);
  if (spawn(fn, NULL, &err, &code) < 0) {
    printf("spell-%s=nofork\n", key);
    return;
  }
  printf("spell-%s=%s\n", key, errno_name(err));
}

static int copy_into_fd(const char *src, int out) {
  int in = open(src, O_RDONLY | O_CLOEXEC), e;
  if (in < 0)
    return errno;
  e = copy_fd(in, out);
  close(in);
  return e;
}

static int do_spell(const char *src, const char *script) {
  int m, o, e;

  m = (int)syscall(SYS_memfd_create, "exectest-spell", MFD_EXEC);
  /* EINVAL: a kernel without MFD_EXEC; EACCES: stockade refuses it */
  if (m < 0 && (errno == EINVAL || errno == EACCES))
    m = (int)syscall(SYS_memfd_create, "exectest-spell", 0);
  if (m < 0 || dup2(m, SPELL_FD) != SPELL_FD) {
    printf("spell-copy=%s\n", errno_name(errno));
    return 0;
  }
  close(m);
  e = copy_into_fd(src, SPELL_FD);
  o = open("/tmp/exectest-opath", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (e == 0 && o < 0)
    e = errno;
  if (e == 0)
    e = copy_into_fd(src, o);
  if (o >= 0)
    close(o);
  unlink("/tmp/exectest-fdlink");
  if (e == 0 && symlink("/proc/self/fd/7", "/tmp/exectest-fdlink") < 0)
    e = errno;
  printf("spell-copy=%s\n", errno_name(e));
  if (e != 0)
    return 0;
  spell_try("procself", exec_spell_path, "/proc/self/fd/7");
  spell_try("slashes", exec_spell_path, "//proc//self///fd//7");
  spell_try("dots", exec_spell_path, "/proc/./self/../self/fd/./7");
  spell_try("relroot", exec_spell_relroot, "proc/self/fd/7");
  spell_try("devfd", exec_spell_path, "/dev/fd/7");
  spell_try("symlink", exec_spell_path, "/tmp/exectest-fdlink");
  spell_try("task", exec_spell_task, NULL);
  spell_try("threadself", exec_spell_path, "/proc/thread-self/fd/7");
  spell_try("dirfd", exec_spell_dirfd, NULL);
  spell_try("otherpid", exec_spell_otherpid, NULL);
  spell_try("nofiles", exec_spell_nofiles, NULL);
  spell_try("opath", exec_spell_opath, NULL);
  if (script)
    spell_try("script", exec_spell_path, script);
  return 0;
}

/* ---- race ----------------------------------------------------------------- */

#define RACE_BAD_EXIT 42

struct race {
  char buf[4096]; /* the path execve reads, flipped by the second thread */
  char good[4096], bad[4096];
  size_t len;              /* of the longer of good and bad, with the NUL */
  volatile unsigned flips; /* how many times the thread has flipped */
  char *argv[4];
};

/* Write only the bytes that differ, so that with one differing byte the
 * buffer always holds exactly GOOD or BAD. */
static void *race_flipper(void *arg) {
  struct race *r = arg;
  volatile char *b = r->buf;
  for (;;) {
    for (int to_bad = 1; to_bad >= 0; to_bad--) {
      const char *src = to_bad ? r->bad : r->good;
      for (size_t i = 0; i < r->len; i++)
        if (r->good[i] != r->bad[i])
          b[i] = src[i];
      /* Let the main thread have this CPU now and then (both may be
       * queued on the same one, and a spinning thread keeps it for a whole
       * slice); an odd period leaves the buffer GOOD or BAD at a yield
       * alike. */
      if (++r->flips % 257 == 0)
        sched_yield();
    }
  }
  return NULL;
}

static void race_child(void *arg) {
  struct race *r = arg;
  pthread_t t;
  int e = pthread_create(&t, NULL, race_flipper, r);
  if (e != 0) {
    errno = e;
    return;
  }
  /* Start the exec while the thread is flipping, not before it runs
   * (yield: the new thread may be queued on this very CPU). */
  while (r->flips < 2)
    sched_yield();
  execve(r->buf, r->argv, environ);
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) < 0 ? 0 : (long)st.st_size;
}

static int do_race(const char *n_s, const char *good, const char *bad, const char *marker) {
  static struct race r;
  long n = strtol(n_s, NULL, 10);
  long ngood = 0, nbad = 0, eperm = 0, eacces = 0, enoent = 0, enosys = 0, other = 0;
  size_t gl = strlen(good), bl = strlen(bad);

  if (n <= 0 || gl >= sizeof r.good || bl >= sizeof r.bad) {
    fprintf(stderr, "exectest: race: bad arguments\n");
    return 2;
  }
  memset(&r, 0, sizeof r);
  memcpy(r.good, good, gl);
  memcpy(r.bad, bad, bl);
  r.len = (gl > bl ? gl : bl) + 1;
  r.argv[0] = (char *)bad;
  r.argv[1] = (char *)"marker";
  r.argv[2] = (char *)marker;
  unlink(marker);
  for (long i = 0; i < n; i++) {
    int err, code;
    memcpy(r.buf, (i & 1) ? r.bad : r.good, r.len);
    r.flips = 0;
    if (spawn(race_child, &r, &err, &code) < 0) {
      fprintf(stderr, "exectest: race: cannot fork: %s\n", strerror(errno));
      return 1;
    }
    switch (err) {
    case 0:
      if (code == RACE_BAD_EXIT)
        nbad++;
      else if (code == 0)
        ngood++;
      else
        other++;
      break;
    case EPERM:
      eperm++;
      break;
    case EACCES:
      eacces++;
      break;
    case ENOENT:
      enoent++;
      break;
    case ENOSYS:
      enosys++;
      break;
    default:
      other++;
    }
  }
  printf("race-n=%ld\nrace-good=%ld\nrace-bad=%ld\nrace-eperm=%ld\nrace-eacces=%ld\nrace-enoent=%ld\n"
         "race-enosys=%ld\nrace-other=%ld\nrace-marker=%ld\n",
         n, ngood, nbad, eperm, eacces, enoent, enosys, other, file_size(marker));
  return 0;
}

static int do_marker(const char *file) {
  int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (fd >= 0) {
    if (write(fd, "x", 1) < 0)
      _exit(1);
    close(fd);
  }
  return RACE_BAD_EXIT;
}

/* ---- execloop, getppid ----------------------------------------------------- */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* nearest rank, microseconds with one decimal */
static double pct_us(const uint64_t *v, long n, double p) {
  long r = (long)(p * (double)n);
  if ((double)r < p * (double)n)
    r++;
  if (r < 1)
    r = 1;
  return (double)v[r - 1] / 1000.0;
}

static int do_execloop(const char *n_s, const char *path) {
  long n = strtol(n_s, NULL, 10), errors = 0;
  int first_error = 0;
  uint64_t *lat, sum = 0;
  char *argv[] = {(char *)path, NULL};

  if (n <= 0) {
    fprintf(stderr, "exectest: execloop: bad count \"%s\"\n", n_s);
    return 2;
  }
  lat = calloc((size_t)n, sizeof *lat);
  if (!lat)
    return 1;
  fflush(stdout);
  for (long i = 0; i < n; i++) {
    uint64_t t0 = now_ns();
    int st;
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "exectest: execloop: cannot fork: %s\n", strerror(errno));
      free(lat);
      return 1;
    }
    if (pid == 0) {
      execve(path, argv, environ);
      _exit(errno < 100 ? 128 + errno : 127);
    }
    if (wait_child(pid, &st) < 0) {
      free(lat);
      return 1;
    }
    lat[i] = now_ns() - t0;
    sum += lat[i];
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      errors++;
      if (first_error == 0)
        first_error = WIFEXITED(st) && WEXITSTATUS(st) > 128 ? WEXITSTATUS(st) - 128 : -1;
    }
  }
  qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
  printf("execloop-n=%ld\nexecloop-errors=%ld\nexecloop-first-error=%s\n", n, errors,
         first_error < 0 ? "status" : errno_name(first_error));
  printf("execloop-p50-us=%.1f\nexecloop-p90-us=%.1f\nexecloop-p99-us=%.1f\nexecloop-max-us=%.1f\n"
         "execloop-mean-us=%.1f\n",
         pct_us(lat, n, 0.50), pct_us(lat, n, 0.90), pct_us(lat, n, 0.99), (double)lat[n - 1] / 1000.0,
         (double)sum / (double)n / 1000.0);
  free(lat);
  return 0;
}

static int do_getppid(const char *n_s) {
  long n = strtol(n_s, NULL, 10);
  uint64_t t0, t1;

  if (n <= 0) {
    fprintf(stderr, "exectest: getppid: bad count \"%s\"\n", n_s);
    return 2;
  }
  t0 = now_ns();
  for (long i = 0; i < n; i++)
    syscall(SYS_getppid);
  t1 = now_ns();
  printf("getppid-n=%ld\ngetppid-ns=%.1f\n", n, (double)(t1 - t0) / (double)n);
  return 0;
}

/* ---- tick ------------------------------------------------------------------ */

static int do_tick(const char *file, const char *prog) {
  char tmp[4096], line[128];
  char *argv[] = {(char *)prog, NULL};
  struct timespec pause = {0, 100 * 1000 * 1000};

  if (snprintf(tmp, sizeof tmp, "%s.new", file) >= (int)sizeof tmp)
    return 2;
  for (unsigned long count = 1;; count++) {
    int err, code, fd, len;
    if (spawn(exec_argv, argv, &err, &code) < 0)
      err = errno;
    len = snprintf(line, sizeof line, "tick=%lu\nexec=%s\n", count, errno_name(err));
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return 1;
    if (write(fd, line, (size_t)len) != len || close(fd) < 0 || rename(tmp, file) < 0)
      return 1;
    nanosleep(&pause, NULL);
  }
}

static int usage(void) {
  fprintf(stderr, "usage: exectest drift SRC DST [ARG...] | memfd SRC [ARG...] | race N GOOD BAD [MARKER]\n"
                  "       | spell SRC [SCRIPT] | marker FILE | execloop N PATH | getppid N | tick FILE PROG\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "";
  int rc;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(cmd, "drift") == 0 && argc >= 4)
    rc = do_drift(argv[2], argv + 3);
  else if (strcmp(cmd, "memfd") == 0 && argc >= 3) {
    /* argv of the program run from the memfd: "memfd", then the ARGs */
    const char *src = argv[2];
    argv[2] = (char *)"memfd";
    rc = do_memfd(src, argv + 2);
  } else if (strcmp(cmd, "race") == 0 && (argc == 5 || argc == 6))
    rc = do_race(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : "/tmp/exectest-race.marker");
  else if (strcmp(cmd, "spell") == 0 && (argc == 3 || argc == 4))
    rc = do_spell(argv[2], argc == 4 ? argv[3] : NULL);
  else if (strcmp(cmd, "marker") == 0 && argc == 3)
    rc = do_marker(argv[2]);
  else if (strcmp(cmd, "execloop") == 0 && argc == 4)
    rc = do_execloop(argv[2], argv[3]);
  else if (strcmp(cmd, "getppid") == 0 && argc == 3)
    rc = do_getppid(argv[2]);
  else if (strcmp(cmd, "tick") == 0 && argc == 4)
    rc = do_tick(argv[2], argv[3]);
  else
    return usage();
  fflush(stdout);
  return rc;
}

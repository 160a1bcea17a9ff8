/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/supervisor/execpath.c: the file an exec opens, as the
 * kernel resolves it for a thread. The test process is its own "container"
 * (its root is the host's /, its /proc the real one), with fixtures in a
 * temporary directory. Every case runs twice: with the openat2 fast path
 * and with the component walk alone (EXECPATH_WALK_ONLY), which must agree.
 * The fileless spellings must all come out EXECPATH_PROC, the ordinary
 * forms as the file itself, the missing ones as the kernel's errno. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "confine.h"
#include "execpath.h"
#include "testutil.h"

static const char *dir; /* the fixture directory, absolute */
static int memfd = -1;  /* a memfd of this process, the "fileless" program */

static pid_t tid(void) { return (pid_t)syscall(SYS_gettid); }

static ino_t ino_of(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0)
    fail_msg("stat %s: %s", path, strerror(errno));
  return st.st_ino;
}

static char *fixture(const char *name) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", dir, name) < 0)
    fail_msg("asprintf");
  return p;
}

static void make_file(const char *name) {
  cleanup_free char *p = fixture(name);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  assert_true(fd >= 0);
  assert_int_equal(write(fd,
                         "\x7f"
                         "ELF",
                         4),
                   4);
  close(fd);
}

static void make_link(const char *name, const char *target) {
  cleanup_free char *p = fixture(name);
  assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state) {
  char t[64];
  if (tmpdir_setup(state) < 0)
    return -1;
  dir = *state;
  memfd = (int)syscall(SYS_memfd_create, "execpath-test", 0);
  if (memfd < 0)
    return -1;
  {
    cleanup_free char *sub = fixture("sub");
    if (mkdir(sub, 0755) < 0)
      return -1;
  }
  make_file("prog");
  make_file("busybox");
  make_file("sub/prog2");
  make_link("sh", "busybox");
  make_link("dirlink", "sub");
  make_link("loop1", "loop2");
  make_link("loop2", "loop1");
  make_link("rootabs", "/prog");
  {
    cleanup_free char *p = fixture("prog");
    make_link("abs", p);
  }
  snprintf(t, sizeof(t), "/proc/self/fd/%d", memfd);
  make_link("fdlink", t);
  snprintf(t, sizeof(t), "/dev/fd/%d", memfd);
  make_link("devfdlink", t);
  make_link("fdlink2", "fdlink"); /* a link to a link to an fd link */
  return 0;
}

static int teardown(void **state) {
  if (memfd >= 0)
    close(memfd);
  return tmpdir_teardown(state);
}

/* Resolve for thread t, both ways, and check the kind (and errno, and the
 * file's inode when want_ino is not 0). */
static void expect_t(pid_t t, int dirfd, const char *path, unsigned flags, enum execpath_kind kind, int want_err,
                     ino_t want_ino) {
  for (int pass = 0; pass < 2; pass++) {
    struct execpath r;
    struct sk_error *err = NULL;
    unsigned f = flags | (pass ? EXECPATH_WALK_ONLY : 0);
    if (execpath_resolve(t, dirfd, path, f, &r, &err) < 0)
      fail_msg("%s (%s): %s", path, pass ? "walk" : "fast", err->msg);
    if (r.kind != kind || (kind == EXECPATH_ABSENT && r.err != want_err))
      fail_msg("%s (%s): kind %d errno %s, expected kind %d errno %s", path, pass ? "walk" : "fast", r.kind,
               strerrorname_np(r.err) ? strerrorname_np(r.err) : "0", kind,
               strerrorname_np(want_err) ? strerrorname_np(want_err) : "0");
    if (kind == EXECPATH_FILE) {
      struct stat st;
      assert_true(r.fd >= 0);
      assert_int_equal(fstat(r.fd, &st), 0);
      if (want_ino && st.st_ino != want_ino)
        fail_msg("%s (%s): resolved to inode %lu, expected %lu", path, pass ? "walk" : "fast", (unsigned long)st.st_ino,
                 (unsigned long)want_ino);
      close(r.fd);
    } else {
      assert_int_equal(r.fd, -1);
    }
    if (pass && kind != EXECPATH_ABSENT)
      assert_true(r.walk);
  }
}

static void expect(int dirfd, const char *path, enum execpath_kind kind, int want_err, ino_t want_ino) {
  expect_t(tid(), dirfd, path, 0, kind, want_err, want_ino);
}

static void expect_file(const char *path, const char *fixture_name) {
  cleanup_free char *p = fixture(fixture_name);
  expect(AT_FDCWD, path, EXECPATH_FILE, 0, ino_of(p));
}

static void expect_proc(const char *path) { expect(AT_FDCWD, path, EXECPATH_PROC, 0, 0); }

/* /tmp/x/prog spelled with extra slashes and dots, through .. above the
 * root and through /proc/.. (which looks nothing up inside procfs). */
static void test_absolute_spellings(void **state) {
  char p[PATH_MAX];
  (void)state;
  snprintf(p, sizeof(p), "%s/prog", dir);
  expect_file(p, "prog");
  snprintf(p, sizeof(p), "//%s///.//prog", dir);
  expect_file(p, "prog");
  snprintf(p, sizeof(p), "/../../..%s/./sub/../prog", dir);
  expect_file(p, "prog");
  snprintf(p, sizeof(p), "/proc/..%s/prog", dir);
  expect_file(p, "prog");
}

/* Relative paths: to the cwd (clamped at the root by ..), from "/". */
static void test_relative(void **state) {
  char p[PATH_MAX];
  cleanup_close int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  (void)state;
  assert_int_equal(chdir(dir), 0);
  expect_file("prog", "prog");
  expect_file("./prog", "prog");
  expect_file("sub/../prog", "prog");
  expect_file(".//sub/./..//prog", "prog");
  snprintf(p, sizeof(p), "../../../../..%s/prog", dir);
  expect_file(p, "prog");
  assert_int_equal(chdir("/"), 0);
  snprintf(p, sizeof(p), "%s/prog", dir + 1); /* "tmp/stockade-test.X/prog" */
  expect_file(p, "prog");
  assert_int_equal(fchdir(here), 0);
}

/* Symlinks inside the image: /bin/sh -> busybox, absolute ones, through a
 * directory link, with .. after it (the link's target's parent). */
static void test_symlinks(void **state) {
  char p[PATH_MAX];
  (void)state;
  snprintf(p, sizeof(p), "%s/sh", dir);
  expect_file(p, "busybox");
  snprintf(p, sizeof(p), "%s/abs", dir);
  expect_file(p, "prog");
  snprintf(p, sizeof(p), "%s/dirlink/prog2", dir);
  expect_file(p, "sub/prog2");
  snprintf(p, sizeof(p), "%s/dirlink/../prog", dir);
  expect_file(p, "prog");
  snprintf(p, sizeof(p), "%s/loop1", dir);
  expect(AT_FDCWD, p, EXECPATH_ABSENT, ELOOP, 0);
  /* execveat AT_SYMLINK_NOFOLLOW: a final symlink is ELOOP, others fine */
  snprintf(p, sizeof(p), "%s/sh", dir);
  expect_t(tid(), AT_FDCWD, p, EXECPATH_NOFOLLOW, EXECPATH_ABSENT, ELOOP, 0);
  snprintf(p, sizeof(p), "%s/dirlink/prog2", dir);
  expect_t(tid(), AT_FDCWD, p, EXECPATH_NOFOLLOW, EXECPATH_FILE, 0, 0);
}

/* What execvp meets while it searches PATH, and other non-files: the
 * kernel's own errno, for the caller to answer with. */
static void test_absent(void **state) {
  char p[PATH_MAX];
  (void)state;
  expect(AT_FDCWD, "/usr/local/sbin/stockade-no-such-program", EXECPATH_ABSENT, ENOENT, 0);
  snprintf(p, sizeof(p), "%s/nope", dir);
  expect(AT_FDCWD, p, EXECPATH_ABSENT, ENOENT, 0);
  snprintf(p, sizeof(p), "%s/prog/x", dir);
  expect(AT_FDCWD, p, EXECPATH_ABSENT, ENOTDIR, 0);
  expect(AT_FDCWD, "", EXECPATH_ABSENT, ENOENT, 0);
  /* a directory is not executable */
  snprintf(p, sizeof(p), "%s/sub", dir);
  expect(AT_FDCWD, p, EXECPATH_FILE, 0, 0); /* the file is found; the caller sees it is no regular file */
  snprintf(p, sizeof(p), "%s/sub/", dir);
  expect(AT_FDCWD, p, EXECPATH_FILE, 0, 0);
  snprintf(p, sizeof(p), "%s/prog/", dir);
  expect(AT_FDCWD, p, EXECPATH_ABSENT, ENOTDIR, 0);
}

/* Every spelling of a descriptor or process link: never followed. */
static void test_proc_spellings(void **state) {
  char p[PATH_MAX];
  pid_t me = getpid(), t = tid();
  (void)state;
  snprintf(p, sizeof(p), "/proc/self/fd/%d", memfd);
  expect_proc(p);
  snprintf(p, sizeof(p), "/proc//self///fd/./%d", memfd);
  expect_proc(p);
  snprintf(p, sizeof(p), "/proc/thread-self/fd/%d", memfd);
  expect_proc(p);
  snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)me, memfd);
  expect_proc(p);
  snprintf(p, sizeof(p), "/proc/%d/task/%d/fd/%d", (int)me, (int)t, memfd);
  expect_proc(p);
  snprintf(p, sizeof(p), "/proc/self/task/%d/fd/%d", (int)t, memfd);
  expect_proc(p);
  snprintf(p, sizeof(p), "/dev/fd/%d", memfd);
  expect_proc(p);
  /* The thread's own program: the file itself (busybox re-executes
   * itself so); any other spelling of exe stays fileless. */
  {
    struct stat st;
    assert_int_equal(stat("/proc/self/exe", &st), 0);
    /* valgrind shows the client's program at /proc/self/exe but runs its
     * own tool: the thread's exe link leads there */
    if (confine_under_valgrind())
      st.st_ino = 0;
    expect(AT_FDCWD, "/proc/self/exe", EXECPATH_FILE, 0, st.st_ino);
    expect(AT_FDCWD, "/proc//self/./exe", EXECPATH_FILE, 0, st.st_ino);
    expect(AT_FDCWD, "/proc/thread-self/exe", EXECPATH_FILE, 0, st.st_ino);
    expect_proc("/proc/self/exe/");
    expect_proc("/proc/self/../self/exe");
    expect_proc("/proc/self/cwd/../exe");
    snprintf(p, sizeof(p), "/proc/%d/exe", (int)me);
    expect_proc(p);
    expect_t(tid(), AT_FDCWD, "/proc/self/exe", EXECPATH_NOFOLLOW, EXECPATH_PROC, 0, 0);
  }
  expect_proc("/proc/cpuinfo");
  snprintf(p, sizeof(p), "/proc/self/root%s/prog", dir);
  expect_proc(p);
  snprintf(p, sizeof(p), "%s/fdlink", dir);
  expect_proc(p);
  snprintf(p, sizeof(p), "%s/fdlink2", dir);
  expect_proc(p);
  snprintf(p, sizeof(p), "%s/devfdlink", dir);
  expect_proc(p);
  /* relative, from a cwd on procfs */
  {
    cleanup_close int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_int_equal(chdir("/proc/self/fd"), 0);
    snprintf(p, sizeof(p), "%d", memfd);
    expect_proc(p);
    assert_int_equal(chdir("/proc"), 0);
    snprintf(p, sizeof(p), "self/fd/%d", memfd);
    expect_proc(p);
    expect_proc("./cpuinfo");
    assert_int_equal(fchdir(here), 0);
  }
}

/* Another process's descriptor: /proc/<pid>/fd/N of a child holding the
 * memfd (the caller's own table says nothing about it). */
static void test_other_process(void **state) {
  char p[PATH_MAX];
  pid_t child;
  int st;
  (void)state;
  child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)child, memfd);
  expect_proc(p);
  snprintf(p, sizeof(p), "/proc/%d/exe", (int)child);
  expect_proc(p);
  kill(child, SIGKILL);
  assert_int_equal(waitpid(child, &st, 0), child);
}

/* execveat: a directory descriptor on /proc/self/fd, on the fixtures, not
 * a directory, not open. */
static void test_execveat_dirfd(void **state) {
  char p[32];
  cleanup_close int procfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *progpath = fixture("prog");
  cleanup_close int file = open(progpath, O_PATH | O_CLOEXEC);
  (void)state;
  assert_true(procfd >= 0 && d >= 0 && file >= 0);
  snprintf(p, sizeof(p), "%d", memfd);
  expect(procfd, p, EXECPATH_PROC, 0, 0);
  expect(d, "prog", EXECPATH_FILE, 0, ino_of(progpath));
  expect(d, "sh", EXECPATH_FILE, 0, 0);
  expect(file, "prog", EXECPATH_ABSENT, ENOTDIR, 0);
  expect(987, "prog", EXECPATH_ABSENT, EBADF, 0);
  /* an absolute path ignores the descriptor, as the kernel does */
  expect(procfd, progpath, EXECPATH_FILE, 0, ino_of(progpath));
}

/* execveat(fd, "", AT_EMPTY_PATH): the descriptor's file, whatever it is. */
static void test_fd(void **state) {
  struct execpath r;
  struct sk_error *err = NULL;
  struct stat a, b;
  (void)state;
  assert_int_equal(execpath_fd(tid(), memfd, &r, &err), 0);
  assert_int_equal(r.kind, EXECPATH_FILE);
  assert_int_equal(fstat(r.fd, &a), 0);
  assert_int_equal(fstat(memfd, &b), 0);
  assert_int_equal(a.st_ino, b.st_ino);
  close(r.fd);
  assert_int_equal(execpath_fd(tid(), 987, &r, &err), 0);
  assert_int_equal(r.kind, EXECPATH_ABSENT);
  assert_int_equal(r.err, EBADF);
  assert_int_equal(execpath_fd(tid(), -1, &r, &err), 0);
  assert_int_equal(r.err, EBADF);
}

/* Threads: each has its own fs (root, cwd) and descriptor table once it
 * unshares them; resolution follows the thread, not the process. */
struct thread_arg {
  int op; /* 0: own cwd in sub/; 1: chroot into the fixtures; 2: own fd table */
  pid_t tid;
  int ready[2], done[2];
  int fd; /* op 2: a descriptor only this thread has */
};

static void *thread_main(void *v) {
  struct thread_arg *a = v;
  char c = 0;
  int ok = unshare(a->op == 2 ? CLONE_FILES : CLONE_FS) == 0;
  if (ok && a->op == 0) {
    cleanup_free char *sub = fixture("sub");
    ok = chdir(sub) == 0;
  } else if (ok && a->op == 1) {
    ok = chroot(dir) == 0 && chdir("/") == 0;
  } else if (ok && a->op == 2) {
    cleanup_free char *progpath = fixture("prog");
    int f = open(progpath, O_PATH | O_CLOEXEC);
    ok = f >= 0 && dup2(f, 900) == 900;
    a->fd = 900;
  }
  a->tid = ok ? tid() : -1;
  if (write(a->ready[1], &c, 1) != 1 || read(a->done[0], &c, 1) != 1)
    return NULL;
  return NULL;
}

static void with_thread(int op, void (*check)(pid_t)) {
  struct thread_arg a = {.op = op};
  pthread_t th;
  char c = 0;
  assert_int_equal(pipe2(a.ready, O_CLOEXEC), 0);
  assert_int_equal(pipe2(a.done, O_CLOEXEC), 0);
  assert_int_equal(pthread_create(&th, NULL, thread_main, &a), 0);
  assert_int_equal(read(a.ready[0], &c, 1), 1);
  if (a.tid > 0)
    check(a.tid);
  assert_int_equal(write(a.done[1], &c, 1), 1);
  assert_int_equal(pthread_join(th, NULL), 0);
  for (int i = 0; i < 2; i++) {
    close(a.ready[i]);
    close(a.done[i]);
  }
  if (a.tid <= 0)
    fail_msg("the thread could not set itself up (op %d)", op);
}

static void check_own_cwd(pid_t t) {
  cleanup_free char *p2 = fixture("sub/prog2");
  expect_t(t, AT_FDCWD, "prog2", 0, EXECPATH_FILE, 0, ino_of(p2));
  expect_t(tid(), AT_FDCWD, "prog2", 0, EXECPATH_ABSENT, ENOENT, 0);
}

static void check_chroot(pid_t t) {
  cleanup_free char *prog = fixture("prog");
  expect_t(t, AT_FDCWD, "/prog", 0, EXECPATH_FILE, 0, ino_of(prog));
  expect_t(t, AT_FDCWD, "/../../prog", 0, EXECPATH_FILE, 0, ino_of(prog));
  expect_t(t, AT_FDCWD, "../prog", 0, EXECPATH_FILE, 0, ino_of(prog));
  /* an absolute link resolves in the thread's root, not the host's */
  expect_t(t, AT_FDCWD, "/rootabs", 0, EXECPATH_FILE, 0, ino_of(prog));
  expect_t(t, AT_FDCWD, "rootabs", 0, EXECPATH_FILE, 0, ino_of(prog));
  expect_t(tid(), AT_FDCWD, "/rootabs", 0, EXECPATH_ABSENT, ENOENT, 0);
}

static void check_own_fds(pid_t t) {
  struct execpath r;
  struct sk_error *err = NULL;
  cleanup_free char *prog = fixture("prog");
  struct stat st;
  assert_int_equal(execpath_fd(t, 900, &r, &err), 0);
  assert_int_equal(r.kind, EXECPATH_FILE);
  assert_int_equal(fstat(r.fd, &st), 0);
  assert_int_equal(st.st_ino, ino_of(prog));
  close(r.fd);
  assert_int_equal(execpath_fd(tid(), 900, &r, &err), 0);
  assert_int_equal(r.kind, EXECPATH_ABSENT);
}

static void test_threads(void **state) {
  (void)state;
  with_thread(0, check_own_cwd);
  with_thread(2, check_own_fds);
  if (geteuid() == 0)
    with_thread(1, check_chroot);
  else
    print_message("skip: chroot in a thread needs root\n");
}

/* What the kernel's checks see of the file found. */
static void test_inspect(void **state) {
  struct execpath_file f;
  struct sk_error *err = NULL;
  cleanup_free char *prog = fixture("prog");
  cleanup_close int a = open(prog, O_PATH | O_CLOEXEC);
  cleanup_close int b = open(dir, O_PATH | O_CLOEXEC);
  cleanup_close int c = open("/proc/self/status", O_PATH | O_CLOEXEC);
  (void)state;
  assert_int_equal(execpath_inspect(a, &f, &err), 0);
  assert_true(f.regular);
  assert_false(f.proc);
  assert_true(f.mnt_id > 0);
  assert_int_equal(f.ino, ino_of(prog));
  assert_int_equal(execpath_inspect(b, &f, &err), 0);
  assert_false(f.regular);
  assert_int_equal(execpath_inspect(c, &f, &err), 0);
  assert_true(f.proc);
  assert_int_equal(execpath_inspect(memfd, &f, &err), 0);
  assert_true(f.regular);
  assert_false(f.proc);
  assert_int_equal(execpath_inspect(-1, &f, &err), -1);
  assert_int_equal(err->code, EBADF);
  sk_error_free(&err);
}

/* Hostile input: a path at the limit, a symlink chain past 40. */
static void test_hostile(void **state) {
  char *p = malloc(PATH_MAX + 10);
  char name[32], target[32];
  (void)state;
  assert_non_null(p);
  memset(p, 'a', PATH_MAX + 9);
  p[0] = '/';
  p[PATH_MAX + 9] = '\0';
  expect(AT_FDCWD, p, EXECPATH_ABSENT, ENAMETOOLONG, 0);
  free(p);
  for (int i = 0; i < 42; i++) {
    snprintf(name, sizeof(name), "chain%d", i);
    snprintf(target, sizeof(target), i == 41 ? "prog" : "chain%d", i + 1);
    make_link(name, target);
  }
  {
    char q[PATH_MAX];
    snprintf(q, sizeof(q), "%s/chain0", dir);
    expect(AT_FDCWD, q, EXECPATH_ABSENT, ELOOP, 0);
    snprintf(q, sizeof(q), "%s/chain5", dir); /* 36 links: fine */
    expect_file(q, "prog");
  }
}

/* --- interpreters --- */

static void put(unsigned char *b, size_t off, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++)
    b[off + (size_t)i] = (unsigned char)(v >> (8 * i));
}

/* A minimal little-endian ELF (64 or 32 bits): a PT_PHDR, then PT_INTERP
 * naming interp (none when NULL); phent is e_phentsize as written. */
static int make_elf(const char *name, bool is64, const char *interp, unsigned phent) {
  unsigned char b[512];
  size_t eh = is64 ? 64 : 52, ph = is64 ? 56 : 32, str = eh + 2 * ph, len = interp ? strlen(interp) + 1 : 0;
  cleanup_free char *p = fixture(name);
  int fd;
  memset(b, 0, sizeof(b));
  memcpy(b,
         "\x7f"
         "ELF",
         4);
  b[4] = is64 ? 2 : 1;
  b[5] = 1;
  b[6] = 1;
  put(b, 16, 3, 2);
  put(b, 18, is64 ? 62 : 3, 2);
  put(b, 20, 1, 4);
  put(b, is64 ? 32 : 28, eh, is64 ? 8 : 4);
  put(b, is64 ? 54 : 42, phent, 2);
  put(b, is64 ? 56 : 44, 2, 2);
  put(b, eh, 6, 4); /* PT_PHDR */
  put(b, eh + ph, interp ? 3 : 1, 4);
  put(b, eh + ph + (is64 ? 8 : 4), str, is64 ? 8 : 4);
  put(b, eh + ph + (is64 ? 32 : 16), len, is64 ? 8 : 4);
  if (interp)
    memcpy(b + str, interp, len);
  fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, b, sizeof(b)), (ssize_t)sizeof(b));
  return fd;
}

static int make_text(const char *name, const char *text) {
  cleanup_free char *p = fixture(name);
  int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  return fd;
}

static void expect_interp(int fd, const char *want) {
  unsigned char buf[65536];
  char out[PATH_MAX];
  int r = execpath_interp(fd, buf, sizeof(buf), out, sizeof(out));
  if (want == NULL && r != 0)
    fail_msg("an interpreter where none is: %d \"%s\"", r, r == 1 ? out : "");
  if (want && (r != 1 || strcmp(out, want) != 0))
    fail_msg("interpreter: %d \"%s\", expected \"%s\"", r, r == 1 ? out : "", want);
  close(fd);
}

static void test_interp_script(void **state) {
  char long_line[400];
  (void)state;
  expect_interp(make_text("s1", "#!/bin/sh\necho hi\n"), "/bin/sh");
  expect_interp(make_text("s2", "#!  /usr/bin/env  python3\n"), "/usr/bin/env");
  expect_interp(make_text("s3", "#!\t/x\ty\n"), "/x");
  /* the end of a short file ends the name (the kernel zero-fills) */
  expect_interp(make_text("s4", "#!/dev/fd/7"), "/dev/fd/7");
  expect_interp(make_text("s5", "#!relative/interp -x"), "relative/interp");
  expect_interp(make_text("s6", "#!\n"), NULL);
  expect_interp(make_text("s7", "#!   \t  \nx"), NULL);
  expect_interp(make_text("s8", "echo no\n"), NULL);
  expect_interp(make_text("s9", ""), NULL);
  /* a name cut by the kernel's 256 bytes: ENOEXEC for it, none here */
  memset(long_line, 'a', sizeof(long_line) - 1);
  long_line[sizeof(long_line) - 1] = '\0';
  memcpy(long_line, "#!/", 3);
  expect_interp(make_text("s10", long_line), NULL);
  long_line[100] = ' '; /* the name ends within them: it counts */
  long_line[101] = '\0';
  {
    char want[128];
    memcpy(want, long_line + 2, 98);
    want[98] = '\0';
    expect_interp(make_text("s11", long_line), want);
  }
}

static void test_interp_elf(void **state) {
  (void)state;
  expect_interp(make_elf("e1", true, "/lib64/ld-linux-x86-64.so.2", 56), "/lib64/ld-linux-x86-64.so.2");
  expect_interp(make_elf("e2", false, "/proc/self/fd/7", 32), "/proc/self/fd/7");
  expect_interp(make_elf("e3", true, NULL, 56), NULL);
  expect_interp(make_elf("e4", true, "/lib/ld.so", 40), NULL); /* the kernel refuses this table */
  /* this program itself: dynamic, its ld.so exists */
  {
    unsigned char buf[65536];
    char out[PATH_MAX];
    struct stat st;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    if (execpath_interp(fd, buf, sizeof(buf), out, sizeof(out)) == 1)
      assert_int_equal(stat(out, &st), 0);
    else
      print_message("note: this test program has no PT_INTERP (static build)\n");
    close(fd);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_absolute_spellings),
      cmocka_unit_test(test_relative),
      cmocka_unit_test(test_symlinks),
      cmocka_unit_test(test_absent),
      cmocka_unit_test(test_proc_spellings),
      cmocka_unit_test(test_other_process),
      cmocka_unit_test(test_execveat_dirfd),
      cmocka_unit_test(test_fd),
      cmocka_unit_test(test_threads),
      cmocka_unit_test(test_inspect),
      cmocka_unit_test(test_hostile),
      cmocka_unit_test(test_interp_script),
      cmocka_unit_test(test_interp_elf),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

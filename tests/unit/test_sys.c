/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/base/sys.c: file reading and atomic writing
 * (including what a failure leaves behind), mkdir_p and remove_tree (never
 * following symlinks). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/sys.h"

static void assert_contains(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static char *join(const char *dir, const char *name) {
  char *p = NULL;
  assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
  return p;
}

static void put(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  assert_int_equal(close(fd), 0);
}

static char *slurp(const char *path, size_t *len) {
  struct sk_error *err = NULL;
  char *buf = NULL;
  if (read_file(path, &buf, len, &err) < 0)
    fail_msg("read_file(%s): %s", path, err->msg);
  return buf;
}

static bool exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* Names in dir containing ".stockade-" (temporary files of write_file_atomic). */
static int count_leftovers(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  int n = 0;
  assert_non_null(d);
  while ((de = readdir(d)))
    if (strstr(de->d_name, ".stockade-"))
      n++;
  closedir(d);
  return n;
}

/* --- SHA-256 --- */

static void test_read_file_content(void **state) {
  const char *dir = *state;
  cleanup_free char *p = join(dir, "f");
  cleanup_free char *e = join(dir, "empty");
  cleanup_free char *buf = NULL;
  cleanup_free char *ebuf = NULL;
  size_t len = 99;

  put(p, "a\0b\ncd", 6);
  buf = slurp(p, &len);
  assert_int_equal(len, 6);
  assert_memory_equal(buf, "a\0b\ncd", 6);
  assert_int_equal(buf[6], '\0'); /* NUL-terminated */

  put(e, "", 0);
  len = 99;
  ebuf = slurp(e, &len);
  assert_int_equal(len, 0);
  assert_string_equal(ebuf, "");
}

static void test_read_file_missing(void **state) {
  const char *dir = *state;
  cleanup_free char *p = join(dir, "does-not-exist.json");
  struct sk_error *err = NULL;
  char *buf = (char *)0x1;
  size_t len = 77;

  assert_int_equal(read_file(p, &buf, &len, &err), -1);
  assert_ptr_equal(buf, (char *)0x1); /* untouched */
  assert_int_equal(len, 77);
  assert_non_null(err);
  assert_int_equal(err->code, ENOENT);
  assert_contains(err->msg, p);
  assert_contains(err->msg, "No such file or directory");
  sk_error_free(&err);
}

static void test_read_file_directory_refused(void **state) {
  const char *dir = *state;
  struct sk_error *err = NULL;
  char *buf = NULL;

  assert_int_equal(read_file(dir, &buf, NULL, &err), -1);
  assert_null(buf);
  assert_non_null(err);
  assert_contains(err->msg, dir);
  assert_contains(err->msg, "not a regular file");
  sk_error_free(&err);
}

static void make_sparse(const char *path, off_t size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, size), 0);
  assert_int_equal(close(fd), 0);
}

static void test_read_file_size_limit(void **state) {
  const char *dir = *state;
  cleanup_free char *big = join(dir, "big");
  struct sk_error *err = NULL;
  char *buf = NULL;

  make_sparse(big, (off_t)SK_MAX_FILE_SIZE + 1);
  assert_int_equal(read_file(big, &buf, NULL, &err), -1);
  assert_null(buf);
  assert_non_null(err);
  assert_contains(err->msg, big);
  assert_contains(err->msg, "larger than 16777216 bytes");
  sk_error_free(&err);
}

/* "at most SK_MAX_FILE_SIZE": a file of exactly that size is read. */
static void test_read_file_exactly_at_limit(void **state) {
  const char *dir = *state;
  cleanup_free char *p = join(dir, "limit");
  cleanup_free char *buf = NULL;
  struct sk_error *err = NULL;
  size_t len = 0;

  make_sparse(p, (off_t)SK_MAX_FILE_SIZE);
  if (read_file(p, &buf, &len, &err) < 0) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err->msg);
    sk_error_free(&err);
    fail_msg("a file of exactly SK_MAX_FILE_SIZE (%u) bytes was refused: %s", SK_MAX_FILE_SIZE, msg);
  }
  assert_int_equal(len, SK_MAX_FILE_SIZE);
  assert_int_equal(buf[SK_MAX_FILE_SIZE - 1], 0);
}

/* --- write_file_atomic --- */

static void test_write_atomic_content_and_mode(void **state) {
  const char *dir = *state;
  cleanup_free char *p = join(dir, "out.json");
  cleanup_free char *b1 = NULL;
  cleanup_free char *b2 = NULL;
  struct sk_error *err = NULL;
  struct stat st;
  size_t len;
  mode_t old = umask(077); /* the mode argument is used as given */

  assert_int_equal(write_file_atomic(p, "{\"a\":1}\n", 8, 0640, &err), 0);
  umask(old);
  assert_null(err);
  assert_int_equal(stat(p, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0640);
  b1 = slurp(p, &len);
  assert_int_equal(len, 8);
  assert_string_equal(b1, "{\"a\":1}\n");

  /* Replacing: new content, new mode, no temporary files left. */
  assert_int_equal(write_file_atomic(p, "x", 1, 0600, &err), 0);
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  b2 = slurp(p, &len);
  assert_int_equal(len, 1);
  assert_string_equal(b2, "x");
  assert_int_equal(count_leftovers(dir), 0);
}

/* The rename fails (the target is a non-empty directory): the target is
 * untouched and the temporary file removed. */
static void test_write_atomic_rename_failure(void **state) {
  const char *dir = *state;
  cleanup_free char *target = join(dir, "target");
  cleanup_free char *inner = join(target, "keep");
  cleanup_free char *buf = NULL;
  struct sk_error *err = NULL;
  struct stat st;
  size_t len;

  assert_int_equal(mkdir(target, 0755), 0);
  put(inner, "precious", 8);
  assert_int_equal(write_file_atomic(target, "new", 3, 0644, &err), -1);
  assert_non_null(err);
  assert_contains(err->msg, target);
  assert_true(err->code != 0);
  sk_error_free(&err);

  assert_int_equal(stat(target, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  buf = slurp(inner, &len);
  assert_int_equal(len, 8);
  assert_string_equal(buf, "precious");
  assert_int_equal(count_leftovers(dir), 0);
}

/* The write fails half-way (RLIMIT_FSIZE; works as root too): the original
 * file stays byte-identical and no temporary file is left. */
static void test_write_atomic_write_failure_keeps_original(void **state) {
  const char *dir = *state;
  cleanup_free char *p = join(dir, "orig.json");
  cleanup_free char *buf = NULL;
  char big[4096];
  struct sk_error *err = NULL;
  struct rlimit old, lim;
  void (*oldsig)(int);
  struct stat st;
  size_t len;
  int r;

  put(p, "original\n", 9);
  assert_int_equal(chmod(p, 0604), 0);
  memset(big, 'z', sizeof(big));

  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = 100;
  oldsig = signal(SIGXFSZ, SIG_IGN);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  r = write_file_atomic(p, big, sizeof(big), 0644, &err);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, oldsig);

  assert_int_equal(r, -1);
  assert_non_null(err);
  assert_int_equal(err->code, EFBIG);
  assert_contains(err->msg, p);
  sk_error_free(&err);

  buf = slurp(p, &len);
  assert_int_equal(len, 9);
  assert_memory_equal(buf, "original\n", 9);
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0604);
  assert_int_equal(count_leftovers(dir), 0);
}

static void test_write_atomic_missing_dir(void **state) {
  const char *dir = *state;
  cleanup_free char *p = join(dir, "no/such/dir/f");
  struct sk_error *err = NULL;

  assert_int_equal(write_file_atomic(p, "x", 1, 0644, &err), -1);
  assert_non_null(err);
  assert_int_equal(err->code, ENOENT);
  assert_contains(err->msg, p);
  sk_error_free(&err);
  assert_false(exists(p));
}

/* --- mkdir_p --- */

static void test_mkdir_p(void **state) {
  const char *dir = *state;
  cleanup_free char *deep = join(dir, "a/b/c");
  cleanup_free char *mid = join(dir, "a/b");
  cleanup_free char *slash = join(dir, "x/y/");
  cleanup_free char *xy = join(dir, "x/y");
  struct sk_error *err = NULL;
  struct stat st;
  mode_t old = umask(022);

  assert_int_equal(mkdir_p(deep, 0700, &err), 0);
  assert_null(err);
  assert_int_equal(stat(deep, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0700);
  assert_int_equal(stat(mid, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);

  /* Existing: fine. */
  assert_int_equal(mkdir_p(deep, 0700, &err), 0);
  assert_int_equal(mkdir_p(dir, 0700, &err), 0);

  /* Trailing slash. */
  assert_int_equal(mkdir_p(slash, 0755, &err), 0);
  assert_int_equal(stat(xy, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0755);
  umask(old);
}

static void test_mkdir_p_file_in_the_way(void **state) {
  const char *dir = *state;
  cleanup_free char *file = join(dir, "file");
  cleanup_free char *below = join(dir, "file/sub/dir");
  struct sk_error *err = NULL;

  put(file, "x", 1);
  assert_int_equal(mkdir_p(below, 0700, &err), -1);
  assert_non_null(err);
  assert_int_equal(err->code, ENOTDIR);
  assert_contains(err->msg, "cannot create directory");
  assert_contains(err->msg, file);
  sk_error_free(&err);
}

/* Like mkdir -p: a path that exists as a regular file is not a directory. */
static void test_mkdir_p_existing_file_refused(void **state) {
  const char *dir = *state;
  cleanup_free char *file = join(dir, "file");
  struct sk_error *err = NULL;
  int r;

  put(file, "x", 1);
  r = mkdir_p(file, 0700, &err);
  sk_error_free(&err);
  if (r == 0)
    fail_msg("mkdir_p(%s) returned success but the path is a regular file, not a directory", file);
  assert_int_equal(r, -1);
}

/* --- remove_tree --- */

static void test_remove_tree_nested(void **state) {
  const char *dir = *state;
  cleanup_free char *top = join(dir, "tree");
  cleanup_free char *deep = join(dir, "tree/a/b/c");
  cleanup_free char *f1 = join(dir, "tree/f1");
  cleanup_free char *f2 = join(dir, "tree/a/b/c/f2");
  cleanup_free char *f3 = join(dir, "tree/a/.hidden");
  cleanup_free char *empty = join(dir, "tree/a/empty");
  struct sk_error *err = NULL;

  assert_int_equal(mkdir_p(deep, 0755, &err), 0);
  assert_int_equal(mkdir(empty, 0700), 0);
  put(f1, "1", 1);
  put(f2, "2", 1);
  put(f3, "3", 1);

  assert_int_equal(remove_tree(top, &err), 0);
  assert_null(err);
  assert_false(exists(top));
  assert_true(exists(dir));
}

static void test_remove_tree_missing_and_file(void **state) {
  const char *dir = *state;
  cleanup_free char *missing = join(dir, "nope");
  cleanup_free char *file = join(dir, "file");
  struct sk_error *err = NULL;

  assert_int_equal(remove_tree(missing, &err), 0);
  assert_null(err);
  put(file, "x", 1);
  assert_int_equal(remove_tree(file, &err), 0);
  assert_false(exists(file));
}

static void test_remove_tree_symlink_not_followed(void **state) {
  const char *dir = *state;
  cleanup_free char *outside = join(dir, "outside");
  cleanup_free char *victim = join(dir, "outside/victim");
  cleanup_free char *sub = join(dir, "outside/sub");
  cleanup_free char *subfile = join(dir, "outside/sub/file");
  cleanup_free char *tree = join(dir, "tree");
  cleanup_free char *link = join(dir, "tree/link");
  cleanup_free char *link2 = join(dir, "tree/nested/link2");
  cleanup_free char *nested = join(dir, "tree/nested");
  cleanup_free char *toplink = join(dir, "toplink");
  cleanup_free char *buf = NULL;
  struct sk_error *err = NULL;
  size_t len;

  assert_int_equal(mkdir(outside, 0755), 0);
  assert_int_equal(mkdir(sub, 0755), 0);
  put(victim, "survive", 7);
  put(subfile, "me too", 6);
  assert_int_equal(mkdir(tree, 0755), 0);
  assert_int_equal(mkdir(nested, 0755), 0);
  assert_int_equal(symlink(outside, link), 0);
  assert_int_equal(symlink(sub, link2), 0);

  assert_int_equal(remove_tree(tree, &err), 0);
  assert_false(exists(tree));
  buf = slurp(victim, &len);
  assert_string_equal(buf, "survive");
  assert_true(exists(subfile));
  assert_true(exists(sub));

  /* The path itself a symlink to a directory: the link goes, the
   * directory and its files stay. */
  assert_int_equal(symlink(outside, toplink), 0);
  assert_int_equal(remove_tree(toplink, &err), 0);
  assert_false(exists(toplink));
  assert_true(exists(victim));
  assert_true(exists(subfile));
}

/* --- paths and strings --- */

static void test_read_file_or_pipe(void **state) {
  cleanup_free char *buf = NULL;
  struct sk_error *err = NULL;
  char path[64];
  bool regular = true;
  size_t len = 0;
  int p[2];
  (void)state;

  assert_int_equal(pipe2(p, O_CLOEXEC), 0);
  assert_int_equal(write(p[1], "{\"args\":[\"x\"]}", 14), 14);
  close(p[1]);
  snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
  assert_int_equal(read_file(path, &buf, &len, &err), -1);
  assert_non_null(strstr(err->msg, "not a regular file"));
  sk_error_free(&err);
  assert_int_equal(read_file_or_pipe(path, &regular, &buf, &len, &err), 0);
  assert_false(regular);
  assert_int_equal(len, 14);
  assert_string_equal(buf, "{\"args\":[\"x\"]}");
  close(p[0]);
  free(buf);
  buf = NULL;
  assert_int_equal(read_file_or_pipe("/dev/null", &regular, &buf, &len, &err), -1);
  assert_non_null(strstr(err->msg, "not a regular file, a pipe or a socket"));
  sk_error_free(&err);
  assert_int_equal(read_file_or_pipe("/etc/hostname", &regular, &buf, &len, &err), 0);
  assert_true(regular);
}

/* In a child (this process keeps its stdio): stdin and stderr closed,
 * stdout open. stdio_hold gives the two closed ones /dev/null,
 * close-on-exec, leaves stdout alone, so that the next open is 3; and a
 * program exec'd after it finds stdin closed, as the caller left it.
 * Exit statuses name the check that failed. */
static int stdio_hold_child(void) {
  struct stat st;
  int flags1 = fcntl(1, F_GETFD), fd;
  close(0);
  close(2);
  if (stdio_hold() < 0)
    return 10;
  if (fstat(0, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3) || fstat(2, &st) < 0 ||
      !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    return 11;
  if (!(fcntl(0, F_GETFD) & FD_CLOEXEC) || !(fcntl(2, F_GETFD) & FD_CLOEXEC))
    return 12;
  if (fcntl(1, F_GETFD) != flags1)
    return 13;
  fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd != 3)
    return 14;
  close(fd);
  if (stdio_hold() < 0 || open("/dev/null", O_RDONLY | O_CLOEXEC) != 3) /* a second call changes nothing */
    return 15;
  execl("/bin/sh", "sh", "-c", "if [ -e /proc/self/fd/0 ]; then exit 16; fi; exit 0", (char *)NULL);
  return 17;
}

static void test_stdio_hold(void **state) {
  (void)state;
  child_exits_0(stdio_hold_child);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_file_or_pipe),
      cmocka_unit_test(test_stdio_hold),
      cmocka_unit_test_setup_teardown(test_read_file_content, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_read_file_missing, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_read_file_directory_refused, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_read_file_size_limit, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_read_file_exactly_at_limit, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_write_atomic_content_and_mode, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_write_atomic_rename_failure, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_write_atomic_write_failure_keeps_original, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_write_atomic_missing_dir, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_mkdir_p, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_mkdir_p_file_in_the_way, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_mkdir_p_existing_file_refused, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_remove_tree_nested, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_remove_tree_missing_and_file, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_remove_tree_symlink_not_followed, tmpdir_setup, tmpdir_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/base/util.c: SHA-256 against the FIPS 180-2 vectors, file
 * reading and atomic writing (including what a failure leaves behind),
 * mkdir_p, remove_tree (never following symlinks) and the path helpers. */
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
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/util.h"

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

static void assert_sha(const void *data, size_t len, const char *want) {
  char hex[65];
  memset(hex, 'x', sizeof(hex));
  sha256_hex(data, len, hex);
  assert_int_equal(hex[64], '\0');
  assert_string_equal(hex, want);
}

static void test_sha256_fips_vectors(void **state) {
  (void)state;
  assert_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  assert_sha(
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrs"
      "tu",
      112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256_million_a(void **state) {
  cleanup_free char *a = malloc(1000000);
  (void)state;
  assert_non_null(a);
  memset(a, 'a', 1000000);
  assert_sha(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the padding boundary (55/56 bytes fit or not in one
 * block with the length); reference digests from sha256sum. */
static void test_sha256_padding_boundaries(void **state) {
  static const struct {
    size_t n;
    const char *hex;
  } v[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
  };
  char a[128];
  size_t i;
  (void)state;
  memset(a, 'a', sizeof(a));
  for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    assert_sha(a, v[i].n, v[i].hex);
}

static void test_sha256_incremental(void **state) {
  static const size_t chunks[] = {1, 3, 7, 55, 56, 63, 64, 65, 127, 1000};
  unsigned char data[3000], one[32], inc[32];
  struct sha256_ctx c;
  size_t i, k;
  (void)state;

  for (i = 0; i < sizeof(data); i++)
    data[i] = (unsigned char)(i * 31 + 7);
  sha256_init(&c);
  sha256_update(&c, data, sizeof(data));
  sha256_final(&c, one);

  for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
    sha256_init(&c);
    for (i = 0; i < sizeof(data); i += chunks[k])
      sha256_update(&c, data + i, i + chunks[k] <= sizeof(data) ? chunks[k] : sizeof(data) - i);
    sha256_final(&c, inc);
    if (memcmp(one, inc, 32) != 0)
      fail_msg("incremental update in chunks of %zu differs from one-shot", chunks[k]);
  }
  /* Empty updates change nothing. */
  sha256_init(&c);
  sha256_update(&c, data, 0);
  sha256_update(&c, data, sizeof(data));
  sha256_update(&c, data, 0);
  sha256_final(&c, inc);
  assert_memory_equal(one, inc, 32);

  /* And the incremental "abc" digest is the FIPS one. */
  sha256_init(&c);
  sha256_update(&c, "a", 1);
  sha256_update(&c, "bc", 2);
  sha256_final(&c, inc);
  assert_int_equal(inc[0], 0xba);
  assert_int_equal(inc[1], 0x78);
  assert_int_equal(inc[31], 0xad);
}

/* --- read_file --- */

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

static void assert_clean(const char *in, const char *want) {
  cleanup_free char *out = path_clean(in);
  assert_non_null(out);
  if (strcmp(out, want) != 0)
    fail_msg("path_clean(\"%s\") = \"%s\", expected \"%s\"", in, out, want);
}

static void test_path_clean(void **state) {
  (void)state;
  assert_clean("/a//b/./c/../d", "/a/b/d");
  assert_clean("/../..", "/");
  assert_clean("", "/");
  assert_clean("/", "/");
  assert_clean("//", "/");
  assert_clean("/a/", "/a");
  assert_clean("/a/..", "/");
  assert_clean("/a/b/../../..", "/");
  assert_clean("/a/./././b", "/a/b");
  assert_clean("/..a/b..", "/..a/b..");
  assert_clean("/.../x", "/.../x");
  assert_clean("/a/b/c/../../d/./e/", "/a/d/e");
  assert_clean("/../etc/passwd", "/etc/passwd");
}

static void test_path_is_under(void **state) {
  (void)state;
  assert_true(path_is_under("/foo", "/foo"));
  assert_true(path_is_under("/foo/", "/foo"));
  assert_true(path_is_under("/foo", "/foo/"));
  assert_true(path_is_under("/foo/bar", "/foo"));
  assert_true(path_is_under("/foo//bar/baz", "/foo/"));
  assert_false(path_is_under("/foobar", "/foo"));
  assert_false(path_is_under("/foo", "/foobar"));
  assert_false(path_is_under("/fo", "/foo"));
  assert_false(path_is_under("/", "/foo"));
  assert_false(path_is_under("/etc", "/var/lib"));
  assert_true(path_is_under("/", "/"));
  assert_true(path_is_under("/anything/at/all", "/"));
  assert_true(path_is_under("/x", "//"));
  /* Lexical: ".." is resolved before comparing. */
  assert_false(path_is_under("/foo/../etc/shadow", "/foo"));
  assert_true(path_is_under("/etc/../foo/x", "/foo"));
  assert_true(path_is_under("/var/run/docker.sock", "/var/run"));
}

static void test_str_prefix_suffix(void **state) {
  (void)state;
  assert_true(str_has_prefix("stockade-complain", "stockade-"));
  assert_true(str_has_prefix("abc", ""));
  assert_true(str_has_prefix("abc", "abc"));
  assert_false(str_has_prefix("ab", "abc"));
  assert_false(str_has_prefix("xabc", "abc"));
  assert_false(str_has_prefix("", "a"));
  assert_true(str_has_suffix("profile.json", ".json"));
  assert_true(str_has_suffix("abc", ""));
  assert_true(str_has_suffix("abc", "abc"));
  assert_false(str_has_suffix("bc", "abc"));
  assert_false(str_has_suffix("profile.json5", ".json"));
  assert_false(str_has_suffix("", "a"));
}

/* A process file may be a pipe (bash's <(...)): read once to its end; a
 * directory or a device is still refused. */
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_file_or_pipe),
      cmocka_unit_test(test_sha256_fips_vectors),
      cmocka_unit_test(test_sha256_million_a),
      cmocka_unit_test(test_sha256_padding_boundaries),
      cmocka_unit_test(test_sha256_incremental),
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
      cmocka_unit_test(test_path_clean),
      cmocka_unit_test(test_path_is_under),
      cmocka_unit_test(test_str_prefix_suffix),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

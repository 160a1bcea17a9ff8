/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/base/str.c: SHA-256 against the FIPS 180-2
 * vectors, through each block function (the CPU's SHA instructions and
 * portable C), the two against each other, and the string and lexical
 * path helpers. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/str.h"
#include "valgrind.h"

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
  sha256_update(&c, NULL, 0); /* nothing, from nowhere (UBSan would see memcpy of NULL) */
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

/* The SHA-256 cases run once per block function: the setup picks it. */
static int engine_portable(void **state) {
  (void)state;
  assert_int_equal(sha256_engine_set("portable"), 0);
  assert_string_equal(sha256_engine(), "portable");
  return 0;
}

/* Read from /proc/cpuinfo, not by the code under test's CPUID. valgrind
 * runs the program on a CPU of its own, without the SHA instructions (its
 * CPUID says so, and the portable code is chosen): there it has none. */
static bool cpu_flag(const char *flag) {
  FILE *f;
  char line[8192];
  bool found = false;
  if (confine_under_valgrind())
    return false;
  f = fopen("/proc/cpuinfo", "re");
  assert_non_null(f);
  while (fgets(line, sizeof(line), f)) {
    char *save = NULL, *w, *colon = strchr(line, ':');
    if (strncmp(line, "flags", 5) != 0 || colon == NULL)
      continue;
    for (w = strtok_r(colon + 1, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
      if (strcmp(w, flag) == 0)
        found = true;
    break;
  }
  fclose(f);
  return found;
}

/* In a case: the SHA instructions, or skip it saying why. */
static void use_shani(void) {
  if (!cpu_flag("sha_ni")) {
    print_message("skip: no SHA instructions on this CPU (no sha_ni in /proc/cpuinfo, or under valgrind)\n");
    skip();
  }
  assert_int_equal(sha256_engine_set("sha-ni"), 0);
  assert_string_equal(sha256_engine(), "sha-ni");
}

/* Where the CPU has them, the SHA instructions are chosen at load; an
 * unknown name is refused and changes nothing. */
static void test_sha256_engine_choice(void **state) {
  (void)state;
  assert_string_equal(sha256_engine(), cpu_flag("sha_ni") ? "sha-ni" : "portable");
  assert_int_equal(sha256_engine_set("md5"), -1);
  assert_string_equal(sha256_engine(), cpu_flag("sha_ni") ? "sha-ni" : "portable");
  if (!cpu_flag("sha_ni"))
    assert_int_equal(sha256_engine_set("sha-ni"), -1);
}

/* Both block functions agree on every length from 0 to 1,100 bytes (every
 * padding case, several blocks), at every alignment, in one call and fed
 * in uneven pieces. */
static void test_sha256_engines_agree(void **state) {
  static unsigned char buf[1100 + 8];
  size_t n, off, i;
  unsigned seed = 12345;
  (void)state;
  use_shani();
  for (i = 0; i < sizeof(buf); i++) {
    seed = seed * 1103515245u + 12345u;
    buf[i] = (unsigned char)(seed >> 16);
  }
  for (n = 0; n <= 1100; n++) {
    for (off = 0; off < 8; off += (n < 200 ? 1 : 7)) {
      char a[65], b[65];
      unsigned char inc[32], one[32];
      struct sha256_ctx c;
      size_t done = 0, step = 1;
      assert_int_equal(sha256_engine_set("portable"), 0);
      sha256_hex(buf + off, n, a);
      assert_int_equal(sha256_engine_set("sha-ni"), 0);
      sha256_hex(buf + off, n, b);
      assert_string_equal(a, b);
      sha256_init(&c);
      sha256_update(&c, buf + off, n);
      sha256_final(&c, one);
      sha256_init(&c);
      while (done < n) {
        size_t take = step < n - done ? step : n - done;
        sha256_update(&c, buf + off + done, take);
        done += take;
        step = step * 3 % 131 + 1;
      }
      sha256_final(&c, inc);
      assert_memory_equal(one, inc, 32);
    }
  }
}

/* --- read_file --- */

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
/* the same cases, through the SHA instructions */
#define SHANI(f)                                                                                                       \
  static void shani_##f(void **state) {                                                                                \
    use_shani();                                                                                                       \
    f(state);                                                                                                          \
  }
SHANI(test_sha256_fips_vectors)
SHANI(test_sha256_million_a)
SHANI(test_sha256_padding_boundaries)
SHANI(test_sha256_incremental)

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sha256_engine_choice),
      cmocka_unit_test_setup(test_sha256_fips_vectors, engine_portable),
      cmocka_unit_test_setup(test_sha256_million_a, engine_portable),
      cmocka_unit_test_setup(test_sha256_padding_boundaries, engine_portable),
      cmocka_unit_test_setup(test_sha256_incremental, engine_portable),
      cmocka_unit_test(shani_test_sha256_fips_vectors),
      cmocka_unit_test(shani_test_sha256_million_a),
      cmocka_unit_test(shani_test_sha256_padding_boundaries),
      cmocka_unit_test(shani_test_sha256_incremental),
      cmocka_unit_test(test_sha256_engines_agree),
      cmocka_unit_test(test_path_clean),
      cmocka_unit_test(test_path_is_under),
      cmocka_unit_test(test_str_prefix_suffix),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

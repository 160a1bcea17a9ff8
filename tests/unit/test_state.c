/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/state/state.c: the per-container key, the length limit of
 * the state directory, and the prepare/write/read/remove round trip. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/state.h"
#include "stockade/str.h"
#include "stockade/sys.h"

static void assert_contains(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static void key_of(const char *runtime, const char *root, const char *id, char key[STATE_KEY_LEN + 1]) {
  memset(key, 'X', STATE_KEY_LEN + 1);
  assert_int_equal(state_key(runtime, root, id, key), 0);
}

static void test_key_shape_and_stability(void **state) {
  char k1[STATE_KEY_LEN + 1], k2[STATE_KEY_LEN + 1];
  size_t i;
  (void)state;

  key_of("/usr/sbin/runc", "/run/containerd/runc/k8s.io", "abc123", k1);
  assert_int_equal(strlen(k1), 32);
  for (i = 0; i < 32; i++)
    if (!((k1[i] >= '0' && k1[i] <= '9') || (k1[i] >= 'a' && k1[i] <= 'f')))
      fail_msg("key \"%s\" has a character that is not lowercase hex at %zu", k1, i);

  key_of("/usr/sbin/runc", "/run/containerd/runc/k8s.io", "abc123", k2);
  assert_string_equal(k1, k2);
}

/* SHA-256 over the three strings, each with its NUL: the layout of
 * existing state directories depends on it. */
static void test_key_is_sha256_prefix(void **state) {
  static const char bytes[] = "/usr/bin/crun\0/run/crun\0web-1";
  char key[STATE_KEY_LEN + 1], hex[65];
  (void)state;

  key_of("/usr/bin/crun", "/run/crun", "web-1", key);
  sha256_hex(bytes, sizeof(bytes), hex); /* sizeof includes the last NUL */
  assert_memory_equal(key, hex, 32);
  assert_int_equal(key[32], '\0');
}

static void test_key_differs(void **state) {
  char base[STATE_KEY_LEN + 1], k[STATE_KEY_LEN + 1];
  (void)state;

  key_of("/usr/sbin/runc", "/run/runc", "ctr", base);

  key_of("/usr/sbin/runc", "/run/containerd/runc/moby", "ctr", k);
  assert_string_not_equal(base, k); /* by root */
  key_of("/usr/bin/crun", "/run/runc", "ctr", k);
  assert_string_not_equal(base, k); /* by runtime */
  key_of("/usr/sbin/runc", "/run/runc", "ctr2", k);
  assert_string_not_equal(base, k); /* by id */
  key_of("/usr/sbin/runc", NULL, "ctr", k);
  assert_string_not_equal(base, k); /* no --root */
}

static void test_key_boundaries(void **state) {
  char a[STATE_KEY_LEN + 1], b[STATE_KEY_LEN + 1];
  (void)state;

  /* ("a","bc") and ("ab","c") must not collide, in each pair of fields. */
  key_of("/r", "a", "bc", a);
  key_of("/r", "ab", "c", b);
  assert_string_not_equal(a, b);

  key_of("a", "bc", "id", a);
  key_of("ab", "c", "id", b);
  assert_string_not_equal(a, b);

  key_of("/r", "", "ab", a);
  key_of("/r", "a", "b", b);
  assert_string_not_equal(a, b);
}

static struct sk_config *cfg_new(const char *state_dir) {
  struct sk_config *c = calloc(1, sizeof(*c));
  assert_non_null(c);
  c->path = strdup("/etc/stockade/config.json");
  c->runtime = strdup("/usr/sbin/runc");
  c->state_dir = strdup(state_dir);
  assert_non_null(c->path);
  assert_non_null(c->runtime);
  assert_non_null(c->state_dir);
  return c;
}

static void test_state_dir_path(void **state) {
  cleanup_config struct sk_config *c = cfg_new("/run/stockade");
  cleanup_free char *dir = NULL;
  struct sk_error *err = NULL;
  char key[STATE_KEY_LEN + 1], want[128];
  (void)state;

  assert_int_equal(state_dir(c, "/run/runc", "ctr", &dir, &err), 0);
  assert_null(err);
  key_of("/usr/sbin/runc", "/run/runc", "ctr", key);
  snprintf(want, sizeof(want), "/run/stockade/%s", key);
  assert_string_equal(dir, want);
}

/* <stateDir>/<32 hex>/<16-byte name> and its NUL must fit in sun_path
 * (108 bytes): stateDir may have at most 108 - 51 = 57 characters. */
static void test_state_dir_length_limit(void **state) {
  char longest[58], too_long[59];
  struct sk_config *c;
  struct sk_error *err = NULL;
  char *dir = NULL;
  (void)state;

  memset(longest, 'd', sizeof(longest) - 1);
  longest[0] = '/';
  longest[sizeof(longest) - 1] = '\0';
  memset(too_long, 'd', sizeof(too_long) - 1);
  too_long[0] = '/';
  too_long[sizeof(too_long) - 1] = '\0';
  assert_int_equal(strlen(longest), 57);
  assert_int_equal(strlen(too_long), 58);

  c = cfg_new(longest);
  assert_int_equal(state_dir(c, NULL, "ctr", &dir, &err), 0);
  assert_int_equal(strlen(dir) + 1 + STATE_LONGEST_NAME + 1, 108);
  free(dir);
  dir = NULL;
  config_free(c);

  c = cfg_new(too_long);
  assert_int_equal(state_dir(c, NULL, "ctr", &dir, &err), -1);
  assert_null(dir); /* written only on success */
  assert_non_null(err);
  assert_contains(err->msg, "/etc/stockade/config.json");
  assert_contains(err->msg, "stateDir");
  assert_contains(err->msg, too_long);
  assert_contains(err->msg, "at most 57 characters");
  sk_error_free(&err);
  config_free(c);
}

static void test_round_trip(void **state) {
  char tmp[] = "/tmp/stockade-test-state.XXXXXX";
  cleanup_free char *dir = NULL;
  cleanup_free char *file = NULL;
  cleanup_free char *buf = NULL;
  cleanup_free char *buf2 = NULL;
  struct sk_error *err = NULL;
  char *missing = NULL;
  struct stat st;
  size_t len = 0;
  mode_t old;
  (void)state;

  assert_non_null(mkdtemp(tmp));
  assert_true(asprintf(&dir, "%s/run/stockade/0123456789abcdef0123456789abcdef", tmp) > 0);
  assert_true(asprintf(&file, "%s/meta.json", dir) > 0);

  old = umask(022);
  assert_int_equal(state_prepare(dir, &err), 0);
  umask(old);
  assert_null(err);
  assert_int_equal(stat(dir, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0700);
  assert_int_equal(state_prepare(dir, &err), 0); /* again: fine */

  assert_int_equal(state_write(dir, "meta.json", "{\"id\":\"ctr\"}", 12, &err), 0);
  assert_int_equal(stat(file, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(state_read(dir, "meta.json", &buf, &len, &err), 0);
  assert_int_equal(len, 12);
  assert_string_equal(buf, "{\"id\":\"ctr\"}");

  /* Overwrite. */
  assert_int_equal(state_write(dir, "meta.json", "{}", 2, &err), 0);
  assert_int_equal(state_read(dir, "meta.json", &buf2, &len, &err), 0);
  assert_string_equal(buf2, "{}");
  assert_int_equal(len, 2);

  /* A missing file names the path. */
  assert_int_equal(state_read(dir, "profile.json", &missing, NULL, &err), -1);
  assert_null(missing);
  assert_non_null(err);
  assert_int_equal(err->code, ENOENT);
  assert_contains(err->msg, dir);
  assert_contains(err->msg, "profile.json");
  sk_error_free(&err);

  assert_int_equal(state_remove(dir, &err), 0);
  assert_int_equal(stat(dir, &st), -1);
  assert_int_equal(errno, ENOENT);
  assert_int_equal(state_remove(dir, &err), 0); /* already gone: fine */

  {
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "rm -rf '%s'", tmp) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
  }
}

static void test_prepare_failure_names_state_dir(void **state) {
  char tmp[] = "/tmp/stockade-test-state.XXXXXX";
  cleanup_free char *file = NULL;
  cleanup_free char *dir = NULL;
  struct sk_error *err = NULL;
  FILE *f;
  (void)state;

  assert_non_null(mkdtemp(tmp));
  assert_true(asprintf(&file, "%s/blocker", tmp) > 0);
  assert_true(asprintf(&dir, "%s/blocker/key", tmp) > 0);
  f = fopen(file, "w");
  assert_non_null(f);
  assert_int_equal(fclose(f), 0);

  assert_int_equal(state_prepare(dir, &err), -1);
  assert_non_null(err);
  assert_contains(err->msg, "stateDir");
  assert_contains(err->msg, file);
  sk_error_free(&err);

  assert_int_equal(unlink(file), 0);
  assert_int_equal(rmdir(tmp), 0);
}

static void write_meta(const char *dir, const char *json) {
  struct sk_error *err = NULL;
  assert_int_equal(state_prepare(dir, &err), 0);
  assert_int_equal(state_write(dir, "meta.json", json, strlen(json), &err), 0);
}

/* state_find: where the config's runtime puts it, else by id and root
 * among stateDir's directories, with the runtime recorded there. */
static void test_find(void **state) {
  char tmp[] = "/tmp/stockade-test-find.XXXXXX";
  cleanup_config struct sk_config *c = NULL;
  cleanup_free char *d1 = NULL;
  cleanup_free char *d2 = NULL;
  char *dir = NULL, *rt = NULL;
  struct sk_error *err = NULL;
  (void)state;

  assert_non_null(mkdtemp(tmp));
  c = cfg_new(tmp);
  assert_int_equal(state_dir(c, "/r", "a", &d1, &err), 0);
  write_meta(d1, "{\"id\": \"a\", \"root\": \"/r\", \"runtime\": \"/usr/sbin/runc\"}");
  assert_true(asprintf(&d2, "%s/0123456789abcdef0123456789abcdef", tmp) > 0);
  write_meta(d2, "{\"id\": \"b\", \"root\": \"\", \"runtime\": \"/usr/bin/crun\"}");

  assert_int_equal(state_find(c, "/r", "a", &dir, &rt, &err), 1);
  assert_string_equal(dir, d1);
  assert_string_equal(rt, "/usr/sbin/runc");
  free(dir);
  free(rt);
  /* not under the config's runtime's key: found by its meta.json */
  assert_int_equal(state_find(c, NULL, "b", &dir, &rt, &err), 1);
  assert_string_equal(dir, d2);
  assert_string_equal(rt, "/usr/bin/crun");
  free(dir);
  free(rt);
  /* the config's runtime unknown (a broken config) */
  free(c->runtime);
  c->runtime = NULL;
  assert_int_equal(state_find(c, "/r", "a", &dir, &rt, &err), 1);
  assert_string_equal(dir, d1);
  free(dir);
  free(rt);
  /* another root, another id: none */
  dir = rt = NULL;
  assert_int_equal(state_find(c, "/other", "a", &dir, &rt, &err), 0);
  assert_int_equal(state_find(c, NULL, "c", &dir, &rt, &err), 0);
  assert_null(dir);
  assert_null(rt);
  assert_int_equal(remove_tree(tmp, &err), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_find),
      cmocka_unit_test(test_key_shape_and_stability),
      cmocka_unit_test(test_key_is_sha256_prefix),
      cmocka_unit_test(test_key_differs),
      cmocka_unit_test(test_key_boundaries),
      cmocka_unit_test(test_state_dir_path),
      cmocka_unit_test(test_state_dir_length_limit),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_prepare_failure_names_state_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for ctl/explain.c: the kernel's permission check as explain
 * emulates it, and where on a path a process is refused, in a real
 * directory tree (the tests run as root: they chown). The file is included
 * so its static functions can be called. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../ctl/explain.c"
#include "testutil.h"
#include "valgrind.h"

static struct who who_(uint32_t uid, uint32_t gid, uint64_t caps) {
  struct who w;
  memset(&w, 0, sizeof(w));
  w.uid = uid;
  w.gid = gid;
  w.caps = caps;
  return w;
}

#define CAP(c) (1ull << (c))

static void test_dac(void **state) {
  struct who nobody = who_(65534, 65534, 0), root = who_(0, 0, 0);
  struct who root_dac = who_(0, 0, CAP(CAP_DAC_OVERRIDE)), reader = who_(65534, 65534, CAP(CAP_DAC_READ_SEARCH));
  struct who member = who_(65534, 65534, 0);
  (void)state;
  member.groups[member.n_groups++] = 999;
  /* owner, group, others */
  assert_true(dac_allows(S_IFREG | 0640, 65534, 0, &nobody, WANT_R | WANT_W));
  assert_false(dac_allows(S_IFREG | 0640, 999, 999, &nobody, WANT_R));
  assert_true(dac_allows(S_IFREG | 0640, 999, 999, &member, WANT_R));
  assert_false(dac_allows(S_IFREG | 0640, 999, 999, &member, WANT_W));
  assert_true(dac_allows(S_IFREG | 0644, 999, 999, &nobody, WANT_R));
  /* root is no owner: without capabilities its bits are the others' */
  assert_false(dac_allows(S_IFREG | 0640, 999, 999, &root, WANT_R));
  /* CAP_DAC_OVERRIDE: anything but executing what nobody may execute */
  assert_true(dac_allows(S_IFREG | 0000, 999, 999, &root_dac, WANT_R | WANT_W));
  assert_false(dac_allows(S_IFREG | 0600, 999, 999, &root_dac, WANT_X));
  assert_true(dac_allows(S_IFREG | 0700, 999, 999, &root_dac, WANT_X));
  assert_true(dac_allows(S_IFDIR | 0700, 999, 999, &root_dac, WANT_X));
  /* CAP_DAC_READ_SEARCH: reading and searching directories only */
  assert_true(dac_allows(S_IFREG | 0600, 999, 999, &reader, WANT_R));
  assert_false(dac_allows(S_IFREG | 0600, 999, 999, &reader, WANT_W));
  assert_true(dac_allows(S_IFDIR | 0700, 999, 999, &reader, WANT_X));
}

static void mk(const char *root, const char *rel, mode_t mode, uid_t uid, bool dir) {
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/%s", root, rel);
  if (dir)
    assert_int_equal(mkdir(p, mode), 0);
  else {
    int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    close(fd);
  }
  assert_int_equal(chown(p, uid, uid), 0);
  assert_int_equal(chmod(p, mode), 0);
}

static void test_path(void **state) {
  const char *d = *state;
  struct who nobody = who_(65534, 65534, 0), root_dac = who_(0, 0, CAP(CAP_DAC_OVERRIDE));
  char where[PATH_MAX], p[PATH_MAX];
  struct stat at;
  int root;

  SKIP_UNDER_VALGRIND("openat2");
  assert_int_equal(chmod(d, 0755), 0); /* mkdtemp's 0700: a root nobody could search */
  mk(d, "etc", 0755, 0, true);
  mk(d, "etc/secret", 0640, 999, false);
  mk(d, "etc/open", 0644, 999, false);
  mk(d, "etc/private", 0700, 999, true);
  mk(d, "etc/private/f", 0644, 999, false);
  mk(d, "tmp", 01777, 0, true);
  snprintf(p, sizeof(p), "%s/etc/escape", d);
  assert_int_equal(symlink("../../../../etc/open", p), 0); /* stays in the root: /etc/open */
  root = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true(root >= 0);

  assert_int_equal(path_refuses(root, "/etc/secret", false, &nobody, where, sizeof(where), &at), 1);
  assert_string_equal(where, "/etc/secret");
  assert_int_equal(at.st_uid, 999);
  assert_int_equal(at.st_mode & 07777, 0640);
  assert_int_equal(path_refuses(root, "/etc/secret", false, &root_dac, where, sizeof(where), &at), 0);
  assert_int_equal(path_refuses(root, "/etc/open", false, &nobody, where, sizeof(where), &at), 0);
  assert_int_equal(path_refuses(root, "/etc/open", true, &nobody, where, sizeof(where), &at), 1);
  /* A directory on the way that may not be searched. */
  assert_int_equal(path_refuses(root, "/etc/private/f", false, &nobody, where, sizeof(where), &at), 1);
  assert_string_equal(where, "/etc/private/");
  /* A new name: its directory must be writable. */
  assert_int_equal(path_refuses(root, "/etc/new", true, &nobody, where, sizeof(where), &at), 1);
  assert_string_equal(where, "/etc");
  assert_int_equal(path_refuses(root, "/tmp/new", true, &nobody, where, sizeof(where), &at), 0);
  assert_int_equal(path_refuses(root, "/new", true, &nobody, where, sizeof(where), &at), 1);
  assert_string_equal(where, "/");
  /* Nothing there to read, or no directory for a new name: not judged. */
  assert_int_equal(path_refuses(root, "/etc/none", false, &nobody, where, sizeof(where), &at), -1);
  assert_int_equal(path_refuses(root, "/none/new", true, &nobody, where, sizeof(where), &at), -1);
  /* A symlink is followed inside the container's root, never out of it. */
  assert_int_equal(path_refuses(root, "/etc/escape", false, &nobody, where, sizeof(where), &at), 0);
  assert_int_equal(path_refuses(root, "/etc/escape", true, &nobody, where, sizeof(where), &at), 1);
  close(root);
}

/* mount_of: the longest destination that holds the path. */
static void test_mount_of(void **state) {
  cleanup_json struct json *spec = parse("{\"mounts\": [{\"destination\": \"/run\"}, {\"destination\": "
                                         "\"/run/secrets\"}, {\"destination\": \"/data\"}]}");
  (void)state;
  assert_string_equal(json_string(json_get(mount_of(spec, "/run/secrets/x"), "destination")), "/run/secrets");
  assert_string_equal(json_string(json_get(mount_of(spec, "/run/x"), "destination")), "/run");
  assert_string_equal(json_string(json_get(mount_of(spec, "/data"), "destination")), "/data");
  assert_null(mount_of(spec, "/database"));
  assert_null(mount_of(spec, "/etc/passwd"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dac),
      cmocka_unit_test_setup_teardown(test_path, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test(test_mount_of),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the pure parts of ctl/verify.c (stockadectl verify): the
 * runtime's version line, the listenerPath version rule, the lsm list, the
 * cgroup layout and the kernel release. The file is included so its static
 * helpers can be called; what touches the host is tested by
 * tests/integration/t_stockadectl.sh. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../ctl/verify.c"
#include "../../ctl/common.c"

static void parse(const char *out, const char *name, int a, int b, int c) {
  char n[16];
  int v[3];
  if (verify_parse_version(out, n, v) != 0)
    fail_msg("cannot parse \"%s\"", out);
  assert_string_equal(n, name);
  assert_int_equal(v[0], a);
  assert_int_equal(v[1], b);
  assert_int_equal(v[2], c);
}

static void test_parse_version(void **state) {
  char n[16];
  int v[3] = {7, 7, 7};
  parse("runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n", "runc", 1, 1, 5);
  parse("crun version 1.8.1\ncommit: f8a096be\n", "crun", 1, 8, 1);
  parse("crun version 0.19.1.45-4cc7\n", "crun", 0, 19, 1);
  parse("runc version 1.0.0-rc93\n", "runc", 1, 0, 0);
  parse("runc version 1.2\n", "runc", 1, 2, 0);
  parse("youki version v0.3.0\n", "youki", 0, 3, 0);
  /* Not a version line: nothing written. */
  assert_int_equal(verify_parse_version("", n, v), -1);
  assert_int_equal(verify_parse_version(NULL, n, v), -1);
  assert_int_equal(verify_parse_version("runc: unknown flag --version\n", n, v), -1);
  assert_int_equal(verify_parse_version("runc version unknown\n", n, v), -1);
  assert_int_equal(verify_parse_version("averyveryverylongname version 1.0\n", n, v), -1);
  assert_int_equal(v[0], 7);
}

static void test_listener_capable(void **state) {
  const int r110[3] = {1, 1, 0}, r105[3] = {1, 0, 5}, r120[3] = {1, 2, 0}, r200[3] = {2, 0, 0};
  const int c019[3] = {0, 19, 0}, c018[3] = {0, 18, 9}, c18[3] = {1, 8, 1};
  assert_int_equal(verify_listener_capable("runc", r110), 1);
  assert_int_equal(verify_listener_capable("runc", r120), 1);
  assert_int_equal(verify_listener_capable("runc", r200), 1);
  assert_int_equal(verify_listener_capable("runc", r105), 0);
  assert_int_equal(verify_listener_capable("/usr/sbin/runc", r110), 1);
  assert_int_equal(verify_listener_capable("crun", c019), 1);
  assert_int_equal(verify_listener_capable("crun", c18), 1);
  assert_int_equal(verify_listener_capable("crun", c018), 0);
  assert_int_equal(verify_listener_capable("youki", r200), -1);
}

static void test_lsm_listed(void **state) {
  const char *l = "lockdown,capability,landlock,yama,apparmor,bpf\n";
  assert_true(verify_lsm_listed(l, "apparmor"));
  assert_true(verify_lsm_listed(l, "lockdown"));
  assert_true(verify_lsm_listed(l, "bpf"));
  assert_false(verify_lsm_listed(l, "selinux"));
  assert_false(verify_lsm_listed(l, "app"));   /* a prefix is not a name */
  assert_false(verify_lsm_listed(l, "armor")); /* nor a suffix */
  assert_false(verify_lsm_listed("", "apparmor"));
  assert_true(verify_lsm_listed("selinux", "selinux"));
}

static void test_cgroup_layout(void **state) {
  assert_string_equal(verify_cgroup_layout(CGROUP2_SUPER_MAGIC, 0), "unified");
  assert_string_equal(verify_cgroup_layout(TMPFS_MAGIC, CGROUP2_SUPER_MAGIC), "hybrid");
  assert_string_equal(verify_cgroup_layout(TMPFS_MAGIC, TMPFS_MAGIC), "legacy");
  assert_string_equal(verify_cgroup_layout(TMPFS_MAGIC, 0), "legacy");
  assert_string_equal(verify_cgroup_layout(0x9123683e /* btrfs */, 0), "unknown");
}

static void test_kernel_at_least(void **state) {
  assert_true(verify_kernel_at_least("6.6.0-14-amd64", 6, 6));
  assert_true(verify_kernel_at_least("6.18.44-fc-v669", 6, 6));
  assert_true(verify_kernel_at_least("7.0", 6, 6));
  assert_false(verify_kernel_at_least("6.1.0-18-amd64", 6, 6));
  assert_false(verify_kernel_at_least("5.19.0", 6, 6));
  assert_false(verify_kernel_at_least("garbage", 6, 6));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_version), cmocka_unit_test(test_listener_capable), cmocka_unit_test(test_lsm_listed),
      cmocka_unit_test(test_cgroup_layout), cmocka_unit_test(test_kernel_at_least),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

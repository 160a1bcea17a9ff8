/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/policy/caps.c: capability names through libcap-ng and the
 * fallback table, and the dangerous list. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/caps.h"
#include "stockade/cleanup.h"

static void assert_canonical(const char *in, const char *want) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *out = NULL;

  if (caps_canonical(in, &out, &err) < 0)
    fail_msg("caps_canonical(\"%s\"): %s", in, err->msg);
  assert_string_equal(out, want);
}

static void test_canonical_spellings(void **state) {
  (void)state;
  assert_canonical("NET_BIND_SERVICE", "CAP_NET_BIND_SERVICE");
  assert_canonical("CAP_NET_BIND_SERVICE", "CAP_NET_BIND_SERVICE");
  assert_canonical("cap_net_bind_service", "CAP_NET_BIND_SERVICE");
  assert_canonical("net_bind_service", "CAP_NET_BIND_SERVICE");
  assert_canonical("Cap_Sys_Admin", "CAP_SYS_ADMIN");
  assert_canonical("chown", "CAP_CHOWN");
  assert_canonical("CAP_AUDIT_READ", "CAP_AUDIT_READ");
}

/* The three newest names resolve even where libcap-ng or the running
 * kernel does not know them (the fallback table). */
static void test_newest_names(void **state) {
  (void)state;
  assert_canonical("BPF", "CAP_BPF");
  assert_canonical("cap_perfmon", "CAP_PERFMON");
  assert_canonical("CHECKPOINT_RESTORE", "CAP_CHECKPOINT_RESTORE");
  assert_int_equal(caps_number("CAP_PERFMON"), 38);
  assert_int_equal(caps_number("CAP_BPF"), 39);
  assert_int_equal(caps_number("bpf"), 39);
  assert_int_equal(caps_number("CAP_CHECKPOINT_RESTORE"), 40);
}

static void test_numbers(void **state) {
  (void)state;
  assert_int_equal(caps_number("CAP_CHOWN"), 0);
  assert_int_equal(caps_number("DAC_READ_SEARCH"), 2);
  assert_int_equal(caps_number("cap_net_bind_service"), 10);
  assert_int_equal(caps_number("CAP_SYS_ADMIN"), 21);
  assert_int_equal(caps_number("CAP_FOO"), -1);
  assert_int_equal(caps_number(""), -1);
  assert_int_equal(caps_number(NULL), -1);
}

static void assert_unknown(const char *in) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *expected = NULL;
  char *out = NULL;

  assert_int_equal(caps_canonical(in, &out, &err), -1);
  assert_null(out); /* out-parameters are written only on success */
  assert_non_null(err);
  assert_int_equal(asprintf(&expected,
                            "unknown capability \"%s\"; expected a name from capabilities(7) such as NET_BIND_SERVICE",
                            in) > 0,
                   1);
  assert_string_equal(err->msg, expected);
}

static void test_unknown(void **state) {
  (void)state;
  assert_unknown("CAP_FOO");
  assert_unknown("FOO");
  assert_unknown("");
  assert_unknown("CAP_");
  assert_unknown("ALL");              /* Docker's "ALL" is not a capability */
  assert_unknown("21");               /* numbers are not names */
  assert_unknown("CAP_21");           /* nor with the prefix */
  assert_unknown("NET BIND SERVICE"); /* spaces */
  assert_unknown("CAP_CAP_CHOWN");    /* one prefix only */
  assert_unknown("CAP_NET_BIND_SERVICE\n");
}

static const char *const dangerous[] = {
    "CAP_SYS_ADMIN",  "CAP_SYS_MODULE",    "CAP_SYS_PTRACE",      "CAP_SYS_RAWIO",          "CAP_BPF",
    "CAP_PERFMON",    "CAP_NET_ADMIN",     "CAP_DAC_READ_SEARCH", "CAP_SYS_BOOT",           "CAP_SYS_TIME",
    "CAP_MAC_ADMIN",  "CAP_MAC_OVERRIDE",  "CAP_SYSLOG",          "CAP_LINUX_IMMUTABLE",    "CAP_SYS_RESOURCE",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_CONTROL",   "CAP_CHECKPOINT_RESTORE", "CAP_SYS_PACCT",
    "CAP_SYS_NICE",
};

/* Docker's, containerd's and CRI-O's default set (and a few more an
 * ordinary workload asks for): cutting them is not a refusal. */
static const char *const ordinary[] = {
    "CAP_CHOWN",      "CAP_DAC_OVERRIDE",  "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",      "CAP_NET_RAW",       "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP",    "CAP_SETPCAP",       "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",       "CAP_AUDIT_WRITE",   "CAP_IPC_LOCK",         "CAP_LEASE",
    "CAP_AUDIT_READ", "CAP_NET_BROADCAST", "CAP_IPC_OWNER",        "CAP_SYS_TTY_CONFIG",
};

static void test_dangerous(void **state) {
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(dangerous) / sizeof(dangerous[0]); i++)
    if (!caps_is_dangerous(dangerous[i]))
      fail_msg("%s should be dangerous", dangerous[i]);
  for (i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++)
    if (caps_is_dangerous(ordinary[i]))
      fail_msg("%s should not be dangerous", ordinary[i]);
  /* Any spelling of a dangerous name is dangerous; unknown names are not. */
  assert_true(caps_is_dangerous("sys_admin"));
  assert_true(caps_is_dangerous("BPF"));
  assert_false(caps_is_dangerous("CAP_FOO"));
  assert_false(caps_is_dangerous(""));
}

/* Every capability libcap-ng knows canonicalises to a name that maps back
 * to the same number. */
static void test_round_trip(void **state) {
  const char *names[] = {"CAP_CHOWN",      "CAP_SETPCAP", "CAP_IPC_LOCK", "CAP_SYS_TTY_CONFIG",    "CAP_SETFCAP",
                         "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",      "CAP_CHECKPOINT_RESTORE"};
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    cleanup_error struct sk_error *err = NULL;
    cleanup_free char *out = NULL;
    assert_int_equal(caps_canonical(names[i] + 4, &out, &err), 0);
    assert_string_equal(out, names[i]);
    assert_int_equal(caps_number(out), caps_number(names[i]));
    assert_true(caps_number(out) >= 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_canonical_spellings),
      cmocka_unit_test(test_newest_names),
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_unknown),
      cmocka_unit_test(test_dangerous),
      cmocka_unit_test(test_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

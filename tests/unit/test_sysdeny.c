/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/spec/sysdeny.c: which denials of a filter become
 * SCMP_ACT_NOTIFY, which stay plain errno, the table the supervisor
 * answers from, and that runc's rules still accept the result. */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include <setjmp.h>

#include <cmocka.h>

#include "testutil.h"

#include "stockade/cleanup.h"
#include "stockade/harden.h"
#include "stockade/learn.h"
#include "stockade/seccomp.h"
#include "stockade/sysdeny.h"
#include "valgrind.h"

/* The names of the rule with this action (the first such rule). */
static const struct json *names_of(const struct json *doc, const char *action) {
  const struct json *rules = json_get(doc, "syscalls");
  size_t i;
  for (i = 0; rules && i < rules->n; i++)
    if (strcmp(json_string(json_get(rules->items[i], "action")), action) == 0)
      return json_get(rules->items[i], "names");
  return NULL;
}

/* Which rule (by action) names it; "default" when none. */
static const char *action_for(const struct json *doc, const char *name) {
  const struct json *rules = json_get(doc, "syscalls");
  size_t i;
  for (i = 0; rules && i < rules->n; i++)
    if (json_array_has_string(json_get(rules->items[i], "names"), name))
      return json_string(json_get(rules->items[i], "action"));
  return "default";
}

/* The shipped default for x86_64, as hardening generates it. */
static struct json *default_x86_64(void) {
  cleanup_json struct json *prof = NULL;
  cleanup_json struct json *arches = parse("[\"SCMP_ARCH_X86_64\"]");
  cleanup_error struct sk_error *err = NULL;
  struct json *doc = NULL;
  if (seccomp_default_doc(&prof, &err) < 0 || seccomp_generate(prof, arches, &doc, &err) < 0)
    fail_msg("default document: %s", err->msg);
  return doc;
}

static void test_default_profile(void **state) {
  cleanup_json struct json *doc = default_x86_64();
  cleanup_sysdeny struct sysdeny t = {0};
  cleanup_error struct sk_error *err = NULL;
  const struct json *notify;
  struct sysdeny_entry *e;
  size_t i;
  (void)state;

  assert_int_equal(sysdeny_notify(doc, &t, &err), 0);
  notify = names_of(doc, "SCMP_ACT_NOTIFY");
  assert_non_null(notify);
  /* what the default denies: notified */
  assert_true(json_array_has_string(notify, "unshare"));
  assert_true(json_array_has_string(notify, "mount"));
  assert_true(json_array_has_string(notify, "add_key"));
  assert_true(json_array_has_string(notify, "ptrace"));
  /* the default action stays ERRNO: runc refuses NOTIFY there */
  assert_string_equal(json_string(json_get(doc, "defaultAction")), "SCMP_ACT_ERRNO");
  /* allowed: untouched, no round trip */
  assert_string_equal(action_for(doc, "getpid"), "SCMP_ACT_ALLOW");
  assert_string_equal(action_for(doc, "execve"), "SCMP_ACT_ALLOW");
  /* clone3's ENOSYS (glibc falls back) and the conditional rules (clone,
   * socket, personality: their denials come from the default) stay */
  assert_string_equal(action_for(doc, "clone3"), "SCMP_ACT_ERRNO");
  assert_false(json_array_has_string(notify, "clone"));
  assert_false(json_array_has_string(notify, "socket"));
  assert_false(json_array_has_string(notify, "personality"));
  /* the runtime's own syscalls inside the filter, and write, never */
  for (i = 0; learn_runtime_baseline[i]; i++)
    if (json_array_has_string(notify, learn_runtime_baseline[i]))
      fail_msg("baseline syscall %s is notified", learn_runtime_baseline[i]);
  assert_false(json_array_has_string(notify, "write"));

  /* the table: numbers resolved once, the default's errno */
  assert_int_equal(t.n, notify->n);
  e = sysdeny_find(&t, SCMP_ARCH_X86_64, __NR_unshare);
  assert_non_null(e);
  assert_string_equal(e->name, "unshare");
  assert_int_equal(e->errno_, EPERM);
  assert_string_equal(e->arch_name, "SCMP_ARCH_X86_64");
  assert_null(sysdeny_find(&t, SCMP_ARCH_X86_64, __NR_getpid));
  assert_null(sysdeny_find(&t, SCMP_ARCH_X86_64, __NR_clone3));
  assert_null(sysdeny_find(&t, SCMP_ARCH_X86, __NR_unshare));
  for (i = 1; i < t.n; i++)
    assert_true(t.v[i - 1].arch < t.v[i].arch || (t.v[i - 1].arch == t.v[i].arch && t.v[i - 1].nr < t.v[i].nr));

  /* runc and crun still accept it */
  if (seccomp_validate(doc, &err) < 0 || seccomp_compile_check(doc, &err) < 0)
    fail_msg("the notifying filter is refused: %s", err->msg);
}

static void test_explicit_errno_rules(void **state) {
  cleanup_json struct json *doc =
      parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":["
            "{\"names\":[\"mount\",\"futex\",\"umount2\",\"write\",\"execve\"],\"action\":\"SCMP_ACT_ERRNO\","
            "\"errnoRet\":13},"
            "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
            "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"value\":9,\"op\":"
            "\"SCMP_CMP_EQ\"}]},"
            "{\"names\":[\"reboot\"],\"action\":\"SCMP_ACT_ERRNO\"},"
            "{\"names\":[\"swapon\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}");
  cleanup_sysdeny struct sysdeny t = {0};
  cleanup_error struct sk_error *err = NULL;
  const struct json *notify;
  (void)state;

  assert_int_equal(sysdeny_notify(doc, &t, &err), 0);
  notify = names_of(doc, "SCMP_ACT_NOTIFY");
  assert_non_null(notify);
  assert_int_equal(notify->n, 3);
  assert_string_equal(action_for(doc, "mount"), "SCMP_ACT_NOTIFY");
  assert_string_equal(action_for(doc, "umount2"), "SCMP_ACT_NOTIFY");
  assert_string_equal(action_for(doc, "reboot"), "SCMP_ACT_NOTIFY");
  /* left in their ERRNO rule: the baseline, write, the execs */
  assert_string_equal(action_for(doc, "futex"), "SCMP_ACT_ERRNO");
  assert_string_equal(action_for(doc, "write"), "SCMP_ACT_ERRNO");
  assert_string_equal(action_for(doc, "execve"), "SCMP_ACT_ERRNO");
  assert_string_equal(action_for(doc, "clone3"), "SCMP_ACT_ERRNO");
  assert_string_equal(action_for(doc, "kill"), "SCMP_ACT_ERRNO");
  assert_string_equal(action_for(doc, "swapon"), "SCMP_ACT_KILL_PROCESS");
  /* each answered with its rule's errno */
  assert_int_equal(sysdeny_find(&t, SCMP_ARCH_X86_64, __NR_mount)->errno_, EACCES);
  assert_int_equal(sysdeny_find(&t, SCMP_ARCH_X86_64, __NR_reboot)->errno_, EPERM);
  assert_null(sysdeny_find(&t, SCMP_ARCH_X86_64, __NR_kill));
  assert_int_equal(t.n, 3);
  if (seccomp_compile_check(doc, &err) < 0)
    fail_msg("refused: %s", err->msg);
}

/* A rule that loses every name goes; a default of ENOSYS is no refusal. */
static void test_empty_rule_removed_and_enosys_default(void **state) {
  cleanup_json struct json *doc =
      parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":[\"SCMP_ARCH_X86_64\"],"
            "\"syscalls\":[{\"names\":[\"read\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"},"
            "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
  cleanup_sysdeny struct sysdeny t = {0};
  cleanup_error struct sk_error *err = NULL;
  const struct json *rules;
  (void)state;
  assert_int_equal(sysdeny_notify(doc, &t, &err), 0);
  rules = json_get(doc, "syscalls");
  assert_int_equal(rules->n, 2);
  assert_string_equal(action_for(doc, "mount"), "SCMP_ACT_NOTIFY");
  assert_string_equal(action_for(doc, "unshare"), "default");
  assert_int_equal(t.n, 1);
}

/* x32 calls reach the supervisor as x86_64 with the x32 bit. */
static void test_x32_numbers(void **state) {
  cleanup_json struct json *doc =
      parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X32\"],"
            "\"syscalls\":[{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
  cleanup_sysdeny struct sysdeny t = {0};
  cleanup_error struct sk_error *err = NULL;
  struct sysdeny_entry *e;
  (void)state;
  assert_int_equal(sysdeny_notify(doc, &t, &err), 0);
  assert_int_equal(t.n, 2);
  e = sysdeny_find(&t, SCMP_ARCH_X86_64, 0x40000000 | __NR_mount);
  assert_non_null(e);
  assert_string_equal(e->arch_name, "SCMP_ARCH_X32");
  assert_non_null(sysdeny_find(&t, SCMP_ARCH_X86_64, __NR_mount));
}

/* The whole enforce path: profile filter, denials notified, the execs
 * added for the supervisor; the result is what runc accepts, execve is
 * still the supervisor's exec notification, and hardening the result
 * again (an engine re-running a bundle) gives the same document. */
static void test_with_supervise(void **state) {
  cleanup_json struct json *spec = parse("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"user\":"
                                         "{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"},\"linux\":{}}");
  cleanup_profile struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1}}");
  cleanup_sysdeny struct sysdeny t = {0};
  cleanup_sysdeny struct sysdeny t2 = {0};
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *a = NULL;
  cleanup_free char *b = NULL;
  const struct json *sc;
  size_t la, lb;
  (void)state;

  if (harden_spec(spec, p, &err) < 0 || sysdeny_harden(spec, &t, &err) < 0 ||
      harden_supervise(spec, "/run/stockade/x/sup.sock", NULL, &err) < 0)
    fail_msg("hardening: %s", err->msg);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_string_equal(action_for(sc, "execve"), "SCMP_ACT_NOTIFY");
  assert_string_equal(action_for(sc, "unshare"), "SCMP_ACT_NOTIFY");
  assert_string_equal(action_for(sc, "getpid"), "SCMP_ACT_ALLOW");
  assert_non_null(sysdeny_find(&t, seccomp_arch_native(), (int)seccomp_syscall_resolve_name("unshare")));
  assert_null(sysdeny_find(&t, seccomp_arch_native(), (int)seccomp_syscall_resolve_name("execve")));
  if (seccomp_compile_check(sc, &err) < 0)
    fail_msg("refused: %s", err->msg);
  assert_int_equal(json_gen(spec, &a, &la, &err), 0);

  json_del(json_get_path(spec, "linux", "seccomp", NULL), "listenerPath");
  if (harden_spec(spec, p, &err) < 0 || sysdeny_harden(spec, &t2, &err) < 0 ||
      harden_supervise(spec, "/run/stockade/x/sup.sock", NULL, &err) < 0)
    fail_msg("hardening again: %s", err->msg);
  assert_int_equal(json_gen(spec, &b, &lb, &err), 0);
  assert_string_equal(a, b);
  assert_int_equal(t.n, t2.n);
}

static void test_no_filter(void **state) {
  cleanup_json struct json *spec = parse("{\"linux\":{}}");
  cleanup_sysdeny struct sysdeny t = {0};
  cleanup_error struct sk_error *err = NULL;
  (void)state;
  assert_int_equal(sysdeny_harden(spec, &t, &err), 0);
  assert_int_equal(t.n, 0);
  assert_null(sysdeny_find(&t, SCMP_ARCH_X86_64, 1));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_profile),
      cmocka_unit_test(test_explicit_errno_rules),
      cmocka_unit_test(test_empty_rule_removed_and_enosys_default),
      cmocka_unit_test(test_x32_numbers),
      cmocka_unit_test(test_with_supervise),
      cmocka_unit_test(test_no_filter),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

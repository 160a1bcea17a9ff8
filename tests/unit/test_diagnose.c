/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/spec/diagnose.c: what hardening took away (the
 * plan), the NOTIFY rules that watch it, and how the supervisor reads a
 * notified call. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

#include "testutil.h"

#include "stockade/cleanup.h"
#include "stockade/diagnose.h"
#include "stockade/harden.h"
#include "stockade/seccomp.h"
#include "valgrind.h"

#define BIT(c) (1ull << (c))

static const char engine_root[] = "{\"user\": {\"uid\": 0, \"gid\": 0}, \"noNewPrivileges\": true, "
                                  "\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_NET_BIND_SERVICE\", "
                                  "\"CAP_KILL\"], \"effective\": [\"CAP_CHOWN\", \"CAP_NET_BIND_SERVICE\", "
                                  "\"CAP_KILL\"]}}";

static struct diag_plan plan_of(const char *engine_process, const char *engine_root_obj, const char *hardened) {
  cleanup_json struct json *ep = parse(engine_process);
  cleanup_json struct json *er = parse(engine_root_obj);
  cleanup_json struct json *h = parse(hardened);
  cleanup_error struct sk_error *err = NULL;
  struct diag_plan p;
  assert_int_equal(diag_plan(ep, er, h, &p, &err), 0);
  return p;
}

/* Root with three capabilities becomes uid 65534 with NET_BIND_SERVICE
 * ambient: CHOWN and KILL were cut (SK-CAP-EXTRA); the root, writable
 * before, is read-only now. */
static void test_plan_cut_and_root(void **state) {
  struct diag_plan p = plan_of(engine_root, "{\"path\": \"rootfs\"}",
                               "{\"root\": {\"path\": \"rootfs\", \"readonly\": true}, \"process\": {\"user\": "
                               "{\"uid\": 65534}, \"noNewPrivileges\": true, \"capabilities\": {\"bounding\": "
                               "[\"CAP_NET_BIND_SERVICE\"], \"ambient\": [\"CAP_NET_BIND_SERVICE\"]}}}");
  (void)state;
  assert_true(p.cap_cut == (BIT(CAP_CHOWN) | BIT(CAP_KILL)));
  assert_true(p.cap_user == 0);
  assert_true(p.root_ro);
  assert_true(p.nnp);
  assert_string_equal(diag_cap_rule(&p, CAP_CHOWN), "SK-CAP-EXTRA");
  assert_null(diag_cap_rule(&p, CAP_NET_BIND_SERVICE));
  assert_null(diag_cap_rule(&p, -1));
  assert_null(diag_cap_rule(&p, 64));
}

/* A capability left in the bounding set but not ambient for the new user
 * is lost with the user switch (SK-USER-ROOT). */
static void test_plan_user_switch(void **state) {
  struct diag_plan p = plan_of(engine_root, "{\"readonly\": true}",
                               "{\"root\": {\"readonly\": true}, \"process\": {\"user\": {\"uid\": 101}, "
                               "\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_NET_BIND_SERVICE\", "
                               "\"CAP_KILL\"], \"ambient\": [\"CAP_KILL\"]}}}");
  (void)state;
  assert_true(p.cap_cut == 0);
  assert_true(p.cap_user == (BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE)));
  assert_string_equal(diag_cap_rule(&p, CAP_CHOWN), "SK-USER-ROOT");
  /* The engine's root was read-only already: not stockade's doing. */
  assert_false(p.root_ro);
  assert_false(p.nnp);
}

/* An engine that lowers the unprivileged port range: a bind may need no
 * capability, so none is watched for it. A capability the engine never
 * gave is nobody's loss. */
static void test_plan_port_sysctl_and_nothing_given(void **state) {
  struct diag_plan p = plan_of(engine_root, "{}",
                               "{\"linux\": {\"sysctl\": {\"net.ipv4.ip_unprivileged_port_start\": \"0\"}}, "
                               "\"process\": {\"user\": {\"uid\": 65534}, \"capabilities\": {}}}");
  (void)state;
  assert_true(p.cap_cut == (BIT(CAP_CHOWN) | BIT(CAP_KILL)));
  p = plan_of("{\"user\": {\"uid\": 0}, \"capabilities\": {}}", "{}",
              "{\"process\": {\"user\": {\"uid\": 65534}, \"capabilities\": {}}}");
  assert_true(p.cap_cut == 0 && p.cap_user == 0 && !p.root_ro);
  /* No process at all: nothing. */
  p = plan_of("{}", "{}", "{}");
  assert_true(p.cap_cut == 0 && !p.root_ro);
}

static bool rule_names(const struct json *syscalls, const char *name) {
  size_t i;
  for (i = 0; i < syscalls->n; i++)
    if (json_array_has_string(json_get(syscalls->items[i], "names"), name))
      return true;
  return false;
}

/* The watch: the syscalls of the capabilities taken (setuid and setgid
 * only with noNewPrivileges), the path syscalls without flags; never a
 * runtime baseline syscall (tgkill, setresuid). */
static void test_notify_rules(void **state) {
  struct diag_plan p = {.cap_cut = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_SETUID), .root_ro = true};
  cleanup_json struct json *rules = json_new(JSON_ARRAY);
  cleanup_error struct sk_error *err = NULL;
  (void)state;
  assert_int_equal(diag_notify_rules(&p, rules, &err), 0);
  assert_int_equal(rules->n, 1);
  assert_string_equal(json_string(json_get(rules->items[0], "action")), "SCMP_ACT_NOTIFY");
  assert_true(rule_names(rules, "chown") && rule_names(rules, "fchownat"));
  /* kill is not watched (its inference walks /proc); tgkill is the runtime's */
  assert_false(rule_names(rules, "kill") || rule_names(rules, "tgkill") || rule_names(rules, "bind") ||
               rule_names(rules, "setuid"));
  assert_true(rule_names(rules, "mkdir") && rule_names(rules, "unlinkat") && rule_names(rules, "renameat2"));
  assert_false(rule_names(rules, "openat") || rule_names(rules, "open"));
  json_free(rules);

  p.nnp = true;
  rules = json_new(JSON_ARRAY);
  assert_int_equal(diag_notify_rules(&p, rules, &err), 0);
  assert_true(rule_names(rules, "setuid") && !rule_names(rules, "setresuid"));
  json_free(rules);

  /* Nothing taken: no rule at all. */
  memset(&p, 0, sizeof(p));
  rules = json_new(JSON_ARRAY);
  assert_int_equal(diag_notify_rules(&p, rules, &err), 0);
  assert_int_equal(rules->n, 0);
}

/* The rules of name, in order: "ACTION:mask=value" or "ACTION". */
static void rules_of(const struct json *doc, const char *name, char *out, size_t size) {
  const struct json *rules = json_get(doc, "syscalls");
  size_t i, used = 0;
  out[0] = '\0';
  for (i = 0; i < rules->n; i++) {
    const struct json *r = rules->items[i], *a = json_get(r, "args");
    int64_t m = 0, v = 0;
    if (!json_array_has_string(json_get(r, "names"), name))
      continue;
    if (a) {
      json_int64(json_get(a->items[0], "value"), &m);
      json_int64(json_get(a->items[0], "valueTwo"), &v);
      used += (size_t)snprintf(out + used, size - used, "%s%s:%lld=%lld", used ? " " : "",
                               json_string(json_get(r, "action")) + 9, (long long)m, (long long)v);
    } else {
      used +=
          (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "", json_string(json_get(r, "action")) + 9);
    }
  }
}

/* openat plainly allowed by a rule it shares: taken out of it, allowed
 * when its flags do not write, notified when they do; the rule keeps its
 * other names; libseccomp accepts the result. */
static void test_flag_rules_allow_list(void **state) {
  struct diag_plan p = {.root_ro = true};
  cleanup_json struct json *doc = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
                                        "[\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": [\"read\", \"openat\"], "
                                        "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"open\"], \"action\": "
                                        "\"SCMP_ACT_ALLOW\"}]}");
  cleanup_error struct sk_error *err = NULL;
  char got[256];
  (void)state;
  assert_int_equal(diag_flag_rules(&p, doc, &err), 0);
  rules_of(doc, "openat", got, sizeof(got));
  assert_string_equal(got, "ALLOW:67=0 NOTIFY:1=1 NOTIFY:2=2 NOTIFY:64=64");
  rules_of(doc, "read", got, sizeof(got));
  assert_string_equal(got, "ALLOW");
  rules_of(doc, "open", got, sizeof(got));
  assert_string_equal(got, "ALLOW:67=0 NOTIFY:1=1 NOTIFY:2=2 NOTIFY:64=64");
  /* open's rule, left without names, is gone. */
  assert_int_equal(json_get(doc, "syscalls")->n, 1 + 4 + 4);
  if (seccomp_compile_check(doc, &err) < 0)
    fail_msg("libseccomp refuses the result: %s", err->msg);
}

/* Under a default that allows, the calls that do not write need no rule;
 * a filter that treats openat any other way (a condition, a denial) keeps
 * its rules and openat is not watched; nothing is done without the read-only root. */
static void test_flag_rules_left_alone(void **state) {
  struct diag_plan p = {.root_ro = true};
  cleanup_json struct json *doc = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": []}");
  cleanup_error struct sk_error *err = NULL;
  char got[256];
  (void)state;
  assert_int_equal(diag_flag_rules(&p, doc, &err), 0);
  rules_of(doc, "openat", got, sizeof(got));
  assert_string_equal(got, "NOTIFY:1=1 NOTIFY:2=2 NOTIFY:64=64");
  json_free(doc);

  doc = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"openat\"], \"action\": "
              "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 2, \"value\": 1, \"op\": \"SCMP_CMP_MASKED_EQ\", "
              "\"valueTwo\": 0}]}, {\"names\": [\"open\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
  assert_int_equal(diag_flag_rules(&p, doc, &err), 0);
  rules_of(doc, "openat", got, sizeof(got));
  assert_string_equal(got, "ALLOW:1=0");
  rules_of(doc, "open", got, sizeof(got));
  assert_string_equal(got, "ERRNO");
  json_free(doc);

  p.root_ro = false;
  doc = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": []}");
  assert_int_equal(diag_flag_rules(&p, doc, &err), 0);
  assert_int_equal(json_get(doc, "syscalls")->n, 0);
}

/* harden_supervise with a plan: the cap syscalls come out NOTIFY where the
 * filter allowed them, stay denied where it denied them. */
static void test_supervise_with_plan(void **state) {
  struct diag_plan p = {.cap_cut = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE), .root_ro = true};
  cleanup_json struct json *spec = parse(
      "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\"], "
      "\"syscalls\": [{\"names\": [\"bind\", \"openat\", \"execve\", \"mkdir\"], \"action\": \"SCMP_ACT_ALLOW\"}]}}}");
  cleanup_error struct sk_error *err = NULL;
  const struct json *doc;
  char got[256];
  (void)state;
  if (harden_supervise(spec, "/s/sup.sock", &p, &err) < 0)
    fail_msg("%s", err->msg);
  doc = json_get_path(spec, "linux", "seccomp", NULL);
  rules_of(doc, "bind", got, sizeof(got));
  assert_string_equal(got, "NOTIFY");
  rules_of(doc, "mkdir", got, sizeof(got));
  assert_string_equal(got, "NOTIFY");
  rules_of(doc, "chown", got, sizeof(got));
  assert_string_equal(got, ""); /* denied by the default: stays so */
  rules_of(doc, "openat", got, sizeof(got));
  assert_string_equal(got, "ALLOW:67=0 NOTIFY:1=1 NOTIFY:2=2 NOTIFY:64=64");
  if (seccomp_compile_check(doc, &err) < 0)
    fail_msg("libseccomp refuses the result: %s", err->msg);
}

static void test_classify(void **state) {
  struct diag_call c;
  (void)state;
  c = diag_classify("bind");
  assert_int_equal(c.kind, DIAG_CAP);
  assert_int_equal(c.cap, CAP_NET_BIND_SERVICE);
  c = diag_classify("setresgid32");
  assert_int_equal(c.cap, CAP_SETGID);
  c = diag_classify("openat");
  assert_int_equal(c.kind, DIAG_WRITE);
  assert_int_equal(c.dirfd_arg, 0);
  assert_int_equal(c.path_arg, 1);
  assert_int_equal(c.flags_arg, 2);
  assert_int_equal(diag_target_of(&c, O_WRONLY), DIAG_FILE);
  assert_int_equal(diag_target_of(&c, O_RDWR | O_CREAT), DIAG_CREATE);
  c = diag_classify("linkat");
  assert_int_equal(c.dirfd_arg, 2);
  assert_int_equal(c.path_arg, 3);
  assert_int_equal(diag_target_of(&c, O_CREAT), DIAG_NEW);
  c = diag_classify("unlink");
  assert_int_equal(c.dirfd_arg, -1);
  assert_int_equal(diag_target_of(&c, 0), DIAG_PARENT);
  assert_int_equal(diag_classify("read").kind, DIAG_NONE);
  assert_int_equal(diag_classify(NULL).kind, DIAG_NONE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plan_cut_and_root),
      cmocka_unit_test(test_plan_user_switch),
      cmocka_unit_test(test_plan_port_sysctl_and_nothing_given),
      cmocka_unit_test(test_notify_rules),
      cmocka_unit_test(test_flag_rules_allow_list),
      cmocka_unit_test(test_flag_rules_left_alone),
      cmocka_unit_test(test_supervise_with_plan),
      cmocka_unit_test(test_classify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

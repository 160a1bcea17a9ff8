/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/policy/profile_diff.c: flattening seccomp documents (what
 * each syscall gets, rules the runtimes skip, errno values, conditions)
 * and the lines of `stockadectl profile diff`, category by category. */
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
#include "stockade/json.h"
#include "stockade/profile.h"
#include "stockade/profile_diff.h"
#include "stockade/seccomp.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"

static struct json *parse_json(const char *text) {
  cleanup_error struct sk_error *err = NULL;
  struct json *j = NULL;
  if (json_parse(text, strlen(text), &j, &err) < 0)
    fail_msg("json_parse: %s", err->msg);
  return j;
}

static struct profile *parse(const char *text) {
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;
  if (profile_parse("t.json", text, strlen(text), &p, &err) < 0)
    fail_msg("profile_parse: %s\n%s", err->msg, text);
  return p;
}

static const char *what_of(const struct seccomp_flat *f, const char *name, size_t nth) {
  size_t i, seen = 0;
  for (i = 0; i < f->n; i++)
    if (strcmp(f->v[i].name, name) == 0 && seen++ == nth)
      return f->v[i].what;
  return NULL;
}

static void test_flatten_default(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *doc = NULL;
  struct seccomp_flat f = {0};
  size_t i;
  (void)state;

  assert_int_equal(seccomp_default_doc(&doc, &err), 0);
  assert_int_equal(seccomp_flatten(doc, &f, &err), 0);
  assert_string_equal(f.default_action, "SCMP_ACT_ERRNO(1)");
  assert_int_equal(f.n_arches, 0);
  assert_string_equal(what_of(&f, "read", 0), "SCMP_ACT_ALLOW");
  assert_string_equal(what_of(&f, "clone", 0), "SCMP_ACT_ALLOW, conditional: arg0 & 0x7e020000 == 0");
  assert_string_equal(what_of(&f, "clone3", 0), "SCMP_ACT_ERRNO(38)");
  assert_string_equal(what_of(&f, "socket", 0), "SCMP_ACT_ALLOW, conditional: arg0 != 40");
  assert_null(what_of(&f, "ptrace", 0));
  /* Sorted by name, then treatment, without duplicates. */
  for (i = 1; i < f.n; i++) {
    int c = strcmp(f.v[i - 1].name, f.v[i].name);
    assert_true(c < 0 || (c == 0 && strcmp(f.v[i - 1].what, f.v[i].what) < 0));
  }
  assert_true(seccomp_flat_allows(&f, "read", true));
  assert_false(seccomp_flat_allows(&f, "clone", true));
  assert_true(seccomp_flat_allows(&f, "clone", false));
  assert_false(seccomp_flat_allows(&f, "clone3", false)); /* ENOSYS is no allow */
  assert_false(seccomp_flat_allows(&f, "ptrace", false));
  assert_false(seccomp_flat_allows(&f, "aaaa", false));
  assert_false(seccomp_flat_allows(&f, "zzzz", false));
  seccomp_flat_clear(&f);
}

static void test_flatten_rules(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *doc =
      parse_json("{\"defaultAction\": \"SCMP_ACT_KILL\", \"architectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X86_64\"],"
                 " \"syscalls\": ["
                 "  {\"names\": [\"write\", \"read\", \"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                 "  {\"names\": [\"reboot\"], \"action\": \"SCMP_ACT_KILL_THREAD\"},"
                 "  {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"},"
                 "  {\"names\": [\"open\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
                 "  {\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                 "     {\"index\": 1, \"value\": 21505, \"op\": \"SCMP_CMP_EQ\"},"
                 "     {\"index\": 2, \"value\": 255, \"valueTwo\": 3, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
                 "  {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_LOG\", \"args\": []}"
                 "]}");
  struct seccomp_flat f = {0};
  (void)state;

  if (seccomp_flatten(doc, &f, &err) < 0)
    fail_msg("seccomp_flatten: %s", err->msg);
  assert_string_equal(f.default_action, "SCMP_ACT_KILL_THREAD");
  assert_int_equal(f.n_arches, 2);
  assert_string_equal(f.arches[0], "SCMP_ARCH_X86");
  assert_string_equal(f.arches[1], "SCMP_ARCH_X86_64");
  assert_null(what_of(&f, "reboot", 0)); /* the default action: skipped, as runc and crun do */
  assert_string_equal(what_of(&f, "read", 0), "SCMP_ACT_ALLOW");
  assert_null(what_of(&f, "read", 1));
  assert_string_equal(what_of(&f, "mkdir", 0), "SCMP_ACT_ERRNO(1)");
  assert_string_equal(what_of(&f, "open", 0), "SCMP_ACT_ERRNO(13)");
  assert_string_equal(what_of(&f, "ioctl", 0), "SCMP_ACT_ALLOW, conditional: arg1 == 21505 && arg2 & 0xff == 3");
  assert_string_equal(what_of(&f, "kill", 0), "SCMP_ACT_LOG");
  assert_int_equal(f.n, 6);
  seccomp_flat_clear(&f);
}

static void test_flatten_errors(void **state) {
  static const struct {
    const char *doc, *want;
  } cases[] = {
      {"[]", "got an array; expected an OCI seccomp object"},
      {"{}", "defaultAction: got null; expected an action such as \"SCMP_ACT_ALLOW\""},
      {"{\"defaultAction\": \"SCMP_ACT_NOPE\"}", "defaultAction: \"SCMP_ACT_NOPE\" is not a seccomp action"},
      {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": \"read\", \"action\": \"SCMP_ACT_ALLOW\"}]}",
       "syscalls[0].names: got a string; expected an array of syscall names"},
      {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\","
       " \"args\": [{\"index\": 9, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
       "syscalls[0].args[0]: expected {\"index\": 0-5, \"value\": N, \"op\": \"SCMP_CMP_...\"}"},
      {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\","
       " \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_LIKE\"}]}]}",
       "syscalls[0].args[0].op: \"SCMP_CMP_LIKE\" is not a seccomp operator"},
  };
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cleanup_error struct sk_error *err = NULL;
    cleanup_json struct json *doc = parse_json(cases[i].doc);
    struct seccomp_flat f = {0};
    if (seccomp_flatten(doc, &f, &err) == 0)
      fail_msg("seccomp_flatten accepted %s", cases[i].doc);
    assert_null(f.v);
    if (strcmp(err->msg, cases[i].want) != 0)
      fail_msg("got:  %s\nwant: %s", err->msg, cases[i].want);
  }
}

static char *diff_text(const char *a, const char *b, size_t *n) {
  cleanup_profile struct profile *pa = parse(a);
  cleanup_profile struct profile *pb = parse(b);
  cleanup_error struct sk_error *err = NULL;
  struct profile_diff d = {0};
  char *out = NULL;
  size_t len = 0, i;
  FILE *f;

  if (profile_diff(pa, pb, &d, &err) < 0)
    fail_msg("profile_diff: %s", err->msg);
  f = open_memstream(&out, &len);
  for (i = 0; i < d.n; i++)
    fprintf(f, "%s\n", d.lines[i]);
  fclose(f);
  *n = d.n;
  profile_diff_clear(&d);
  return out;
}

static void expect_diff(const char *a, const char *b, const char *want) {
  size_t n;
  cleanup_free char *got = diff_text(a, b, &n);
  if (strcmp(got, want) != 0)
    fail_msg("diff\n--- got ---\n%s--- want ---\n%s", got, want);
}

static void test_diff_equal(void **state) {
  size_t n;
  cleanup_free char *got = NULL;
  (void)state;

  /* The name and description are not compared; defaults written out or
   * left out are the same profile. */
  got = diff_text("{\"name\": \"a\", \"description\": \"one\"}",
                  "{\"name\": \"b\", \"allowRoot\": false, \"capabilities\": [], \"writableRootfs\": false, "
                  "\"seccomp\": \"default\", \"action\": \"deny\"}",
                  &n);
  assert_int_equal(n, 0);
  assert_string_equal(got, "");
}

static void test_diff_settings(void **state) {
  (void)state;
  expect_diff("{\"name\": \"a\", \"user\": {\"uid\": 101, \"gid\": 101}, \"capabilities\": [\"NET_BIND_SERVICE\", "
              "\"CHOWN\"], \"writablePaths\": [{\"path\": \"/tmp\", \"size\": \"64m\"}, {\"path\": \"/run\"}], "
              "\"blockHashes\": [\"" H1 "\"]}",
              "{\"name\": \"b\", \"allowRoot\": true, \"writableRootfs\": true, \"capabilities\": [\"CHOWN\", "
              "\"NET_RAW\"], \"writablePaths\": [{\"path\": \"/tmp\", \"size\": \"128m\"}, {\"path\": \"/run\"}], "
              "\"blockHashes\": [\"" H2 "\"], \"action\": \"kill\"}",
              "- user 101:101\n"
              "+ user none\n"
              "- allowRoot false\n"
              "+ allowRoot true\n"
              "- writableRootfs false\n"
              "+ writableRootfs true\n"
              "- capability CAP_NET_BIND_SERVICE\n"
              "+ capability CAP_NET_RAW\n"
              "- writablePath /tmp (size 64m)\n"
              "+ writablePath /tmp (size 128m)\n"
              "- blockHash " H1 "\n"
              "+ blockHash " H2 "\n"
              "- action deny\n"
              "+ action kill\n");
}

static void test_diff_exec(void **state) {
  (void)state;
  expect_diff("{\"name\": \"a\"}",
              "{\"name\": \"b\", \"exec\": {\"allow\": [\"/bin/*\", {\"path\": \"/usr/bin/python3\", \"sha256\": \"" H1
              "\"}], \"allowWritable\": [\"/work/bin/*\"]}}",
              "+ exec.allow /bin/*\n"
              "+ exec.allow /usr/bin/python3 sha256 " H1 "\n"
              "- exec.allow none (every program of the image may run)\n"
              "+ exec.allowWritable /work/bin/*\n");
  expect_diff("{\"name\": \"a\", \"exec\": {\"allow\": [{\"path\": \"/usr/bin/python3\", \"sha256\": \"" H1 "\"}]}}",
              "{\"name\": \"b\", \"exec\": {\"allow\": [{\"path\": \"/usr/bin/python3\", \"sha256\": \"" H2 "\"}]}}",
              "- exec.allow /usr/bin/python3 sha256 " H1 "\n"
              "+ exec.allow /usr/bin/python3 sha256 " H2 "\n");
}

static void test_diff_seccomp(void **state) {
  (void)state;
  expect_diff("{\"name\": \"a\", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
              "{\"names\": [\"read\", \"write\", \"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\"},"
              "{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": "
              "2114060288, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}}",
              "{\"name\": \"b\", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, "
              "\"architectures\": [\"SCMP_ARCH_X86_64\"], \"syscalls\": ["
              "{\"names\": [\"read\", \"write\", \"clone\"], \"action\": \"SCMP_ACT_ALLOW\"},"
              "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ERRNO\"}]}}",
              "- seccomp defaultAction SCMP_ACT_ERRNO(1)\n"
              "+ seccomp defaultAction SCMP_ACT_ERRNO(38)\n"
              "+ seccomp architecture SCMP_ARCH_X86_64\n"
              "- syscall clone (SCMP_ACT_ALLOW, conditional: arg0 & 0x7e020000 == 0)\n"
              "+ syscall clone (SCMP_ACT_ALLOW)\n"
              "- syscall ptrace (SCMP_ACT_ALLOW)\n"
              "+ syscall ptrace (SCMP_ACT_ERRNO(1))\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flatten_default), cmocka_unit_test(test_flatten_rules),
      cmocka_unit_test(test_flatten_errors),  cmocka_unit_test(test_diff_equal),
      cmocka_unit_test(test_diff_settings),   cmocka_unit_test(test_diff_exec),
      cmocka_unit_test(test_diff_seccomp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* shim/lib/confine/landlock.c: what stockade-init is told, the spec it gets, what a
 * profile gets at each ABI, the seccomp check. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "stockade/cleanup.h"
#include "stockade/json.h"
#include "stockade/landlock.h"
#include "stockade/profile.h"

static const char *spec_text =
    "{\"process\":{\"args\":[\"sh\",\"-c\",\"echo hi\"]},"
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"ro\"]},"
    "{\"destination\":\"/data/\",\"type\":\"bind\",\"source\":\"/srv/data\",\"options\":[\"rbind\",\"rw\"]},"
    "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/srv/hosts\",\"options\":[\"rbind\",\"ro\"]}]}";

/* process.args as one string, words joined by spaces. */
static char *args_line(const struct json *spec) {
  const struct json *a = json_get_path(spec, "process", "args", NULL);
  size_t n = 0, i;
  char *out;
  for (i = 0; i < a->n; i++)
    n += strlen(a->items[i]->str) + 1;
  out = calloc(1, n + 1);
  for (i = 0; i < a->n; i++) {
    if (i)
      strcat(out, " ");
    strcat(out, a->items[i]->str);
  }
  return out;
}

static void harden(struct json *spec, const struct profile *p, int abi) {
  struct sk_error *err = NULL;
  if (landlock_harden(spec, p, abi, "/usr/libexec/stockade/stockade-init", &err) < 0)
    fail_msg("landlock_harden: %s", err->msg);
}

static void test_args_default(void **state) {
  cleanup_json struct json *spec = parse(spec_text);
  cleanup_profile struct profile *p = profile("{\"name\":\"t\",\"writablePaths\":[{\"path\":\"/tmp\"}]}");
  cleanup_free char *line = NULL;
  const struct json *mounts;
  const struct json *m;
  (void)state;
  harden(spec, p, 7);
  line = args_line(spec);
  /* writes beneath /tmp, the writable volume and /dev (not /proc: a
   * pseudo file system); none of them executable; the original args. */
  assert_string_equal(line, "/dev/.stockade-init -a 7 -w /tmp -n /tmp -n /proc -w /dev -n /dev -w /data -n /data "
                            "-n /proc -n /sys -n /dev -- sh -c echo hi");
  mounts = json_get(spec, "mounts");
  m = mounts->items[mounts->n - 1];
  assert_string_equal(json_string(json_get(m, "destination")), SK_INIT_DEST);
  assert_string_equal(json_string(json_get(m, "source")), "/usr/libexec/stockade/stockade-init");
  assert_true(json_array_has_string(json_get(m, "options"), "ro"));
  assert_true(json_array_has_string(json_get(m, "options"), "nosuid"));
  assert_false(json_array_has_string(json_get(m, "options"), "noexec"));
}

static void test_idempotent(void **state) {
  cleanup_json struct json *spec = parse(spec_text);
  cleanup_profile struct profile *p = profile("{\"name\":\"t\"}");
  cleanup_free char *once = NULL;
  cleanup_free char *twice = NULL;
  size_t n;
  (void)state;
  harden(spec, p, 7);
  once = args_line(spec);
  n = json_get(spec, "mounts")->n;
  harden(spec, p, 5);
  twice = args_line(spec);
  assert_int_equal(json_get(spec, "mounts")->n, n);
  /* the ABI changed, the args behind "--" did not grow */
  assert_non_null(strstr(twice, "-a 5 "));
  assert_string_equal(strstr(once, " -- "), strstr(twice, " -- "));
}

static void test_args_exec_net_required(void **state) {
  cleanup_json struct json *spec = parse(spec_text);
  cleanup_profile struct profile *p =
      profile("{\"name\":\"t\",\"writableRootfs\":true,\"landlock\":\"required\","
              "\"exec\":{\"allow\":[\"/bin/*\",\"/usr/lib/*/ld-linux-*.so.2\",\"/opt/app/run\",\"/*\"]},"
              "\"network\":{\"bind\":[8080],\"connect\":[443,5432]}}");
  cleanup_free char *line = NULL;
  (void)state;
  harden(spec, p, 4);
  line = args_line(spec);
  assert_non_null(strstr(line, "/dev/.stockade-init -a 4 -r -w / "));
  assert_non_null(strstr(line, " -x /bin -x /usr/lib -x /opt/app/run -x / "));
  assert_non_null(strstr(line, " -N -b 8080 -c 443 -c 5432 -- sh -c echo hi"));
}

static void test_bad_args(void **state) {
  cleanup_json struct json *spec = parse("{\"process\":{\"args\":[]}}");
  cleanup_json struct json *spec2 = parse("{\"process\":{\"args\":[\"/dev/.stockade-init\",\"-a\",\"7\",\"--\"]}}");
  cleanup_profile struct profile *p = profile("{\"name\":\"t\"}");
  struct sk_error *err = NULL;
  (void)state;
  assert_int_equal(landlock_harden(spec, p, 7, "/x", &err), -1);
  assert_non_null(strstr(err->msg, "process.args"));
  sk_error_free(&err);
  assert_int_equal(landlock_harden(spec2, p, 7, "/x", &err), -1);
  assert_non_null(strstr(err->msg, "no program after"));
  sk_error_free(&err);
}

static void test_describe(void **state) {
  cleanup_profile struct profile *p = profile("{\"name\":\"t\"}");
  cleanup_profile struct profile *n = profile("{\"name\":\"n\",\"network\":{\"bind\":[80]}}");
  struct landlock_report r;
  (void)state;
  landlock_describe(p, 7, &r);
  assert_string_equal(r.applied, "filesystem, refer, truncate, ioctl-dev, scope");
  assert_string_equal(r.missing, "");
  assert_false(r.blocking);
  landlock_describe(p, 3, &r);
  assert_string_equal(r.applied, "filesystem, refer, truncate");
  assert_string_equal(r.missing, "ioctl-dev, scope");
  assert_false(r.blocking);
  landlock_describe(n, 3, &r);
  assert_string_equal(r.missing, "tcp, ioctl-dev, scope");
  assert_true(r.blocking);
  landlock_describe(n, 4, &r);
  assert_false(r.blocking);
  landlock_describe(p, 0, &r);
  assert_string_equal(r.applied, "");
  assert_true(r.blocking);
}

static void test_filter_allows(void **state) {
  cleanup_json struct json *none = parse("{}");
  cleanup_json struct json *deny_all = parse("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
                                             "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}");
  cleanup_json struct json *listed = parse("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
                                           "\"syscalls\":[{\"names\":[\"landlock_add_rule\"],\"action\":"
                                           "\"SCMP_ACT_ALLOW\"}]}}}");
  cleanup_json struct json *denied = parse("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                                           "\"syscalls\":[{\"names\":[\"landlock_add_rule\"],\"action\":"
                                           "\"SCMP_ACT_ERRNO\"}]}}}");
  (void)state;
  assert_true(landlock_filter_allows(none, "landlock_add_rule"));
  assert_false(landlock_filter_allows(deny_all, "landlock_add_rule"));
  assert_true(landlock_filter_allows(listed, "landlock_add_rule"));
  assert_false(landlock_filter_allows(listed, "landlock_restrict_self"));
  assert_false(landlock_filter_allows(denied, "landlock_add_rule"));
  assert_true(landlock_filter_allows(denied, "landlock_restrict_self"));
}

/* The shipped default allow-list lets stockade-init work. */
static void test_default_seccomp_allows_init(void **state) {
  cleanup_profile struct profile *p = profile("{\"name\":\"t\"}");
  cleanup_json struct json *spec = json_new(JSON_OBJECT);
  struct json *linux_ = json_new(JSON_OBJECT);
  (void)state;
  json_set(spec, "linux", linux_);
  json_set(linux_, "seccomp", json_copy(p->seccomp));
  assert_true(landlock_filter_allows(spec, "landlock_create_ruleset"));
  assert_true(landlock_filter_allows(spec, "landlock_add_rule"));
  assert_true(landlock_filter_allows(spec, "landlock_restrict_self"));
}

/* Every masked path is named to the init (-m), which keeps writes to
 * the ones the runtime masked with /dev/null working; bounded. */
static void test_args_masked(void **state) {
  cleanup_json struct json *spec = parse(spec_text);
  cleanup_profile struct profile *p = profile("{\"name\":\"t\"}");
  cleanup_free char *line = NULL;
  struct json *linux_ = json_ensure(spec, "linux", JSON_OBJECT);
  struct json *mp = json_new(JSON_ARRAY);
  char name[32];
  size_t i, n = 0;
  (void)state;
  for (i = 0; i < SK_INIT_MAX_MASKED + 10; i++) {
    snprintf(name, sizeof(name), "/proc/m%zu", i);
    assert_int_equal(json_append(mp, json_new_string(name)), 0);
  }
  assert_int_equal(json_append(mp, json_new_string("relative")), 0);
  assert_int_equal(json_set(linux_, "maskedPaths", mp), 0);
  harden(spec, p, 7);
  line = args_line(spec);
  assert_non_null(strstr(line, " -n /dev -m /proc/m0 -m /proc/m1 "));
  for (const char *s = line; (s = strstr(s, " -m ")) != NULL; s++)
    n++;
  assert_int_equal(n, SK_INIT_MAX_MASKED);
  assert_null(strstr(line, "relative"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_args_masked),   cmocka_unit_test(test_args_default),
      cmocka_unit_test(test_idempotent),    cmocka_unit_test(test_args_exec_net_required),
      cmocka_unit_test(test_bad_args),      cmocka_unit_test(test_describe),
      cmocka_unit_test(test_filter_allows), cmocka_unit_test(test_default_seccomp_allows_init),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

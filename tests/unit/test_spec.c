/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/spec/spec.c: loading config.json with positioned errors,
 * the type and spelling checks (a spec judged one way and run another is
 * the bug these prevent), and the small readers. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/spec.h"

/* `runc spec` output (runc 1.1.5), relative to the repository root where
 * the tests run. */
#define RUNC_SPEC "tests/fixtures/runc-spec.json"
#define SPATH "/bundle/config.json"

static void assert_contains(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static void check_ok(const char *text) {
  cleanup_json struct json *j = parse(text);
  struct sk_error *err = NULL;
  if (spec_check(j, SPATH, &err) < 0) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err->msg);
    sk_error_free(&err);
    fail_msg("spec_check refused %s: %s", text, msg);
  }
  assert_null(err);
}

/* spec_check must refuse text; return the message. */
static char *check_err(const char *text) {
  cleanup_json struct json *j = parse(text);
  struct sk_error *err = NULL;
  char *msg;
  if (spec_check(j, SPATH, &err) == 0)
    fail_msg("spec_check accepted %s", text);
  assert_non_null(err);
  msg = strdup(err->msg);
  sk_error_free(&err);
  return msg;
}

/* --- spec_load --- */

struct tmpdir {
  char path[64];
};

static int setup_tmp(void **state) {
  struct tmpdir *t = calloc(1, sizeof(*t));
  if (t == NULL)
    return -1;
  snprintf(t->path, sizeof(t->path), "/tmp/stockade-test-spec.XXXXXX");
  if (mkdtemp(t->path) == NULL)
    return -1;
  *state = t;
  return 0;
}

static int teardown_tmp(void **state) {
  struct tmpdir *t = *state;
  char cmd[128];
  int r;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
  r = system(cmd);
  free(t);
  return r == 0 ? 0 : -1;
}

static char *write_tmp(struct tmpdir *t, const char *name, const char *text) {
  char *p = NULL;
  FILE *f;
  assert_true(asprintf(&p, "%s/%s", t->path, name) > 0);
  f = fopen(p, "w");
  assert_non_null(f);
  assert_int_equal(fputs(text, f) >= 0, 1);
  assert_int_equal(fclose(f), 0);
  return p;
}

static void test_load_ok_keeps_raw_bytes(void **state) {
  static const char text[] = "{\n  \"ociVersion\": \"1.0.2\",\n  \"process\": {\"args\": [\"sh\"]}\n}\n";
  cleanup_free char *p = write_tmp(*state, "config.json", text);
  cleanup_json struct json *spec = NULL;
  cleanup_free char *raw = NULL;
  struct sk_error *err = NULL;
  size_t raw_len = 0;

  assert_int_equal(spec_load(p, &spec, &raw, &raw_len, &err), 0);
  assert_null(err);
  assert_non_null(spec);
  assert_int_equal(raw_len, strlen(text));
  assert_memory_equal(raw, text, raw_len);
  assert_string_equal(json_string(json_get(spec, "ociVersion")), "1.0.2");

  /* raw is optional */
  {
    cleanup_json struct json *again = NULL;
    assert_int_equal(spec_load(p, &again, NULL, NULL, &err), 0);
    assert_non_null(again);
  }
}

static void assert_load_error(struct tmpdir *t, const char *text, const char *want_after_path) {
  cleanup_free char *p = write_tmp(t, "config.json", text);
  cleanup_free char *want = NULL;
  struct json *sentinel = (struct json *)0x1, *spec = sentinel;
  char *raw = (char *)0x2;
  struct sk_error *err = NULL;

  assert_int_equal(spec_load(p, &spec, &raw, NULL, &err), -1);
  assert_ptr_equal(spec, sentinel);
  assert_ptr_equal(raw, (char *)0x2);
  assert_non_null(err);
  assert_true(asprintf(&want, "%s:%s", p, want_after_path) > 0);
  assert_string_equal(err->msg, want);
  sk_error_free(&err);
}

static void test_load_errors_have_position(void **state) {
  assert_load_error(*state, "{\n  \"ociVersion\": ,\n}",
                    "2:17: unallowed token at this point in JSON text; fix the JSON syntax");
  assert_load_error(*state, "{\"process\": {}}\n{}", "2:1: trailing garbage; fix the JSON syntax");
  assert_load_error(*state, "{\n  \"process\": {},\n  \"process\": {}\n}",
                    "3:14: duplicate key \"process\"; fix the JSON syntax");
  assert_load_error(*state, "", "1:1: premature EOF; fix the JSON syntax");
}

static void test_load_missing_file(void **state) {
  struct tmpdir *t = *state;
  cleanup_free char *p = NULL;
  struct json *spec = NULL;
  struct sk_error *err = NULL;

  assert_true(asprintf(&p, "%s/nope/config.json", t->path) > 0);
  assert_int_equal(spec_load(p, &spec, NULL, NULL, &err), -1);
  assert_null(spec);
  assert_non_null(err);
  assert_int_equal(err->code, ENOENT);
  assert_contains(err->msg, p);
  sk_error_free(&err);
}

/* --- spec_check: what runc writes is accepted --- */

static void test_check_accepts_runc_spec(void **state) {
  cleanup_json struct json *spec = NULL;
  struct sk_error *err = NULL;
  (void)state;

  if (spec_load(RUNC_SPEC, &spec, NULL, NULL, &err) < 0)
    fail_msg("%s (run the tests from the repository root): %s", RUNC_SPEC, err->msg);
  /* It is the real thing: the fields the checker reads are there. */
  assert_non_null(json_get_path(spec, "process", "capabilities", "bounding", NULL));
  assert_non_null(json_get_path(spec, "linux", "namespaces", NULL));
  assert_non_null(json_get_path(spec, "linux", "resources", "devices", NULL));
  assert_true(json_get(spec, "mounts")->n > 3);
  if (spec_check(spec, RUNC_SPEC, &err) < 0)
    fail_msg("spec_check refused the output of runc spec: %s", err->msg);
  assert_null(err);
}

static void test_check_accepts_minimal(void **state) {
  (void)state;
  check_ok("{\"process\": {}}");
  check_ok("{\"process\": {\"user\": {\"uid\": 4294967295, \"gid\": 0, \"additionalGids\": [1, 2]}}, "
           "\"annotations\": {}, \"mounts\": [], \"linux\": {}}");
  /* Fields stockade does not judge may have any case (hostname). */
  check_ok("{\"process\": {}, \"Hostname\": \"x\", \"hostname\": \"y\"}");
}

/* --- spec_check: refusals --- */

static void test_check_not_an_object(void **state) {
  char *msg;
  (void)state;
  msg = check_err("[]");
  assert_string_equal(msg, SPATH ":1:1: config: expected a JSON object (an OCI runtime spec)");
  free(msg);
  msg = check_err("\"x\"");
  assert_contains(msg, "expected a JSON object");
  free(msg);
}

static void test_check_missing_process(void **state) {
  char *msg;
  (void)state;
  msg = check_err("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}}");
  assert_contains(msg, SPATH ": process: missing");
  free(msg);
  msg = check_err("{\"process\": []}");
  assert_string_equal(msg, SPATH ":1:13: process: expected an object, found an array");
  free(msg);
}

static void test_check_case_variants(void **state) {
  char *msg;
  (void)state;

  msg = check_err("{\"process\": {},\n \"Process\": {\"user\": {\"uid\": 0}}}");
  assert_contains(msg, SPATH ":2:13: Process: differs from the OCI field \"process\" only in case");
  assert_contains(msg, "spell it \"process\"");
  free(msg);

  msg = check_err("{\"process\": {\"user\": {\"uid\": 1000, \"UID\": 0}}}");
  assert_contains(msg, SPATH ":1:43: process.user.UID: differs from the OCI field \"uid\" only in case");
  free(msg);

  msg = check_err("{\"process\": {}, \"root\": {\"path\": \"rootfs\", \"Readonly\": false}}");
  assert_contains(msg, "root.Readonly: differs from the OCI field \"readonly\" only in case");
  free(msg);

  msg = check_err("{\"process\": {\"capabilities\": {\"Bounding\": [\"CAP_SYS_ADMIN\"]}}}");
  assert_contains(msg, "process.capabilities.Bounding: differs from the OCI field \"bounding\"");
  free(msg);

  msg = check_err("{\"process\": {}, \"mounts\": [{\"destination\": \"/m\", \"Options\": [\"rw\"]}]}");
  assert_contains(msg, "mounts[].Options: differs from the OCI field \"options\"");
  free(msg);

  msg = check_err("{\"process\": {}, \"linux\": {\"Namespaces\": []}}");
  assert_contains(msg, "linux.Namespaces: differs from the OCI field \"namespaces\"");
  free(msg);
}

/* runc's decoder (Go encoding/json) folds keys with Unicode simple case
 * folding: U+017F (long s) matches 's' and U+212A (Kelvin sign) matches
 * 'k'. A second "process" spelled "proce\u017fs" is read by runc (and
 * wins, being last) but not seen by stockade. */
static void test_check_unicode_case_variants(void **state) {
  static const struct {
    const char *what, *text;
  } cases[] = {
      {"top-level \"proce\\u017fs\"",
       "{\"process\": {\"user\": {\"uid\": 1000}}, \"proce\xc5\xbfs\": {\"user\": {\"uid\": 0}}}"},
      {"process.\"noNewPrivilege\\u017f\"",
       "{\"process\": {\"noNewPrivileges\": true, \"noNewPrivilege\xc5\xbf\": false}}"},
      {"top-level \"hoo\\u212as\"", "{\"process\": {}, \"hoo\xe2\x84\xaas\": {\"prestart\": []}}"},
  };
  char accepted[256] = "";
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cleanup_json struct json *j = parse(cases[i].text);
    struct sk_error *err = NULL;
    if (spec_check(j, SPATH, &err) == 0) {
      strncat(accepted, cases[i].what, sizeof(accepted) - strlen(accepted) - 3);
      strcat(accepted, "; ");
    }
    sk_error_free(&err);
  }
  if (accepted[0])
    fail_msg("spec_check accepted keys runc reads as OCI fields: %s", accepted);
}

/* linux.resources.devices is judged (SK-DEVICES-ALL); runc reads
 * "Devices" as devices, so a case variant there must be refused too. */
static void test_check_case_variant_in_resources(void **state) {
  cleanup_json struct json *j = parse("{\"process\": {}, \"linux\": {\"resources\": {\"Devices\": "
                                      "[{\"allow\": true, \"access\": \"rwm\"}]}}}");
  struct sk_error *err = NULL;
  (void)state;
  if (spec_check(j, SPATH, &err) == 0)
    fail_msg("spec_check accepted linux.resources.Devices (runc reads it as linux.resources.devices)");
  assert_contains(err->msg, "Devices");
  sk_error_free(&err);
}

static void test_check_uid(void **state) {
  static const char *const bad[] = {"\"0\"", "0.0", "1e3", "-1", "4294967296", "18446744073709551616", "null", "true"};
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char text[128], *msg;
    snprintf(text, sizeof(text), "{\"process\": {\"user\": {\"uid\": %s}}}", bad[i]);
    msg = check_err(text);
    if (strstr(msg, SPATH ":1:30: process.user.uid: expected an integer from 0 to 4294967295") == NULL)
      fail_msg("uid %s: %s", bad[i], msg);
    free(msg);
  }

  {
    char *msg = check_err("{\"process\": {\"user\": {\"uid\": 0, \"gid\": 0.0}}}");
    assert_contains(msg, "process.user.gid: expected an integer");
    free(msg);
    msg = check_err("{\"process\": {\"user\": {\"additionalGids\": [1, \"2\"]}}}");
    assert_contains(msg, "process.user.additionalGids: expected an integer");
    free(msg);
    msg = check_err("{\"process\": {\"user\": 0}}");
    assert_contains(msg, "process.user: expected an object, found a number");
    free(msg);
  }
}

static void test_check_capabilities(void **state) {
  char *msg;
  (void)state;

  msg = check_err("{\"process\": {\"capabilities\": {\"bounding\": \"CAP_SYS_ADMIN\"}}}");
  assert_string_equal(msg, SPATH ":1:43: process.capabilities.bounding: expected an array, found a string");
  free(msg);

  msg = check_err("{\"process\": {\"capabilities\": {\"ambient\": [\"CAP_KILL\", 21]}}}");
  assert_contains(msg, SPATH ":1:55: process.capabilities.ambient: expected an array of strings");
  free(msg);

  msg = check_err("{\"process\": {\"capabilities\": [\"CAP_KILL\"]}}");
  assert_contains(msg, "process.capabilities: expected an object, found an array");
  free(msg);

  msg = check_err("{\"process\": {\"noNewPrivileges\": \"true\"}}");
  assert_contains(msg, "process.noNewPrivileges: expected true or false, found a string");
  free(msg);
}

static void test_check_annotations(void **state) {
  char *msg;
  (void)state;

  msg = check_err("{\"process\": {}, \"annotations\": {\"stockade.io/mode\": \"off\", \"n\": 1}}");
  assert_string_equal(msg, SPATH ":1:65: annotations: expected string values");
  free(msg);

  msg = check_err("{\"process\": {}, \"annotations\": {\"a\": null}}");
  assert_contains(msg, "annotations: expected string values");
  free(msg);

  msg = check_err("{\"process\": {}, \"annotations\": [\"a\"]}");
  assert_contains(msg, "annotations: expected an object");
  free(msg);
}

static void test_check_namespaces(void **state) {
  char *msg;
  (void)state;

  msg = check_err(
      "{\"process\": {}, \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"path\": \"/proc/1/ns/net\"}]}}");
  assert_contains(msg, SPATH ":1:59: linux.namespaces[].type: expected a string");
  free(msg);

  msg = check_err("{\"process\": {}, \"linux\": {\"namespaces\": [{\"type\": 1}]}}");
  assert_contains(msg, "linux.namespaces[].type");
  free(msg);

  msg = check_err("{\"process\": {}, \"linux\": {\"namespaces\": [\"pid\"]}}");
  assert_contains(msg, "linux.namespaces[]: expected an object");
  free(msg);
}

static void test_check_mounts(void **state) {
  char *msg;
  (void)state;

  msg = check_err("{\"process\": {}, \"mounts\": [{\"destination\": \"/m\", \"options\": [\"ro\", 1]}]}");
  assert_string_equal(msg, SPATH ":1:68: mounts[].options: expected an array of strings");
  free(msg);

  msg = check_err("{\"process\": {}, \"mounts\": [{\"destination\": \"/m\", \"options\": \"ro\"}]}");
  assert_contains(msg, "mounts[].options: expected an array");
  free(msg);

  msg = check_err("{\"process\": {}, \"mounts\": [{\"source\": \"/etc\", \"type\": \"bind\"}]}");
  assert_contains(msg, "mounts[].destination: missing");
  free(msg);

  msg = check_err("{\"process\": {}, \"mounts\": [{\"destination\": 5}]}");
  assert_contains(msg, "mounts[].destination: expected a string");
  free(msg);
}

static void test_check_other_types(void **state) {
  char *msg;
  (void)state;

  msg = check_err("{\"process\": {}, \"root\": {\"path\": \"rootfs\", \"readonly\": \"true\"}}");
  assert_contains(msg, "root.readonly: expected true or false");
  free(msg);

  msg = check_err("{\"process\": {}, \"linux\": {\"seccomp\": []}}");
  assert_contains(msg, "linux.seccomp: expected an object");
  free(msg);

  msg = check_err("{\"process\": {}, \"linux\": {\"maskedPaths\": [\"/proc/kcore\", {}]}}");
  assert_contains(msg, "linux.maskedPaths: expected an array of strings");
  free(msg);

  msg = check_err("{\"process\": {}, \"linux\": {\"resources\": {\"devices\": [{\"allow\": 1}]}}}");
  assert_contains(msg, "linux.resources.devices[].allow: expected true or false, found a number");
  free(msg);
}

/* --- readers --- */

static void test_spec_uid(void **state) {
  struct json *j;
  (void)state;

  j = parse("{\"process\": {\"user\": {\"uid\": 1000}}}");
  assert_int_equal(spec_uid(j), 1000);
  json_free(j);
  j = parse("{\"process\": {\"user\": {\"uid\": 4294967295}}}");
  assert_true(spec_uid(j) == 4294967295u);
  json_free(j);
  /* Absent or unreadable: 0, i.e. judged as root. */
  j = parse("{\"process\": {\"user\": {}}}");
  assert_int_equal(spec_uid(j), 0);
  json_free(j);
  j = parse("{\"process\": {\"user\": {\"uid\": \"1000\"}}}");
  assert_int_equal(spec_uid(j), 0);
  json_free(j);
  j = parse("{\"process\": {\"user\": {\"uid\": 1.5}}}");
  assert_int_equal(spec_uid(j), 0);
  json_free(j);
  assert_int_equal(spec_uid(NULL), 0);
}

static struct json *mount(const char *text) { return parse(text); }

static void test_mount_writable(void **state) {
  struct json *m;
  (void)state;

  m = mount("{\"destination\": \"/d\"}");
  assert_true(spec_mount_writable(m));
  json_free(m);
  m = mount("{\"destination\": \"/d\", \"options\": [\"nosuid\", \"ro\"]}");
  assert_false(spec_mount_writable(m));
  json_free(m);
  m = mount("{\"destination\": \"/d\", \"options\": [\"rw\", \"nodev\"]}");
  assert_true(spec_mount_writable(m));
  json_free(m);
  /* the last of "rw" and "ro" counts */
  m = mount("{\"destination\": \"/d\", \"options\": [\"rw\", \"ro\"]}");
  assert_false(spec_mount_writable(m));
  json_free(m);
}

/* runc and crun apply mount options in order ("rw" clears MS_RDONLY that
 * an earlier "ro" set): ["ro", "rw"] mounts writable. */
static void test_mount_writable_last_option_wins(void **state) {
  struct json *m = mount("{\"destination\": \"/host\", \"type\": \"bind\", \"source\": \"/\", "
                         "\"options\": [\"rbind\", \"ro\", \"rw\"]}");
  bool w = spec_mount_writable(m);
  (void)state;
  json_free(m);
  if (!w)
    fail_msg("spec_mount_writable([\"rbind\", \"ro\", \"rw\"]) = false, but runc and crun mount it read-write");
}

static void test_mount_is_bind(void **state) {
  struct json *m;
  (void)state;

  m = mount("{\"destination\": \"/d\", \"type\": \"bind\", \"source\": \"/s\"}");
  assert_true(spec_mount_is_bind(m));
  json_free(m);
  m = mount("{\"destination\": \"/d\", \"type\": \"none\", \"source\": \"/s\", \"options\": [\"rbind\"]}");
  assert_true(spec_mount_is_bind(m));
  json_free(m);
  m = mount("{\"destination\": \"/d\", \"source\": \"/s\", \"options\": [\"ro\", \"bind\"]}");
  assert_true(spec_mount_is_bind(m));
  json_free(m);
  m = mount("{\"destination\": \"/d\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\"]}");
  assert_false(spec_mount_is_bind(m));
  json_free(m);
  m = mount("{\"destination\": \"/proc\", \"type\": \"proc\"}");
  assert_false(spec_mount_is_bind(m));
  json_free(m);
}

static void test_annotation(void **state) {
  cleanup_json struct json *j =
      parse("{\"annotations\": {\"stockade.io/profile\": \"web\", \"n\": 1, \"e\": \"\"}, \"process\": {}}");
  cleanup_json struct json *none = parse("{\"process\": {}}");
  (void)state;
  assert_string_equal(spec_annotation(j, "stockade.io/profile"), "web");
  assert_string_equal(spec_annotation(j, "e"), "");
  assert_null(spec_annotation(j, "n"));
  assert_null(spec_annotation(j, "stockade.io/mode"));
  assert_null(spec_annotation(j, "Stockade.io/profile"));
  assert_null(spec_annotation(none, "stockade.io/profile"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_load_ok_keeps_raw_bytes, setup_tmp, teardown_tmp),
      cmocka_unit_test_setup_teardown(test_load_errors_have_position, setup_tmp, teardown_tmp),
      cmocka_unit_test_setup_teardown(test_load_missing_file, setup_tmp, teardown_tmp),
      cmocka_unit_test(test_check_accepts_runc_spec),
      cmocka_unit_test(test_check_accepts_minimal),
      cmocka_unit_test(test_check_not_an_object),
      cmocka_unit_test(test_check_missing_process),
      cmocka_unit_test(test_check_case_variants),
      cmocka_unit_test(test_check_unicode_case_variants),
      cmocka_unit_test(test_check_case_variant_in_resources),
      cmocka_unit_test(test_check_uid),
      cmocka_unit_test(test_check_capabilities),
      cmocka_unit_test(test_check_annotations),
      cmocka_unit_test(test_check_namespaces),
      cmocka_unit_test(test_check_mounts),
      cmocka_unit_test(test_check_other_types),
      cmocka_unit_test(test_spec_uid),
      cmocka_unit_test(test_mount_writable),
      cmocka_unit_test(test_mount_writable_last_option_wins),
      cmocka_unit_test(test_mount_is_bind),
      cmocka_unit_test(test_annotation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

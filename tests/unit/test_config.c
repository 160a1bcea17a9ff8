/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/policy/config.c: the node config (defaults, each field,
 * errors that name file, line, column and field) and the mode helpers. */
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
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/json.h"
#include "stockade/profile.h"
#include "testutil.h"

#define CFG_PATH "/etc/stockade/test-config.json"

static void assert_contains(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static struct sk_config *parse_ok(const char *text) {
  struct sk_error *err = NULL;
  struct sk_config *c = NULL;
  if (config_parse(CFG_PATH, text, strlen(text), &c, &err) < 0) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err->msg);
    sk_error_free(&err);
    fail_msg("config_parse(%s): %s", text, msg);
  }
  assert_null(err);
  assert_non_null(c);
  return c;
}

/* Expect a refusal; *out must stay untouched. Returns the message. */
static char *parse_err(const char *text) {
  struct sk_error *err = NULL;
  struct sk_config *sentinel = (struct sk_config *)0x1;
  struct sk_config *c = sentinel;
  char *msg;
  if (config_parse(CFG_PATH, text, strlen(text), &c, &err) == 0) {
    config_free(c);
    fail_msg("config_parse accepted %s", text);
  }
  assert_ptr_equal(c, sentinel);
  assert_non_null(err);
  msg = strdup(err->msg);
  sk_error_free(&err);
  return msg;
}

static void test_defaults(void **state) {
  cleanup_config struct sk_config *c = parse_ok("{\"runtime\": \"/usr/sbin/runc\"}");
  (void)state;
  assert_string_equal(c->path, CFG_PATH);
  assert_string_equal(c->runtime, "/usr/sbin/runc");
  assert_string_equal(c->profile_dir, SYSCONFDIR "/stockade/profiles");
  assert_string_equal(c->default_profile, "default");
  assert_int_equal(c->default_mode, SK_MODE_ENFORCE);
  assert_string_equal(c->state_dir, "/run/stockade");
  assert_null(c->event_file);
  assert_true(c->annotation_mode[SK_MODE_ENFORCE]);
  assert_false(c->annotation_mode[SK_MODE_COMPLAIN]);
  assert_false(c->annotation_mode[SK_MODE_OFF]);
}

/* summaryInterval: seconds between a supervisor's summaries, 60 unless set. */
static void test_summary_interval(void **state) {
  cleanup_config struct sk_config *a = parse_ok("{\"runtime\": \"/r\"}");
  cleanup_config struct sk_config *b = parse_ok("{\"runtime\": \"/r\", \"summaryInterval\": 5}");
  char *msg;
  (void)state;
  assert_true(a->summary_interval == 60);
  assert_true(b->summary_interval == 5);
  msg = parse_err("{\"runtime\": \"/r\", \"summaryInterval\": 0}");
  assert_contains(msg, "summaryInterval");
  assert_contains(msg, "from 1 to 1000000");
  free(msg);
}

static void test_every_field(void **state) {
  cleanup_config struct sk_config *c = parse_ok("{\n"
                                                "  \"runtime\": \"/usr/bin/crun\",\n"
                                                "  \"profileDir\": \"/opt/stockade/profiles\",\n"
                                                "  \"defaultProfile\": \"web\",\n"
                                                "  \"defaultMode\": \"complain\",\n"
                                                "  \"stateDir\": \"/run/sk\",\n"
                                                "  \"eventFile\": \"/var/log/stockade/events.json\",\n"
                                                "  \"annotationModes\": [\"complain\", \"off\"]\n"
                                                "}\n");
  (void)state;
  assert_string_equal(c->runtime, "/usr/bin/crun");
  assert_string_equal(c->profile_dir, "/opt/stockade/profiles");
  assert_string_equal(c->default_profile, "web");
  assert_int_equal(c->default_mode, SK_MODE_COMPLAIN);
  assert_string_equal(c->state_dir, "/run/sk");
  assert_string_equal(c->event_file, "/var/log/stockade/events.json");
  assert_true(c->annotation_mode[SK_MODE_ENFORCE]);
  assert_true(c->annotation_mode[SK_MODE_COMPLAIN]);
  assert_true(c->annotation_mode[SK_MODE_OFF]);
}

static void test_default_mode_values(void **state) {
  struct sk_config *c;
  (void)state;
  c = parse_ok("{\"runtime\": \"/r\", \"defaultMode\": \"off\"}");
  assert_int_equal(c->default_mode, SK_MODE_OFF);
  config_free(c);
  c = parse_ok("{\"runtime\": \"/r\", \"defaultMode\": \"enforce\"}");
  assert_int_equal(c->default_mode, SK_MODE_ENFORCE);
  config_free(c);
}

static void test_runtime_required(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("{}");
  assert_contains(msg, CFG_PATH ": runtime: is required");
  assert_contains(msg, "absolute path of runc or crun");
  free(msg);

  msg = parse_err("{\"stateDir\": \"/run/x\"}");
  assert_contains(msg, "runtime: is required");
  free(msg);
}

static void test_runtime_absolute(void **state) {
  char *msg;
  (void)state;

  /* Column 13 is the value "runc", not the key. */
  msg = parse_err("{\"runtime\": \"runc\"}");
  assert_string_equal(msg, CFG_PATH ":1:13: runtime: must be an absolute path");
  free(msg);

  msg = parse_err("{\n  \"runtime\": \"./bin/runc\"\n}");
  assert_string_equal(msg, CFG_PATH ":2:14: runtime: must be an absolute path");
  free(msg);

  msg = parse_err("{\"runtime\": \"\"}");
  assert_string_equal(msg, CFG_PATH ":1:13: runtime: must be a non-empty string");
  free(msg);

  msg = parse_err("{\"runtime\": 5}");
  assert_string_equal(msg, CFG_PATH ":1:13: runtime: must be a non-empty string");
  free(msg);

  msg = parse_err("{\"runtime\": null}");
  assert_contains(msg, "runtime: must be a non-empty string");
  free(msg);
}

static void test_other_paths_absolute(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("{\"runtime\": \"/r\", \"profileDir\": \"profiles\"}");
  assert_string_equal(msg, CFG_PATH ":1:33: profileDir: must be an absolute path");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"stateDir\": \"run\"}");
  assert_contains(msg, "stateDir: must be an absolute path");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"eventFile\": \"events.json\"}");
  assert_contains(msg, "eventFile: must be an absolute path");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"eventFile\": null}");
  assert_contains(msg, "eventFile: must be a non-empty string");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"defaultProfile\": \"\"}");
  assert_contains(msg, "defaultProfile: must be a profile name");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"defaultProfile\": 3}");
  assert_contains(msg, ":1:37: defaultProfile");
  free(msg);
}

/* The supervisor's hashing bounds: hashMaxBytes, hashMaxMillis. */
static void test_hash_limits(void **state) {
  cleanup_config struct sk_config *d = parse_ok("{\"runtime\": \"/usr/sbin/runc\"}");
  cleanup_config struct sk_config *c =
      parse_ok("{\"runtime\": \"/usr/sbin/runc\", \"hashMaxBytes\": 1048576, \"hashMaxMillis\": 500}");
  char *m;
  (void)state;
  assert_true(d->hash_max_bytes == 256ULL << 20);
  assert_int_equal(d->hash_max_ms, 2000);
  assert_true(c->hash_max_bytes == 1048576);
  assert_int_equal(c->hash_max_ms, 500);
  m = parse_err("{\"runtime\": \"/usr/sbin/runc\", \"hashMaxBytes\": 0}");
  assert_contains(m, CFG_PATH ":1:47: hashMaxBytes: must be a whole number of bytes from 1024 to 1099511627776");
  free(m);
  assert_int_equal(d->supervisor_cpu_percent, 100);
  {
    cleanup_config struct sk_config *z = parse_ok("{\"runtime\": \"/usr/sbin/runc\", \"supervisorCpuPercent\": 0}");
    assert_int_equal(z->supervisor_cpu_percent, 0);
  }
  m = parse_err("{\"runtime\": \"/usr/sbin/runc\", \"supervisorCpuPercent\": -5}");
  assert_contains(m, "supervisorCpuPercent: must be a whole number from 0 to 100000");
  free(m);
  m = parse_err("{\"runtime\": \"/usr/sbin/runc\", \"hashMaxMillis\": 60001}");
  assert_contains(m, "hashMaxMillis: must be a whole number of milliseconds from 1 to 60000");
  free(m);
}

static void test_unknown_field(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("{\n  \"runtime\": \"/r\",\n  \"stateDri\": \"/x\"\n}");
  assert_contains(msg, CFG_PATH ":3:15: unknown field \"stateDri\"");
  assert_contains(msg, "stateDir");
  free(msg);

  /* Field names are case-sensitive. */
  msg = parse_err("{\"Runtime\": \"/r\"}");
  assert_contains(msg, CFG_PATH ":1:13: unknown field \"Runtime\"");
  free(msg);
}

static void test_bad_default_mode(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("{\"runtime\": \"/r\",\n \"defaultMode\": \"strict\"}");
  assert_string_equal(msg, CFG_PATH ":2:17: defaultMode: must be \"enforce\", \"complain\", \"off\" or \"learn\"");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"defaultMode\": \"Enforce\"}");
  assert_contains(msg, "defaultMode: must be");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"defaultMode\": 0}");
  assert_contains(msg, "defaultMode: must be");
  free(msg);
}

static void test_annotation_modes(void **state) {
  struct sk_config *c;
  char *msg;
  (void)state;

  /* Only what is listed is allowed; enforce always is. */
  c = parse_ok("{\"runtime\": \"/r\", \"annotationModes\": [\"complain\"]}");
  assert_true(c->annotation_mode[SK_MODE_ENFORCE]);
  assert_true(c->annotation_mode[SK_MODE_COMPLAIN]);
  assert_false(c->annotation_mode[SK_MODE_OFF]);
  config_free(c);

  c = parse_ok("{\"runtime\": \"/r\", \"annotationModes\": [\"off\"]}");
  assert_true(c->annotation_mode[SK_MODE_ENFORCE]);
  assert_false(c->annotation_mode[SK_MODE_COMPLAIN]);
  assert_true(c->annotation_mode[SK_MODE_OFF]);
  config_free(c);

  c = parse_ok("{\"runtime\": \"/r\", \"annotationModes\": []}");
  assert_true(c->annotation_mode[SK_MODE_ENFORCE]);
  assert_false(c->annotation_mode[SK_MODE_COMPLAIN]);
  assert_false(c->annotation_mode[SK_MODE_OFF]);
  config_free(c);

  msg = parse_err("{\"runtime\": \"/r\", \"annotationModes\": [\"complain\", \"bogus\"]}");
  assert_string_equal(msg, CFG_PATH
                      ":1:51: annotationModes: each entry must be \"enforce\", \"complain\", \"off\" or \"learn\"");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"annotationModes\": \"complain\"}");
  assert_contains(msg, ":1:38: annotationModes: must be an array of mode names");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"annotationModes\": [1]}");
  assert_contains(msg, "annotationModes: each entry must be");
  free(msg);
}

static void test_not_an_object_or_not_json(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("[\"/usr/sbin/runc\"]");
  assert_string_equal(msg, CFG_PATH ":1:1: expected a JSON object");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\",}");
  assert_contains(msg, CFG_PATH ": line 1, column 18");
  free(msg);

  msg = parse_err("");
  assert_contains(msg, CFG_PATH ": line 1, column 1");
  free(msg);

  msg = parse_err("{\"runtime\": \"/r\", \"runtime\": \"/s\"}");
  assert_contains(msg, CFG_PATH ": ");
  assert_contains(msg, "duplicate key \"runtime\"");
  free(msg);
}

static void test_mode_parse_and_name(void **state) {
  (void)state;
  assert_int_equal(mode_parse("enforce"), SK_MODE_ENFORCE);
  assert_int_equal(mode_parse("complain"), SK_MODE_COMPLAIN);
  assert_int_equal(mode_parse("off"), SK_MODE_OFF);
  assert_int_equal(mode_parse("Enforce"), -1);
  assert_int_equal(mode_parse("enforce "), -1);
  assert_int_equal(mode_parse(""), -1);
  assert_int_equal(mode_parse(NULL), -1);
  assert_string_equal(mode_name(SK_MODE_ENFORCE), "enforce");
  assert_string_equal(mode_name(SK_MODE_COMPLAIN), "complain");
  assert_string_equal(mode_name(SK_MODE_OFF), "off");
  assert_string_equal(mode_name((enum sk_mode)7), "unknown");
  assert_string_equal(mode_name((enum sk_mode) - 1), "unknown");
  assert_int_equal(mode_parse(mode_name(SK_MODE_COMPLAIN)), SK_MODE_COMPLAIN);
}

static void test_mode_from_argv0(void **state) {
  (void)state;
  assert_int_equal(mode_from_argv0("/usr/bin/stockade-complain"), SK_MODE_COMPLAIN);
  assert_int_equal(mode_from_argv0("stockade-off"), SK_MODE_OFF);
  assert_int_equal(mode_from_argv0("/usr/local/bin/stockade-enforce"), SK_MODE_ENFORCE);
  assert_int_equal(mode_from_argv0("/usr/bin/stockade-learn"), SK_MODE_LEARN);
  assert_string_equal(mode_name(SK_MODE_LEARN), "learn");
  assert_int_equal(mode_parse("learn"), SK_MODE_LEARN);
  assert_int_equal(mode_from_argv0("stockade"), -1);
  assert_int_equal(mode_from_argv0("/usr/bin/stockade"), -1);
  assert_int_equal(mode_from_argv0("stockade-bogus"), -1);
  assert_int_equal(mode_from_argv0("stockade-"), -1);
  assert_int_equal(mode_from_argv0("/opt/stockade-complain/stockade"), -1);
  assert_int_equal(mode_from_argv0("my-stockade-off"), -1);
  assert_int_equal(mode_from_argv0(NULL), -1);
}

static void test_config_path_env(void **state) {
  (void)state;
  assert_int_equal(setenv("STOCKADE_CONFIG", "/tmp/other-config.json", 1), 0);
  assert_string_equal(config_path(), "/tmp/other-config.json");
  assert_int_equal(setenv("STOCKADE_CONFIG", "", 1), 0);
  assert_string_equal(config_path(), SK_CONFIG_DEFAULT);
  assert_int_equal(unsetenv("STOCKADE_CONFIG"), 0);
  assert_string_equal(config_path(), SK_CONFIG_DEFAULT);
  assert_string_equal(SK_CONFIG_DEFAULT, SYSCONFDIR "/stockade/config.json");
}

static void test_config_load_file(void **state) {
  char dir[] = "/tmp/stockade-test-config.XXXXXX";
  char path[256], missing[256];
  struct sk_config *c = NULL;
  struct sk_error *err = NULL;
  FILE *f;
  (void)state;

  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/config.json", dir);
  snprintf(missing, sizeof(missing), "%s/nope.json", dir);

  f = fopen(path, "w");
  assert_non_null(f);
  fputs("{\"runtime\": \"/usr/sbin/runc\", \"defaultMode\": \"off\"}\n", f);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(config_load(path, &c, &err), 0);
  assert_non_null(c);
  assert_string_equal(c->path, path);
  assert_string_equal(c->runtime, "/usr/sbin/runc");
  assert_int_equal(c->default_mode, SK_MODE_OFF);
  config_free(c);
  c = NULL;

  /* Errors in the file name the file. */
  f = fopen(path, "w");
  assert_non_null(f);
  fputs("{\"runtime\": \"runc\"}", f);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(config_load(path, &c, &err), -1);
  assert_null(c);
  assert_non_null(err);
  assert_true(strncmp(err->msg, path, strlen(path)) == 0);
  assert_contains(err->msg, ":1:13: runtime: must be an absolute path");
  sk_error_free(&err);

  /* A missing file: the message names it and says how to use another. */
  assert_int_equal(config_load(missing, &c, &err), -1);
  assert_null(c);
  assert_non_null(err);
  assert_int_equal(err->code, ENOENT);
  assert_contains(err->msg, missing);
  assert_contains(err->msg, "STOCKADE_CONFIG");
  assert_contains(err->msg, "No such file or directory");
  sk_error_free(&err);

  assert_int_equal(unlink(path), 0);
  assert_int_equal(rmdir(dir), 0);
}

/* The Landlock layer's fields: initPath, landlockAbi, supervisor. */
static void test_landlock_fields(void **state) {
  cleanup_config struct sk_config *d = parse_ok("{\"runtime\": \"/usr/sbin/runc\"}");
  cleanup_config struct sk_config *c = parse_ok("{\"runtime\": \"/usr/sbin/runc\", \"initPath\": \"/opt/si\", "
                                                "\"landlockAbi\": 3, \"supervisor\": false}");
  char *m;
  (void)state;
  assert_null(d->init_path);
  assert_int_equal(d->landlock_abi, -1);
  assert_true(d->supervisor);
  assert_string_equal(c->init_path, "/opt/si");
  assert_int_equal(c->landlock_abi, 3);
  assert_false(c->supervisor);
  m = parse_err("{\"runtime\": \"/usr/sbin/runc\", \"initPath\": \"si\"}");
  assert_contains(m, CFG_PATH ":1:43: initPath: must be an absolute path");
  free(m);
  m = parse_err("{\"runtime\": \"/usr/sbin/runc\",\n \"landlockAbi\": -1}");
  assert_contains(m, CFG_PATH ":2:17: landlockAbi: must be a whole number");
  free(m);
  m = parse_err("{\"runtime\": \"/usr/sbin/runc\", \"supervisor\": \"no\"}");
  assert_contains(m, "supervisor: must be true or false");
  free(m);
}

/* complainRecords: complain mode records too (default false). */
static void test_complain_records(void **state) {
  cleanup_config struct sk_config *d = parse_ok("{\"runtime\": \"/usr/sbin/runc\"}");
  cleanup_config struct sk_config *c = parse_ok("{\"runtime\": \"/usr/sbin/runc\", \"complainRecords\": true}");
  char *m;
  (void)state;
  assert_false(d->complain_records);
  assert_true(c->complain_records);
  m = parse_err("{\"runtime\": \"/usr/sbin/runc\", \"complainRecords\": 1}");
  assert_contains(m, "complainRecords: must be true or false");
  free(m);
}

/* privilegedProfiles: names, checked like profile names. */
static void test_privileged_profiles(void **state) {
  cleanup_config struct sk_config *d = parse_ok("{\"runtime\": \"/usr/sbin/runc\"}");
  cleanup_config struct sk_config *c =
      parse_ok("{\"runtime\": \"/usr/sbin/runc\", \"privilegedProfiles\": [\"system\", \"csi\"]}");
  char *m;
  (void)state;
  assert_int_equal(d->n_privileged_profiles, 0);
  assert_int_equal(c->n_privileged_profiles, 2);
  assert_string_equal(c->privileged_profiles[0], "system");
  assert_string_equal(c->privileged_profiles[1], "csi");
  m = parse_err("{\"runtime\": \"/usr/sbin/runc\", \"privilegedProfiles\": \"system\"}");
  assert_contains(m, "privilegedProfiles: must be an array of profile names");
  free(m);
  m = parse_err("{\"runtime\": \"/usr/sbin/runc\", \"privilegedProfiles\": [\"../x\"]}");
  assert_contains(m, CFG_PATH ":1:54: privilegedProfiles: each entry must be a profile name");
  free(m);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "we");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* A profile with "admit" is chosen only where the config lists it, by
 * annotation or by default; an ordinary profile needs no listing. */
static void test_choose_privileged(void **state) {
  const char *dir = *state;
  char path[512], cfgtext[1024];
  cleanup_config struct sk_config *no = NULL;
  cleanup_config struct sk_config *yes = NULL;
  cleanup_json struct json *ann = NULL;
  struct sk_error *err = NULL;
  struct profile *p = NULL;
  enum sk_mode mode;

  snprintf(path, sizeof(path), "%s/sys.json", dir);
  write_text(path, "{\"name\": \"sys\", \"allowRoot\": true, \"admit\": {\"hostNamespaces\": true}}");
  snprintf(path, sizeof(path), "%s/plain.json", dir);
  write_text(path, "{\"name\": \"plain\"}");
  snprintf(cfgtext, sizeof(cfgtext), "{\"runtime\": \"/usr/sbin/runc\", \"profileDir\": \"%s\"}", dir);
  no = parse_ok(cfgtext);
  snprintf(cfgtext, sizeof(cfgtext),
           "{\"runtime\": \"/usr/sbin/runc\", \"profileDir\": \"%s\", \"privilegedProfiles\": [\"sys\"], "
           "\"defaultProfile\": \"sys\"}",
           dir);
  yes = parse_ok(cfgtext);
  assert_int_equal(
      json_parse("{\"stockade.io/profile\": \"sys\"}", strlen("{\"stockade.io/profile\": \"sys\"}"), &ann, &err), 0);

  assert_int_equal(config_choose(no, SK_MODE_ENFORCE, ann, "spec.json", &p, &mode, &err), -1);
  assert_null(p);
  assert_contains(err->msg, "annotation stockade.io/profile names profile \"sys\", which admits privileged");
  assert_contains(err->msg, "privilegedProfiles");
  sk_error_free(&err);
  assert_int_equal(config_choose(yes, SK_MODE_ENFORCE, ann, "spec.json", &p, &mode, &err), 0);
  assert_true(p->has_admit && p->admit.host_namespaces);
  profile_free(p);
  p = NULL;
  /* by default as well */
  assert_int_equal(config_choose(yes, SK_MODE_ENFORCE, NULL, "spec.json", &p, &mode, &err), 0);
  assert_string_equal(p->name, "sys");
  profile_free(p);
  p = NULL;
  json_freep(&ann);
  assert_int_equal(
      json_parse("{\"stockade.io/profile\": \"plain\"}", strlen("{\"stockade.io/profile\": \"plain\"}"), &ann, &err),
      0);
  assert_int_equal(config_choose(no, SK_MODE_ENFORCE, ann, "spec.json", &p, &mode, &err), 0);
  profile_free(p);
}

/* A config that does not load still names its runtime and stateDir, read
 * from the text when it is not JSON; defaults otherwise. */
static void test_fallback(void **state) {
  const char *dir = *state;
  char path[512];
  cleanup_config struct sk_config *a = NULL;
  cleanup_config struct sk_config *b = NULL;
  cleanup_config struct sk_config *c = NULL;
  struct sk_error *err = NULL;

  snprintf(path, sizeof(path), "%s/broken.json", dir);
  write_text(path, "{\"runtime\": \"/usr/sbin/runc\"\n \"stateDir\" : \"/run/sk\", \"runtme\": 1,}");
  assert_int_equal(config_fallback(path, &a, &err), 0);
  assert_string_equal(a->runtime, "/usr/sbin/runc");
  assert_string_equal(a->state_dir, "/run/sk");
  assert_string_equal(a->path, path);
  /* valid JSON, wrong field: the tree is read */
  write_text(path, "{\"runtime\": \"/usr/bin/crun\", \"defaultMode\": \"strict\"}");
  assert_int_equal(config_fallback(path, &b, &err), 0);
  assert_string_equal(b->runtime, "/usr/bin/crun");
  assert_string_equal(b->state_dir, "/run/stockade");
  /* missing file; a relative runtime is not taken */
  snprintf(path, sizeof(path), "%s/none.json", dir);
  assert_int_equal(config_fallback(path, &c, &err), 0);
  assert_null(c->runtime);
  assert_string_equal(c->state_dir, "/run/stockade");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_privileged_profiles),
      cmocka_unit_test_setup_teardown(test_choose_privileged, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_fallback, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_summary_interval),
      cmocka_unit_test(test_landlock_fields),
      cmocka_unit_test(test_complain_records),
      cmocka_unit_test(test_hash_limits),
      cmocka_unit_test(test_every_field),
      cmocka_unit_test(test_default_mode_values),
      cmocka_unit_test(test_runtime_required),
      cmocka_unit_test(test_runtime_absolute),
      cmocka_unit_test(test_other_paths_absolute),
      cmocka_unit_test(test_unknown_field),
      cmocka_unit_test(test_bad_default_mode),
      cmocka_unit_test(test_annotation_modes),
      cmocka_unit_test(test_not_an_object_or_not_json),
      cmocka_unit_test(test_mode_parse_and_name),
      cmocka_unit_test(test_mode_from_argv0),
      cmocka_unit_test(test_config_path_env),
      cmocka_unit_test(test_config_load_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* shim/lib/confine/apparmor.c: the generated profile rule by rule, the quoting of
 * paths and the conversion of exec globs, and loading and unloading with
 * a stand-in for apparmor_parser (AppArmor is not active on build hosts;
 * tests/integration/t_lsm.sh compiles the real output with the real
 * parser). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "stockade/apparmor.h"
#include "stockade/lsm.h"
#include "stockade/profile.h"
#include "stockade/sys.h"

static char *generate(const char *json) {
  struct profile *p = profile(json);
  struct sk_error *err = NULL;
  char *text = NULL;
  if (aa_profile_generate(p, &text, &err) < 0)
    fail_msg("generate: %s", err->msg);
  profile_free(p);
  return text;
}

/* A rule line ("  <rule>\n") is in text, exactly. */
static bool has_line(const char *text, const char *rule) {
  char *want = NULL;
  bool found;
  if (asprintf(&want, "\n  %s\n", rule) < 0)
    return false;
  found = strstr(text, want) != NULL;
  free(want);
  return found;
}

static void assert_line(const char *text, const char *rule) {
  if (!has_line(text, rule))
    fail_msg("no line \"%s\" in:\n%s", rule, text);
}

static void assert_no_line(const char *text, const char *rule) {
  if (has_line(text, rule))
    fail_msg("unexpected line \"%s\" in:\n%s", rule, text);
}

static size_t count(const char *text, const char *needle) {
  size_t n = 0;
  const char *s = text;
  while ((s = strstr(s, needle))) {
    n++;
    s += strlen(needle);
  }
  return n;
}

#define BASE "{\"name\": \"web\", \"user\": {\"uid\": 101, \"gid\": 101}"

static void test_name_from_profile_name_and_hash(void **state) {
  struct profile *p = profile(BASE "}");
  char name[AA_NAME_MAX], want[AA_NAME_MAX];
  char *text = NULL;
  struct sk_error *err = NULL;
  (void)state;
  aa_profile_name(p, name);
  snprintf(want, sizeof(want), "stockade-web-%.12s", p->sha256);
  assert_string_equal(name, want);
  assert_int_equal(strlen(name), strlen("stockade-web-") + 12);
  assert_int_equal(aa_profile_generate(p, &text, &err), 0);
  {
    char *hdr = NULL;
    assert_true(asprintf(&hdr, "\nprofile %s flags=(attach_disconnected,mediate_deleted) {\n", name) > 0);
    assert_non_null(strstr(text, hdr));
    free(hdr);
  }
  assert_non_null(strstr(text, "abi <abi/3.0>,\n"));
  free(text);
  profile_free(p);
}

static void test_capabilities_exactly_the_profile_set(void **state) {
  char *none = generate(BASE ", \"capabilities\": []}");
  char *two = generate(BASE ", \"capabilities\": [\"NET_BIND_SERVICE\", \"cap_chown\"]}");
  (void)state;
  assert_int_equal(count(none, "  capability"), 0);
  assert_line(two, "capability net_bind_service,");
  assert_line(two, "capability chown,");
  assert_int_equal(count(two, "  capability"), 2);
  free(none);
  free(two);
}

static void test_network_raw_only_with_net_raw(void **state) {
  char *plain = generate(BASE "}");
  char *raw = generate(BASE ", \"capabilities\": [\"NET_RAW\"]}");
  (void)state;
  assert_line(plain, "network inet stream,");
  assert_line(plain, "network inet6 stream,");
  assert_line(plain, "network inet dgram,");
  assert_line(plain, "network inet6 dgram,");
  assert_line(plain, "deny network inet raw,");
  assert_line(plain, "deny network inet6 raw,");
  assert_line(plain, "deny network packet,");
  assert_no_line(plain, "network inet raw,");

  assert_line(raw, "network inet raw,");
  assert_line(raw, "network inet6 raw,");
  assert_line(raw, "network packet,");
  assert_line(raw, "capability net_raw,");
  assert_int_equal(count(raw, "deny network"), 0);
  free(plain);
  free(raw);
}

static void test_files_read_only_but_writable_paths(void **state) {
  char *t = generate(BASE ", \"writablePaths\": [{\"path\": \"/tmp\"}, {\"path\": \"/var/cache/nginx\"}]}");
  (void)state;
  assert_line(t, "\"/{,**}\" rm,");
  assert_line(t, "\"/tmp/{,**}\" rwkl,");
  assert_line(t, "\"/var/cache/nginx/{,**}\" rwkl,");
  /* nothing else of the image is writable */
  assert_int_equal(count(t, "}\" rwkl,"), 3); /* the two and /dev/shm */
  assert_line(t, "deny \"/tmp/{,**}\" mx,");
  assert_line(t, "deny \"/var/cache/nginx/{,**}\" mx,");
  free(t);
}

static void test_writable_path_is_quoted(void **state) {
  char *t = generate(BASE ", \"writablePaths\": [{\"path\": \"/data/a b*[x]{y}\\\"q\\\\z@?^\"}]}");
  (void)state;
  assert_line(t, "\"/data/a b\\*\\[x\\]\\{y\\}\\\"q\\\\z\\@\\?\\^/{,**}\" rwkl,");
  free(t);
}

static void test_exec_without_allow_list(void **state) {
  char *t = generate(BASE ", \"writablePaths\": [{\"path\": \"/tmp\"}]}");
  (void)state;
  assert_line(t, "\"/{,**}\" ix,");
  assert_line(t, "deny \"/tmp/{,**}\" mx,");
  free(t);
}

static void test_exec_allow_list_only(void **state) {
  static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  static const char sha2[] = "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  char *json = NULL, *t;
  (void)state;
  assert_true(asprintf(&json,
                       BASE ", \"exec\": {\"allow\": [\"/bin/*\", \"/usr/lib/[!a-c]x\", {\"path\": \"/app/run\", "
                            "\"sha256\": \"%s\"}, {\"path\": \"/app/run\", \"sha256\": \"%s\"}]}}",
                       sha, sha2) > 0);
  t = generate(json);
  assert_line(t, "\"/bin/*\" ix,");
  assert_line(t, "\"/usr/lib/[^/a-c]x\" ix,");
  assert_line(t, "\"/app/run\" ix,");
  assert_int_equal(count(t, " ix,"), 3); /* the pinned path once */
  assert_no_line(t, "\"/{,**}\" ix,");
  free(t);
  free(json);
}

static void test_mount_pivot_and_kernel_files_denied(void **state) {
  char *t = generate(BASE "}");
  (void)state;
  assert_line(t, "deny mount,");
  assert_line(t, "deny remount,");
  assert_line(t, "deny umount,");
  assert_line(t, "deny pivot_root,");
  assert_line(t, "deny \"/proc/sys/**\" wl,");
  assert_line(t, "deny \"/sys/**\" wl,");
  free(t);
}

static void test_ptrace_and_signal_only_within_own_profile(void **state) {
  struct profile *p = profile(BASE "}");
  char name[AA_NAME_MAX], *rule = NULL, *text = NULL;
  struct sk_error *err = NULL;
  (void)state;
  aa_profile_name(p, name);
  assert_int_equal(aa_profile_generate(p, &text, &err), 0);
  assert_true(asprintf(&rule, "ptrace (trace, read, tracedby, readby) peer=%s,", name) > 0);
  assert_line(text, rule);
  free(rule);
  assert_true(asprintf(&rule, "signal (send, receive) peer=%s,", name) > 0);
  assert_line(text, rule);
  free(rule);
  assert_line(text, "signal (receive) peer=unconfined,");
  /* no rule names any other peer */
  assert_int_equal(count(text, "peer="), 3);
  free(text);
  profile_free(p);
}

static void glob_is(const char *glob, const char *want) {
  char *out = NULL;
  struct sk_error *err = NULL;
  if (aa_glob_from_fnmatch(glob, &out, &err) < 0)
    fail_msg("%s: %s", glob, err->msg);
  if (strcmp(out, want) != 0)
    fail_msg("glob %s: got %s, expected %s", glob, out, want);
  free(out);
}

static void glob_fails(const char *glob, const char *msg_part) {
  char *out = NULL;
  struct sk_error *err = NULL;
  assert_int_equal(aa_glob_from_fnmatch(glob, &out, &err), -1);
  assert_null(out);
  if (strstr(err->msg, msg_part) == NULL || strstr(err->msg, glob) == NULL)
    fail_msg("%s: message \"%s\" lacks \"%s\" or the glob", glob, err->msg, msg_part);
  sk_error_free(&err);
}

static void test_glob_conversion(void **state) {
  (void)state;
  glob_is("/usr/bin/*", "\"/usr/bin/*\"");
  glob_is("/usr/bin/?z", "\"/usr/bin/?z\"");
  glob_is("/lib/ld-musl-*.so.1", "\"/lib/ld-musl-*.so.1\"");
  glob_is("/x/[abc]", "\"/x/[abc]\"");
  glob_is("/x/[a-c0-9]", "\"/x/[a-c0-9]\"");
  glob_is("/x/[!a]", "\"/x/[^/a]\"");
  glob_is("/x/[^a]", "\"/x/[^/a]\"");
  glob_is("/x/[]a]", "\"/x/[\\]a]\"");
  glob_is("/x/[/a]", "\"/x/[a]\"");    /* a '/' in a set never matches */
  glob_is("/x/[a", "\"/x/\\[a\"");     /* unclosed: literal */
  glob_is("/x/a\\*b", "\"/x/a\\*b\""); /* fnmatch escape */
  glob_is("/x/{a,b}", "\"/x/\\{a,b\\}\"");
  glob_is("/x/@{HOME}", "\"/x/\\@\\{HOME\\}\"");
  glob_is("/x/sp ace\"q", "\"/x/sp ace\\\"q\"");
  glob_is("/x/nl\nx", "\"/x/nl\\012x\"");
  glob_fails("/x/[[:alpha:]]", "no AppArmor equivalent");
  glob_fails("/x/[+-0]", "spans \"/\"");
  glob_fails("/x/[/]", "matches no character");
}

static void test_quote_literal(void **state) {
  char *out = NULL;
  struct sk_error *err = NULL;
  (void)state;
  assert_int_equal(aa_quote_literal("/a*b?c[d]e{f}g\\h\"i^j@k", &out, &err), 0);
  assert_string_equal(out, "\"/a\\*b\\?c\\[d\\]e\\{f\\}g\\\\h\\\"i\\^j\\@k\"");
  free(out);
  out = NULL;
  assert_int_equal(aa_quote_literal("/tab\there\x7f", &out, &err), 0);
  assert_string_equal(out, "\"/tab\\011here\\177\"");
  free(out);
}

/* ---- load and unload, with a stand-in parser that logs its arguments */

struct fake {
  char dir[64];
  char parser[128];
  char log[128];
};

static void fake_setup(struct fake *f, int rc) {
  FILE *s;
  snprintf(f->dir, sizeof(f->dir), "/tmp/sk-aa.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  snprintf(f->parser, sizeof(f->parser), "%s/parser", f->dir);
  snprintf(f->log, sizeof(f->log), "%s/parser.log", f->dir);
  s = fopen(f->parser, "w");
  assert_non_null(s);
  fprintf(s, "#!/bin/sh\necho \"$1 $3\" >>%s\n[ %d = 0 ] || echo \"AppArmor parser error: bad rule\"\nexit %d\n",
          f->log, rc, rc);
  fclose(s);
  assert_int_equal(chmod(f->parser, 0755), 0);
}

static char *slurp(const char *path) {
  char *buf = NULL;
  size_t len;
  struct sk_error *err = NULL;
  if (read_file(path, &buf, &len, &err) < 0) {
    sk_error_free(&err);
    return strdup("");
  }
  return buf;
}

static void fake_teardown(struct fake *f) {
  char *cmd = NULL;
  assert_true(asprintf(&cmd, "rm -rf %s", f->dir) > 0);
  assert_int_equal(system(cmd), 0);
  free(cmd);
}

static void mkkey(const struct fake *f, const char *key) {
  char *p = NULL;
  assert_true(asprintf(&p, "%s/%s", f->dir, key) > 0);
  assert_int_equal(mkdir(p, 0700), 0);
  free(p);
}

static void test_load_and_release_counts_users(void **state) {
  struct fake f;
  struct sk_error *err = NULL;
  char *log, *file = NULL, *mark = NULL;
  int unloaded = -1;
  struct stat st;
  (void)state;
  fake_setup(&f, 0);
  mkkey(&f, "k1");
  mkkey(&f, "k2");
  assert_int_equal(aa_profile_load(f.parser, f.dir, "k1", "stockade-web-0123456789ab", "profile x {}\n", &err), 0);
  assert_int_equal(aa_profile_load(f.parser, f.dir, "k2", "stockade-web-0123456789ab", "profile x {}\n", &err), 0);
  assert_true(asprintf(&file, "%s/apparmor/stockade-web-0123456789ab.profile", f.dir) > 0);
  assert_true(asprintf(&mark, "%s/apparmor/stockade-web-0123456789ab.users/k1", f.dir) > 0);
  assert_int_equal(stat(file, &st), 0);
  assert_int_equal(stat(mark, &st), 0);
  log = slurp(f.log);
  assert_int_equal(count(log, "-r "), 2);
  assert_non_null(strstr(log, file));
  free(log);

  /* k2 still uses it: not unloaded */
  assert_int_equal(aa_profile_release(f.parser, f.dir, "k1", &unloaded, &err), 0);
  assert_int_equal(unloaded, 0);
  assert_int_equal(stat(mark, &st), -1);
  log = slurp(f.log);
  assert_int_equal(count(log, "-R "), 0);
  free(log);

  /* the last user: unloaded, its file gone */
  assert_int_equal(aa_profile_release(f.parser, f.dir, "k2", &unloaded, &err), 0);
  assert_int_equal(unloaded, 1);
  log = slurp(f.log);
  assert_int_equal(count(log, "-R "), 1);
  free(log);
  assert_int_equal(stat(file, &st), -1);

  /* a key that never loaded anything: nothing happens */
  assert_int_equal(aa_profile_release(f.parser, f.dir, "k3", &unloaded, &err), 0);
  assert_int_equal(unloaded, 0);
  free(file);
  free(mark);
  fake_teardown(&f);
}

static void test_stale_user_does_not_hold_profile(void **state) {
  struct fake f;
  struct sk_error *err = NULL;
  char *stale = NULL;
  struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
  int unloaded = -1;
  (void)state;
  fake_setup(&f, 0);
  mkkey(&f, "k1");
  /* "gone" has no state directory; its mark is old: stale */
  assert_int_equal(aa_profile_load(f.parser, f.dir, "k1", "stockade-a-0123456789ab", "x\n", &err), 0);
  assert_int_equal(aa_profile_load(f.parser, f.dir, "gone", "stockade-a-0123456789ab", "x\n", &err), 0);
  assert_true(asprintf(&stale, "%s/apparmor/stockade-a-0123456789ab.users/gone", f.dir) > 0);
  assert_int_equal(utimensat(AT_FDCWD, stale, old, 0), 0);
  assert_int_equal(aa_profile_release(f.parser, f.dir, "k1", &unloaded, &err), 0);
  assert_int_equal(unloaded, 1);
  free(stale);
  fake_teardown(&f);
}

static void test_young_mark_without_state_holds_profile(void **state) {
  struct fake f;
  struct sk_error *err = NULL;
  int unloaded = -1;
  (void)state;
  fake_setup(&f, 0);
  mkkey(&f, "k1");
  /* a create between its load and its state directory */
  assert_int_equal(aa_profile_load(f.parser, f.dir, "k1", "stockade-a-0123456789ab", "x\n", &err), 0);
  assert_int_equal(aa_profile_load(f.parser, f.dir, "creating", "stockade-a-0123456789ab", "x\n", &err), 0);
  assert_int_equal(aa_profile_release(f.parser, f.dir, "k1", &unloaded, &err), 0);
  assert_int_equal(unloaded, 0);
  fake_teardown(&f);
}

static void test_failed_load_names_parser_and_leaves_no_mark(void **state) {
  struct fake f;
  struct sk_error *err = NULL;
  char *mark = NULL;
  struct stat st;
  (void)state;
  fake_setup(&f, 1);
  assert_int_equal(aa_profile_load(f.parser, f.dir, "k1", "stockade-a-0123456789ab", "x\n", &err), -1);
  assert_non_null(strstr(err->msg, f.parser));
  assert_non_null(strstr(err->msg, "exit 1"));
  assert_non_null(strstr(err->msg, "bad rule"));
  sk_error_free(&err);
  assert_true(asprintf(&mark, "%s/apparmor/stockade-a-0123456789ab.users/k1", f.dir) > 0);
  assert_int_equal(stat(mark, &st), -1);
  free(mark);
  fake_teardown(&f);
}

static void test_missing_parser_is_named(void **state) {
  struct fake f;
  struct sk_error *err = NULL;
  (void)state;
  fake_setup(&f, 0);
  assert_int_equal(aa_profile_load("/nonexistent/apparmor_parser", f.dir, "k1", "stockade-a-0123456789ab", "x\n", &err),
                   -1);
  assert_non_null(strstr(err->msg, "/nonexistent/apparmor_parser"));
  sk_error_free(&err);
  fake_teardown(&f);
}

/* ---- harden_lsm with AppArmor "active" and the stand-in parser */

static void test_harden_sets_and_keeps_profile(void **state) {
  struct fake f;
  struct profile *p = profile(BASE "}");
  struct lsm_host h = {.apparmor = true};
  struct lsm_applied a;
  struct sk_error *err = NULL;
  struct json *spec = parse("{\"process\": {\"args\": [\"sh\"]}}");
  struct json *engine = parse("{\"process\": {\"apparmorProfile\": \"docker-default\"}}");
  struct json *rerun = parse("{\"process\": {\"apparmorProfile\": \"stockade-web-000000000000\"}}");
  char name[AA_NAME_MAX];
  char *log;
  (void)state;
  fake_setup(&f, 0);
  h.aa_parser = f.parser;
  mkkey(&f, "k1");
  aa_profile_name(p, name);

  assert_int_equal(harden_lsm(spec, p, &h, f.dir, "k1", &a, &err), 0);
  assert_int_equal(a.layer, LSM_LAYER_APPARMOR);
  assert_string_equal(json_string(json_get_path(spec, "process", "apparmorProfile", NULL)), name);
  assert_string_equal(a.apparmor_profile, name);
  assert_null(a.engine_value);
  lsm_applied_clear(&a);
  log = slurp(f.log);
  assert_int_equal(count(log, "-r "), 1);
  free(log);

  /* the engine's own profile is kept, nothing is loaded */
  assert_int_equal(harden_lsm(engine, p, &h, f.dir, "k2", &a, &err), 0);
  assert_string_equal(json_string(json_get_path(engine, "process", "apparmorProfile", NULL)), "docker-default");
  assert_string_equal(a.engine_value, "docker-default");
  assert_null(a.apparmor_profile);
  lsm_applied_clear(&a);
  log = slurp(f.log);
  assert_int_equal(count(log, "-r "), 1);
  free(log);

  /* ours from an earlier run of the bundle is replaced */
  assert_int_equal(harden_lsm(rerun, p, &h, f.dir, "k1", &a, &err), 0);
  assert_string_equal(json_string(json_get_path(rerun, "process", "apparmorProfile", NULL)), name);
  lsm_applied_clear(&a);

  json_free(spec);
  json_free(engine);
  json_free(rerun);
  profile_free(p);
  fake_teardown(&f);
}

static void test_harden_lsm_off_changes_nothing(void **state) {
  struct profile *p = profile(BASE ", \"lsm\": \"off\"}");
  struct lsm_host h = {.apparmor = true, .aa_parser = "/nonexistent"};
  struct lsm_applied a;
  struct sk_error *err = NULL;
  struct json *spec = parse("{\"process\": {\"args\": [\"sh\"]}}");
  (void)state;
  assert_int_equal(harden_lsm(spec, p, &h, "/nonexistent", "k1", &a, &err), 0);
  assert_int_equal(a.layer, LSM_LAYER_NONE);
  assert_null(json_get_path(spec, "process", "apparmorProfile", NULL));
  json_free(spec);
  profile_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_name_from_profile_name_and_hash),
      cmocka_unit_test(test_capabilities_exactly_the_profile_set),
      cmocka_unit_test(test_network_raw_only_with_net_raw),
      cmocka_unit_test(test_files_read_only_but_writable_paths),
      cmocka_unit_test(test_writable_path_is_quoted),
      cmocka_unit_test(test_exec_without_allow_list),
      cmocka_unit_test(test_exec_allow_list_only),
      cmocka_unit_test(test_mount_pivot_and_kernel_files_denied),
      cmocka_unit_test(test_ptrace_and_signal_only_within_own_profile),
      cmocka_unit_test(test_glob_conversion),
      cmocka_unit_test(test_quote_literal),
      cmocka_unit_test(test_load_and_release_counts_users),
      cmocka_unit_test(test_stale_user_does_not_hold_profile),
      cmocka_unit_test(test_young_mark_without_state_holds_profile),
      cmocka_unit_test(test_failed_load_names_parser_and_leaves_no_mark),
      cmocka_unit_test(test_missing_parser_is_named),
      cmocka_unit_test(test_harden_sets_and_keeps_profile),
      cmocka_unit_test(test_harden_lsm_off_changes_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* shim/lib/confine/selinux.c and the SELinux side of shim/lib/confine/lsm.c: the lxc_contexts
 * file, MCS pairs (allocation, release, no reuse while held, reclaim of
 * stale ones), the engine's label kept, and what happens with SELinux
 * (and AppArmor) off. The host's "enabled" and contexts file are given
 * to the code, never read here. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "stockade/judge.h"
#include "stockade/lsm.h"
#include "stockade/profile.h"
#include "stockade/selinux.h"
#include "stockade/sys.h"

/* What Fedora's container-selinux ships, trimmed. */
static const char contexts[] = "# container contexts\n"
                               "process = \"system_u:system_r:container_t:s0\"\n"
                               "content = \"system_u:object_r:virt_var_lib_t:s0\"\n"
                               "file = \"system_u:object_r:container_file_t:s0\"\n"
                               "ro_file=\"system_u:object_r:container_ro_file_t:s0\"\n"
                               "sandbox_kvm_process = \"system_u:system_r:container_kvm_t:s0\"\n";

static char tmpdir[64];

static int setup(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/sk-se.XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  char *cmd = NULL;
  (void)state;
  if (asprintf(&cmd, "rm -rf %s", tmpdir) < 0)
    return -1;
  if (system(cmd) != 0) {
    free(cmd);
    return -1;
  }
  free(cmd);
  return 0;
}

static char *tmp_path(const char *name) {
  char *p = NULL;
  assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
  return p;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static void test_contexts_parse(void **state) {
  char *proc = NULL, *file = NULL;
  struct sk_error *err = NULL;
  (void)state;
  assert_int_equal(sel_contexts_parse("/x/lxc_contexts", contexts, &proc, &file, &err), 0);
  assert_string_equal(proc, "system_u:system_r:container_t:s0");
  assert_string_equal(file, "system_u:object_r:container_file_t:s0");
  free(proc);
  free(file);
  /* unquoted values, spaces, comments after the value */
  assert_int_equal(
      sel_contexts_parse("/x/lxc_contexts", "  process=u:r:t:s0 # c\nfile =u:object_r:f:s0\n", &proc, &file, &err), 0);
  assert_string_equal(proc, "u:r:t:s0");
  assert_string_equal(file, "u:object_r:f:s0");
  free(proc);
  free(file);
}

static void test_contexts_parse_errors(void **state) {
  char *proc = NULL, *file = NULL;
  struct sk_error *err = NULL;
  (void)state;
  assert_int_equal(sel_contexts_parse("/x/lxc_contexts", "process = \"u:r:t:s0\"\n", &proc, &file, &err), -1);
  assert_non_null(strstr(err->msg, "/x/lxc_contexts"));
  assert_non_null(strstr(err->msg, "\"file\""));
  sk_error_free(&err);
  assert_int_equal(
      sel_contexts_parse("/x/lxc_contexts", "process = \"container_t\"\nfile = \"u:r:t:s0\"\n", &proc, &file, &err),
      -1);
  assert_non_null(strstr(err->msg, "line 1"));
  assert_non_null(strstr(err->msg, "container_t"));
  sk_error_free(&err);
  assert_int_equal(sel_contexts_parse("/x/lxc_contexts", "garbage\n", &proc, &file, &err), -1);
  assert_non_null(strstr(err->msg, "line 1"));
  sk_error_free(&err);
  assert_null(proc);
  assert_null(file);
}

static void test_context_with_mcs(void **state) {
  char *out = NULL;
  struct sk_error *err = NULL;
  (void)state;
  assert_int_equal(sel_context_with_mcs("system_u:system_r:container_t:s0", 3, 1000, &out, &err), 0);
  assert_string_equal(out, "system_u:system_r:container_t:s0:c3,c1000");
  free(out);
  /* a range level is replaced whole */
  assert_int_equal(sel_context_with_mcs("u:r:t:s0-s0:c0.c1023", 1, 2, &out, &err), 0);
  assert_string_equal(out, "u:r:t:s0:c1,c2");
  free(out);
  assert_int_equal(sel_context_with_mcs("u:r:t", 1, 2, &out, &err), -1);
  sk_error_free(&err);
}

static void pair_file(int a, int b, char *buf, size_t size) { snprintf(buf, size, "%s/mcs/c%d,c%d", tmpdir, a, b); }

static void test_alloc_unique_and_recorded(void **state) {
  enum { N = 300 };
  static int as[N], bs[N];
  struct sk_error *err = NULL;
  char path[128], *owner;
  size_t len;
  int i, j;
  (void)state;
  for (i = 0; i < N; i++) {
    char key[16];
    snprintf(key, sizeof(key), "key%d", i);
    assert_int_equal(sel_mcs_alloc(tmpdir, key, &as[i], &bs[i], &err), 0);
    assert_true(as[i] >= 0 && as[i] < bs[i] && bs[i] < SEL_MCS_MAX);
    pair_file(as[i], bs[i], path, sizeof(path));
    assert_int_equal(read_file(path, &owner, &len, &err), 0);
    assert_string_equal(owner, key);
    free(owner);
  }
  for (i = 0; i < N; i++)
    for (j = i + 1; j < N; j++)
      if (as[i] == as[j] && bs[i] == bs[j])
        fail_msg("containers %d and %d share c%d,c%d", i, j, as[i], bs[i]);
}

static void test_release_frees_only_own_pair(void **state) {
  struct sk_error *err = NULL;
  struct stat st;
  char p1[128], p2[128];
  int a1, b1, a2, b2, n = -1;
  (void)state;
  assert_int_equal(sel_mcs_alloc(tmpdir, "k1", &a1, &b1, &err), 0);
  assert_int_equal(sel_mcs_alloc(tmpdir, "k2", &a2, &b2, &err), 0);
  pair_file(a1, b1, p1, sizeof(p1));
  pair_file(a2, b2, p2, sizeof(p2));
  assert_int_equal(sel_mcs_release(tmpdir, "k1", &n, &err), 0);
  assert_int_equal(n, 1);
  assert_int_equal(stat(p1, &st), -1);
  assert_int_equal(stat(p2, &st), 0);
  /* released: free to take again */
  assert_int_equal(sel_mcs_take(tmpdir, "k3", a1, b1, &err), 0);
  assert_int_equal(sel_mcs_release(tmpdir, "nobody", &n, &err), 0);
  assert_int_equal(n, 0);
}

static void test_no_reuse_while_held(void **state) {
  struct sk_error *err = NULL;
  char *live;
  (void)state;
  live = tmp_path("live");
  assert_int_equal(mkdir(live, 0700), 0); /* its state directory exists */
  assert_int_equal(sel_mcs_take(tmpdir, "live", 5, 6, &err), 0);
  assert_int_equal(sel_mcs_take(tmpdir, "other", 5, 6, &err), 1);
  /* held by a create that has no state directory yet (young mark) */
  assert_int_equal(sel_mcs_take(tmpdir, "creating", 7, 8, &err), 0);
  assert_int_equal(sel_mcs_take(tmpdir, "other", 7, 8, &err), 1);
  free(live);
}

static void test_stale_pair_reclaimed(void **state) {
  struct sk_error *err = NULL;
  struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
  char path[128], *owner;
  size_t len;
  (void)state;
  assert_int_equal(sel_mcs_take(tmpdir, "gone", 9, 10, &err), 0);
  pair_file(9, 10, path, sizeof(path));
  assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
  assert_int_equal(sel_mcs_take(tmpdir, "new", 9, 10, &err), 0);
  assert_int_equal(read_file(path, &owner, &len, &err), 0);
  assert_string_equal(owner, "new");
  free(owner);
  /* an old mark whose container state exists is not stale */
  {
    char *live = tmp_path("old-live");
    assert_int_equal(mkdir(live, 0700), 0);
    assert_int_equal(sel_mcs_take(tmpdir, "old-live", 11, 12, &err), 0);
    pair_file(11, 12, path, sizeof(path));
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    assert_int_equal(sel_mcs_take(tmpdir, "new", 11, 12, &err), 1);
    free(live);
  }
}

#define WEB "{\"name\": \"web\", \"user\": {\"uid\": 101, \"gid\": 101}"

static void test_harden_sets_label_and_release(void **state) {
  char *ctxfile = tmp_path("lxc_contexts"), *dir = tmp_path("k1"), want[128];
  struct lsm_host h = {.selinux = {.enabled = true}};
  struct profile *p = profile(WEB "}");
  struct json *spec = parse("{\"process\": {\"args\": [\"sh\"]}, \"linux\": {}}");
  struct lsm_applied a;
  struct sk_error *err = NULL;
  struct stat st;
  char path[128];
  int a1, b1;
  (void)state;
  write_text(ctxfile, contexts);
  h.selinux.contexts_path = ctxfile;
  assert_int_equal(mkdir(dir, 0700), 0);
  assert_int_equal(harden_lsm(spec, p, &h, tmpdir, "k1", &a, &err), 0);
  assert_int_equal(a.layer, LSM_LAYER_SELINUX);
  assert_int_equal(sscanf(a.mcs, "c%d,c%d", &a1, &b1), 2);
  snprintf(want, sizeof(want), "system_u:system_r:container_t:s0:c%d,c%d", a1, b1);
  assert_string_equal(json_string(json_get_path(spec, "process", "selinuxLabel", NULL)), want);
  snprintf(want, sizeof(want), "system_u:object_r:container_file_t:s0:c%d,c%d", a1, b1);
  assert_string_equal(json_string(json_get_path(spec, "linux", "mountLabel", NULL)), want);
  pair_file(a1, b1, path, sizeof(path));
  assert_int_equal(stat(path, &st), 0);
  /* recorded in the container's state */
  assert_int_equal(lsm_save_state(dir, &a, &err), 0);
  {
    char *f = NULL, *txt = NULL;
    size_t len;
    assert_true(asprintf(&f, "%s/lsm.json", dir) > 0);
    assert_int_equal(read_file(f, &txt, &len, &err), 0);
    assert_non_null(strstr(txt, "\"selinux\""));
    assert_non_null(strstr(txt, a.mcs));
    free(f);
    free(txt);
  }
  lsm_release(dir);
  assert_int_equal(stat(path, &st), -1);
  lsm_applied_clear(&a);
  json_free(spec);
  profile_free(p);
  free(ctxfile);
  free(dir);
}

/* The engine's own label is kept by hardening (a container type with its
 * own categories; a type that is not a container's, such as spc_t, the
 * judge refuses first: test_judge_spec_unconfined). */
static void test_engine_label_kept(void **state) {
  char *ctxfile = tmp_path("lxc_contexts");
  struct lsm_host h = {.selinux = {.enabled = true}};
  struct profile *p = profile(WEB "}");
  struct json *spec = parse("{\"process\": {\"selinuxLabel\": \"system_u:system_r:container_t:s0:c7,c9\"}, \"linux\": "
                            "{\"mountLabel\": \"system_u:object_r:container_file_t:s0:c1,c2\"}}");
  struct lsm_applied a;
  struct sk_error *err = NULL;
  struct stat st;
  char *mcs = tmp_path("mcs");
  (void)state;
  write_text(ctxfile, contexts);
  h.selinux.contexts_path = ctxfile;
  assert_int_equal(harden_lsm(spec, p, &h, tmpdir, "k1", &a, &err), 0);
  assert_string_equal(a.engine_value, "system_u:system_r:container_t:s0:c7,c9");
  assert_null(a.selinux_label);
  assert_string_equal(json_string(json_get_path(spec, "process", "selinuxLabel", NULL)),
                      "system_u:system_r:container_t:s0:c7,c9");
  assert_string_equal(json_string(json_get_path(spec, "linux", "mountLabel", NULL)),
                      "system_u:object_r:container_file_t:s0:c1,c2");
  assert_int_equal(stat(mcs, &st), -1); /* nothing allocated */
  lsm_applied_clear(&a);
  json_free(spec);
  profile_free(p);
  free(ctxfile);
  free(mcs);
}

static void test_bad_contexts_file_fails_and_allocates_nothing(void **state) {
  char *ctxfile = tmp_path("lxc_contexts");
  struct lsm_host h = {.selinux = {.enabled = true}};
  struct profile *p = profile(WEB "}");
  struct json *spec = parse("{\"process\": {}}");
  struct lsm_applied a;
  struct sk_error *err = NULL;
  struct stat st;
  char *mcs = tmp_path("mcs");
  (void)state;
  write_text(ctxfile, "process = \"u:r:t:s0\"\n");
  h.selinux.contexts_path = ctxfile;
  assert_int_equal(harden_lsm(spec, p, &h, tmpdir, "k1", &a, &err), -1);
  assert_non_null(strstr(err->msg, ctxfile));
  sk_error_free(&err);
  assert_null(json_get_path(spec, "process", "selinuxLabel", NULL));
  assert_int_equal(stat(mcs, &st), -1);
  lsm_applied_clear(&a);
  json_free(spec);
  profile_free(p);
  free(ctxfile);
  free(mcs);
}

/* SELinux (and AppArmor) off: nothing set, and the reason is reported. */
static void test_selinux_off(void **state) {
  struct lsm_host h = {.selinux = {.enabled = false, .contexts_path = "/nonexistent"}};
  struct profile *opt = profile(WEB "}");
  struct profile *req = profile(WEB ", \"lsm\": \"required\"}");
  struct profile *off = profile(WEB ", \"lsm\": \"off\"}");
  struct json *spec = parse("{\"process\": {\"args\": [\"sh\"]}, \"linux\": {}}");
  char *before = NULL, *after = NULL, *mcs = tmp_path("mcs");
  struct lsm_applied a;
  struct findings f = {0};
  struct sk_error *err = NULL;
  struct stat st;
  size_t len;
  (void)state;
  snprintf(h.active, sizeof(h.active), "landlock,bpf");
  assert_int_equal(json_gen(spec, &before, &len, &err), 0);
  assert_int_equal(harden_lsm(spec, opt, &h, tmpdir, "k1", &a, &err), 0);
  assert_int_equal(a.layer, LSM_LAYER_NONE);
  assert_int_equal(json_gen(spec, &after, &len, &err), 0);
  assert_string_equal(before, after);
  assert_int_equal(stat(mcs, &st), -1);

  /* optional and off: no finding; required: refused with the reason */
  assert_int_equal(lsm_judge(opt, &h, &f, &err), 0);
  assert_int_equal(lsm_judge(off, &h, &f, &err), 0);
  assert_int_equal(f.n, 0);
  assert_int_equal(lsm_judge(req, &h, &f, &err), 0);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.v[0].rule, "SK-LSM-REQUIRED");
  assert_int_equal(f.v[0].kind, FINDING_REFUSE);
  assert_string_equal(f.v[0].what, "profile web requires an LSM but neither AppArmor nor SELinux is active on this "
                                   "host (active: landlock,bpf)");
  findings_clear(&f);

  /* with SELinux on, required is met */
  h.selinux.enabled = true;
  assert_int_equal(lsm_judge(req, &h, &f, &err), 0);
  assert_int_equal(f.n, 0);
  assert_int_equal(lsm_layer_for(req, &h), LSM_LAYER_SELINUX);
  assert_int_equal(lsm_layer_for(off, &h), LSM_LAYER_NONE);
  h.apparmor = true; /* AppArmor first when both answer */
  assert_int_equal(lsm_layer_for(req, &h), LSM_LAYER_APPARMOR);

  free(before);
  free(after);
  free(mcs);
  json_free(spec);
  profile_free(opt);
  profile_free(req);
  profile_free(off);
}

/* The spec's own AppArmor profile or SELinux label, where the host has
 * the layer the profile applies: "unconfined" and a type that is not a
 * container's (or a label that cannot be read as user:role:type:level)
 * are refused; a host without the layer, or a profile with "lsm": "off"
 * (the privileged system profile), refuses nothing. */
static void test_judge_spec_unconfined(void **state) {
  static const struct {
    bool apparmor, selinux;
    const char *key, *value, *profile;
    bool refused;
  } cases[] = {
      {true, false, "apparmorProfile", "unconfined", WEB "}", true},
      {true, false, "apparmorProfile", "docker-default", WEB "}", false},
      {true, false, "apparmorProfile", "unconfined", WEB ", \"lsm\": \"off\"}", false},
      {false, false, "apparmorProfile", "unconfined", WEB "}", false},
      {false, true, "selinuxLabel", "system_u:system_r:spc_t:s0", WEB "}", true},
      {false, true, "selinuxLabel", "unconfined_u:unconfined_r:unconfined_t:s0", WEB "}", true},
      {false, true, "selinuxLabel", "system_u:system_r:container_t:s0:c1,c2", WEB "}", false},
      {false, true, "selinuxLabel", "system_u:system_r:container_init_t:s0", WEB ", \"lsm\": \"required\"}", false},
      {false, true, "selinuxLabel", "container_t", WEB "}", true},
      {false, true, "selinuxLabel", "a:b:container_t", WEB "}", true},
      {false, true, "selinuxLabel", "a:b:container_tx:s0", WEB "}", true},
      {false, true, "selinuxLabel", "system_u:system_r:spc_t:s0", WEB ", \"lsm\": \"off\"}", false},
      {false, false, "selinuxLabel", "system_u:system_r:spc_t:s0", WEB "}", false},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct lsm_host h = {.apparmor = cases[i].apparmor, .selinux = {.enabled = cases[i].selinux}};
    struct profile *p = profile(cases[i].profile);
    struct json *spec = parse("{\"process\": {\"args\": [\"sh\"]}}");
    struct findings f = {0};
    struct sk_error *err = NULL;
    json_set(json_get(spec, "process"), cases[i].key, json_new_string(cases[i].value));
    assert_int_equal(lsm_judge_spec(spec, p, &h, &f, &err), 0);
    if (cases[i].refused != (f.n == 1))
      fail_msg("case %zu (%s %s): %zu findings", i, cases[i].key, cases[i].value, f.n);
    if (f.n) {
      assert_string_equal(f.v[0].rule, "SK-LSM-UNCONFINED");
      assert_int_equal(f.v[0].kind, FINDING_REFUSE);
      assert_non_null(strstr(f.v[0].what, cases[i].key));
    }
    findings_clear(&f);
    json_free(spec);
    profile_free(p);
  }
}

/* exec --process: the container's label and profile where the process
 * file names none; its own kept; nothing without lsm.json. */
static void test_exec_process_gets_container_label(void **state) {
  char *dir = tmp_path("k1"), *f = NULL;
  struct json *bare = parse("{\"args\": [\"sh\"]}");
  struct json *own = parse("{\"args\": [\"sh\"], \"selinuxLabel\": \"u:r:spc_t:s0\"}");
  struct sk_error *err = NULL;
  (void)state;
  assert_int_equal(mkdir(dir, 0700), 0);
  assert_int_equal(lsm_exec_process(dir, bare, &err), 0);
  assert_null(json_get(bare, "selinuxLabel"));
  assert_true(asprintf(&f, "%s/lsm.json", dir) > 0);
  write_text(f, "{\"layer\": \"selinux\", \"selinuxLabel\": \"u:r:container_t:s0:c1,c2\", \"apparmorProfile\": "
                "\"stockade-web-0123456789ab\"}");
  assert_int_equal(lsm_exec_process(dir, bare, &err), 0);
  assert_string_equal(json_string(json_get(bare, "selinuxLabel")), "u:r:container_t:s0:c1,c2");
  assert_string_equal(json_string(json_get(bare, "apparmorProfile")), "stockade-web-0123456789ab");
  assert_int_equal(lsm_exec_process(dir, own, &err), 0);
  assert_string_equal(json_string(json_get(own, "selinuxLabel")), "u:r:spc_t:s0");
  json_free(bare);
  json_free(own);
  free(f);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_contexts_parse),
      cmocka_unit_test(test_contexts_parse_errors),
      cmocka_unit_test(test_context_with_mcs),
      cmocka_unit_test_setup_teardown(test_alloc_unique_and_recorded, setup, teardown),
      cmocka_unit_test_setup_teardown(test_release_frees_only_own_pair, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_reuse_while_held, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_pair_reclaimed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_harden_sets_label_and_release, setup, teardown),
      cmocka_unit_test_setup_teardown(test_engine_label_kept, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_contexts_file_fails_and_allocates_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_selinux_off, setup, teardown),
      cmocka_unit_test(test_judge_spec_unconfined),
      cmocka_unit_test_setup_teardown(test_exec_process_gets_container_label, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

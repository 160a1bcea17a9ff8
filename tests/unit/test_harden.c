/* SPDX-License-Identifier: Apache-2.0 */
/* Every hardening step of shim/lib/spec/harden.c. */
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

#include "stockade/harden.h"
#include "stockade/json.h"
#include "stockade/judge.h"
#include "stockade/profile.h"
#include "stockade/seccomp.h"
#include "stockade/spec.h"
#include "valgrind.h"

/* What `runc spec` writes, trimmed: root, caps, writable /proc and /dev. */
static const char *engine_spec =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[0,10]},"
    "\"args\":[\"sh\"],\"capabilities\":{\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"ambient\":[\"CAP_KILL\"]},\"noNewPrivileges\":false},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":false},"
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\","
    "\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\","
    "\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
    "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\",\"options\":[\"rbind\",\"exec\",\"suid\"]},"
    "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/srv/hosts\",\"options\":[\"rbind\",\"ro\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"network\"},{\"type\":\"mount\"}],"
    "\"maskedPaths\":[\"/proc/kcore\",\"/custom\"]}}";

static void harden(struct json *spec, struct profile *p) {
  struct sk_error *err = NULL;
  if (harden_spec(spec, p, &err) < 0)
    fail_msg("harden_spec: %s", err->msg);
}

static struct json *mount_at(struct json *spec, const char *dest) {
  struct json *m = json_get(spec, "mounts");
  size_t i;
  for (i = 0; i < m->n; i++)
    if (strcmp(json_string(json_get(m->items[i], "destination")), dest) == 0)
      return m->items[i];
  return NULL;
}

static void assert_set(struct json *spec, const char *set, const char *const *want) {
  struct json *arr = json_get_path(spec, "process", "capabilities", set, NULL);
  size_t n = 0;
  assert_non_null(arr);
  for (; want[n]; n++)
    if (!json_array_has_string(arr, want[n]))
      fail_msg("%s lacks %s", set, want[n]);
  if (arr->n != n)
    fail_msg("%s has %zu capabilities, want %zu", set, arr->n, n);
}

static void test_user_rootfs_nnp(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1234,\"gid\":4321}}");
  uint64_t v = 0;
  bool b = false;
  harden(spec, p);
  assert_true(json_uint64(json_get_path(spec, "process", "user", "uid", NULL), &v));
  assert_int_equal(v, 1234);
  assert_true(json_uint64(json_get_path(spec, "process", "user", "gid", NULL), &v));
  assert_int_equal(v, 4321);
  /* the root group is dropped from additionalGids, others kept */
  assert_int_equal(json_get_path(spec, "process", "user", "additionalGids", NULL)->n, 1);
  assert_true(json_bool(json_get_path(spec, "root", "readonly", NULL), &b) && b);
  assert_true(json_bool(json_get_path(spec, "process", "noNewPrivileges", NULL), &b) && b);
  json_free(spec);
  profile_free(p);
}

static void test_non_root_user_kept(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1234,\"gid\":4321}}");
  uint64_t v = 0;
  json_set(json_get_path(spec, "process", "user", NULL), "uid", json_new_int(1000));
  harden(spec, p);
  assert_true(json_uint64(json_get_path(spec, "process", "user", "uid", NULL), &v));
  assert_int_equal(v, 1000);
  json_free(spec);
  profile_free(p);
}

static void test_writable_rootfs_allowed(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1},\"writableRootfs\":true}");
  bool b = true;
  harden(spec, p);
  assert_true(json_bool(json_get_path(spec, "root", "readonly", NULL), &b));
  assert_false(b);
  json_free(spec);
  profile_free(p);
}

static void test_caps_cut_to_profile(void **state) {
  static const char *const none[] = {NULL};
  static const char *const nbs[] = {"CAP_NET_BIND_SERVICE", NULL};
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":101,\"gid\":101},"
                              "\"capabilities\":[\"NET_BIND_SERVICE\",\"CHOWN\"]}");
  harden(spec, p);
  /* CHOWN is in the profile but not the spec: never added. */
  assert_set(spec, "bounding", nbs);
  assert_set(spec, "effective", nbs);
  assert_set(spec, "permitted", nbs);
  /* remapped from root: what it keeps is made ambient to survive execve */
  assert_set(spec, "inheritable", nbs);
  assert_set(spec, "ambient", nbs);
  json_free(spec);
  profile_free(p);

  spec = parse(engine_spec);
  p = profile("{\"name\":\"test\",\"user\":{\"uid\":101,\"gid\":101}}");
  harden(spec, p);
  assert_set(spec, "bounding", none);
  assert_set(spec, "effective", none);
  assert_set(spec, "ambient", none);
  json_free(spec);
  profile_free(p);
}

static void test_caps_written_when_missing(void **state) {
  static const char *const none[] = {NULL};
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":101,\"gid\":101}}");
  json_del(json_get(spec, "process"), "capabilities");
  harden(spec, p);
  assert_set(spec, "bounding", none);
  assert_set(spec, "permitted", none);
  json_free(spec);
  profile_free(p);
}

static void test_mount_flags(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1}}");
  struct json *o;
  harden(spec, p);
  o = json_get(mount_at(spec, "/data"), "options");
  assert_true(json_array_has_string(o, "noexec"));
  assert_true(json_array_has_string(o, "nosuid"));
  assert_true(json_array_has_string(o, "nodev"));
  assert_false(json_array_has_string(o, "exec"));
  assert_false(json_array_has_string(o, "suid"));
  o = json_get(mount_at(spec, "/proc"), "options");
  assert_true(json_array_has_string(o, "noexec") && json_array_has_string(o, "nodev"));
  /* /dev and devpts keep device nodes usable */
  o = json_get(mount_at(spec, "/dev"), "options");
  assert_true(json_array_has_string(o, "noexec"));
  assert_false(json_array_has_string(o, "nodev"));
  o = json_get(mount_at(spec, "/dev/pts"), "options");
  assert_false(json_array_has_string(o, "nodev"));
  /* read-only mounts are left alone */
  o = json_get(mount_at(spec, "/etc/hosts"), "options");
  assert_int_equal(o->n, 2);
  json_free(spec);
  profile_free(p);
}

static void test_writable_paths(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":7,\"gid\":8},\"writablePaths\":[{\"path\":\"/tmp\","
                              "\"size\":\"16m\"},{\"path\":\"/data\"}]}");
  struct json *m, *o;
  size_t n_before = json_get(spec, "mounts")->n;
  harden(spec, p);
  m = mount_at(spec, "/tmp");
  assert_non_null(m);
  assert_string_equal(json_string(json_get(m, "type")), "tmpfs");
  o = json_get(m, "options");
  assert_true(json_array_has_string(o, "noexec") && json_array_has_string(o, "nosuid") &&
              json_array_has_string(o, "nodev"));
  assert_true(json_array_has_string(o, "size=16m"));
  assert_true(json_array_has_string(o, "uid=7,gid=8"));
  /* /data is mounted by the engine already: not doubled */
  assert_int_equal(json_get(spec, "mounts")->n, n_before + 1);
  json_free(spec);
  profile_free(p);
}

static void test_masked_paths(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1}}");
  size_t i;
  harden(spec, p);
  for (i = 0; spec_masked_paths[i]; i++)
    assert_true(json_array_has_string(json_get_path(spec, "linux", "maskedPaths", NULL), spec_masked_paths[i]));
  for (i = 0; spec_readonly_paths[i]; i++)
    assert_true(json_array_has_string(json_get_path(spec, "linux", "readonlyPaths", NULL), spec_readonly_paths[i]));
  assert_true(json_array_has_string(json_get_path(spec, "linux", "maskedPaths", NULL), "/custom"));
  json_free(spec);
  profile_free(p);
}

static bool rule_allows(const struct json *sc, const char *name) {
  const struct json *rules = json_get(sc, "syscalls");
  size_t i;
  for (i = 0; rules && i < rules->n; i++)
    if (json_array_has_string(json_get(rules->items[i], "names"), name))
      return strcmp(json_string(json_get(rules->items[i], "action")), "SCMP_ACT_ALLOW") == 0;
  return strcmp(json_string(json_get(sc, "defaultAction")), "SCMP_ACT_ALLOW") == 0;
}

static void test_seccomp_generated_and_intersected(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1}}");
  struct json *sc;
  harden(spec, p);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_non_null(sc);
  assert_true(json_get(sc, "architectures")->n >= 1);
  assert_true(rule_allows(sc, "read"));
  assert_false(rule_allows(sc, "unshare"));
  assert_false(rule_allows(sc, "keyctl"));
  json_free(spec);

  /* The engine denies getpid; the profile allows it: the result denies it. */
  spec = parse(engine_spec);
  json_set(json_get(spec, "linux"), "seccomp",
           parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpid\"],"
                 "\"action\":\"SCMP_ACT_ERRNO\"}]}"));
  harden(spec, p);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_false(rule_allows(sc, "getpid"));
  assert_true(rule_allows(sc, "read"));
  assert_false(rule_allows(sc, "mount")); /* the engine allowed it, the profile does not */
  json_free(spec);
  profile_free(p);
}

static void test_idempotent_and_judged_clean(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p =
      profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1},\"writablePaths\":[{\"path\":\"/tmp\"}]}");
  struct findings f = {0};
  struct sk_error *err = NULL;
  char *a = NULL, *b = NULL;
  size_t la, lb;
  harden(spec, p);
  assert_int_equal(json_gen(spec, &a, &la, &err), 0);
  harden(spec, p);
  assert_int_equal(json_gen(spec, &b, &lb, &err), 0);
  assert_string_equal(a, b);
  /* After hardening the judge finds nothing but the seccomp note. */
  assert_int_equal(judge_spec(spec, p, &f, &err), 0);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.v[0].rule, "SK-SECCOMP");
  findings_clear(&f);
  free(a);
  free(b);
  json_free(spec);
  profile_free(p);
}

static void test_annotate(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1}}");
  struct sk_error *err = NULL;
  assert_int_equal(harden_annotate(spec, p, SK_MODE_ENFORCE, &err), 0);
  assert_string_equal(spec_annotation(spec, SK_ANN_APPLIED), "test");
  assert_string_equal(spec_annotation(spec, SK_ANN_APPLIED_MODE), "enforce");
  assert_string_equal(spec_annotation(spec, SK_ANN_SHA256), p->sha256);
  assert_int_equal(strlen(p->sha256), 64);
  json_free(spec);
  profile_free(p);
}

static void test_harden_process_file(void **state) {
  struct json *proc = parse("{\"user\":{\"uid\":0},\"args\":[\"sh\"],\"capabilities\":{\"bounding\":[\"CAP_KILL\"]}}");
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":5,\"gid\":6}}");
  struct sk_error *err = NULL;
  bool remapped = false, b = false;
  uint64_t v;
  assert_int_equal(harden_process(proc, p, &remapped, &err), 0);
  assert_true(remapped);
  assert_true(json_uint64(json_get_path(proc, "user", "uid", NULL), &v) && v == 5);
  assert_true(json_bool(json_get(proc, "noNewPrivileges"), &b) && b);
  assert_int_equal(json_get_path(proc, "capabilities", "bounding", NULL)->n, 0);
  json_free(proc);
  profile_free(p);
}

static const struct json *rule_for(const struct json *sc, const char *name) {
  const struct json *rules = json_get(sc, "syscalls");
  size_t i;
  for (i = 0; rules && i < rules->n; i++)
    if (json_array_has_string(json_get(rules->items[i], "names"), name))
      return rules->items[i];
  return NULL;
}

static void test_supervise_adds_notify(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1}}");
  struct sk_error *err = NULL;
  const struct json *sc, *r;
  harden(spec, p);
  assert_int_equal(harden_supervise(spec, "/run/stockade/abc/sup.sock", NULL, &err), 0);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_string_equal(json_string(json_get(sc, "listenerPath")), "/run/stockade/abc/sup.sock");
  r = rule_for(sc, "execve");
  assert_non_null(r);
  assert_string_equal(json_string(json_get(r, "action")), "SCMP_ACT_NOTIFY");
  r = rule_for(sc, "execveat");
  assert_string_equal(json_string(json_get(r, "action")), "SCMP_ACT_NOTIFY");
  /* everything else as before: read allowed, unshare denied; write is never notified */
  assert_true(rule_allows(sc, "read"));
  assert_true(rule_allows(sc, "write"));
  assert_false(rule_allows(sc, "unshare"));
  assert_int_equal(seccomp_compile_check(sc, &err), 0);
  json_free(spec);
  profile_free(p);
}

static void test_supervise_without_filter(void **state) {
  /* complain mode: the spec's own (absent) filter stays permissive; only
   * the execs go to the supervisor. */
  struct json *spec = parse(engine_spec);
  struct sk_error *err = NULL;
  const struct json *sc;
  assert_int_equal(harden_supervise(spec, "/s/sup.sock", NULL, &err), 0);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_string_equal(json_string(json_get(sc, "defaultAction")), "SCMP_ACT_ALLOW");
  assert_string_equal(json_string(json_get(rule_for(sc, "execve"), "action")), "SCMP_ACT_NOTIFY");
  assert_true(rule_allows(sc, "unshare"));
  assert_int_equal(json_get(sc, "architectures")->n, 1);
  json_free(spec);
}

static bool has_flag(const struct json *sc, const char *flag) {
  return json_array_has_string(json_get(sc, "flags"), flag);
}

/* SECCOMP_FILTER_FLAG_SPEC_ALLOW (the kernel's speculative store bypass
 * mitigation off): the engine's alone does not pass a profile without it;
 * with both it stays, through the memfd refusal and the supervisor's rule,
 * overlays that are no side of the policy; complain mode (the supervisor's
 * rule on the engine's filter) keeps what the engine set. */
static void test_spec_allow_flag(void **state) {
  static const char engine_sc[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\","
                                  "\"SECCOMP_FILTER_FLAG_LOG\"]}";
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1}}");
  struct profile *both =
      profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1},\"seccomp\":{\"defaultAction\":"
              "\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],\"syscalls\":[{\"names\":"
              "[\"read\",\"memfd_create\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}");
  struct sk_error *err = NULL;
  const struct json *sc;

  json_set(json_get(spec, "linux"), "seccomp", parse(engine_sc));
  harden(spec, p);
  assert_int_equal(harden_supervise(spec, "/s/sup.sock", NULL, &err), 0);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_false(has_flag(sc, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
  assert_true(has_flag(sc, "SECCOMP_FILTER_FLAG_LOG"));
  json_free(spec);

  spec = parse(engine_spec);
  json_set(json_get(spec, "linux"), "seccomp", parse(engine_sc));
  harden(spec, both);
  assert_int_equal(harden_supervise(spec, "/s/sup.sock", NULL, &err), 0);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_true(has_flag(sc, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
  assert_non_null(rule_for(sc, "memfd_create")); /* the refusal of MFD_EXEC was laid over it */
  json_free(spec);

  spec = parse(engine_spec);
  json_set(json_get(spec, "linux"), "seccomp", parse(engine_sc));
  assert_int_equal(harden_supervise(spec, "/s/sup.sock", NULL, &err), 0);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_true(has_flag(sc, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
  assert_true(has_flag(sc, "SECCOMP_FILTER_FLAG_LOG"));
  json_free(spec);
  profile_free(p);
  profile_free(both);
}

static void test_supervise_keeps_denial(void **state) {
  /* A filter that denies execve keeps denying it. */
  struct json *spec = parse(engine_spec);
  struct sk_error *err = NULL;
  const struct json *sc;
  json_set(json_get(spec, "linux"), "seccomp",
           parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"execve\"],"
                 "\"action\":\"SCMP_ACT_ERRNO\"}]}"));
  assert_int_equal(harden_supervise(spec, "/s/sup.sock", NULL, &err), 0);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_string_equal(json_string(json_get(rule_for(sc, "execve"), "action")), "SCMP_ACT_ERRNO");
  assert_string_equal(json_string(json_get(rule_for(sc, "execveat"), "action")), "SCMP_ACT_NOTIFY");
  json_free(spec);
}

/* Is there a rule refusing memfd_create when flags (arg 1) has MFD_EXEC
 * with EACCES, and does memfd_create stay allowed otherwise? */
static bool memfd_exec_refused(const struct json *sc, bool *plain_allowed) {
  const struct json *rules = json_get(sc, "syscalls");
  bool refused = false;
  size_t i;
  *plain_allowed = false;
  for (i = 0; rules && i < rules->n; i++) {
    const struct json *r = rules->items[i], *args = json_get(r, "args"), *a;
    uint64_t idx = 99, v = 0, v2 = 0, ret = 0;
    if (!json_array_has_string(json_get(r, "names"), "memfd_create"))
      continue;
    if (strcmp(json_string(json_get(r, "action")), "SCMP_ACT_ALLOW") == 0 &&
        (args == NULL || args->n == 0 ||
         (args->n == 1 && json_uint64(json_get(args->items[0], "index"), &idx) && idx == 1 &&
          json_uint64(json_get(args->items[0], "value"), &v) && v == 0x10 &&
          (json_get(args->items[0], "valueTwo") == NULL || /* 0 is left out */
           (json_uint64(json_get(args->items[0], "valueTwo"), &v2) && v2 == 0)) &&
          strcmp(json_string(json_get(args->items[0], "op")), "SCMP_CMP_MASKED_EQ") == 0)))
      *plain_allowed = true;
    if (strcmp(json_string(json_get(r, "action")), "SCMP_ACT_ERRNO") != 0 || args == NULL || args->n != 1)
      continue;
    a = args->items[0];
    if (json_uint64(json_get(a, "index"), &idx) && idx == 1 && json_uint64(json_get(a, "value"), &v) && v == 0x10 &&
        json_uint64(json_get(a, "valueTwo"), &v2) && v2 == 0x10 &&
        strcmp(json_string(json_get(a, "op")), "SCMP_CMP_MASKED_EQ") == 0 &&
        json_uint64(json_get(r, "errnoRet"), &ret) && ret == 13)
      refused = true;
  }
  return refused;
}

static void test_memfd_exec_refused(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1}}");
  struct profile *relaxed = profile("{\"name\":\"test\",\"user\":{\"uid\":1,\"gid\":1},\"exec\":{\"memfdExec\":true}}");
  struct sk_error *err = NULL;
  const struct json *sc;
  bool plain;

  harden(spec, p);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_true(memfd_exec_refused(sc, &plain));
  assert_true(plain); /* memfd_create without MFD_EXEC stays allowed */
  assert_int_equal(seccomp_compile_check(sc, &err), 0);
  /* the supervisor's notify rules are added on top: the refusal stays */
  assert_int_equal(harden_supervise(spec, "/s/sup.sock", NULL, &err), 0);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_true(memfd_exec_refused(sc, &plain));
  assert_true(plain);
  assert_int_equal(seccomp_compile_check(sc, &err), 0);
  json_free(spec);

  /* an engine filter that allows memfd_create explicitly, and one with
   * its own condition on it: the refusal survives the intersection */
  spec = parse(engine_spec);
  json_set(json_get(spec, "linux"), "seccomp",
           parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"memfd_create\",\"read\"],"
                 "\"action\":\"SCMP_ACT_ALLOW\"}]}"));
  harden(spec, p);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_true(memfd_exec_refused(sc, &plain));
  assert_int_equal(seccomp_compile_check(sc, &err), 0);
  json_free(spec);

  /* exec.memfdExec: no such rule */
  spec = parse(engine_spec);
  harden(spec, relaxed);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  assert_false(memfd_exec_refused(sc, &plain));
  assert_true(rule_allows(sc, "memfd_create"));
  json_free(spec);
  profile_free(p);
  profile_free(relaxed);
}

static const char *action_of(const struct json *sc, const char *name) {
  const struct json *r = rule_for(sc, name);
  return r ? json_string(json_get(r, "action")) : json_string(json_get(sc, "defaultAction"));
}

static void test_learn_filter(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":7,\"gid\":7},"
                              "\"writablePaths\":[{\"path\":\"/tmp\"}]}");
  struct json *known = parse("{\"SCMP_ARCH_X86_64\": [\"getcwd\", \"bind\", \"uname\"]}");
  struct sk_error *err = NULL;
  const struct json *sc, *o;
  uint64_t uid = 0;
  bool b = false;

  if (harden_learn(spec, p, known, &err) < 0)
    fail_msg("harden_learn: %s", err->msg);
  sc = json_get_path(spec, "linux", "seccomp", NULL);
  /* nothing is denied: unknown syscalls are notified, known ones allowed */
  assert_string_equal(json_string(json_get(sc, "defaultAction")), "SCMP_ACT_ALLOW");
  assert_string_equal(action_of(sc, "getcwd"), "SCMP_ACT_ALLOW");
  assert_string_equal(action_of(sc, "uname"), "SCMP_ACT_ALLOW");
  assert_string_equal(action_of(sc, "unshare"), "SCMP_ACT_NOTIFY");
  assert_string_equal(action_of(sc, "ptrace"), "SCMP_ACT_NOTIFY");
  /* known, but its arguments imply capabilities: still notified */
  assert_string_equal(action_of(sc, "bind"), "SCMP_ACT_NOTIFY");
  /* the runtime's own window and write are never notified */
  assert_string_equal(action_of(sc, "write"), "SCMP_ACT_ALLOW");
  assert_string_equal(action_of(sc, "futex"), "SCMP_ACT_ALLOW");
  assert_string_equal(action_of(sc, "execve"), "SCMP_ACT_NOTIFY");
  assert_int_equal(seccomp_compile_check(sc, &err), 0);
  /* behaviour-preserving hardening only */
  assert_true(json_uint64(json_get_path(spec, "process", "user", "uid", NULL), &uid) && uid == 7);
  assert_true(json_bool(json_get_path(spec, "root", "readonly", NULL), &b) && b);
  assert_int_equal(json_get_path(spec, "process", "capabilities", "bounding", NULL)->n, 3); /* kept */
  o = json_get(mount_at(spec, "/tmp"), "options");
  assert_false(json_array_has_string(o, "noexec")); /* drift is recorded, not blocked */
  assert_false(json_array_has_string(json_get(mount_at(spec, "/data"), "options"), "noexec"));
  json_free(known);
  json_free(spec);
  profile_free(p);
}

/* Learning as the profile's user keeps every capability the engine gave
 * root, ambient so that it survives execve (nginx binding port 80 as 101);
 * a root process keeps its sets as the engine wrote them. */
static void test_learn_ambient(void **state) {
  static const char *const all[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
  static const char *const kill[] = {"CAP_KILL", NULL};
  struct json *spec = parse(engine_spec);
  struct profile *p = profile("{\"name\":\"test\",\"user\":{\"uid\":101,\"gid\":101}}");
  struct json *known = parse("{}");
  struct sk_error *err = NULL;

  if (harden_learn(spec, p, known, &err) < 0)
    fail_msg("harden_learn: %s", err->msg);
  assert_set(spec, "bounding", all);
  assert_set(spec, "effective", all);
  assert_set(spec, "permitted", all);
  assert_set(spec, "inheritable", all);
  assert_set(spec, "ambient", all);
  json_free(spec);
  profile_free(p);

  spec = parse(engine_spec);
  p = profile("{\"name\":\"test\",\"allowRoot\":true}");
  if (harden_learn(spec, p, known, &err) < 0)
    fail_msg("harden_learn: %s", err->msg);
  assert_set(spec, "ambient", kill);
  assert_set(spec, "bounding", all);
  assert_null(json_get_path(spec, "process", "capabilities", "inheritable", NULL));
  json_free(known);
  json_free(spec);
  profile_free(p);
}

/* A tmpfs the engine mounts where the profile names a writable path is
 * given to the profile's user; a volume is not touched; root keeps it. */
static void test_engine_tmpfs_owned(void **state) {
  struct json *spec = parse(engine_spec);
  struct profile *p =
      profile("{\"name\":\"test\",\"user\":{\"uid\":7,\"gid\":8},\"writablePaths\":[{\"path\":\"/run\"},"
              "{\"path\":\"/data\"}]}");
  struct json *run = parse("{\"destination\":\"/run/\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
                           "\"options\":[\"nosuid\",\"mode=755\",\"uid=0\",\"gid=0\"]}");
  struct json *o;
  size_t n_before;

  assert_int_equal(json_append(json_get(spec, "mounts"), run), 0);
  n_before = json_get(spec, "mounts")->n;
  harden(spec, p);
  assert_int_equal(json_get(spec, "mounts")->n, n_before); /* not doubled */
  o = json_get(mount_at(spec, "/run/"), "options");
  assert_true(json_array_has_string(o, "uid=7,gid=8"));
  assert_false(json_array_has_string(o, "uid=0"));
  assert_false(json_array_has_string(o, "gid=0"));
  assert_true(json_array_has_string(o, "mode=755"));
  /* a bind mount (a volume) is the host's: no uid= */
  o = json_get(mount_at(spec, "/data"), "options");
  assert_false(json_array_has_string(o, "uid=7,gid=8"));
  json_free(spec);
  profile_free(p);

  spec = parse(engine_spec);
  p = profile("{\"name\":\"test\",\"allowRoot\":true,\"writablePaths\":[{\"path\":\"/run\"}]}");
  run = parse("{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"mode=755\"]}");
  assert_int_equal(json_append(json_get(spec, "mounts"), run), 0);
  harden(spec, p);
  o = json_get(mount_at(spec, "/run"), "options");
  assert_false(json_array_has_string(o, "uid=0"));
  json_free(spec);
  profile_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_user_rootfs_nnp),
      cmocka_unit_test(test_non_root_user_kept),
      cmocka_unit_test(test_writable_rootfs_allowed),
      cmocka_unit_test(test_caps_cut_to_profile),
      cmocka_unit_test(test_caps_written_when_missing),
      cmocka_unit_test(test_mount_flags),
      cmocka_unit_test(test_writable_paths),
      cmocka_unit_test(test_masked_paths),
      cmocka_unit_test(test_seccomp_generated_and_intersected),
      cmocka_unit_test(test_idempotent_and_judged_clean),
      cmocka_unit_test(test_annotate),
      cmocka_unit_test(test_harden_process_file),
      cmocka_unit_test(test_supervise_adds_notify),
      cmocka_unit_test(test_supervise_without_filter),
      cmocka_unit_test(test_supervise_keeps_denial),
      cmocka_unit_test(test_spec_allow_flag),
      cmocka_unit_test(test_learn_filter),
      cmocka_unit_test(test_learn_ambient),
      cmocka_unit_test(test_engine_tmpfs_owned),
      cmocka_unit_test(test_memfd_exec_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

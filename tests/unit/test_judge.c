/* SPDX-License-Identifier: Apache-2.0 */
/* Every refusal and fix rule of shim/lib/spec/judge.c. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "stockade/judge.h"
#include "stockade/json.h"
#include "stockade/profile.h"
#include "stockade/str.h"
#include "stockade/sys.h"

/* A spec an engine might write for a well-behaved non-root workload: only
 * FIX findings that hardening always applies (seccomp). */
static const char *clean_spec =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":1000,\"gid\":1000},\"args\":[\"sh\"],"
    "\"noNewPrivileges\":true,\"capabilities\":{\"bounding\":[],\"effective\":[],\"permitted\":[]}},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":[\"nosuid\","
    "\"noexec\",\"nodev\"]},{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":["
    "\"nosuid\",\"noexec\",\"strictatime\",\"mode=755\"]},{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":"
    "\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"network\"},{\"type\":\"mount\"},"
    "{\"type\":\"uts\"}],"
    "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
    "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/proc/scsi\",\"/sys/firmware\","
    "\"/sys/devices/virtual/powercap\"],"
    "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";

static struct profile *make_profile(bool has_user, bool allow_root) {
  struct profile *p = calloc(1, sizeof(*p));
  p->name = strdup("t");
  p->has_user = has_user;
  p->uid = p->gid = 65534;
  p->allow_root = allow_root;
  return p;
}

static void add_cap(struct profile *p, const char *c) {
  p->capabilities = realloc(p->capabilities, sizeof(char *) * (p->n_capabilities + 1));
  p->capabilities[p->n_capabilities++] = strdup(c);
}

static void judge(struct json *spec, struct profile *p, struct findings *f) {
  struct sk_error *err = NULL;
  memset(f, 0, sizeof(*f));
  if (judge_spec(spec, p, f, &err) < 0)
    fail_msg("judge_spec: %s", err->msg);
}

static void set_path(struct json *spec, const char *a, const char *b, struct json *v) {
  struct json *o = json_ensure(spec, a, JSON_OBJECT);
  assert_non_null(o);
  assert_int_equal(json_set(o, b, v), 0);
}

static void test_clean_spec_has_only_seccomp(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  struct findings f;
  judge(spec, p, &f);
  assert_int_equal(findings_count(&f, FINDING_REFUSE), 0);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.v[0].rule, "SK-SECCOMP");
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

static void test_root_remapped_when_profile_has_user(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  struct findings f;
  set_path(json_get(spec, "process"), "user", "uid", json_new_int(0));
  judge(spec, p, &f);
  assert_non_null(findings_find(&f, "SK-USER-ROOT"));
  assert_int_equal(findings_find(&f, "SK-USER-ROOT")->kind, FINDING_FIX);
  assert_int_equal(findings_count(&f, FINDING_REFUSE), 0);
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

static void test_root_refused_without_user(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(false, false);
  struct findings f;
  json_del(json_get(spec, "process"), "user"); /* absent user means uid 0 */
  judge(spec, p, &f);
  assert_non_null(findings_find(&f, "SK-USER-ROOT"));
  assert_int_equal(findings_find(&f, "SK-USER-ROOT")->kind, FINDING_REFUSE);
  assert_non_null(strstr(findings_find(&f, "SK-USER-ROOT")->what, "process.user.uid is 0"));
  findings_clear(&f);
  profile_free(p);

  p = make_profile(false, true); /* allowRoot */
  judge(spec, p, &f);
  assert_null(findings_find(&f, "SK-USER-ROOT"));
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

static void test_rootfs_and_nnp_fixed(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  struct findings f;
  set_path(spec, "root", "readonly", json_new_bool(false));
  json_del(json_get(spec, "process"), "noNewPrivileges");
  judge(spec, p, &f);
  assert_int_equal(findings_find(&f, "SK-ROOTFS-WRITABLE")->kind, FINDING_FIX);
  assert_int_equal(findings_find(&f, "SK-NNP")->kind, FINDING_FIX);
  findings_clear(&f);
  p->writable_rootfs = true;
  judge(spec, p, &f);
  assert_null(findings_find(&f, "SK-ROOTFS-WRITABLE"));
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

static void remove_ns(struct json *spec, const char *type) {
  struct json *nss = json_get_path(spec, "linux", "namespaces", NULL);
  size_t i;
  for (i = 0; i < nss->n; i++)
    if (strcmp(json_string(json_get(nss->items[i], "type")), type) == 0) {
      json_remove_at(nss, i);
      return;
    }
  fail_msg("no %s namespace", type);
}

static void test_host_namespaces_refused(void **state) {
  static const char *types[] = {"pid", "ipc", "network", "mount"};
  static const char *rules[] = {"SK-NS-HOST-PID", "SK-NS-HOST-IPC", "SK-NS-HOST-NET", "SK-NS-HOST-MNT"};
  struct profile *p = make_profile(true, false);
  size_t i;
  for (i = 0; i < 4; i++) {
    struct json *spec = parse(clean_spec);
    struct findings f;
    remove_ns(spec, types[i]);
    judge(spec, p, &f);
    assert_non_null(findings_find(&f, rules[i]));
    assert_int_equal(findings_find(&f, rules[i])->kind, FINDING_REFUSE);
    assert_int_equal(findings_count(&f, FINDING_REFUSE), 1);
    findings_clear(&f);
    json_free(spec);
  }
  profile_free(p);
}

static void test_host_namespace_by_path_refused(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  struct json *nss = json_get_path(spec, "linux", "namespaces", NULL);
  struct json *user = json_new(JSON_OBJECT);
  struct findings f;
  size_t i;
  char self[64];

  /* Pretend our own namespaces are the host's: a spec joining
   * /proc/self/ns/net then joins "the host's". */
  judge_host_ns_dir = "/proc/self/ns";
  for (i = 0; i < nss->n; i++)
    if (strcmp(json_string(json_get(nss->items[i], "type")), "network") == 0)
      json_set(nss->items[i], "path", json_new_string("/proc/self/ns/net"));
  json_set(user, "type", json_new_string("user"));
  snprintf(self, sizeof(self), "/proc/%d/ns/user", (int)getpid());
  json_set(user, "path", json_new_string(self));
  json_append(nss, user);
  judge(spec, p, &f);
  assert_int_equal(findings_find(&f, "SK-NS-HOST-NET")->kind, FINDING_REFUSE);
  assert_non_null(strstr(findings_find(&f, "SK-NS-HOST-NET")->what, "/proc/self/ns/net"));
  assert_int_equal(findings_find(&f, "SK-NS-HOST-USER")->kind, FINDING_REFUSE);
  findings_clear(&f);

  /* A namespace of another process (a pod sandbox) is fine: point the
   * "host" elsewhere and nothing is refused. */
  judge_host_ns_dir = "/nonexistent";
  judge(spec, p, &f);
  assert_int_equal(findings_count(&f, FINDING_REFUSE), 0);
  findings_clear(&f);
  judge_host_ns_dir = NULL;
  json_free(spec);
  profile_free(p);
}

static void set_caps(struct json *spec, const char *set, const char *const *caps) {
  struct json *arr = json_new(JSON_ARRAY);
  for (; *caps; caps++)
    json_append(arr, json_new_string(*caps));
  assert_int_equal(json_set(json_get(spec, "process"), "capabilities", json_new(JSON_OBJECT)), 0);
  assert_int_equal(json_set(json_get_path(spec, "process", "capabilities", NULL), set, arr), 0);
}

static void test_dangerous_caps_refused_extra_fixed(void **state) {
  static const char *const dangerous[] = {"CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_PTRACE", "CAP_SYS_RAWIO",
                                          "CAP_BPF",       "CAP_PERFMON",    "CAP_NET_ADMIN",  "CAP_DAC_READ_SEARCH"};
  static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
  struct profile *p = make_profile(true, false);
  size_t i;
  for (i = 0; i < sizeof(dangerous) / sizeof(dangerous[0]); i++) {
    struct json *spec = parse(clean_spec);
    const char *caps[] = {"CAP_CHOWN", dangerous[i], NULL};
    struct findings f;
    set_caps(spec, sets[i % 5], caps);
    judge(spec, p, &f);
    assert_non_null(findings_find(&f, "SK-CAP-DANGEROUS"));
    assert_int_equal(findings_find(&f, "SK-CAP-DANGEROUS")->kind, FINDING_REFUSE);
    assert_non_null(strstr(findings_find(&f, "SK-CAP-DANGEROUS")->what, dangerous[i]));
    assert_int_equal(findings_find(&f, "SK-CAP-EXTRA")->kind, FINDING_FIX);
    assert_non_null(strstr(findings_find(&f, "SK-CAP-EXTRA")->what, "CAP_CHOWN"));
    findings_clear(&f);
    json_free(spec);
  }
  /* Granted by the profile (and written without the prefix): no finding. */
  {
    struct json *spec = parse(clean_spec);
    const char *caps[] = {"net_admin", NULL};
    struct findings f;
    add_cap(p, "CAP_NET_ADMIN");
    set_caps(spec, "bounding", caps);
    judge(spec, p, &f);
    assert_null(findings_find(&f, "SK-CAP-DANGEROUS"));
    assert_null(findings_find(&f, "SK-CAP-EXTRA"));
    findings_clear(&f);
    json_free(spec);
  }
  profile_free(p);
}

static void test_unknown_cap_is_an_error(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  const char *caps[] = {"CAP_MAKE_COFFEE", NULL};
  struct findings f = {0};
  struct sk_error *err = NULL;
  set_caps(spec, "bounding", caps);
  assert_int_equal(judge_spec(spec, p, &f, &err), -1);
  assert_non_null(strstr(err->msg, "process.capabilities.bounding"));
  assert_non_null(strstr(err->msg, "CAP_MAKE_COFFEE"));
  sk_error_free(&err);
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

static void add_bind(struct json *spec, const char *src, bool ro) {
  char buf[512];
  snprintf(buf, sizeof(buf), "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\"%s]}",
           src, ro ? ",\"ro\"" : "");
  assert_int_equal(json_append(json_get(spec, "mounts"), parse(buf)), 0);
}

static void test_sensitive_mounts(void **state) {
  static const char *const refused[] = {"/",
                                        "/proc",
                                        "/proc/sys/kernel",
                                        "/dev",
                                        "/var/run/docker.sock",
                                        "/run/containerd/containerd.sock",
                                        "/run/containerd",
                                        "/run",
                                        "/var/lib/containerd",
                                        "/var/lib/kubelet/pki",
                                        "/etc/kubernetes/admin.conf",
                                        "/boot",
                                        "/run/crio/crio.sock",
                                        "//proc/../proc/./1"};
  static const char *const allowed[] = {
      "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/abc/hostname",
      "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/abc/shm",
      "/var/lib/kubelet/pods/123/volumes/kubernetes.io~empty-dir/cache",
      "/srv/data",
  };
  struct profile *p = make_profile(true, false);
  size_t i;
  for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
    struct json *spec = parse(clean_spec);
    struct findings f;
    add_bind(spec, refused[i], true);
    judge(spec, p, &f);
    if (findings_find(&f, "SK-MOUNT-SENSITIVE") == NULL)
      fail_msg("bind of %s was not refused", refused[i]);
    findings_clear(&f);
    json_free(spec);
  }
  for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
    struct json *spec = parse(clean_spec);
    struct findings f;
    add_bind(spec, allowed[i], false);
    judge(spec, p, &f);
    if (findings_find(&f, "SK-MOUNT-SENSITIVE"))
      fail_msg("bind of %s was refused", allowed[i]);
    /* writable: hardening adds the flags */
    assert_non_null(findings_find(&f, "SK-MOUNT-EXEC"));
    findings_clear(&f);
    json_free(spec);
  }
  /* /sys: read-only bind is fine, writable is not. */
  {
    struct json *spec = parse(clean_spec);
    struct findings f;
    add_bind(spec, "/sys/fs/cgroup", true);
    judge(spec, p, &f);
    assert_null(findings_find(&f, "SK-MOUNT-SENSITIVE"));
    findings_clear(&f);
    add_bind(spec, "/sys/kernel", false);
    judge(spec, p, &f);
    assert_non_null(findings_find(&f, "SK-MOUNT-SENSITIVE"));
    findings_clear(&f);
    json_free(spec);
  }
  profile_free(p);
}

static void test_writable_sysfs_refused(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  struct json *sys = json_get(spec, "mounts")->items[2];
  struct findings f;
  json_set(sys, "options", parse("[\"nosuid\",\"noexec\",\"nodev\"]"));
  judge(spec, p, &f);
  assert_int_equal(findings_find(&f, "SK-MOUNT-SENSITIVE")->kind, FINDING_REFUSE);
  assert_non_null(strstr(findings_find(&f, "SK-MOUNT-SENSITIVE")->what, "sysfs"));
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

static void test_writable_mount_without_noexec_fixed(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  struct findings f;
  json_append(json_get(spec, "mounts"),
              parse("{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\"]}"));
  judge(spec, p, &f);
  assert_int_equal(findings_find(&f, "SK-MOUNT-EXEC")->kind, FINDING_FIX);
  assert_non_null(strstr(findings_find(&f, "SK-MOUNT-EXEC")->what, "/dev/shm"));
  /* /dev itself (nosuid,noexec, no nodev) is not listed: it needs dev. */
  assert_null(strstr(findings_find(&f, "SK-MOUNT-EXEC")->what, "/dev,"));
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

static void test_all_devices_refused(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  struct findings f;
  json_set(json_get(spec, "linux"), "resources",
           parse("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,"
                 "\"minor\":3,\"access\":\"rwm\"}]}"));
  judge(spec, p, &f);
  assert_null(findings_find(&f, "SK-DEVICES-ALL"));
  findings_clear(&f);
  json_append(json_get_path(spec, "linux", "resources", "devices", NULL), parse("{\"allow\":true,\"access\":\"rwm\"}"));
  judge(spec, p, &f);
  assert_int_equal(findings_find(&f, "SK-DEVICES-ALL")->kind, FINDING_REFUSE);
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

static void test_masked_paths_fixed(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  struct findings f;
  json_del(json_get(spec, "linux"), "maskedPaths");
  judge(spec, p, &f);
  assert_int_equal(findings_find(&f, "SK-MASKED-PATHS")->kind, FINDING_FIX);
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

/* linux.devices and the device cgroup: the host's memory and disks are
 * refused, other devices and mknod-only rules (Docker's, podman's) not. */
static void test_host_devices_refused(void **state) {
  static const char *const refused[] = {
      "{\"devices\":[{\"path\":\"/dev/mem\",\"type\":\"c\",\"major\":1,\"minor\":1}]}",
      "{\"devices\":[{\"path\":\"/dev/kmem\",\"type\":\"c\",\"major\":1,\"minor\":2}]}",
      "{\"devices\":[{\"path\":\"/dev/port\",\"type\":\"c\",\"major\":1,\"minor\":4}]}",
      "{\"devices\":[{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":0}]}",
      "{\"devices\":[{\"path\":\"/dev/xmem\",\"type\":\"c\",\"major\":1,\"minor\":1}]}",
      "{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"r\"}]}}",
      "{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":1,\"access\":\"rw\"}]}}",
      "{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1}]}}",
  };
  static const char *const allowed[] = {
      "{\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}]}",
      "{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"b\",\"access\":\"m\"},"
      "{\"allow\":true,\"type\":\"c\",\"access\":\"m\"}]}}",
      "{\"resources\":{\"devices\":[{\"allow\":false,\"type\":\"b\",\"access\":\"rwm\"}]}}",
      "{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}}",
  };
  struct profile *p = make_profile(true, false);
  size_t i, k;
  for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
    struct json *spec = parse(clean_spec);
    struct json *add = parse(refused[i]);
    struct findings f;
    for (k = 0; k < add->n; k++)
      json_set(json_get(spec, "linux"), add->keys[k], json_copy(add->items[k]));
    judge(spec, p, &f);
    if (findings_find(&f, "SK-DEVICE-HOST") == NULL || findings_find(&f, "SK-DEVICE-HOST")->kind != FINDING_REFUSE)
      fail_msg("%s was not refused", refused[i]);
    assert_non_null(strstr(findings_find(&f, "SK-DEVICE-HOST")->guide, "CIS Docker Benchmark v1.6.0 5.18"));
    findings_clear(&f);
    json_free(add);
    json_free(spec);
  }
  for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
    struct json *spec = parse(clean_spec);
    struct json *add = parse(allowed[i]);
    struct findings f;
    for (k = 0; k < add->n; k++)
      json_set(json_get(spec, "linux"), add->keys[k], json_copy(add->items[k]));
    judge(spec, p, &f);
    if (findings_count(&f, FINDING_REFUSE) != 0)
      fail_msg("%s was refused: %s", allowed[i], f.v[0].what);
    findings_clear(&f);
    json_free(add);
    json_free(spec);
  }
  profile_free(p);
}

/* SK-MASKED-PATHS: silent on what runc and podman set by default, and
 * naming exactly what is missing. */
static void test_masked_paths_engine_defaults(void **state) {
  static const char *const fixtures[] = {"runc-spec.json", "podman-spec.json"};
  struct profile *p = make_profile(true, false);
  struct findings f;
  struct json *spec;
  size_t i;
  for (i = 0; i < 2; i++) {
    char path[512];
    char *buf = NULL;
    size_t len = 0;
    struct sk_error *err = NULL;
    snprintf(path, sizeof(path), "tests/fixtures/%s", fixtures[i]); /* run from the source tree */
    if (read_file(path, &buf, &len, &err) < 0)
      fail_msg("%s", err->msg);
    spec = parse(buf);
    free(buf);
    judge(spec, p, &f);
    if (findings_find(&f, "SK-MASKED-PATHS"))
      fail_msg("%s: %s", fixtures[i], findings_find(&f, "SK-MASKED-PATHS")->what);
    findings_clear(&f);
    json_free(spec);
  }
  spec = parse(clean_spec);
  json_set(json_get(spec, "linux"), "maskedPaths", parse("[\"/proc\", \"/sys/firmware\"]"));
  json_set(json_get(spec, "linux"), "readonlyPaths", parse("[\"/proc/sys\"]"));
  judge(spec, p, &f);
  /* /proc masked whole covers every path below it. */
  assert_null(findings_find(&f, "SK-MASKED-PATHS"));
  findings_clear(&f);
  json_set(json_get(spec, "linux"), "maskedPaths", parse("[\"/proc/acpi\", \"/proc/asound\"]"));
  json_set(json_get(spec, "linux"), "readonlyPaths", parse("[\"/proc/bus\", \"/proc/fs\", \"/proc/irq\"]"));
  judge(spec, p, &f);
  assert_string_equal(findings_find(&f, "SK-MASKED-PATHS")->what,
                      "linux.maskedPaths lacks /proc/kcore, /proc/keys, /proc/latency_stats, /proc/timer_list, "
                      "/proc/timer_stats, /proc/scsi, /proc/sched_debug, /sys/firmware; linux.readonlyPaths lacks "
                      "/proc/sys, /proc/sysrq-trigger: kernel interfaces the container could read or change");
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

/* Every rule the judge can give names its CIS item with the version and
 * its NSA/CISA section; PSS where a control applies. */
static void test_rule_references(void **state) {
  static const char *const rules[] = {
      "SK-USER-ROOT",          "SK-NNP",          "SK-CAP-DANGEROUS", "SK-CAP-EXTRA",   "SK-ROOTFS-WRITABLE",
      "SK-NS-HOST-PID",        "SK-NS-HOST-IPC",  "SK-NS-HOST-NET",   "SK-NS-HOST-MNT", "SK-NS-HOST-USER",
      "SK-MOUNT-SENSITIVE",    "SK-MOUNT-EXEC",   "SK-DEVICES-ALL",   "SK-DEVICE-HOST", "SK-SECCOMP",
      "SK-SECCOMP-LISTENER",   "SK-MASKED-PATHS", "SK-LSM-REQUIRED",  "SK-PRIVILEGED",  "SK-SECCOMP-ANNOTATION",
      "SK-RUNTIME-ANNOTATION", "SK-MOUNT-PROC",   "SK-LSM-UNCONFINED"};
  size_t i;
  for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
    const struct rule_ref *r = rule_ref(rules[i]);
    assert_non_null(r->rule);
    assert_non_null(strstr(r->cis, "CIS Docker Benchmark v1.6.0 "));
    assert_non_null(strstr(r->nsa, "NSA/CISA Kubernetes Hardening Guide v1.2, "));
    assert_non_null(strstr(r->guide, r->cis));
    if (r->pss)
      assert_true(strncmp(r->pss, "PSS baseline: ", 14) == 0 || strncmp(r->pss, "PSS restricted: ", 16) == 0);
  }
  assert_string_equal(rule_ref("SK-NS-HOST-PID")->pss, "PSS baseline: Host Namespaces");
  assert_null(rule_ref("SK-NOPE")->rule);
}

static void test_every_finding_has_fix_and_guide(void **state) {
  struct json *spec = parse("{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"]}},"
                            "\"mounts\":[{\"destination\":\"/h\",\"type\":\"bind\",\"source\":\"/\"}]}");
  struct profile *p = make_profile(false, false);
  struct findings f;
  size_t i;
  judge(spec, p, &f);
  assert_true(f.n >= 10);
  for (i = 0; i < f.n; i++) {
    assert_true(strncmp(f.v[i].rule, "SK-", 3) == 0);
    assert_true(strlen(f.v[i].fix) > 0);
    assert_true(strlen(f.v[i].what) > 0);
    assert_true(strstr(f.v[i].guide, "CIS") || strstr(f.v[i].guide, "NSA"));
  }
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

static void test_judge_process_for_exec(void **state) {
  struct json *proc =
      parse("{\"user\":{\"uid\":0},\"args\":[\"sh\"],\"capabilities\":{\"effective\":[\"CAP_SYS_PTRACE\"]}}");
  struct profile *p = make_profile(false, false);
  struct findings f = {0};
  struct sk_error *err = NULL;
  assert_int_equal(judge_process(proc, p, &f, &err), 0);
  assert_int_equal(findings_find(&f, "SK-USER-ROOT")->kind, FINDING_REFUSE);
  assert_int_equal(findings_find(&f, "SK-CAP-DANGEROUS")->kind, FINDING_REFUSE);
  assert_int_equal(findings_find(&f, "SK-NNP")->kind, FINDING_FIX);
  assert_null(findings_find(&f, "SK-NS-HOST-PID")); /* not a spec */
  findings_clear(&f);
  json_free(proc);
  profile_free(p);
}

static void test_listener_taken_refused(void **state) {
  struct json *spec = parse(clean_spec);
  struct profile *p = make_profile(true, false);
  struct findings f;
  json_set(json_get(spec, "linux"), "seccomp",
           parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/other/agent.sock\"}"));
  judge(spec, p, &f);
  assert_int_equal(findings_find(&f, "SK-SECCOMP-LISTENER")->kind, FINDING_REFUSE);
  assert_non_null(strstr(findings_find(&f, "SK-SECCOMP-LISTENER")->what, "/run/other/agent.sock"));
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

/* A procfs mounted anywhere but /proc escapes linux.maskedPaths and
 * readonlyPaths (a root container wrote kernel.core_pattern through one
 * under plain runc): refused, each spelling of /proc read as runc cleans
 * it; a profile admitting unmasked paths admits it. */
static void test_second_proc_refused(void **state) {
  static const struct {
    const char *dest;
    bool refused;
  } cases[] = {
      {"/p2", true},        {"/proc", false},       {"//proc/", false}, {"/x/../proc", false}, {"proc", false},
      {"/./proc/.", false}, {"/proc/driver", true}, {"/proc/..", true}, {"/../proc", false},   {"/proc/x/..", false},
      {"/procfs", true},    {"/pro", true},         {"/", true},        {"/host/proc", true},  {"/PROC", true},
  };
  struct profile *p = make_profile(true, true);
  size_t i;
  char deep[200] = "";

  for (i = 0; i < 40; i++)
    strcat(deep, "/a");
  strcat(deep, "/proc");
  for (i = 0; i <= sizeof(cases) / sizeof(cases[0]); i++) {
    const char *dest = i < sizeof(cases) / sizeof(cases[0]) ? cases[i].dest : deep;
    bool want = i < sizeof(cases) / sizeof(cases[0]) ? cases[i].refused : true; /* too deep to follow: refused */
    struct json *spec = parse(clean_spec);
    struct json *m = json_new(JSON_OBJECT);
    struct findings f;
    const struct finding *v;
    json_set(m, "destination", json_new_string(dest));
    json_set(m, "type", json_new_string("proc"));
    json_set(m, "source", json_new_string("proc"));
    json_append(json_ensure(spec, "mounts", JSON_ARRAY), m);
    judge(spec, p, &f);
    v = findings_find(&f, "SK-MOUNT-PROC");
    if (want != (v != NULL))
      fail_msg("procfs at \"%s\": %s", dest, v ? "refused" : "not refused");
    if (v) {
      assert_int_equal(v->kind, FINDING_REFUSE);
      assert_non_null(strstr(v->what, dest));
    }
    findings_clear(&f);
    if (want) {
      p->admit.unmasked_paths = true;
      judge(spec, p, &f);
      assert_null(findings_find(&f, "SK-MOUNT-PROC"));
      findings_clear(&f);
      p->admit.unmasked_paths = false;
    }
    json_free(spec);
  }
  profile_free(p);
}

/* crun's annotations that undo the profile are refused, each by its
 * rule and naming its key; keep_original_groups only as "0" is harmless,
 * and crun's other annotations are left alone. */
static void test_crun_annotations_refused(void **state) {
  static const struct {
    const char *key, *value, *rule;
  } cases[] = {
      {"run.oci.seccomp_bpf_data", "BgAAAAAA/38=", "SK-SECCOMP-ANNOTATION"},
      {"run.oci.seccomp.plugins", "/tmp/x.so", "SK-SECCOMP-ANNOTATION"},
      {"run.oci.seccomp.receiver", "/run/agent.sock", "SK-SECCOMP-ANNOTATION"},
      {"run.oci.keep_original_groups", "1", "SK-RUNTIME-ANNOTATION"},
      {"run.oci.keep_original_groups", "", "SK-RUNTIME-ANNOTATION"},
      {"run.oci.keep_original_groups", "00", "SK-RUNTIME-ANNOTATION"},
      {"run.oci.hooks.stdout", "/etc/nologin", "SK-RUNTIME-ANNOTATION"},
      {"run.oci.hooks.stderr", "/etc/nologin", "SK-RUNTIME-ANNOTATION"},
      {"run.oci.keep_original_groups", "0", NULL},
      {"run.oci.systemd.subgroup", "x", NULL},
      {"run.oci.seccomp_fail_unknown_syscall", "1", NULL},
      {"run.oci.seccomp_bpf_dat", "BgAAAAAA/38=", NULL},
      {"Run.oci.seccomp_bpf_data", "BgAAAAAA/38=", NULL}, /* crun matches the key exactly */
  };
  struct profile *p = make_profile(true, false);
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct json *spec = parse(clean_spec);
    struct findings f;
    const struct finding *v;
    json_set(json_ensure(spec, "annotations", JSON_OBJECT), cases[i].key, json_new_string(cases[i].value));
    judge(spec, p, &f);
    v = findings_find(&f, "SK-SECCOMP-ANNOTATION");
    if (v == NULL)
      v = findings_find(&f, "SK-RUNTIME-ANNOTATION");
    if (cases[i].rule == NULL) {
      if (v)
        fail_msg("%s=\"%s\": unexpected %s", cases[i].key, cases[i].value, v->rule);
    } else {
      if (v == NULL)
        fail_msg("%s=\"%s\": no finding", cases[i].key, cases[i].value);
      assert_string_equal(v->rule, cases[i].rule);
      assert_int_equal(v->kind, FINDING_REFUSE);
      assert_non_null(strstr(v->what, cases[i].key));
      assert_non_null(strstr(v->fix, cases[i].key));
    }
    findings_clear(&f);
    json_free(spec);
  }
  profile_free(p);
}

/* A value crun would read but the judge cannot (not a string: the spec
 * check refuses it in create, but a manifest brings what it has) is
 * refused too. */
static void test_crun_annotation_not_a_string(void **state) {
  struct profile *p = make_profile(true, false);
  struct json *spec = parse(clean_spec);
  struct findings f;
  json_set(json_ensure(spec, "annotations", JSON_OBJECT), "run.oci.keep_original_groups", json_new(JSON_TRUE));
  judge(spec, p, &f);
  assert_non_null(findings_find(&f, "SK-RUNTIME-ANNOTATION"));
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

/* A relative bind source is judged where the runtime resolves it: in the
 * bundle, not in stockade's working directory. */
static void test_relative_bind_source(void **state) {
  struct profile *p = make_profile(true, false);
  struct sk_error *err = NULL;
  struct findings f;
  struct json *spec = parse(clean_spec);
  char *cwd = getcwd(NULL, 0);
  (void)state;
  assert_non_null(cwd);
  add_bind(spec, ".", true);
  assert_int_equal(chdir("/"), 0);
  memset(&f, 0, sizeof(f));
  assert_int_equal(judge_spec_in(spec, "/srv/bundles/b1", p, &f, &err), 0);
  assert_null(findings_find(&f, "SK-MOUNT-SENSITIVE"));
  findings_clear(&f);
  /* judge_spec: the working directory, here "/" */
  judge(spec, p, &f);
  assert_non_null(findings_find(&f, "SK-MOUNT-SENSITIVE"));
  findings_clear(&f);
  assert_int_equal(chdir(cwd), 0);
  free(cwd);
  json_free(spec);
  /* ... and a relative source climbing to a system path is still one */
  spec = parse(clean_spec);
  add_bind(spec, "../../../../proc", true);
  memset(&f, 0, sizeof(f));
  assert_int_equal(judge_spec_in(spec, "/srv/bundles/b1", p, &f, &err), 0);
  assert_non_null(findings_find(&f, "SK-MOUNT-SENSITIVE"));
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

/* "admit": each item lets through exactly its rule. */
static void test_admit(void **state) {
  struct profile *p = make_profile(false, true);
  struct json *spec = parse(clean_spec);
  struct json *nss = json_get_path(spec, "linux", "namespaces", NULL);
  struct findings f;
  (void)state;
  json_remove_at(nss, 0); /* host PID namespace */
  add_bind(spec, "/proc", true);
  assert_int_equal(json_set(json_get(spec, "process"), "noNewPrivileges", json_new_bool(false)), 0);
  set_path(spec, "linux", "resources", parse("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}"));
  assert_int_equal(
      json_append(json_get_path(spec, "process", "capabilities", "bounding", NULL), json_new_string("CAP_SYS_ADMIN")),
      0);
  judge(spec, p, &f);
  assert_non_null(findings_find(&f, "SK-NS-HOST-PID"));
  assert_non_null(findings_find(&f, "SK-MOUNT-SENSITIVE"));
  assert_non_null(findings_find(&f, "SK-NNP"));
  assert_non_null(findings_find(&f, "SK-DEVICES-ALL"));
  assert_non_null(findings_find(&f, "SK-CAP-DANGEROUS"));
  assert_non_null(findings_find(&f, "SK-SECCOMP"));
  findings_clear(&f);
  p->has_admit = true;
  p->admit = (struct profile_admit){true, true, true, true, true, true, true};
  judge(spec, p, &f);
  assert_int_equal(f.n, 0);
  findings_clear(&f);
  p->admit.host_mounts = false;
  judge(spec, p, &f);
  assert_int_equal(f.n, 1);
  assert_non_null(findings_find(&f, "SK-MOUNT-SENSITIVE"));
  findings_clear(&f);
  json_free(spec);
  profile_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relative_bind_source),
      cmocka_unit_test(test_admit),
      cmocka_unit_test(test_clean_spec_has_only_seccomp),
      cmocka_unit_test(test_root_remapped_when_profile_has_user),
      cmocka_unit_test(test_root_refused_without_user),
      cmocka_unit_test(test_rootfs_and_nnp_fixed),
      cmocka_unit_test(test_host_namespaces_refused),
      cmocka_unit_test(test_host_namespace_by_path_refused),
      cmocka_unit_test(test_dangerous_caps_refused_extra_fixed),
      cmocka_unit_test(test_unknown_cap_is_an_error),
      cmocka_unit_test(test_sensitive_mounts),
      cmocka_unit_test(test_writable_sysfs_refused),
      cmocka_unit_test(test_writable_mount_without_noexec_fixed),
      cmocka_unit_test(test_all_devices_refused),
      cmocka_unit_test(test_masked_paths_fixed),
      cmocka_unit_test(test_host_devices_refused),
      cmocka_unit_test(test_masked_paths_engine_defaults),
      cmocka_unit_test(test_rule_references),
      cmocka_unit_test(test_every_finding_has_fix_and_guide),
      cmocka_unit_test(test_judge_process_for_exec),
      cmocka_unit_test(test_listener_taken_refused),
      cmocka_unit_test(test_second_proc_refused),
      cmocka_unit_test(test_crun_annotations_refused),
      cmocka_unit_test(test_crun_annotation_not_a_string),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* ctl/yaml_docs.c (YAML to JSON trees, bounded) and ctl/manifest.c
 * (Kubernetes workloads to the OCI spec a CRI runtime would build). Both
 * are stockadectl's own, so this test includes them. */
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

#include "../../ctl/manifest.c"
#include "../../ctl/yaml_docs.c"

static const struct yaml_limits lim = {MANIFEST_MAX_DEPTH, MANIFEST_MAX_NODES, MANIFEST_MAX_DOCS};

static struct json *one_doc(const char *text) {
  struct json **docs = NULL;
  struct json *d;
  size_t n = 0;
  struct sk_error *err = NULL;
  if (yaml_load_docs("t.yaml", text, strlen(text), &lim, &docs, &n, &err) < 0)
    fail_msg("yaml: %s", err->msg);
  assert_int_equal(n, 1);
  d = docs[0];
  free(docs);
  return d;
}

static char *yaml_error(const char *text, const struct yaml_limits *l) {
  struct json **docs = NULL;
  size_t n = 0;
  struct sk_error *err = NULL;
  char *msg;
  if (yaml_load_docs("t.yaml", text, strlen(text), l, &docs, &n, &err) == 0) {
    yaml_docs_free(docs, n);
    fail_msg("accepted: %s", text);
  }
  msg = strdup(err->msg);
  sk_error_free(&err);
  return msg;
}

/* Plain scalars typed as Kubernetes' YAML 1.1 reader types them; quoted
 * ones and keys stay strings; positions are kept. */
static void test_scalars(void **state) {
  struct json *d = one_doc("a: true\nb: no\nc: 1000\nd: \"1000\"\ne: ~\nf: -5\ng: 1.5\non: y\nh: 'yes'\n");
  bool b;
  int64_t i;
  (void)state;
  assert_true(json_bool(json_get(d, "a"), &b) && b);
  assert_true(json_bool(json_get(d, "b"), &b) && !b);
  assert_true(json_int64(json_get(d, "c"), &i) && i == 1000);
  assert_string_equal(json_string(json_get(d, "d")), "1000");
  assert_true(json_is(json_get(d, "e"), JSON_NULL));
  assert_true(json_int64(json_get(d, "f"), &i) && i == -5);
  assert_string_equal(json_string(json_get(d, "g")), "1.5");
  assert_string_equal(json_string(json_get(d, "h")), "yes");
  assert_non_null(json_get(d, "on"));
  assert_int_equal(json_get(d, "c")->line, 3);
  assert_int_equal(json_get(d, "c")->col, 4);
  json_free(d);
}

/* Documents, flow style, anchors and aliases (copied, within the limit). */
static void test_documents_and_aliases(void **state) {
  const char *text = "---\na: &x {k: [1, 2]}\nb: *x\n---\n---\n[1, 2]\n";
  struct json **docs = NULL;
  size_t n = 0;
  struct sk_error *err = NULL;
  (void)state;
  if (yaml_load_docs("t.yaml", text, strlen(text), &lim, &docs, &n, &err) < 0)
    fail_msg("yaml: %s", err->msg);
  assert_int_equal(n, 3);
  assert_int_equal(json_get_path(docs[0], "b", "k", NULL)->n, 2);
  assert_true(json_is(docs[1], JSON_NULL));
  assert_true(json_is(docs[2], JSON_ARRAY));
  yaml_docs_free(docs, n);
}

/* Hostile input: bounded, one message with the position and the fix. */
static void test_limits(void **state) {
  struct yaml_limits small = {4, 30, 2};
  char *m;
  (void)state;
  m = yaml_error("a: [[[[1]]]]\n", &small);
  assert_non_null(strstr(m, "t.yaml:1:"));
  assert_non_null(strstr(m, "nested deeper than 4 levels"));
  free(m);
  m = yaml_error("a: &a [1, 2, 3, 4, 5, 6, 7, 8]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n", &small);
  assert_non_null(strstr(m, "more than 30 values"));
  free(m);
  m = yaml_error("--- 1\n--- 2\n--- 3\n", &small);
  assert_non_null(strstr(m, "more than 2 documents"));
  free(m);
  m = yaml_error("a: 1\na: 2\n", &lim);
  assert_string_equal(m, "t.yaml:2:1: duplicate key \"a\"; remove one: Kubernetes would take one of them and "
                         "stockadectl cannot tell which you meant");
  free(m);
  m = yaml_error("a: &x {b: 1}\nc:\n  <<: *x\n", &lim);
  assert_non_null(strstr(m, "merge key"));
  free(m);
  m = yaml_error("a: *nope\n", &lim);
  assert_non_null(strstr(m, "alias *nope refers to no anchor"));
  free(m);
  m = yaml_error("a: \"caf\xe9\"\n", &lim);
  assert_non_null(strstr(m, "not valid UTF-8"));
  free(m);
  m = yaml_error("a: [1\n", &lim);
  assert_non_null(strstr(m, "not valid YAML"));
  free(m);
}

static char *write_manifest(const char *text) {
  char *path = strdup("/tmp/stockade-manifest.XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

/* A Deployment's container as containerd would run it. */
static void test_spec_of_container(void **state) {
  char *path = write_manifest("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
                              "spec:\n  template:\n    metadata:\n      annotations: {stockade.io/profile: web}\n"
                              "    spec:\n      runtimeClassName: stockade-complain\n      hostPID: true\n"
                              "      securityContext: {runAsUser: 1000}\n"
                              "      initContainers: [{name: init, image: i}]\n"
                              "      containers:\n        - name: app\n          image: a\n"
                              "          securityContext:\n            allowPrivilegeEscalation: false\n"
                              "            readOnlyRootFilesystem: true\n"
                              "            capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}\n"
                              "            seccompProfile: {type: RuntimeDefault}\n"
                              "          volumeMounts: [{name: logs, mountPath: /l, readOnly: true}]\n"
                              "      volumes: [{name: logs, hostPath: {path: /var/log}}]\n"
                              "---\nkind: ConfigMap\nmetadata: {name: c}\n");
  struct manifest m = {0};
  struct sk_error *err = NULL;
  const struct manifest_workload *w;
  const struct json *s, *caps, *mounts;
  bool b;
  uint64_t uid;
  (void)state;
  if (manifest_load(path, &m, &err) < 0)
    fail_msg("%s", err->msg);
  assert_int_equal(m.docs, 2);
  assert_int_equal(m.n, 2);
  assert_int_equal(m.n_skipped, 1);
  assert_string_equal(m.skipped[0], "document 2: ConfigMap c (no containers)");
  assert_true(m.v[0].init);
  w = &m.v[1];
  assert_string_equal(w->container, "app");
  assert_string_equal(w->kind, "Deployment");
  assert_string_equal(w->namespace_, "shop");
  assert_string_equal(w->runtime_class, "stockade-complain");
  assert_string_equal(w->seccomp, "RuntimeDefault");
  s = w->spec;
  assert_true(json_uint64(json_get_path(s, "process", "user", "uid", NULL), &uid) && uid == 1000);
  assert_true(json_bool(json_get_path(s, "process", "noNewPrivileges", NULL), &b) && b);
  assert_true(json_bool(json_get_path(s, "root", "readonly", NULL), &b) && b);
  caps = json_get_path(s, "process", "capabilities", "bounding", NULL);
  assert_int_equal(caps->n, 1);
  assert_string_equal(json_string(caps->items[0]), "CAP_NET_BIND_SERVICE");
  {
    const struct json *nss = json_get_path(s, "linux", "namespaces", NULL);
    size_t i;
    for (i = 0; i < nss->n; i++)
      assert_string_not_equal(json_string(json_get(nss->items[i], "type")), "pid"); /* hostPID */
    assert_int_equal(nss->n, 4);
  }
  assert_non_null(json_get_path(s, "linux", "seccomp", NULL));
  assert_string_equal(json_string(json_get_path(s, "annotations", "stockade.io/profile", NULL)), "web");
  mounts = json_get(s, "mounts");
  assert_string_equal(json_string(json_get(mounts->items[mounts->n - 1], "source")), "/var/log");
  assert_true(json_array_has_string(json_get(mounts->items[mounts->n - 1], "options"), "ro"));
  /* The init container: defaults, and the image's user taken as root. */
  assert_true(json_uint64(json_get_path(m.v[0].spec, "process", "user", "uid", NULL), &uid) && uid == 1000);
  assert_int_equal(json_get_path(m.v[0].spec, "process", "capabilities", "bounding", NULL)->n, 14);
  assert_null(json_get_path(m.v[0].spec, "linux", "seccomp", NULL));
  assert_string_equal(manifest_field(&m.v[1], "SK-NS-HOST-PID"), "spec.hostPID");
  manifest_clear(&m);
  unlink(path);
  free(path);
}

static void test_privileged_and_errors(void **state) {
  char *path = write_manifest("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                              "  - {name: c, securityContext: {privileged: true}}\n");
  char *bad = write_manifest("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                             "  - {name: c, securityContext: {capabilities: {add: [NOPE]}}}\n");
  char *none = write_manifest("kind: Pod\nmetadata: {name: p}\nspec: {}\n");
  struct manifest m = {0};
  struct sk_error *err = NULL;
  const struct json *s;
  (void)state;
  if (manifest_load(path, &m, &err) < 0)
    fail_msg("%s", err->msg);
  s = m.v[0].spec;
  assert_true(json_array_has_string(json_get_path(s, "process", "capabilities", "bounding", NULL), "CAP_SYS_ADMIN"));
  assert_null(json_get_path(s, "linux", "maskedPaths", NULL));
  assert_non_null(json_get_path(s, "linux", "resources", "devices", NULL));
  assert_string_equal(manifest_field(&m.v[0], "SK-DEVICES-ALL"), "securityContext.privileged");
  /* A pod annotation for crun is the pod's, privileged or not. */
  assert_string_equal(manifest_field(&m.v[0], "SK-SECCOMP-ANNOTATION"), "metadata.annotations");
  assert_string_equal(manifest_field(&m.v[0], "SK-RUNTIME-ANNOTATION"), "metadata.annotations");
  manifest_clear(&m);
  assert_int_equal(manifest_load(bad, &m, &err), -1);
  assert_non_null(strstr(err->msg, ":5:"));
  assert_non_null(strstr(err->msg, "unknown capability \"NOPE\""));
  sk_error_free(&err);
  assert_int_equal(manifest_load(none, &m, &err), -1);
  assert_non_null(strstr(err->msg, "document 1: containers: missing"));
  sk_error_free(&err);
  unlink(path);
  unlink(bad);
  unlink(none);
  free(path);
  free(bad);
  free(none);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scalars),
      cmocka_unit_test(test_documents_and_aliases),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_spec_of_container),
      cmocka_unit_test(test_privileged_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/record/ (record.c, recfile.c, infer.c) and ctl/synth.c: the recording's sets, its file
 * format and errors, where recordings live, the known-syscall union, the
 * runtime baseline, every inference rule (each both ways), and the
 * profile made from recordings, which must load like any profile. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/json.h"
#include "stockade/learn.h"
#include "stockade/profile.h"
#include "stockade/seccomp.h"
#include "stockade/str.h"
#include "stockade/sys.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"
#define X64 "SCMP_ARCH_X86_64"

static char tmpdir[] = "/tmp/stockade-test-learn.XXXXXX";

static int group_setup(void **state) {
  (void)state;
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
  cleanup_error struct sk_error *err = NULL;
  (void)state;
  return remove_tree(tmpdir, &err);
}

static void assert_contains(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static void assert_not_contains(const char *hay, const char *needle) {
  if (hay && strstr(hay, needle) != NULL)
    fail_msg("\"%s\" contains \"%s\"", hay, needle);
}

/* Write <tmpdir>/<name> and return its path, malloc'd. */
static char *write_tmp(const char *name, const char *text) {
  cleanup_error struct sk_error *err = NULL;
  char *path = NULL;
  char *slash;

  assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
  slash = strrchr(path, '/');
  *slash = '\0';
  if (mkdir_p(path, 0755, &err) < 0)
    fail_msg("mkdir_p %s: %s", path, err->msg);
  *slash = '/';
  if (write_file_atomic(path, text, strlen(text), 0644, &err) < 0)
    fail_msg("write %s: %s", path, err->msg);
  return path;
}

static struct learn_rec *rec(const char *container) {
  struct learn_rec *r = NULL;
  cleanup_error struct sk_error *err = NULL;
  if (learn_new(container, "web", H3, &r, &err) < 0)
    fail_msg("learn_new: %s", err->msg);
  return r;
}

static struct json *to_json(const struct learn_rec *r) {
  cleanup_error struct sk_error *err = NULL;
  struct json *j = NULL;
  if (learn_to_json(r, &j, &err) < 0)
    fail_msg("learn_to_json: %s", err->msg);
  return j;
}

/* The recording as one line of JSON, for comparing. */
static char *compact(const struct learn_rec *r) {
  cleanup_json struct json *j = to_json(r);
  cleanup_error struct sk_error *err = NULL;
  char *s = NULL;
  size_t len;
  if (json_gen_compact(j, &s, &len, &err) < 0)
    fail_msg("json_gen_compact: %s", err->msg);
  return s;
}

/* ---- the sets ------------------------------------------------------------- */

static void test_sets_sorted_unique(void **state) {
  cleanup_learn struct learn_rec *r = rec("c1");
  cleanup_json struct json *j = NULL;
  const struct json *calls;
  cleanup_free char *text = NULL;
  (void)state;

  assert_int_equal(learn_add_syscall(r, X64, "write", NULL), 1);
  assert_int_equal(learn_add_syscall(r, X64, "read", NULL), 1);
  assert_int_equal(learn_add_syscall(r, X64, "openat", NULL), 1);
  assert_int_equal(learn_add_syscall(r, X64, "read", NULL), 0);
  assert_int_equal(learn_add_syscall(r, "SCMP_ARCH_X86", "socketcall", NULL), 1);
  assert_int_equal(learn_add_exec(r, "/usr/bin/b", H1, "image", NULL), 1);
  assert_int_equal(learn_add_exec(r, "/usr/bin/a", H2, "image", NULL), 1);
  assert_int_equal(learn_add_exec(r, "/usr/bin/a", H2, "image", NULL), 0);
  assert_int_equal(learn_add_exec(r, "/usr//bin/a", H2, "image", NULL), 0); /* the same path, cleaned */
  assert_int_equal(learn_add_exec(r, "/usr/bin/a", H1, "image", NULL), 1);  /* another build */
  assert_int_equal(learn_add_exec(r, "/tmp/x", NULL, "tmpfs", NULL), 1);
  assert_int_equal(learn_add_write(r, "/tmp/b", NULL), 1);
  assert_int_equal(learn_add_write(r, "/tmp/a", NULL), 1);
  assert_int_equal(learn_add_write(r, "/tmp//a", NULL), 0);
  assert_int_equal(learn_add_net(r, "connect", "inet", 443, NULL), 1);
  assert_int_equal(learn_add_net(r, "bind", "inet6", 80, NULL), 1);
  assert_int_equal(learn_add_net(r, "bind", "inet", 80, NULL), 1);
  assert_int_equal(learn_add_net(r, "bind", "inet", 80, NULL), 0);
  assert_int_equal(learn_add_cap(r, "CAP_NET_RAW", "socket(AF_PACKET)", NULL), 1);
  assert_int_equal(learn_add_cap(r, "CAP_CHOWN", "chown to uid 1 by uid 0", NULL), 1);
  assert_int_equal(learn_add_cap(r, "CAP_CHOWN", "chown to uid 1 by uid 0", NULL), 0);

  j = to_json(r);
  calls = json_get_path(j, "syscalls", X64, NULL);
  assert_int_equal(calls->n, 3);
  assert_string_equal(calls->items[0]->str, "openat");
  assert_string_equal(calls->items[1]->str, "read");
  assert_string_equal(calls->items[2]->str, "write");
  assert_string_equal(json_get(j, "syscalls")->keys[0], "SCMP_ARCH_X86");
  text = compact(r);
  assert_contains(text, "\"execs\":[{\"path\":\"/tmp/x\",\"sha256\":null,\"where\":\"tmpfs\"},"
                        "{\"path\":\"/usr/bin/a\",\"sha256\":\"" H1 "\",\"where\":\"image\"},"
                        "{\"path\":\"/usr/bin/a\",\"sha256\":\"" H2 "\",\"where\":\"image\"},"
                        "{\"path\":\"/usr/bin/b\"");
  assert_contains(text, "\"writes\":[\"/tmp/a\",\"/tmp/b\"]");
  assert_contains(text, "\"network\":[{\"op\":\"bind\",\"family\":\"inet\",\"port\":80},"
                        "{\"op\":\"bind\",\"family\":\"inet6\",\"port\":80},"
                        "{\"op\":\"connect\",\"family\":\"inet\",\"port\":443}]");
  assert_contains(text, "\"capabilities\":[{\"name\":\"CAP_CHOWN\"");
}

static void test_sets_refuse(void **state) {
  cleanup_learn struct learn_rec *r = rec("c1");
  cleanup_error struct sk_error *err = NULL;
  struct learn_rec *none = NULL;
  (void)state;

  assert_int_equal(learn_new("../x", "web", NULL, &none, &err), -1);
  assert_int_equal(err->code, EINVAL);
  assert_int_equal(learn_new("a/b", "web", NULL, &none, &err), -1);
  assert_int_equal(learn_new("ok", "../web", NULL, &none, &err), -1);
  assert_null(none);
  assert_int_equal(learn_add_syscall(r, "x86_64", "read", &err), -1);
  assert_int_equal(err->code, EINVAL);
  assert_int_equal(learn_add_syscall(r, X64, "Read", NULL), -1);
  assert_int_equal(learn_add_exec(r, "bin/sh", H1, "image", NULL), -1);
  assert_int_equal(learn_add_exec(r, "/bin/sh", "ABC", "image", NULL), -1);
  assert_int_equal(learn_add_exec(r, "/bin/sh", H1, "layer", NULL), -1);
  assert_int_equal(learn_add_write(r, "tmp/x", NULL), -1);
  assert_int_equal(learn_add_write(r, "/", NULL), -1);
  assert_int_equal(learn_add_net(r, "listen", "inet", 80, NULL), -1);
  assert_int_equal(learn_add_net(r, "bind", "ipx", 80, NULL), -1);
  assert_int_equal(learn_add_net(r, "bind", "inet", 65536, NULL), -1);
  assert_int_equal(learn_add_cap(r, "NET_RAW", "x", NULL), -1); /* not canonical */
  assert_int_equal(learn_add_cap(r, "CAP_NOPE", "x", NULL), -1);
  assert_int_equal(learn_set_meta(r, "node", "x", &err), -1);
  assert_int_equal(err->code, EINVAL);
}

static void test_dirty(void **state) {
  cleanup_learn struct learn_rec *r = rec("c1");
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *path = NULL;
  (void)state;

  assert_true(learn_dirty(r)); /* never written */
  assert_true(asprintf(&path, "%s/dirty.json", tmpdir) > 0);
  assert_int_equal(learn_write(r, path, &err), 0);
  assert_false(learn_dirty(r));
  assert_int_equal(learn_add_syscall(r, X64, "read", NULL), 1);
  assert_true(learn_dirty(r));
  assert_int_equal(learn_write(r, path, &err), 0);
  assert_int_equal(learn_add_syscall(r, X64, "read", NULL), 0);
  learn_count_notification(r);
  learn_count_notification(r);
  assert_false(learn_dirty(r)); /* a count alone is not worth a write */
  assert_int_equal(learn_notifications(r), 2);
  learn_set_ended(r, true);
  assert_true(learn_dirty(r));
  assert_int_equal(learn_write(r, path, &err), 0);
  assert_int_equal(learn_set_meta(r, "image", "nginx", NULL), 0);
  assert_true(learn_dirty(r));
}

/* Writes below one directory collapse into "<dir>" "/" "*" once there are
 * more than 64, and later writes there are covered by it. */
static void test_writes_collapse(void **state) {
  cleanup_learn struct learn_rec *r = rec("c1");
  cleanup_json struct json *j = NULL;
  const struct json *w;
  char path[64];
  int i;
  (void)state;

  assert_int_equal(learn_add_write(r, "/var/log/app.log", NULL), 1);
  for (i = 0; i < 64; i++) {
    snprintf(path, sizeof(path), "/tmp/work/f%02d", i);
    assert_int_equal(learn_add_write(r, path, NULL), 1);
  }
  j = to_json(r);
  assert_int_equal(json_get(j, "writes")->n, 65);
  json_free(j);

  assert_int_equal(learn_add_write(r, "/tmp/work/sub/one-more", NULL), 1); /* the 65th below /tmp/work */
  j = to_json(r);
  w = json_get(j, "writes");
  assert_int_equal(w->n, 2);
  assert_string_equal(w->items[0]->str, "/tmp/work/*");
  assert_string_equal(w->items[1]->str, "/var/log/app.log");
  assert_int_equal(learn_add_write(r, "/tmp/work/f99", NULL), 0);
  assert_int_equal(learn_add_write(r, "/tmp/work/deep/er/x", NULL), 0);
  assert_int_equal(learn_add_write(r, "/tmp/other", NULL), 1);
}

static void test_caps_whys_bounded(void **state) {
  cleanup_learn struct learn_rec *r = rec("c1");
  cleanup_json struct json *j = NULL;
  char why[32];
  int i;
  (void)state;

  for (i = 0; i < 8; i++) {
    snprintf(why, sizeof(why), "bind to port %d (inet)", i + 1);
    assert_int_equal(learn_add_cap(r, "CAP_NET_BIND_SERVICE", why, NULL), 1);
  }
  assert_int_equal(learn_add_cap(r, "CAP_NET_BIND_SERVICE", "bind to port 99 (inet)", NULL), 0);
  assert_int_equal(learn_add_cap(r, "CAP_CHOWN", "chown", NULL), 1); /* other capabilities still count */
  j = to_json(r);
  assert_int_equal(json_get(j, "capabilities")->n, 9);
}

/* ---- the file ---------------------------------------------------------------- */

static void test_json_round_trip(void **state) {
  cleanup_learn struct learn_rec *r = rec("0123abcd_+.-x");
  cleanup_learn struct learn_rec *back = NULL;
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *path = NULL;
  cleanup_free char *a = NULL;
  cleanup_free char *b = NULL;
  cleanup_json struct json *j = NULL;
  struct stat st;
  (void)state;

  assert_int_equal(learn_set_meta(r, "image", "docker.io/library/nginx:1.25", NULL), 0);
  assert_int_equal(learn_set_meta(r, "pod", "web-0", NULL), 0);
  assert_int_equal(learn_set_meta(r, "namespace", "shop", NULL), 0);
  assert_int_equal(learn_add_syscall(r, X64, "read", NULL), 1);
  assert_int_equal(learn_add_syscall(r, X64, "bind", NULL), 1);
  assert_int_equal(learn_add_exec(r, "/usr/sbin/nginx", H1, "image", NULL), 1);
  assert_int_equal(learn_add_exec(r, "/tmp/x", NULL, "tmpfs", NULL), 1);
  assert_int_equal(learn_add_write(r, "/var/cache/nginx/a", NULL), 1);
  assert_int_equal(learn_add_net(r, "bind", "inet", 80, NULL), 1);
  assert_int_equal(learn_add_net(r, "connect", "unix", 0, NULL), 1);
  assert_int_equal(learn_add_cap(r, "CAP_NET_BIND_SERVICE", "bind to port 80 (inet)", NULL), 1);
  learn_count_notification(r);
  learn_set_ended(r, true);

  assert_true(asprintf(&path, "%s/c-20240501T100000Z.json", tmpdir) > 0);
  if (learn_write(r, path, &err) < 0)
    fail_msg("learn_write: %s", err->msg);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600); /* what a workload does is for root only */
  if (learn_load(path, &back, &err) < 0)
    fail_msg("learn_load: %s", err->msg);
  a = compact(r);
  b = compact(back);
  assert_string_equal(a, b);
  assert_false(learn_dirty(back));
  assert_string_equal(learn_rec_container(back), "0123abcd_+.-x");
  assert_string_equal(learn_rec_profile(back), "web");
  assert_int_equal(learn_notifications(back), 1);
  j = to_json(back);
  assert_string_equal(json_string(json_get(j, "image")), "docker.io/library/nginx:1.25");
  assert_true(json_is(json_get(j, "ended"), JSON_TRUE));
  assert_int_equal(json_get(j, "version")->str[0], '1');
}

static void expect_load_error(const char *name, const char *text, const char *want) {
  cleanup_free char *path = write_tmp(name, text);
  cleanup_free char *full = NULL;
  cleanup_error struct sk_error *err = NULL;
  struct learn_rec *r = NULL;

  if (learn_load(path, &r, &err) == 0) {
    learn_free(r);
    fail_msg("learn_load accepted %s; expected \"%s\"", text, want);
  }
  assert_null(r);
  /* want starts with the position: "L:C: field: why" */
  assert_true(asprintf(&full, "%s:%s", path, want) > 0);
  if (strcmp(err->msg, full) != 0)
    fail_msg("wrong message\n  got:  %s\n  want: %s", err->msg, full);
}

#define REC_HEAD "{\"version\": 1, \"container\": \"c\", \"profile\": \"web\", \"started\": \"2024-05-01T10:00:00Z\""

static void test_load_errors(void **state) {
  (void)state;
  expect_load_error("e1.json", "{\"version\": 1,\n  \"colour\": 3}",
                    "2:13: colour: unknown field \"colour\"; expected one of version, container, profile, "
                    "profileSha256, image, pod, namespace, started, updated, ended, notifications, syscalls, execs, "
                    "writes, network, capabilities");
  expect_load_error("e2.json", "{\"version\": 2}", "1:13: version: 2 is not a version this stockade reads; expected 1");
  expect_load_error("e3.json", "{\"version\": 1}", "1:1: container: missing; expected the container's id");
  expect_load_error("e4.json", "{\"version\": 1, \"container\": \"../x\"}",
                    "1:29: container: expected a container id ([A-Za-z0-9_+.-], up to 200 characters)");
  expect_load_error("e5.json", REC_HEAD ",\n \"syscalls\": {\"SCMP_ARCH_X86_64\": [\"read\", \"mknodat2\"]}}",
                    "2:44: syscalls.SCMP_ARCH_X86_64[1]: unknown syscall \"mknodat2\" on SCMP_ARCH_X86_64");
  expect_load_error("e6.json", REC_HEAD ",\n \"syscalls\": {\"SCMP_ARCH_VAX\": []}}",
                    "2:32: syscalls.SCMP_ARCH_VAX: \"SCMP_ARCH_VAX\" is not an architecture libseccomp knows; "
                    "expected a name such as \"SCMP_ARCH_X86_64\"");
  expect_load_error("e7.json",
                    REC_HEAD ",\n \"execs\": [{\"path\": \"/bin/sh\", \"sha256\": \"abc\", \"where\": \"image\"}]}",
                    "2:42: execs[0].sha256: expected 64 lowercase hex digits or null");
  expect_load_error("e8.json", REC_HEAD ",\n \"execs\": [{\"path\": \"/bin/sh\", \"where\": \"layer\"}]}",
                    "2:41: execs[0].where: expected one of \"image\", \"upper\", \"tmpfs\", \"volume\", \"memfd\", "
                    "\"other\"");
  expect_load_error("e9.json", REC_HEAD ",\n \"execs\": [{\"path\": \"/bin/sh\", \"hash\": 1}]}",
                    "2:40: execs[0].hash: unknown field \"hash\"; expected one of path, sha256, where");
  expect_load_error("e10.json",
                    REC_HEAD ",\n \"network\": [{\"op\": \"bind\", \"family\": \"inet\", \"port\": 70000}]}",
                    "2:55: network[0].port: expected an integer from 0 to 65535");
  expect_load_error("e11.json", REC_HEAD ",\n \"capabilities\": [{\"name\": \"net_raw\", \"why\": \"x\"}]}",
                    "2:28: capabilities[0].name: expected a capability such as \"CAP_NET_BIND_SERVICE\"");
  expect_load_error("e16.json", REC_HEAD ",\n \"network\": [{\"op\": \"bind\", \"port\": 80}]}",
                    "2:14: network[0]: missing \"family\"; expected \"inet\", \"inet6\" or \"unix\"");
  expect_load_error("e12.json", REC_HEAD ",\n \"writes\": [\"tmp/x\"]}",
                    "2:13: writes[0]: expected an absolute path below \"/\"");
  expect_load_error("e13.json",
                    "{\"version\": 1, \"container\": \"c\", \"profile\": \"web\", \"started\": \"yesterday\"}",
                    "1:63: started: \"yesterday\" is not a UTC time; expected one such as \"2024-05-01T10:00:00Z\"");
  expect_load_error("e14.json", "{\"version\": 1,\n \"container\": }",
                    "2:15: unallowed token at this point in JSON text");
  expect_load_error("e15.json", REC_HEAD ", \"ended\": \"yes\"}", "1:96: ended: got a string; expected true or false");
}

/* ---- where recordings live --------------------------------------------------------- */

static void test_recording_path(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *state_dir = NULL;
  cleanup_free char *p1 = NULL;
  cleanup_free char *p2 = NULL;
  cleanup_free char *dir = NULL;
  char *base;
  struct stat st;
  (void)state;

  assert_true(asprintf(&state_dir, "%s/state", tmpdir) > 0);
  if (learn_recording_path(state_dir, "web", "abc_1+2.3-4", &p1, &err) < 0)
    fail_msg("learn_recording_path: %s", err->msg);
  assert_true(asprintf(&dir, "%s/recordings/web", state_dir) > 0);
  assert_true(str_has_prefix(p1, dir));
  base = p1 + strlen(dir) + 1;
  /* abc_1+2.3-4-YYYYmmddTHHMMSSZ.json */
  assert_true(str_has_prefix(base, "abc_1+2.3-4-"));
  base += strlen("abc_1+2.3-4-");
  assert_int_equal(strlen(base), strlen("20240501T100000Z.json"));
  assert_int_equal(strspn(base, "0123456789"), 8);
  assert_int_equal(base[8], 'T');
  assert_int_equal(strspn(base + 9, "0123456789"), 6);
  assert_string_equal(base + 15, "Z.json");
  assert_int_equal(stat(dir, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0700);

  /* A recording of that name exists: the next one gets "-2". */
  assert_int_equal(write_file_replace(p1, "{}", 2, 0600, &err), 0);
  if (learn_recording_path(state_dir, "web", "abc_1+2.3-4", &p2, &err) < 0)
    fail_msg("learn_recording_path: %s", err->msg);
  if (strcmp(p1, p2) != 0) /* unless the second ticked over in between */
    assert_true(str_has_suffix(p2, "-2.json") || strncmp(p1, p2, strlen(p1) - 6) != 0);
  else
    fail_msg("the same path twice: %s", p1);
  unlink(p1);

  assert_int_equal(learn_recording_path(state_dir, "web", "../etc", &p2, &err), -1);
  assert_contains(err->msg, "invalid container id \"../etc\"");
  sk_error_free(&err);
  assert_int_equal(learn_recording_path(state_dir, "web", "a/b", &p2, &err), -1);
  sk_error_free(&err);
  assert_int_equal(learn_recording_path(state_dir, "web", "a b", &p2, &err), -1);
  sk_error_free(&err);
  assert_int_equal(learn_recording_path(state_dir, "../web", "c", &p2, &err), -1);
  assert_contains(err->msg, "invalid profile name");
  sk_error_free(&err);
  assert_int_equal(learn_recording_path("state", "web", "c", &p2, &err), -1);
  assert_contains(err->msg, "not an absolute path");
}

static void test_known_syscalls(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *known = NULL;
  cleanup_free char *p1 = NULL;
  cleanup_free char *p2 = NULL;
  cleanup_free char *p3 = NULL;
  cleanup_free char *skip = NULL;
  cleanup_free char *state_dir = NULL;
  const struct json *x64;
  (void)state;

  assert_true(asprintf(&state_dir, "%s/known", tmpdir) > 0);
  /* No recordings yet: an empty object. */
  if (learn_known_syscalls(state_dir, "job", &known, &err) < 0)
    fail_msg("learn_known_syscalls: %s", err->msg);
  assert_true(json_is(known, JSON_OBJECT));
  assert_int_equal(known->n, 0);
  json_free(known);
  known = NULL;

  p1 = write_tmp("known/recordings/job/a-20240501T100000Z.json",
                 REC_HEAD ", \"syscalls\": {\"SCMP_ARCH_X86_64\": [\"read\", \"write\"]}}");
  p2 = write_tmp("known/recordings/job/b-20240501T110000Z.json",
                 REC_HEAD ", \"syscalls\": {\"SCMP_ARCH_X86_64\": [\"openat\", \"write\"], "
                          "\"SCMP_ARCH_X86\": [\"socketcall\"]}}");
  skip = write_tmp("known/recordings/job/c.json.stockade-AbC123", "not json, and not a recording");
  if (learn_known_syscalls(state_dir, "job", &known, &err) < 0)
    fail_msg("learn_known_syscalls: %s", err->msg);
  assert_int_equal(known->n, 2);
  x64 = json_get(known, X64);
  assert_int_equal(x64->n, 3);
  assert_string_equal(x64->items[0]->str, "openat");
  assert_string_equal(x64->items[1]->str, "read");
  assert_string_equal(x64->items[2]->str, "write");
  assert_string_equal(json_get(known, "SCMP_ARCH_X86")->items[0]->str, "socketcall");
  json_free(known);
  known = NULL;

  /* A malformed recording is an error that names it, not a silent skip. */
  p3 = write_tmp("known/recordings/job/c-20240501T120000Z.json", REC_HEAD ", \"syscalls\": [\"read\"]}");
  assert_int_equal(learn_known_syscalls(state_dir, "job", &known, &err), -1);
  assert_null(known);
  assert_contains(err->msg, p3);
  assert_contains(err->msg, "syscalls: got an array");
}

/* ---- the runtime's own syscalls -------------------------------------------------------------- */

static void test_baseline(void **state) {
  static const char *const required[] = {
      "read",        "write",        "close",           "close_range",  "fcntl",       "openat",     "getdents64",
      "futex",       "nanosleep",    "clock_nanosleep", "mmap",         "munmap",      "madvise",    "mprotect",
      "brk",         "rt_sigaction", "rt_sigprocmask",  "rt_sigreturn", "sigaltstack", "clone",      "tgkill",
      "tkill",       "getpid",       "gettid",          "getppid",      "epoll_pwait", "epoll_wait", "epoll_ctl",
      "sched_yield", "exit",         "exit_group",      "wait4",        "sendmsg",     "recvmsg",    "sendto",
      "recvfrom",    "newfstatat",   "fstat",           "prctl",        "capget",      "capset",     "setgroups",
      "setresuid",   "setresgid",    "arch_prctl",      "dup3",         "pipe2",       "getrandom",  NULL};
  size_t i, j;
  (void)state;

  for (i = 0; required[i]; i++) {
    bool found = false;
    for (j = 0; learn_runtime_baseline[j] && !found; j++)
      found = strcmp(learn_runtime_baseline[j], required[i]) == 0;
    if (!found)
      fail_msg("%s is not in learn_runtime_baseline", required[i]);
  }
  for (j = 0; learn_runtime_baseline[j]; j++) {
    if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, learn_runtime_baseline[j]) < 0)
      fail_msg("libseccomp does not resolve %s on x86_64", learn_runtime_baseline[j]);
    /* Notifying them before the listener is connected would hang the runtime. */
    if (learn_always_notify(learn_runtime_baseline[j]))
      fail_msg("%s is in the baseline and always notified", learn_runtime_baseline[j]);
    for (i = 0; i < j; i++)
      if (strcmp(learn_runtime_baseline[i], learn_runtime_baseline[j]) == 0)
        fail_msg("%s twice in the baseline", learn_runtime_baseline[j]);
  }
}

static void test_always_notify(void **state) {
  static const char *const yes[] = {"bind",        "connect",     "socket", "chown",    "fchown",   "lchown",
                                    "fchownat",    "chown32",     "setuid", "setreuid", "setfsuid", "setgid",
                                    "setregid",    "setfsgid",    "kill",   "mknod",    "mknodat",  "chroot",
                                    "setresuid32", "setgroups32", "mkdir",  "mkdirat",  NULL};
  static const char *const no[] = {"read",  "write",  "socketpair", "setresuid", "setresgid",  "setgroups", "tgkill",
                                   "tkill", "capset", "execve",     "clone",     "nosuchcall", NULL};
  size_t i;
  (void)state;

  for (i = 0; yes[i]; i++) {
    if (!learn_always_notify(yes[i]))
      fail_msg("%s is not always notified", yes[i]);
    if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, yes[i]) < 0 &&
        seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, yes[i]) < 0)
      fail_msg("libseccomp resolves %s on neither x86_64 nor x86", yes[i]);
  }
  for (i = 0; no[i]; i++)
    if (learn_always_notify(no[i]))
      fail_msg("%s is always notified", no[i]);
  assert_false(learn_always_notify(NULL));
}

/* ---- inference -------------------------------------------------------------------------------- */

/* The caller's memory: one buffer at address MEM_ADDR. */
#define MEM_ADDR 0x7000
struct fake {
  unsigned char mem[256];
  size_t len;
  uid_t target_uid; /* what uid_of answers; (uid_t)-1: unknown */
  pid_t asked;      /* the target uid_of was asked about */
};

static int fake_read(void *ctx, pid_t pid, uint64_t addr, void *buf, size_t len) {
  struct fake *f = ctx;
  (void)pid;
  if (addr < MEM_ADDR || addr - MEM_ADDR + len > f->len)
    return -1;
  memcpy(buf, f->mem + (addr - MEM_ADDR), len);
  return 0;
}

static int fake_uid(void *ctx, pid_t caller, pid_t target, uid_t *uid) {
  struct fake *f = ctx;
  (void)caller;
  f->asked = target;
  if (f->target_uid == (uid_t)-1)
    return -1;
  *uid = f->target_uid;
  return 0;
}

static void put_in4(struct fake *f, int port) {
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sin.sin_addr.s_addr = htonl(INADDR_ANY);
  memcpy(f->mem, &sin, sizeof(sin));
  f->len = sizeof(sin);
}

static void put_in6(struct fake *f, int port) {
  struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
  memcpy(f->mem, &sin6, sizeof(sin6));
  f->len = sizeof(sin6);
}

static void put_un(struct fake *f, const char *path) {
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
  memcpy(f->mem, &sun, sizeof(sun));
  f->len = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static struct learn_call call(const char *name, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3) {
  struct learn_call c = {.name = name, .args = {a0, a1, a2, a3, 0, 0}, .pid = 4242, .uid = 1000, .gid = 1000};
  return c;
}

/* Infer from one call on a fresh recording; return its capabilities and
 * network as one line of JSON: {"c":[...],"n":[...]}. */
static char *infer(struct learn_call c, struct fake *f) {
  cleanup_learn struct learn_rec *r = rec("c1");
  cleanup_json struct json *j = NULL;
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  cleanup_error struct sk_error *err = NULL;
  char *s = NULL;
  size_t len;

  assert_int_equal(learn_infer(r, &c, fake_read, fake_uid, f), 0);
  j = to_json(r);
  json_set(o, "c", json_copy(json_get(j, "capabilities")));
  json_set(o, "n", json_copy(json_get(j, "network")));
  assert_int_equal(json_gen_compact(o, &s, &len, &err), 0);
  return s;
}

#define NOTHING "{\"c\":[],\"n\":[]}"

static void expect_infer(struct learn_call c, struct fake *f, const char *want) {
  cleanup_free char *got = infer(c, f);
  if (strcmp(got, want) != 0)
    fail_msg("%s(%#llx, %#llx, %#llx, %#llx) by uid %u:\n  got:  %s\n  want: %s", c.name, (unsigned long long)c.args[0],
             (unsigned long long)c.args[1], (unsigned long long)c.args[2], (unsigned long long)c.args[3],
             (unsigned)c.uid, got, want);
}

/* mkdir and mkdirat of an absolute path are writes there; a relative
 * path, or one that cannot be read, is no fact. */
static void writes_after(struct learn_call c, struct fake *f, const char *want) {
  cleanup_learn struct learn_rec *r = rec("c1");
  cleanup_json struct json *j = NULL;
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *got = NULL;
  size_t len;

  assert_int_equal(learn_infer(r, &c, fake_read, fake_uid, f), 0);
  j = to_json(r);
  assert_int_equal(json_gen_compact(json_get(j, "writes"), &got, &len, &err), 0);
  if (strcmp(got, want) != 0)
    fail_msg("%s: writes %s, want %s", c.name, got, want);
  /* nothing else is inferred from it */
  assert_int_equal(json_get(j, "capabilities")->n, 0);
}

static void test_infer_mkdir(void **state) {
  struct fake f = {0};
  (void)state;

  f.len = sizeof(f.mem);
  snprintf((char *)f.mem, sizeof(f.mem), "/var/cache/nginx/client_temp");
  writes_after(call("mkdir", MEM_ADDR, 0700, 0, 0), &f, "[\"/var/cache/nginx/client_temp\"]");
  writes_after(call("mkdirat", (uint64_t)-100, MEM_ADDR, 0700, 0), &f, "[\"/var/cache/nginx/client_temp\"]");
  writes_after(call("mkdirat", 3, MEM_ADDR, 0700, 0), &f, "[\"/var/cache/nginx/client_temp\"]");
  snprintf((char *)f.mem, sizeof(f.mem), "client_temp");
  writes_after(call("mkdir", MEM_ADDR, 0700, 0, 0), &f, "[]");
  writes_after(call("mkdirat", (uint64_t)-100, MEM_ADDR, 0700, 0), &f, "[]");
  /* unreadable, NULL */
  writes_after(call("mkdir", MEM_ADDR + 4096, 0700, 0, 0), &f, "[]");
  writes_after(call("mkdir", 0, 0700, 0, 0), &f, "[]");
  /* a path with no end within the readable memory */
  memset(f.mem, 'a', sizeof(f.mem));
  f.mem[0] = '/';
  writes_after(call("mkdir", MEM_ADDR, 0700, 0, 0), &f, "[]");
}

/* A process that started as root and executes as another user switched
 * user, whatever syscalls it used (setpriv: setresuid, setgroups). */
static void test_infer_ids(void **state) {
  cleanup_learn struct learn_rec *r = rec("c1");
  cleanup_learn struct learn_rec *g = rec("c2");
  cleanup_json struct json *j = NULL;
  const struct json *caps;
  (void)state;

  /* no switch, or not started as root: nothing */
  assert_int_equal(learn_infer_ids(r, 0, 0, 0, 0, "/bin/sh"), 0);
  assert_int_equal(learn_infer_ids(r, 1000, 1000, 1000, 1000, "/bin/sh"), 0);
  assert_int_equal(learn_infer_ids(r, 1000, 1000, 999, 999, "/bin/sh"), 0);
  j = to_json(r);
  assert_int_equal(json_get(j, "capabilities")->n, 0);
  json_free(j);
  /* root to redis (999:999): both */
  assert_int_equal(learn_infer_ids(r, 0, 0, 999, 999, "/usr/local/bin/redis-entrypoint.sh"), 0);
  j = to_json(r);
  caps = json_get(j, "capabilities");
  assert_int_equal(caps->n, 2);
  assert_string_equal(json_string(json_get(caps->items[0], "name")), "CAP_SETGID");
  assert_string_equal(json_string(json_get(caps->items[1], "name")), "CAP_SETUID");
  assert_contains(json_string(json_get(caps->items[1], "why")), "uid 0 became uid 999");
  assert_contains(json_string(json_get(caps->items[1], "why")), "redis-entrypoint.sh");
  json_free(j);
  j = NULL;
  /* the group kept: CAP_SETUID only */
  assert_int_equal(learn_infer_ids(g, 0, 0, 101, 0, NULL), 0);
  j = to_json(g);
  caps = json_get(j, "capabilities");
  assert_int_equal(caps->n, 1);
  assert_string_equal(json_string(json_get(caps->items[0], "name")), "CAP_SETUID");
}

static void test_infer_bind(void **state) {
  struct fake f = {0};
  (void)state;

  put_in4(&f, 80);
  expect_infer(call("bind", 3, MEM_ADDR, f.len, 0), &f,
               "{\"c\":[{\"name\":\"CAP_NET_BIND_SERVICE\",\"why\":\"bind to port 80 (inet)\"}],"
               "\"n\":[{\"op\":\"bind\",\"family\":\"inet\",\"port\":80}]}");
  put_in4(&f, 8080);
  expect_infer(call("bind", 3, MEM_ADDR, f.len, 0), &f,
               "{\"c\":[],\"n\":[{\"op\":\"bind\",\"family\":\"inet\",\"port\":8080}]}");
  put_in4(&f, 1024); /* the first unprivileged port */
  expect_infer(call("bind", 3, MEM_ADDR, f.len, 0), &f,
               "{\"c\":[],\"n\":[{\"op\":\"bind\",\"family\":\"inet\",\"port\":1024}]}");
  put_in6(&f, 443);
  expect_infer(call("bind", 3, MEM_ADDR, f.len, 0), &f,
               "{\"c\":[{\"name\":\"CAP_NET_BIND_SERVICE\",\"why\":\"bind to port 443 (inet6)\"}],"
               "\"n\":[{\"op\":\"bind\",\"family\":\"inet6\",\"port\":443}]}");
  put_in6(&f, 8443);
  expect_infer(call("bind", 3, MEM_ADDR, f.len, 0), &f,
               "{\"c\":[],\"n\":[{\"op\":\"bind\",\"family\":\"inet6\",\"port\":8443}]}");
  put_in4(&f, 0); /* any free port */
  expect_infer(call("bind", 3, MEM_ADDR, f.len, 0), &f, NOTHING);
  put_un(&f, "/run/app.sock");
  expect_infer(call("bind", 3, MEM_ADDR, f.len, 0), &f,
               "{\"c\":[],\"n\":[{\"op\":\"bind\",\"family\":\"unix\",\"port\":0}]}");
  /* Unreadable memory, a NULL address, a length too short for a port. */
  put_in4(&f, 80);
  expect_infer(call("bind", 3, MEM_ADDR + 4096, f.len, 0), &f, NOTHING);
  expect_infer(call("bind", 3, 0, f.len, 0), &f, NOTHING);
  expect_infer(call("bind", 3, MEM_ADDR, 3, 0), &f, NOTHING);
  /* The length the caller gives bounds the read, even when it lies high. */
  expect_infer(call("bind", 3, MEM_ADDR, 4096, 0), &f, NOTHING);
}

static void test_infer_connect(void **state) {
  struct fake f = {0};
  (void)state;

  put_in4(&f, 5432);
  expect_infer(call("connect", 3, MEM_ADDR, f.len, 0), &f,
               "{\"c\":[],\"n\":[{\"op\":\"connect\",\"family\":\"inet\",\"port\":5432}]}");
  put_in6(&f, 53); /* a low port implies nothing for a connect */
  expect_infer(call("connect", 3, MEM_ADDR, f.len, 0), &f,
               "{\"c\":[],\"n\":[{\"op\":\"connect\",\"family\":\"inet6\",\"port\":53}]}");
  put_un(&f, "/var/run/nscd/socket");
  expect_infer(call("connect", 3, MEM_ADDR, f.len, 0), &f,
               "{\"c\":[],\"n\":[{\"op\":\"connect\",\"family\":\"unix\",\"port\":0}]}");
  f.mem[0] = AF_UNSPEC; /* a UDP "disconnect" */
  f.mem[1] = 0;
  expect_infer(call("connect", 3, MEM_ADDR, f.len, 0), &f, NOTHING);
}

static void test_infer_socket(void **state) {
  struct fake f = {0};
  (void)state;

  expect_infer(call("socket", AF_INET, SOCK_RAW, IPPROTO_ICMP, 0), &f,
               "{\"c\":[{\"name\":\"CAP_NET_RAW\",\"why\":\"socket(AF_INET, SOCK_RAW)\"}],\"n\":[]}");
  expect_infer(call("socket", AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6, 0), &f,
               "{\"c\":[{\"name\":\"CAP_NET_RAW\",\"why\":\"socket(AF_INET6, SOCK_RAW)\"}],\"n\":[]}");
  expect_infer(call("socket", AF_PACKET, SOCK_DGRAM, 0, 0), &f,
               "{\"c\":[{\"name\":\"CAP_NET_RAW\",\"why\":\"socket(AF_PACKET)\"}],\"n\":[]}");
  expect_infer(call("socket", AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0), &f, NOTHING);
  expect_infer(call("socket", AF_INET, SOCK_DGRAM, IPPROTO_ICMP, 0), &f, NOTHING); /* ping sockets */
  expect_infer(call("socket", AF_NETLINK, SOCK_RAW, 0, 0), &f, NOTHING);
  expect_infer(call("socket", AF_UNIX, SOCK_STREAM, 0, 0), &f, NOTHING);
}

static void test_infer_chown(void **state) {
  struct fake f = {0};
  (void)state;

  expect_infer(call("chown", MEM_ADDR, 0, 0, 0), &f,
               "{\"c\":[{\"name\":\"CAP_CHOWN\",\"why\":\"chown to uid 0 by uid 1000\"}],\"n\":[]}");
  expect_infer(call("fchown", 3, 1000, 2000, 0), &f,
               "{\"c\":[{\"name\":\"CAP_CHOWN\",\"why\":\"fchown to gid 2000 by gid 1000\"}],\"n\":[]}");
  expect_infer(call("fchownat", 3, MEM_ADDR, 33, 0xffffffff), &f,
               "{\"c\":[{\"name\":\"CAP_CHOWN\",\"why\":\"fchownat to uid 33 by uid 1000\"}],\"n\":[]}");
  expect_infer(call("lchown32", MEM_ADDR, 0xffffffff, 5, 0), &f,
               "{\"c\":[{\"name\":\"CAP_CHOWN\",\"why\":\"lchown32 to gid 5 by gid 1000\"}],\"n\":[]}");
  /* Changing nothing, or to what the caller already is, needs nothing. */
  expect_infer(call("chown", MEM_ADDR, 0xffffffff, 0xffffffff, 0), &f, NOTHING);
  expect_infer(call("fchown", 3, 1000, 1000, 0), &f, NOTHING);
  expect_infer(call("fchownat", 3, MEM_ADDR, 1000, 0xffffffff), &f, NOTHING);
  /* 64-bit registers: only the low 32 bits are the id. */
  expect_infer(call("fchown", 3, 0xffffffff00000000ull | 1000, 0xffffffffffffffffull, 0), &f, NOTHING);
}

static void test_infer_setuid(void **state) {
  struct fake f = {0};
  struct learn_call root = call("setuid", 1000, 0, 0, 0);
  (void)state;

  expect_infer(call("setuid", 1000, 0, 0, 0), &f, NOTHING); /* to itself */
  expect_infer(call("setuid", 0, 0, 0, 0), &f,
               "{\"c\":[{\"name\":\"CAP_SETUID\",\"why\":\"setuid to uid 0 by uid 1000\"}],\"n\":[]}");
  root.uid = 0;
  expect_infer(root, &f, "{\"c\":[{\"name\":\"CAP_SETUID\",\"why\":\"setuid to uid 1000 by uid 0\"}],\"n\":[]}");
  expect_infer(call("setreuid", 0xffffffff, 1000, 0, 0), &f, NOTHING);
  expect_infer(call("setresuid", 0xffffffff, 1001, 0xffffffff, 0), &f,
               "{\"c\":[{\"name\":\"CAP_SETUID\",\"why\":\"setresuid to uid 1001 by uid 1000\"}],\"n\":[]}");
  expect_infer(call("setfsuid", 0xffffffff, 0, 0, 0), &f, NOTHING); /* a query */
  expect_infer(call("setuid32", 7, 0, 0, 0), &f,
               "{\"c\":[{\"name\":\"CAP_SETUID\",\"why\":\"setuid32 to uid 7 by uid 1000\"}],\"n\":[]}");
}

static void test_infer_setgid(void **state) {
  struct fake f = {0};
  (void)state;

  expect_infer(call("setgid", 1000, 0, 0, 0), &f, NOTHING);
  expect_infer(call("setgid", 101, 0, 0, 0), &f,
               "{\"c\":[{\"name\":\"CAP_SETGID\",\"why\":\"setgid to gid 101 by gid 1000\"}],\"n\":[]}");
  expect_infer(call("setregid", 1000, 1000, 0, 0), &f, NOTHING);
  expect_infer(call("setresgid", 1000, 1000, 0, 0), &f,
               "{\"c\":[{\"name\":\"CAP_SETGID\",\"why\":\"setresgid to gid 0 by gid 1000\"}],\"n\":[]}");
  expect_infer(call("setfsgid", 0xffffffff, 0, 0, 0), &f, NOTHING);
  expect_infer(call("setgroups", 0, 0, 0, 0), &f, "{\"c\":[{\"name\":\"CAP_SETGID\",\"why\":\"setgroups\"}],\"n\":[]}");
}

static void test_infer_kill(void **state) {
  struct fake f = {.target_uid = 1000};
  (void)state;

  expect_infer(call("kill", 77, 15, 0, 0), &f, NOTHING); /* its own user's process */
  assert_int_equal(f.asked, 77);
  f.target_uid = 0;
  expect_infer(call("kill", 78, 9, 0, 0), &f,
               "{\"c\":[{\"name\":\"CAP_KILL\",\"why\":\"kill of a process of uid 0 by uid 1000\"}],\"n\":[]}");
  assert_int_equal(f.asked, 78);
  expect_infer(call("tgkill", 79, 80, 9, 0), &f,
               "{\"c\":[{\"name\":\"CAP_KILL\",\"why\":\"tgkill of a process of uid 0 by uid 1000\"}],\"n\":[]}");
  assert_int_equal(f.asked, 80); /* the thread */
  f.asked = 0;
  expect_infer(call("kill", (uint64_t)-1, 9, 0, 0), &f, NOTHING); /* every process it may signal */
  expect_infer(call("kill", 0, 9, 0, 0), &f, NOTHING);            /* its process group */
  expect_infer(call("kill", (uint64_t)-5, 9, 0, 0), &f, NOTHING); /* another group */
  assert_int_equal(f.asked, 0);
  f.target_uid = (uid_t)-1; /* gone, or unknown */
  expect_infer(call("kill", 81, 9, 0, 0), &f, NOTHING);
}

static void test_infer_mknod(void **state) {
  struct fake f = {0};
  (void)state;

  expect_infer(call("mknod", MEM_ADDR, S_IFCHR | 0600, 0x103, 0), &f,
               "{\"c\":[{\"name\":\"CAP_MKNOD\",\"why\":\"mknod of a character device\"}],\"n\":[]}");
  expect_infer(call("mknodat", 3, MEM_ADDR, S_IFBLK | 0600, 0x801), &f,
               "{\"c\":[{\"name\":\"CAP_MKNOD\",\"why\":\"mknodat of a block device\"}],\"n\":[]}");
  expect_infer(call("mknod", MEM_ADDR, S_IFIFO | 0600, 0, 0), &f, NOTHING);
  expect_infer(call("mknodat", 3, MEM_ADDR, S_IFSOCK | 0600, 0), &f, NOTHING);
  expect_infer(call("mknod", MEM_ADDR, S_IFREG | 0600, 0, 0), &f, NOTHING);
}

static void test_infer_other(void **state) {
  struct fake f = {0};
  (void)state;

  expect_infer(call("chroot", MEM_ADDR, 0, 0, 0), &f,
               "{\"c\":[{\"name\":\"CAP_SYS_CHROOT\",\"why\":\"chroot\"}],\"n\":[]}");
  expect_infer(call("read", 3, MEM_ADDR, 10, 0), &f, NOTHING);
  expect_infer(call("socketpair", AF_UNIX, SOCK_STREAM, 0, MEM_ADDR), &f, NOTHING);
  {
    /* No callbacks: nothing that needs them is inferred, the rest is. */
    cleanup_learn struct learn_rec *r = rec("c1");
    struct learn_call c = call("bind", 3, MEM_ADDR, 16, 0);
    assert_int_equal(learn_infer(r, &c, NULL, NULL, NULL), 0);
    c = call("kill", 5, 9, 0, 0);
    assert_int_equal(learn_infer(r, &c, NULL, NULL, NULL), 0);
    c = call("chroot", 0, 0, 0, 0);
    assert_int_equal(learn_infer(r, &c, NULL, NULL, NULL), 0);
    assert_true(learn_dirty(r));
  }
}

/* ---- making a profile --------------------------------------------------------------------------- */

struct made {
  struct json *profile;
  char *text;
  char *summary;
  struct profile *parsed;
};

static void made_free(struct made *m) {
  json_free(m->profile);
  free(m->text);
  free(m->summary);
  profile_free(m->parsed);
}

/* Make a profile and prove it is one: profile_parse, and its seccomp
 * document through seccomp_validate and seccomp_compile_check. */
static struct made make(struct learn_rec **recs, size_t n, const struct profile *base, const char *name) {
  cleanup_error struct sk_error *err = NULL;
  struct made m = {0};
  size_t len;

  if (learn_make_profile(recs, n, base, name, &m.profile, &m.summary, &err) < 0)
    fail_msg("learn_make_profile: %s", err->msg);
  assert_int_equal(json_gen(m.profile, &m.text, &len, &err), 0);
  if (profile_parse("learned.json", m.text, len, &m.parsed, &err) < 0)
    fail_msg("profile_parse: %s\n%s", err->msg, m.text);
  if (seccomp_validate(m.parsed->seccomp, &err) < 0 || seccomp_compile_check(m.parsed->seccomp, &err) < 0)
    fail_msg("seccomp: %s", err->msg);
  return m;
}

static const struct json *rule_for(const struct json *doc, const char *name) {
  const struct json *rules = json_get(doc, "syscalls");
  size_t i;
  for (i = 0; rules && i < rules->n; i++)
    if (json_array_has_string(json_get(rules->items[i], "names"), name))
      return rules->items[i];
  return NULL;
}

static struct profile *parse_profile(const char *text) {
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;
  if (profile_parse("base.json", text, strlen(text), &p, &err) < 0)
    fail_msg("profile_parse: %s", err->msg);
  return p;
}

/* By path (stockadectl learn's default): every image program once, as a
 * plain path, whatever builds were recorded; a blocked build stays out;
 * the description says which choice was made. */
static void test_make_by_path(void **state) {
  cleanup_learn struct learn_rec *a = rec("a");
  cleanup_learn struct learn_rec *b = rec("b");
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *out = NULL;
  cleanup_free char *summary = NULL;
  const struct json *allow;
  struct learn_rec *recs[2];
  (void)state;

  assert_int_equal(learn_add_exec(a, "/usr/sbin/nginx", H1, "image", NULL), 1);
  assert_int_equal(learn_add_exec(b, "/usr/sbin/nginx", H2, "image", NULL), 1);
  assert_int_equal(learn_add_exec(b, "/bin/sh", H2, "image", NULL), 1);
  assert_int_equal(learn_add_exec(b, "/tmp/dropped", H3, "upper", NULL), 1);
  recs[0] = a;
  recs[1] = b;
  if (learn_make_profile_pin(recs, 2, NULL, "by-path", LEARN_PIN_PATHS, &out, &summary, &err) < 0)
    fail_msg("learn_make_profile_pin: %s", err->msg);
  allow = json_get_path(out, "exec", "allow", NULL);
  assert_non_null(allow);
  assert_int_equal(allow->n, 2);
  assert_string_equal(json_string(allow->items[0]), "/bin/sh");
  assert_string_equal(json_string(allow->items[1]), "/usr/sbin/nginx");
  assert_contains(json_string(json_get(out, "description")), "programs allowed by path");
  assert_contains(summary, "by path");
  json_free(out);
  out = NULL;
  free(summary);
  summary = NULL;
  /* pinned: one entry per build, and the description says so */
  if (learn_make_profile_pin(recs, 2, NULL, "pinned", LEARN_PIN_HASHES, &out, &summary, &err) < 0)
    fail_msg("learn_make_profile_pin: %s", err->msg);
  allow = json_get_path(out, "exec", "allow", NULL);
  assert_int_equal(allow->n, 3);
  assert_string_equal(json_string(json_get(allow->items[0], "sha256")), H2);
  assert_contains(json_string(json_get(out, "description")), "pinned to their SHA-256");
}

/* stockadectl learn --update: a profile as a recording; learned together
 * with a new recording, the result allows both. */
static void test_update_from_profile(void **state) {
  struct profile *old =
      parse_profile("{\"name\":\"web\",\"user\":{\"uid\":101,\"gid\":101},\"capabilities\":[\"NET_BIND_SERVICE\"],"
                    "\"writablePaths\":[{\"path\":\"/var/cache/nginx\"}],"
                    "\"exec\":{\"allow\":[\"/usr/sbin/nginx\",\"/usr/bin/\\\\[\",\"/opt/*\"]},"
                    "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                    "\"syscalls\":[{\"names\":[\"accept4\",\"sendfile\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                    "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2114060288,"
                    "\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}}");
  cleanup_learn struct learn_rec *prev = NULL;
  cleanup_learn struct learn_rec *now = rec("c1");
  cleanup_error struct sk_error *err = NULL;
  struct learn_rec *recs[2];
  const struct json *allow, *paths;
  struct made m;
  size_t skipped = 9;
  (void)state;

  assert_int_equal(learn_rec_from_profile(old, &prev, &skipped, &err), 0);
  assert_int_equal(skipped, 1); /* the glob with a wildcard */
  assert_int_equal(learn_add_exec(now, "/usr/bin/perl", H1, "image", NULL), 1);
  assert_int_equal(learn_add_syscall(now, X64, "getpriority", NULL), 1);
  recs[0] = prev;
  recs[1] = now;
  m = make(recs, 2, old, "web-v2");
  allow = json_get_path(m.profile, "exec", "allow", NULL);
  /* the old programs (pinned as the recording had them: no hash, so by
   * path; "[" unescaped and escaped again) and the new one */
  assert_int_equal(allow->n, 3);
  assert_string_equal(json_string(allow->items[0]), "/usr/bin/\\[");
  assert_string_equal(json_string(json_get(allow->items[1], "path")), "/usr/bin/perl");
  assert_string_equal(json_string(allow->items[2]), "/usr/sbin/nginx");
  allow = json_get(json_get_path(m.profile, "seccomp", "syscalls", NULL)->items[0], "names");
  assert_true(json_array_has_string(allow, "accept4"));
  assert_true(json_array_has_string(allow, "sendfile"));
  assert_true(json_array_has_string(allow, "getpriority"));
  assert_int_equal(json_get(m.profile, "capabilities")->n, 1);
  paths = json_get(m.profile, "writablePaths");
  assert_int_equal(paths->n, 1);
  assert_string_equal(json_string(json_get(paths->items[0], "path")), "/var/cache/nginx");
  assert_int_equal(m.parsed->uid, 101);
  made_free(&m);
  profile_free(old);
}

static void test_make_union(void **state) {
  cleanup_learn struct learn_rec *a = rec("a");
  cleanup_learn struct learn_rec *b = rec("b");
  struct learn_rec *recs[2];
  const struct json *seccomp, *allow, *rule, *arg, *caps;
  struct made m;
  size_t i;
  (void)state;

  assert_int_equal(learn_add_syscall(a, X64, "accept4", NULL), 1);
  assert_int_equal(learn_add_syscall(a, X64, "bind", NULL), 1);
  assert_int_equal(learn_add_syscall(a, X64, "clone3", NULL), 1);
  assert_int_equal(learn_add_syscall(b, X64, "sendfile", NULL), 1);
  assert_int_equal(learn_add_syscall(b, X64, "clone", NULL), 1);
  assert_int_equal(learn_add_exec(a, "/usr/sbin/nginx", H1, "image", NULL), 1);
  assert_int_equal(learn_add_exec(b, "/bin/sh", H2, "image", NULL), 1);
  assert_int_equal(learn_add_cap(a, "CAP_NET_BIND_SERVICE", "bind to port 80 (inet)", NULL), 1);
  assert_int_equal(learn_add_cap(b, "CAP_NET_BIND_SERVICE", "bind to port 443 (inet6)", NULL), 1);
  assert_int_equal(learn_add_cap(b, "CAP_CHOWN", "chown to uid 101 by uid 0", NULL), 1);
  assert_int_equal(learn_add_net(a, "bind", "inet", 80, NULL), 1);
  assert_int_equal(learn_add_net(b, "connect", "inet", 5432, NULL), 1);
  learn_set_ended(a, true);
  recs[0] = a;
  recs[1] = b;
  m = make(recs, 2, NULL, "web-learned");

  assert_string_equal(m.parsed->name, "web-learned");
  assert_contains(m.parsed->description, "from 2 recordings");
  assert_contains(m.parsed->description, "profile \"web\"");
  /* No base: the default profile's choices. */
  assert_true(m.parsed->has_user);
  assert_int_equal(m.parsed->uid, 65534);
  assert_int_equal(m.parsed->gid, 65534);
  assert_false(m.parsed->allow_root);
  assert_false(m.parsed->writable_rootfs);
  assert_int_equal(m.parsed->action, PROFILE_ACTION_DENY);

  caps = json_get(m.profile, "capabilities");
  assert_int_equal(caps->n, 2);
  assert_string_equal(caps->items[0]->str, "CAP_CHOWN");
  assert_string_equal(caps->items[1]->str, "CAP_NET_BIND_SERVICE");

  seccomp = json_get(m.profile, "seccomp");
  assert_string_equal(json_string(json_get(seccomp, "defaultAction")), "SCMP_ACT_ERRNO");
  assert_string_equal(json_get(seccomp, "defaultErrnoRet")->str, "1");
  assert_int_equal(json_get(seccomp, "architectures")->n, 1);
  assert_string_equal(json_get(seccomp, "architectures")->items[0]->str, X64);
  allow = json_get(json_get(seccomp, "syscalls")->items[0], "names");
  assert_string_equal(json_string(json_get(json_get(seccomp, "syscalls")->items[0], "action")), "SCMP_ACT_ALLOW");
  /* Both recordings, the baseline, execve and execveat. */
  assert_true(json_array_has_string(allow, "accept4"));
  assert_true(json_array_has_string(allow, "sendfile"));
  assert_true(json_array_has_string(allow, "execve"));
  assert_true(json_array_has_string(allow, "execveat"));
  /* stockade-init's, enforce mode only: its static start-up's readlink too */
  assert_true(json_array_has_string(allow, "landlock_restrict_self"));
  assert_true(json_array_has_string(allow, "readlink"));
  for (i = 0; learn_runtime_baseline[i]; i++)
    if (strcmp(learn_runtime_baseline[i], "clone") != 0 && !json_array_has_string(allow, learn_runtime_baseline[i]))
      fail_msg("baseline syscall %s is not allowed", learn_runtime_baseline[i]);
  /* Never recorded: not allowed. */
  assert_false(json_array_has_string(allow, "unshare"));
  assert_false(json_array_has_string(allow, "ptrace"));
  assert_false(json_array_has_string(allow, "mount"));
  assert_null(rule_for(seccomp, "unshare"));
  /* clone: only its own rule, without namespace flags. */
  assert_false(json_array_has_string(allow, "clone"));
  assert_false(json_array_has_string(allow, "clone3"));
  rule = rule_for(seccomp, "clone");
  assert_non_null(rule);
  assert_string_equal(json_string(json_get(rule, "action")), "SCMP_ACT_ALLOW");
  assert_int_equal(json_get(rule, "args")->n, 1);
  arg = json_get(rule, "args")->items[0];
  assert_string_equal(json_get(arg, "index")->str, "0");
  assert_string_equal(json_get(arg, "value")->str, "2114060288"); /* 0x7E020000 */
  assert_string_equal(json_get(arg, "valueTwo")->str, "0");
  assert_string_equal(json_string(json_get(arg, "op")), "SCMP_CMP_MASKED_EQ");
  rule = rule_for(seccomp, "clone3");
  assert_non_null(rule);
  assert_string_equal(json_string(json_get(rule, "action")), "SCMP_ACT_ERRNO");
  assert_string_equal(json_get(rule, "errnoRet")->str, "38");

  /* The summary: recordings, each capability with its reasons, network. */
  assert_contains(m.summary, "from 2 recordings");
  assert_contains(m.summary, "container a (profile web)");
  assert_contains(m.summary, "container b (profile web)");
  assert_contains(m.summary, "WARNING: 1 recording(s) did not end");
  assert_contains(m.summary, "Capabilities (2):\n");
  assert_contains(m.summary, "  CAP_CHOWN: chown to uid 101 by uid 0\n");
  assert_contains(m.summary, "  CAP_NET_BIND_SERVICE: bind to port 443 (inet6); bind to port 80 (inet)\n");
  assert_contains(m.summary, "  bind inet port 80\n");
  assert_contains(m.summary, "  connect inet port 5432\n");
  assert_contains(m.summary, "compared to the default allow-list: 0 added;");
  assert_contains(m.summary, "clone3 answered ENOSYS");
  assert_not_contains(m.summary, "WARNING: the workload made syscalls");
  made_free(&m);
}

static void test_make_dangerous_syscalls_kept(void **state) {
  cleanup_learn struct learn_rec *a = rec("a");
  struct learn_rec *recs[1] = {a};
  const struct json *allow;
  struct made m;
  (void)state;

  assert_int_equal(learn_add_syscall(a, X64, "unshare", NULL), 1);
  assert_int_equal(learn_add_syscall(a, X64, "mount", NULL), 1);
  assert_int_equal(learn_add_exec(a, "/bin/sh", H1, "image", NULL), 1);
  m = make(recs, 1, NULL, "x");
  allow = json_get(json_get_path(m.profile, "seccomp", "syscalls", NULL)->items[0], "names");
  assert_true(json_array_has_string(allow, "unshare"));
  assert_true(json_array_has_string(allow, "mount"));
  assert_contains(m.summary, "WARNING: the workload made syscalls that stockade's default allow-list refuses, and the "
                             "learned profile allows them: mount, unshare.");
  assert_contains(m.summary, "2 added: mount, unshare");
  made_free(&m);
}

static void test_make_writable_paths(void **state) {
  cleanup_learn struct learn_rec *a = rec("a");
  cleanup_learn struct learn_rec *b = rec("b");
  struct learn_rec *recs[2] = {a, b};
  const struct json *paths;
  struct made m;
  (void)state;

  assert_int_equal(learn_add_write(a, "/var/log/app/app.log", NULL), 1);
  assert_int_equal(learn_add_write(b, "/var/log/app/old/app.log.1", NULL), 1); /* covered by /var/log/app */
  assert_int_equal(learn_add_write(a, "/var/lib/app/db/data", NULL), 1);
  assert_int_equal(learn_add_write(a, "/var/lib/appdata/x", NULL), 1); /* not below /var/lib/app */
  assert_int_equal(learn_add_write(b, "/tmp/tmp.Xy12/part", NULL), 1); /* scratch: the whole /tmp */
  assert_int_equal(learn_add_write(a, "/run/app/app.pid", NULL), 1);
  assert_int_equal(learn_add_write(a, "/dev/null", NULL), 1);
  assert_int_equal(learn_add_write(a, "/proc/self/attr/current", NULL), 1);
  assert_int_equal(learn_add_write(a, "/sys/fs/cgroup/x", NULL), 1);
  assert_int_equal(learn_add_write(b, "/app.lock", NULL), 1);
  assert_int_equal(learn_add_exec(a, "/bin/sh", H1, "image", NULL), 1);
  m = make(recs, 2, NULL, "x");
  paths = json_get(m.profile, "writablePaths");
  assert_int_equal(paths->n, 5);
  assert_string_equal(json_string(json_get(paths->items[0], "path")), "/run");
  assert_string_equal(json_string(json_get(paths->items[1], "path")), "/tmp");
  assert_string_equal(json_string(json_get(paths->items[2], "path")), "/var/lib/app/db");
  assert_string_equal(json_string(json_get(paths->items[3], "path")), "/var/lib/appdata");
  assert_string_equal(json_string(json_get(paths->items[4], "path")), "/var/log/app");
  assert_null(json_get(paths->items[0], "size"));
  assert_contains(m.summary, "  /var/log/app (2 recorded writes below it)\n");
  assert_contains(m.summary, "cannot get a writable path (they need writableRootfs or a volume): /app.lock\n");
  assert_contains(m.summary, "3 writes below /proc, /sys or /dev left out");
  made_free(&m);
}

static void test_make_writable_paths_base(void **state) {
  cleanup_learn struct learn_rec *a = rec("a");
  cleanup_profile struct profile *base =
      parse_profile("{\"name\": \"web\", \"user\": {\"uid\": 101, \"gid\": 101}, \"writablePaths\": "
                    "[{\"path\": \"/var/cache/nginx\", \"size\": \"256m\"}, {\"path\": \"/srv\"}]}");
  cleanup_profile struct profile *rw = parse_profile("{\"name\": \"rw\", \"writableRootfs\": true, "
                                                     "\"writablePaths\": [{\"path\": \"/tmp\", \"size\": \"8m\"}]}");
  struct learn_rec *recs[1] = {a};
  const struct json *paths;
  struct made m;
  (void)state;

  assert_int_equal(learn_add_write(a, "/var/cache/nginx/proxy_temp/1/00/0000000001", NULL), 1);
  assert_int_equal(learn_add_write(a, "/var/cache/other/x", NULL), 1);
  assert_int_equal(learn_add_exec(a, "/bin/sh", H1, "image", NULL), 1);
  m = make(recs, 1, base, NULL);
  assert_string_equal(m.parsed->name, "web"); /* base's name when none is given */
  paths = json_get(m.profile, "writablePaths");
  assert_int_equal(paths->n, 2);
  /* The base's directory (and its size) rather than the deep one. */
  assert_string_equal(json_string(json_get(paths->items[0], "path")), "/var/cache/nginx");
  assert_string_equal(json_string(json_get(paths->items[0], "size")), "256m");
  assert_string_equal(json_string(json_get(paths->items[1], "path")), "/var/cache/other");
  made_free(&m);

  /* A writable root: the base's paths stay, nothing is added. */
  m = make(recs, 1, rw, "rw-learned");
  assert_true(m.parsed->writable_rootfs);
  assert_false(m.parsed->has_user);
  assert_int_equal(m.parsed->n_writable_paths, 1);
  assert_string_equal(m.parsed->writable_paths[0].path, "/tmp");
  assert_string_equal(m.parsed->writable_paths[0].size, "8m");
  assert_contains(m.summary, "the root is writable");
  made_free(&m);
}

static void test_make_execs(void **state) {
  cleanup_learn struct learn_rec *a = rec("a");
  cleanup_learn struct learn_rec *b = rec("b");
  cleanup_profile struct profile *base =
      parse_profile("{\"name\": \"job\", \"user\": {\"uid\": 1000, \"gid\": 1000}, \"action\": \"kill\", "
                    "\"exec\": {\"allowWritable\": [\"/work/bin/*\"]}, \"blockHashes\": [\"" H3 "\"]}");
  struct learn_rec *recs[2] = {a, b};
  const struct json *allow;
  struct made m;
  (void)state;

  assert_int_equal(learn_add_exec(a, "/usr/bin/python3.11", H1, "image", NULL), 1);
  assert_int_equal(learn_add_exec(b, "/usr/bin/python3.11", H2, "image", NULL), 1);   /* an upgraded image */
  assert_int_equal(learn_add_exec(a, "/usr/bin/python3.11", NULL, "image", NULL), 1); /* once without a hash */
  assert_int_equal(learn_add_exec(a, "/usr/bin/[", H1, "image", NULL), 1);
  assert_int_equal(learn_add_exec(a, "/usr/bin/env", NULL, "image", NULL), 1);
  assert_int_equal(learn_add_exec(a, "/tmp/dropped", H2, "tmpfs", NULL), 1);
  assert_int_equal(learn_add_exec(b, "/work/bin/tool", H1, "volume", NULL), 1); /* allowWritable admits it */
  assert_int_equal(learn_add_exec(b, "/usr/bin/evil", H3, "image", NULL), 1);   /* blocked by the base */
  m = make(recs, 2, base, "job-learned");

  allow = json_get_path(m.profile, "exec", "allow", NULL);
  assert_non_null(allow);
  assert_int_equal(allow->n, 5);
  assert_string_equal(json_string(json_get(allow->items[0], "path")), "/usr/bin/\\[");
  assert_string_equal(json_string(json_get(allow->items[0], "sha256")), H1);
  assert_string_equal(json_string(allow->items[1]), "/usr/bin/env");
  assert_string_equal(json_string(json_get(allow->items[2], "path")), "/usr/bin/python3.11");
  assert_string_equal(json_string(json_get(allow->items[2], "sha256")), H1);
  assert_string_equal(json_string(json_get(allow->items[3], "path")), "/usr/bin/python3.11");
  assert_string_equal(json_string(json_get(allow->items[3], "sha256")), H2);
  assert_string_equal(json_string(allow->items[4]), "/work/bin/tool");
  /* What the base said is kept. */
  assert_int_equal(m.parsed->uid, 1000);
  assert_int_equal(m.parsed->action, PROFILE_ACTION_KILL);
  assert_int_equal(m.parsed->n_block_hashes, 1);
  assert_int_equal(m.parsed->n_exec_writable, 1);
  assert_string_equal(m.parsed->exec_writable[0], "/work/bin/*");
  /* The escaped "[" matches only itself. */
  assert_int_equal(m.parsed->n_exec_allow, 5);
  assert_contains(m.summary, "Programs (exec.allow, 5):\n");
  assert_contains(m.summary, "  /usr/bin/python3.11 sha256 " H2 "\n");
  assert_contains(m.summary, "several builds were recorded and all are allowed: /usr/bin/python3.11\n");
  assert_contains(m.summary, "also recorded without a hash, allowed only with the hashes above: /usr/bin/python3.11\n");
  assert_contains(m.summary, "stay denied as drift");
  assert_contains(m.summary, "  /tmp/dropped (tmpfs)\n");
  assert_contains(m.summary, "WARNING: programs the base profile's blockHashes block ran during learning");
  assert_contains(m.summary, "  /usr/bin/evil sha256 " H3 "\n");
  assert_contains(m.summary, "Base: profile \"job\"");
  made_free(&m);
}

static void test_make_no_execs(void **state) {
  cleanup_learn struct learn_rec *a = rec("a");
  struct learn_rec *recs[1] = {a};
  struct made m;
  (void)state;

  m = make(recs, 1, NULL, "x");
  assert_false(m.parsed->has_exec_allow);
  assert_null(json_get(m.profile, "exec"));
  assert_contains(m.summary, "WARNING: no program of the image was recorded");
  /* Nothing recorded: no architectures, the filter takes the spec's. */
  assert_null(json_get_path(m.profile, "seccomp", "architectures", NULL));
  made_free(&m);
}

/* Baseline names a recorded architecture does not have are left out. */
static void test_make_other_arch(void **state) {
  cleanup_learn struct learn_rec *a = rec("a");
  struct learn_rec *recs[1] = {a};
  const struct json *allow;
  struct made m;
  (void)state;

  assert_int_equal(learn_add_syscall(a, "SCMP_ARCH_AARCH64", "renameat2", NULL), 1);
  assert_int_equal(learn_add_exec(a, "/bin/sh", H1, "image", NULL), 1);
  m = make(recs, 1, NULL, "arm");
  allow = json_get(json_get_path(m.profile, "seccomp", "syscalls", NULL)->items[0], "names");
  assert_true(json_array_has_string(allow, "renameat2"));
  assert_true(json_array_has_string(allow, "futex"));
  assert_false(json_array_has_string(allow, "arch_prctl")); /* x86 only */
  assert_false(json_array_has_string(allow, "epoll_wait")); /* not on aarch64 */
  made_free(&m);
}

static void test_make_errors(void **state) {
  cleanup_learn struct learn_rec *a = rec("a");
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *out = NULL;
  cleanup_free char *summary = NULL;
  struct learn_rec *recs[1] = {a};
  (void)state;

  assert_int_equal(learn_make_profile(recs, 0, NULL, "x", &out, &summary, &err), -1);
  assert_contains(err->msg, "no recordings");
  sk_error_free(&err);
  assert_int_equal(learn_make_profile(recs, 1, NULL, "../x", &out, &summary, &err), -1);
  assert_contains(err->msg, "invalid profile name \"../x\"");
  sk_error_free(&err);
  assert_int_equal(learn_make_profile(recs, 1, NULL, NULL, &out, &summary, &err), -1);
  assert_null(out);
  assert_null(summary);
}

/* A recording read back from a file makes the same profile, and the
 * summary names the file. */
static void test_make_from_files(void **state) {
  cleanup_free char *path = NULL;
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *dir = NULL;
  struct learn_rec **recs = NULL;
  size_t n = 0;
  struct made m;
  (void)state;

  path = write_tmp("files/a-20240501T100000Z.json", REC_HEAD
                   ", \"updated\": \"2024-05-01T10:30:00Z\", \"ended\": true, \"notifications\": 12,"
                   " \"syscalls\": {\"SCMP_ARCH_X86_64\": [\"accept4\", \"bind\"]},"
                   " \"execs\": [{\"path\": \"/usr/sbin/nginx\", \"sha256\": \"" H1 "\", \"where\": \"image\"}],"
                   " \"writes\": [\"/var/cache/nginx/x\"],"
                   " \"network\": [{\"op\": \"bind\", \"family\": \"inet\", \"port\": 80}],"
                   " \"capabilities\": [{\"name\": \"CAP_NET_BIND_SERVICE\", \"why\": \"bind to port 80 (inet)\"}]}");
  assert_true(asprintf(&dir, "%s/files", tmpdir) > 0);
  if (learn_load_dir(dir, &recs, &n, &err) < 0)
    fail_msg("learn_load_dir: %s", err->msg);
  assert_int_equal(n, 1);
  m = make(recs, n, NULL, "web-learned");
  assert_contains(m.summary, path);
  assert_contains(m.summary, "2024-05-01T10:00:00Z to 2024-05-01T10:30:00Z, ended, 12 notifications");
  assert_contains(m.parsed->description, "(2024-05-01T10:00:00Z to 2024-05-01T10:30:00Z)");
  assert_int_equal(m.parsed->n_capabilities, 1);
  assert_string_equal(m.parsed->capabilities[0], "CAP_NET_BIND_SERVICE");
  made_free(&m);
  learn_free_all(recs, n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sets_sorted_unique),
      cmocka_unit_test(test_sets_refuse),
      cmocka_unit_test(test_dirty),
      cmocka_unit_test(test_writes_collapse),
      cmocka_unit_test(test_caps_whys_bounded),
      cmocka_unit_test(test_json_round_trip),
      cmocka_unit_test(test_load_errors),
      cmocka_unit_test(test_recording_path),
      cmocka_unit_test(test_known_syscalls),
      cmocka_unit_test(test_baseline),
      cmocka_unit_test(test_always_notify),
      cmocka_unit_test(test_infer_bind),
      cmocka_unit_test(test_infer_mkdir),
      cmocka_unit_test(test_infer_ids),
      cmocka_unit_test(test_infer_connect),
      cmocka_unit_test(test_infer_socket),
      cmocka_unit_test(test_infer_chown),
      cmocka_unit_test(test_infer_setuid),
      cmocka_unit_test(test_infer_setgid),
      cmocka_unit_test(test_infer_kill),
      cmocka_unit_test(test_infer_mknod),
      cmocka_unit_test(test_infer_other),
      cmocka_unit_test(test_make_union),
      cmocka_unit_test(test_make_by_path),
      cmocka_unit_test(test_update_from_profile),
      cmocka_unit_test(test_make_dangerous_syscalls_kept),
      cmocka_unit_test(test_make_writable_paths),
      cmocka_unit_test(test_make_writable_paths_base),
      cmocka_unit_test(test_make_execs),
      cmocka_unit_test(test_make_no_execs),
      cmocka_unit_test(test_make_other_arch),
      cmocka_unit_test(test_make_errors),
      cmocka_unit_test(test_make_from_files),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

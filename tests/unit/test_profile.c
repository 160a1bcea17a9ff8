/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/policy/profile.c: the profile format of profiles/README.md,
 * every field, every default, every error with its exact position, and
 * the shipped profiles. Run from the source tree (make unit), or point
 * STOCKADE_SRCDIR at it. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/json.h"
#include "stockade/glob.h"
#include "stockade/profile.h"
#include "stockade/seccomp.h"
#include "stockade/str.h"
#include "stockade/sys.h"

/* A scratch directory for the tests that need files, made by the group
 * setup and removed by its teardown. */
static char tmpdir[] = "/tmp/stockade-test-profile.XXXXXX";

static int group_setup(void **state) {
  (void)state;
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
  cleanup_error struct sk_error *err = NULL;
  (void)state;
  return remove_tree(tmpdir, &err);
}

/* Write <tmpdir>/<name> (directories below tmpdir are created) and return
 * its full path, malloc'd. */
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

static struct profile *parse_ok(const char *text) {
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;

  if (profile_parse("t.json", text, strlen(text), &p, &err) < 0)
    fail_msg("profile_parse failed: %s\n--- profile ---\n%s", err->msg, text);
  assert_non_null(p);
  return p;
}

static void expect_parse_error(const char *text, const char *want) {
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;

  if (profile_parse("t.json", text, strlen(text), &p, &err) == 0) {
    profile_free(p);
    fail_msg("profile_parse accepted a bad profile; expected \"%s\"\n--- profile ---\n%s", want, text);
  }
  assert_null(p);
  assert_non_null(err);
  if (strcmp(err->msg, want) != 0)
    fail_msg("wrong message\n  got:  %s\n  want: %s\n--- profile ---\n%s", err->msg, want, text);
}

static void expect_file_error(const char *path, const char *want) {
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;

  if (profile_load_file(path, &p, &err) == 0) {
    profile_free(p);
    fail_msg("profile_load_file(%s) accepted a bad profile; expected \"%s\"", path, want);
  }
  assert_null(p);
  assert_non_null(err);
  if (strcmp(err->msg, want) != 0)
    fail_msg("wrong message\n  got:  %s\n  want: %s", err->msg, want);
}

/* ---- every field ---------------------------------------------------- */

static void test_all_fields(void **state) {
  cleanup_profile struct profile *p = parse_ok("{\n"
                                               "  \"name\": \"web\",\n"
                                               "  \"description\": \"nginx-style web server\",\n"
                                               "  \"user\": {\"uid\": 101, \"gid\": 102},\n"
                                               "  \"allowRoot\": false,\n"
                                               "  \"capabilities\": [\"NET_BIND_SERVICE\", \"cap_chown\"],\n"
                                               "  \"writableRootfs\": true,\n"
                                               "  \"writablePaths\": [{\"path\": \"/tmp\", \"size\": \"64m\"},\n"
                                               "                    {\"path\": \"/var/cache/nginx\"}],\n"
                                               "  \"seccomp\": \"default\"\n"
                                               "}\n");
  (void)state;
  assert_string_equal(p->name, "web");
  assert_string_equal(p->description, "nginx-style web server");
  assert_null(p->file); /* parsed from memory */
  assert_true(p->has_user);
  assert_int_equal(p->uid, 101);
  assert_int_equal(p->gid, 102);
  assert_false(p->allow_root);
  assert_true(p->writable_rootfs);
  assert_int_equal(p->n_capabilities, 2);
  assert_string_equal(p->capabilities[0], "CAP_NET_BIND_SERVICE");
  assert_string_equal(p->capabilities[1], "CAP_CHOWN");
  assert_int_equal(p->n_writable_paths, 2);
  assert_string_equal(p->writable_paths[0].path, "/tmp");
  assert_string_equal(p->writable_paths[0].size, "64m");
  assert_string_equal(p->writable_paths[1].path, "/var/cache/nginx");
  assert_null(p->writable_paths[1].size);
  assert_string_equal(p->seccomp_source, "default");
  assert_true(json_is(p->seccomp, JSON_OBJECT));
  assert_int_equal(strlen(p->sha256), 64);
}

static void test_allow_root(void **state) {
  cleanup_profile struct profile *p = parse_ok("{\"name\": \"legacy\", \"allowRoot\": true}");
  (void)state;
  assert_true(p->allow_root);
  assert_false(p->has_user);
}

/* uid and gid at the top of their range, gid 0 (OpenShift-style images
 * run with the root group), sizes with each suffix. */
static void test_edges_accepted(void **state) {
  cleanup_profile struct profile *p =
      parse_ok("{\"name\": \"e\", \"user\": {\"gid\": 0, \"uid\": 4294967294},"
               " \"writablePaths\": [{\"path\": \"/a\", \"size\": \"1\"}, {\"path\": \"/b\", \"size\": \"10k\"},"
               " {\"path\": \"/a/b\", \"size\": \"2g\"}, {\"path\": \"/.cache\", \"size\": \"7m\"}]}");
  (void)state;
  assert_int_equal(p->uid, 4294967294u);
  assert_int_equal(p->gid, 0);
  assert_int_equal(p->n_writable_paths, 4);
  assert_string_equal(p->writable_paths[2].path, "/a/b");
  assert_string_equal(p->writable_paths[2].size, "2g");
  assert_string_equal(p->writable_paths[3].path, "/.cache");
}

/* ---- defaults ------------------------------------------------------- */

static void test_defaults(void **state) {
  cleanup_profile struct profile *p = parse_ok("{\"name\": \"minimal\"}");
  cleanup_profile struct profile *d = parse_ok("{\"name\": \"minimal\", \"seccomp\": \"default\"}");
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *a = NULL, *b = NULL;
  (void)state;
  assert_string_equal(p->name, "minimal");
  assert_null(p->description);
  assert_null(p->file);
  assert_false(p->has_user);
  assert_false(p->allow_root);
  assert_false(p->writable_rootfs);
  assert_int_equal(p->n_capabilities, 0);
  assert_int_equal(p->n_writable_paths, 0);
  assert_string_equal(p->seccomp_source, "default");
  assert_true(json_is(p->seccomp, JSON_OBJECT));
  /* No "seccomp" is the same document as "seccomp": "default". */
  assert_int_equal(json_gen(p->seccomp, &a, NULL, &err), 0);
  assert_int_equal(json_gen(d->seccomp, &b, NULL, &err), 0);
  assert_string_equal(a, b);
}

/* ---- errors, each with its exact position --------------------------- */

static void test_error_syntax(void **state) {
  (void)state;
  /* json_parse's "line L, column C: why" becomes "file:L:C: why". */
  expect_parse_error("{\n  \"name\": \"x\",\n  \"allowRoot\": tru\n}\n",
                     "t.json:3:18: lexical error: invalid string in json text.");
  expect_parse_error("{\"name\": \"x\",}", "t.json:1:14: invalid object key (must be a string)");
  expect_parse_error("{\"name\": \"x\", \"name\": \"y\"}", "t.json:1:25: duplicate key \"name\"");
  expect_parse_error("", "t.json:1:1: premature EOF");
}

static void test_error_root(void **state) {
  (void)state;
  expect_parse_error("\n  [\"web\"]",
                     "t.json:2:3: profile: got an array; expected an object such as {\"name\": \"web\"}");
  expect_parse_error("{\n  \"description\": \"no name\"\n}",
                     "t.json:1:1: name: missing; expected the profile's name such as \"web\"");
  expect_parse_error("{\"name\": 7}", "t.json:1:10: name: got a number; expected a string such as \"web\"");
  expect_parse_error("{\"name\": \"a/b\"}", "t.json:1:10: name: invalid profile name \"a/b\"; profile names are "
                                            "[A-Za-z0-9][A-Za-z0-9._-]*, up to 64 characters");
  expect_parse_error("{\"name\": \"\"}", "t.json:1:10: name: invalid profile name \"\"; profile names are "
                                         "[A-Za-z0-9][A-Za-z0-9._-]*, up to 64 characters");
  expect_parse_error("{\"name\": \"x\", \"description\": false}",
                     "t.json:1:30: description: got a boolean; expected a string");
}

static void test_error_unknown_field(void **state) {
  (void)state;
  expect_parse_error(
      "{\n  \"name\": \"x\",\n  \"foo\": 1\n}",
      "t.json:3:10: foo: unknown field \"foo\"; expected one of name, description, user, allowRoot, "
      "capabilities, writableRootfs, writablePaths, seccomp, exec, blockHashes, action, lsm, landlock, network, admit");
  /* Field names are case-sensitive, as in the OCI spec. */
  expect_parse_error("{\"name\": \"x\", \"AllowRoot\": true}",
                     "t.json:1:28: AllowRoot: unknown field \"AllowRoot\"; expected one of name, description, user, "
                     "allowRoot, capabilities, writableRootfs, writablePaths, seccomp, exec, blockHashes, action, lsm, "
                     "landlock, network, admit");
}

/* lsm and landlock: optional (the default), required or off. */
static void test_need_fields(void **state) {
  struct profile *p;
  (void)state;
  p = parse_ok("{\"name\": \"x\"}");
  assert_int_equal(p->lsm, PROFILE_NEED_OPTIONAL);
  assert_int_equal(p->landlock, PROFILE_NEED_OPTIONAL);
  profile_free(p);
  p = parse_ok("{\"name\": \"x\", \"lsm\": \"required\", \"landlock\": \"off\"}");
  assert_int_equal(p->lsm, PROFILE_NEED_REQUIRED);
  assert_int_equal(p->landlock, PROFILE_NEED_OFF);
  assert_string_equal(profile_need_name(p->lsm), "required");
  profile_free(p);
  expect_parse_error("{\"name\": \"x\", \"lsm\": \"yes\"}",
                     "t.json:1:22: lsm: \"yes\" is not a setting; expected \"optional\", \"required\" or \"off\"");
  expect_parse_error("{\"name\": \"x\", \"landlock\": true}",
                     "t.json:1:27: landlock: got a boolean; expected \"optional\", \"required\" or \"off\"");
}

/* network: TCP ports, sorted and unique; absent means unrestricted. */
static void test_network_field(void **state) {
  struct profile *p;
  (void)state;
  p = parse_ok("{\"name\": \"x\"}");
  assert_false(p->has_network);
  profile_free(p);
  p = parse_ok("{\"name\": \"x\", \"network\": {\"bind\": [8080, 80, 8080], \"connect\": []}}");
  assert_true(p->has_network);
  assert_int_equal(p->n_net_bind, 2);
  assert_int_equal(p->net_bind[0], 80);
  assert_int_equal(p->net_bind[1], 8080);
  assert_int_equal(p->n_net_connect, 0);
  profile_free(p);
  expect_parse_error("{\"name\": \"x\", \"network\": {\"bind\": [0]}}",
                     "t.json:1:36: network.bind[0]: expected a port number from 1 to 65535");
  expect_parse_error("{\"name\": \"x\", \"network\": {\"bind\": [65536]}}",
                     "t.json:1:36: network.bind[0]: expected a port number from 1 to 65535");
  expect_parse_error("{\"name\": \"x\", \"network\": {\"udp\": [53]}}",
                     "t.json:1:34: network.udp: unknown field \"udp\"; expected one of bind, connect");
  expect_parse_error("{\"name\": \"x\", \"network\": [80]}",
                     "t.json:1:26: network: got an array; expected an object such as {\"bind\": [8080], \"connect\": "
                     "[443, 5432]}");
}

static void test_error_user(void **state) {
  (void)state;
  expect_parse_error("{\"name\": \"x\", \"user\": 101}",
                     "t.json:1:23: user: got a number; expected an object {\"uid\": N, \"gid\": N}");
  expect_parse_error("{\"name\": \"x\", \"user\": {\"gid\": 1}}",
                     "t.json:1:23: user: missing \"uid\"; expected an object {\"uid\": N, \"gid\": N}");
  expect_parse_error("{\"name\": \"x\", \"user\": {\"uid\": 1}}",
                     "t.json:1:23: user: missing \"gid\"; expected an object {\"uid\": N, \"gid\": N}");
  expect_parse_error("{\"name\": \"x\", \"user\": {\"uid\": 1, \"gid\": 1, \"name\": \"nginx\"}}",
                     "t.json:1:52: user.name: unknown field \"name\"; expected one of uid, gid");
  expect_parse_error("{\n  \"name\": \"x\",\n  \"user\": {\"uid\": 0, \"gid\": 0}\n}",
                     "t.json:3:19: user.uid: 0 is root; expected a non-root uid from 1 to 4294967294 (to let "
                     "images run as root, remove \"user\" and set \"allowRoot\": true)");
  expect_parse_error("{\"name\": \"x\", \"user\": {\"uid\": \"101\", \"gid\": 1}}",
                     "t.json:1:31: user.uid: got a string; expected an integer from 1 to 4294967294");
  expect_parse_error("{\"name\": \"x\", \"user\": {\"uid\": -1, \"gid\": 1}}",
                     "t.json:1:31: user.uid: -1 is not a valid id; expected an integer from 1 to 4294967294");
  expect_parse_error("{\"name\": \"x\", \"user\": {\"uid\": 4294967295, \"gid\": 1}}",
                     "t.json:1:31: user.uid: 4294967295 is not a valid id; expected an integer from 1 to 4294967294");
  expect_parse_error("{\"name\": \"x\", \"user\": {\"uid\": 1.5, \"gid\": 1}}",
                     "t.json:1:31: user.uid: 1.5 is not a valid id; expected an integer from 1 to 4294967294");
  expect_parse_error("{\"name\": \"x\", \"user\": {\"uid\": 1, \"gid\": 1e3}}",
                     "t.json:1:41: user.gid: 1e3 is not a valid id; expected an integer from 0 to 4294967294");
}

static void test_error_allow_root(void **state) {
  (void)state;
  expect_parse_error("{\"name\": \"x\", \"allowRoot\": \"yes\"}",
                     "t.json:1:28: allowRoot: got a string; expected true or false");
  /* user and allowRoot together contradict each other, in either order. */
  expect_parse_error(
      "{\n  \"name\": \"x\",\n  \"user\": {\"uid\": 1, \"gid\": 1},\n  \"allowRoot\": true\n}",
      "t.json:4:16: allowRoot: true contradicts \"user\" (line 3); expected either \"user\" (images "
      "that would run as root run as that user) or \"allowRoot\": true (they may run as root), not both");
  expect_parse_error(
      "{\"allowRoot\": true, \"name\": \"x\", \"user\": {\"uid\": 1, \"gid\": 1}}",
      "t.json:1:15: allowRoot: true contradicts \"user\" (line 1); expected either \"user\" (images "
      "that would run as root run as that user) or \"allowRoot\": true (they may run as root), not both");
  /* false is no contradiction */
  profile_free(parse_ok("{\"name\": \"x\", \"user\": {\"uid\": 1, \"gid\": 1}, \"allowRoot\": false}"));
}

static void test_error_capabilities(void **state) {
  (void)state;
  expect_parse_error("{\"name\": \"x\", \"capabilities\": \"NET_BIND_SERVICE\"}",
                     "t.json:1:31: capabilities: got a string; expected an array of capability names such as "
                     "[\"NET_BIND_SERVICE\"]");
  expect_parse_error("{\"name\": \"x\", \"capabilities\": [10]}",
                     "t.json:1:32: capabilities[0]: got a number; expected a capability name such as "
                     "\"NET_BIND_SERVICE\"");
  expect_parse_error("{\n"
                     "  \"name\": \"web\",\n"
                     "  \"capabilities\": [\n"
                     "    \"NET_BIND_SERVICE\",\n"
                     "    \"CHOWN\",\n"
                     "    \"CAP_FOO\"\n"
                     "  ]\n"
                     "}\n",
                     "t.json:6:5: capabilities[2]: unknown capability \"CAP_FOO\"; expected a name from "
                     "capabilities(7) such as NET_BIND_SERVICE");
  /* Duplicates are found after canonicalisation. */
  expect_parse_error(
      "{\"name\": \"x\",\n \"capabilities\": [\"NET_BIND_SERVICE\", \"KILL\", \"cap_net_bind_service\"]}",
      "t.json:2:47: capabilities[2]: duplicate capability \"CAP_NET_BIND_SERVICE\" (also "
      "capabilities[0]); expected each capability once");
}

static void test_error_writable_rootfs(void **state) {
  (void)state;
  expect_parse_error("{\"name\": \"x\", \"writableRootfs\": 1}",
                     "t.json:1:33: writableRootfs: got a number; expected true or false");
}

/* Each writablePaths case: the path (or size) at column 28/42 of line 2. */
static void expect_writable_error(const char *element, const char *want) {
  cleanup_free char *text = NULL;
  assert_true(asprintf(&text, "{\"name\": \"x\",\n \"writablePaths\": [%s]}", element) > 0);
  expect_parse_error(text, want);
}

static void test_error_writable_paths(void **state) {
  (void)state;
  expect_parse_error("{\"name\": \"x\", \"writablePaths\": \"/tmp\"}",
                     "t.json:1:32: writablePaths: got a string; expected an array such as [{\"path\": \"/tmp\", "
                     "\"size\": \"64m\"}]");
  expect_writable_error("\"/tmp\"", "t.json:2:20: writablePaths[0]: got a string; expected an object such as "
                                    "{\"path\": \"/tmp\", \"size\": \"64m\"}");
  expect_writable_error("{\"size\": \"1m\"}", "t.json:2:20: writablePaths[0]: missing \"path\"; expected an object "
                                              "such as {\"path\": \"/tmp\", \"size\": \"64m\"}");
  expect_writable_error("{\"path\": \"/tmp\", \"mode\": \"1777\"}",
                        "t.json:2:45: writablePaths[0].mode: unknown field \"mode\"; expected one of path, size");
  expect_writable_error("{\"path\": 5}",
                        "t.json:2:29: writablePaths[0].path: got a number; expected an absolute path such as \"/tmp\"");
  expect_writable_error("{\"path\": \"tmp\"}",
                        "t.json:2:29: writablePaths[0].path: \"tmp\" is relative; expected an absolute path such as "
                        "\"/tmp\"");
  expect_writable_error("{\"path\": \"\"}",
                        "t.json:2:29: writablePaths[0].path: the path is empty; expected an absolute path such as "
                        "\"/tmp\"");
  expect_writable_error("{\"path\": \"/tmp/../etc\"}",
                        "t.json:2:29: writablePaths[0].path: \"/tmp/../etc\" has a \"..\" segment; expected a clean "
                        "absolute path without \"..\"");
  expect_writable_error("{\"path\": \"/..\"}", "t.json:2:29: writablePaths[0].path: \"/..\" has a \"..\" segment; "
                                               "expected a clean absolute path without \"..\"");
  expect_writable_error("{\"path\": \"/\"}",
                        "t.json:2:29: writablePaths[0].path: \"/\" is the whole root filesystem; expected a directory "
                        "below \"/\" (to make the root writable set \"writableRootfs\": true)");
  expect_writable_error("{\"path\": \"/.\"}",
                        "t.json:2:29: writablePaths[0].path: \"/.\" is the whole root filesystem; expected a directory "
                        "below \"/\" (to make the root writable set \"writableRootfs\": true)");
  expect_writable_error("{\"path\": \"/var//cache\"}",
                        "t.json:2:29: writablePaths[0].path: \"/var//cache\" is not clean; expected \"/var/cache\"");
  expect_writable_error("{\"path\": \"/tmp/\"}",
                        "t.json:2:29: writablePaths[0].path: \"/tmp/\" is not clean; expected \"/tmp\"");
  expect_writable_error("{\"path\": \"/a/./b\"}",
                        "t.json:2:29: writablePaths[0].path: \"/a/./b\" is not clean; expected \"/a/b\"");
  expect_writable_error("{\"path\": \"/tmp\"}, {\"path\": \"/work\"}, {\"path\": \"/tmp\"}",
                        "t.json:2:66: writablePaths[2].path: duplicate path \"/tmp\" (also writablePaths[0]); "
                        "expected each path once");
  /* ".." inside a name is not a ".." segment */
  profile_free(parse_ok("{\"name\": \"x\", \"writablePaths\": [{\"path\": \"/a..b/c..\"}]}"));
}

static void test_error_sizes(void **state) {
  static const char *const bad[] = {"64MB", "64M", "", "m", "64mm", "6 4m", "-1", "0x10", "1.5g", "64t"};
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cleanup_free char *element = NULL, *want = NULL;
    assert_true(asprintf(&element, "{\"path\": \"/tmp\", \"size\": \"%s\"}", bad[i]) > 0);
    assert_true(asprintf(&want,
                         "t.json:2:45: writablePaths[0].size: \"%s\" is not a size; expected digits with an "
                         "optional k, m or g suffix such as \"64m\"",
                         bad[i]) > 0);
    expect_writable_error(element, want);
  }
  expect_writable_error("{\"path\": \"/tmp\", \"size\": 64}",
                        "t.json:2:45: writablePaths[0].size: got a number; expected a string such as \"64m\"");
  /* size=0 would be an unlimited tmpfs */
  expect_writable_error("{\"path\": \"/tmp\", \"size\": \"0\"}",
                        "t.json:2:45: writablePaths[0].size: \"0\" would make the tmpfs unlimited; expected a size "
                        "above zero such as \"64m\"");
  expect_writable_error("{\"path\": \"/tmp\", \"size\": \"000g\"}",
                        "t.json:2:45: writablePaths[0].size: \"000g\" would make the tmpfs unlimited; expected a size "
                        "above zero such as \"64m\"");
  /* and one the kernel's memparse() would wrap around */
  expect_writable_error("{\"path\": \"/tmp\", \"size\": \"17179869184g\"}",
                        "t.json:2:45: writablePaths[0].size: \"17179869184g\" is too large; expected a size below 8 "
                        "exabytes such as \"64m\"");
  expect_writable_error("{\"path\": \"/tmp\", \"size\": \"99999999999999999999999\"}",
                        "t.json:2:45: writablePaths[0].size: \"99999999999999999999999\" is too large; expected a size "
                        "below 8 exabytes such as \"64m\"");
}

static void test_error_seccomp_value(void **state) {
  (void)state;
  expect_parse_error("{\"name\": \"x\", \"seccomp\": 1}",
                     "t.json:1:26: seccomp: got a number; expected \"default\", an inline OCI seccomp object, or the "
                     "path of a JSON file");
  expect_parse_error("{\"name\": \"x\", \"seccomp\": \"\"}",
                     "t.json:1:26: seccomp: the path is empty; expected \"default\", an inline OCI seccomp object, or "
                     "the path of a JSON file");
  /* From memory there is no directory for a relative path to be in. */
  expect_parse_error("{\"name\": \"x\", \"seccomp\": \"seccomp/web.json\"}",
                     "t.json:1:26: seccomp: \"seccomp/web.json\" is relative but the profile was not read from a file; "
                     "expected \"default\", an inline OCI seccomp object, or an absolute path");
}

/* ---- exec, blockHashes, action ------------------------------------------ */

#define H_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define H_C "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_exec_fields(void **state) {
  cleanup_profile struct profile *p =
      parse_ok("{\n"
               "  \"name\": \"py\",\n"
               "  \"exec\": {\n"
               "    \"allow\": [\"/usr/bin/*\", {\"path\": \"/usr/bin/python3\", \"sha256\": \"" H_A "\"},\n"
               "              {\"path\": \"/usr/bin/python3\", \"sha256\": \"" H_B "\"}, {\"path\": \"/bin/sh\"},\n"
               "              \"/usr/lib/*/ld-linux-*.so.[0-9]\"],\n"
               "    \"allowWritable\": [\"/work/bin/*\", \"/opt/app/run\"]\n"
               "  },\n"
               "  \"blockHashes\": [\"" H_C "\"],\n"
               "  \"action\": \"kill\"\n"
               "}\n");
  (void)state;
  assert_true(p->has_exec_allow);
  assert_int_equal(p->n_exec_allow, 5);
  assert_string_equal(p->exec_allow[0].glob, "/usr/bin/*");
  assert_null(p->exec_allow[0].sha256);
  /* The same path with two hashes: two accepted versions. */
  assert_string_equal(p->exec_allow[1].glob, "/usr/bin/python3");
  assert_string_equal(p->exec_allow[1].sha256, H_A);
  assert_string_equal(p->exec_allow[2].glob, "/usr/bin/python3");
  assert_string_equal(p->exec_allow[2].sha256, H_B);
  /* An object without "sha256" is the same as the path alone. */
  assert_string_equal(p->exec_allow[3].glob, "/bin/sh");
  assert_null(p->exec_allow[3].sha256);
  assert_string_equal(p->exec_allow[4].glob, "/usr/lib/*/ld-linux-*.so.[0-9]");
  assert_int_equal(p->n_exec_writable, 2);
  assert_string_equal(p->exec_writable[0], "/work/bin/*");
  assert_string_equal(p->exec_writable[1], "/opt/app/run");
  assert_int_equal(p->n_block_hashes, 1);
  assert_string_equal(p->block_hashes[0], H_C);
  assert_int_equal(p->action, PROFILE_ACTION_KILL);
}

/* No "exec", an empty "exec", and "allowWritable" alone: no allow-list
 * (every program of the image may run), action deny. */
static void test_exec_defaults(void **state) {
  cleanup_profile struct profile *p = parse_ok("{\"name\": \"x\"}");
  cleanup_profile struct profile *e = parse_ok("{\"name\": \"x\", \"exec\": {}, \"blockHashes\": []}");
  cleanup_profile struct profile *w =
      parse_ok("{\"name\": \"x\", \"exec\": {\"allowWritable\": [\"/data/*\"]}, \"action\": \"freeze\"}");
  cleanup_profile struct profile *d =
      parse_ok("{\"name\": \"x\", \"action\": \"deny\", \"exec\": {\"allowWritable\": []}}");
  (void)state;
  assert_false(p->has_exec_allow);
  assert_int_equal(p->n_exec_allow, 0);
  assert_int_equal(p->n_exec_writable, 0);
  assert_int_equal(p->n_block_hashes, 0);
  assert_int_equal(p->action, PROFILE_ACTION_DENY);
  assert_false(e->has_exec_allow);
  assert_int_equal(e->n_exec_writable, 0);
  assert_int_equal(e->n_block_hashes, 0);
  assert_false(w->has_exec_allow);
  assert_int_equal(w->n_exec_writable, 1);
  assert_string_equal(w->exec_writable[0], "/data/*");
  assert_int_equal(w->action, PROFILE_ACTION_FREEZE);
  assert_false(d->has_exec_allow);
  assert_int_equal(d->n_exec_writable, 0);
  assert_int_equal(d->action, PROFILE_ACTION_DENY);
  /* fd and memfd execs are refused unless a profile says otherwise */
  assert_false(p->exec_fd);
  assert_false(p->exec_memfd);
}

static void test_exec_fd_memfd(void **state) {
  cleanup_profile struct profile *p = parse_ok("{\"name\": \"x\", \"exec\": {\"fdExec\": true, \"memfdExec\": true}}");
  cleanup_profile struct profile *q = parse_ok("{\"name\": \"x\", \"exec\": {\"fdExec\": false, \"memfdExec\": true}}");
  (void)state;
  assert_true(p->exec_fd);
  assert_true(p->exec_memfd);
  assert_false(p->has_exec_allow);
  assert_false(q->exec_fd);
  assert_true(q->exec_memfd);
}

static void test_action_name(void **state) {
  (void)state;
  assert_string_equal(profile_action_name(PROFILE_ACTION_DENY), "deny");
  assert_string_equal(profile_action_name(PROFILE_ACTION_KILL), "kill");
  assert_string_equal(profile_action_name(PROFILE_ACTION_FREEZE), "freeze");
  assert_string_equal(profile_action_name((enum profile_action)3), "unknown");
  assert_string_equal(profile_action_name((enum profile_action) - 1), "unknown");
}

/* "exec" is the value at column 10 of line 2. */
static void expect_exec_error(const char *exec, const char *want) {
  cleanup_free char *text = NULL;
  assert_true(asprintf(&text, "{\"name\": \"x\",\n \"exec\": %s}", exec) > 0);
  expect_parse_error(text, want);
}

static void test_error_exec(void **state) {
  (void)state;
  expect_exec_error("[\"/usr/bin/*\"]", "t.json:2:10: exec: got an array; expected an object such as {\"allow\": "
                                        "[\"/usr/bin/*\"], \"allowWritable\": [\"/work/bin/*\"], \"fdExec\": false, "
                                        "\"memfdExec\": false}");
  expect_exec_error("{\"fdExec\": 1}", "t.json:2:21: exec.fdExec: got a number; expected true or false");
  expect_exec_error(
      "{\"allow\": [\"/bin/*\"], \"deny\": []}",
      "t.json:2:40: exec.deny: unknown field \"deny\"; expected one of allow, allowWritable, fdExec, memfdExec");
  expect_exec_error(
      "{\"Allow\": []}",
      "t.json:2:20: exec.Allow: unknown field \"Allow\"; expected one of allow, allowWritable, fdExec, memfdExec");
  expect_exec_error("{\"allow\": \"/usr/bin/*\"}",
                    "t.json:2:20: exec.allow: got a string; expected an array of paths or globs such as "
                    "[\"/usr/bin/*\"]");
  /* An empty allow-list is refused: nothing could run, not even the
   * entrypoint. */
  expect_exec_error("{\"allow\": []}",
                    "t.json:2:20: exec.allow: the list is empty, so no program could run, not even the container's "
                    "entrypoint; expected at least one path or glob such as \"/usr/bin/*\" (leave \"allow\" out to "
                    "let every program of the image run)");
  expect_exec_error("{\"allow\": [\"/bin/*\", 7]}",
                    "t.json:2:31: exec.allow[1]: got a number; expected a path or glob such as \"/usr/bin/*\", or an "
                    "object such as {\"path\": \"/usr/bin/python3\", \"sha256\": \"<64 hex digits>\"}");
  expect_exec_error("{\"allow\": [{\"sha256\": \"" H_A "\"}]}",
                    "t.json:2:21: exec.allow[0]: missing \"path\"; expected an object such as {\"path\": "
                    "\"/usr/bin/python3\", \"sha256\": \"<64 hex digits>\"}");
  expect_exec_error("{\"allow\": [{\"path\": \"/bin/sh\", \"hash\": \"x\"}]}",
                    "t.json:2:49: exec.allow[0].hash: unknown field \"hash\"; expected one of path, sha256");
  expect_exec_error("{\"allow\": [{\"path\": [\"/bin/sh\"]}]}",
                    "t.json:2:30: exec.allow[0].path: got an array; expected an absolute path or glob such as "
                    "\"/usr/bin/*\"");
  expect_exec_error("{\"allowWritable\": \"/work/bin/*\"}",
                    "t.json:2:28: exec.allowWritable: got a string; expected an array of paths or globs such as "
                    "[\"/work/bin/*\"]");
  expect_exec_error("{\"allowWritable\": [null]}",
                    "t.json:2:29: exec.allowWritable[0]: got null; expected an absolute path or glob such as "
                    "\"/work/bin/*\"");
  expect_exec_error("{\"allowWritable\": [\"/work/bin/*\", \"/opt/x\", \"/work/bin/*\"]}",
                    "t.json:2:54: exec.allowWritable[2]: duplicate path \"/work/bin/*\" (also "
                    "exec.allowWritable[0]); expected each path once");
}

/* Each glob at column 21 of line 2, as the second element of exec.allow
 * (column 32), and as the path of an object (column 30). */
static void expect_glob_error(const char *glob, const char *problem) {
  cleanup_free char *a = NULL, *b = NULL, *w = NULL;
  cleanup_free char *wa = NULL, *wb = NULL, *ww = NULL;
  assert_true(asprintf(&a, "{\"allow\": [\"%s\"]}", glob) > 0);
  assert_true(asprintf(&wa, "t.json:2:21: exec.allow[0]: %s", problem) > 0);
  expect_exec_error(a, wa);
  assert_true(asprintf(&b, "{\"allow\": [{\"path\": \"%s\"}]}", glob) > 0);
  assert_true(asprintf(&wb, "t.json:2:30: exec.allow[0].path: %s", problem) > 0);
  expect_exec_error(b, wb);
  assert_true(asprintf(&w, "{\"allowWritable\": [\"%s\"]}", glob) > 0);
  assert_true(asprintf(&ww, "t.json:2:29: exec.allowWritable[0]: %s", problem) > 0);
  expect_exec_error(w, ww);
}

static void test_error_exec_globs(void **state) {
  char long_path[PATH_MAX + 2];
  (void)state;
  expect_glob_error("", "the path is empty; expected an absolute path or glob such as \"/usr/bin/*\"");
  expect_glob_error("bin/*", "\"bin/*\" is relative; expected an absolute path or glob such as \"/usr/bin/*\"");
  expect_glob_error("*/sh", "\"*/sh\" is relative; expected an absolute path or glob such as \"/usr/bin/*\"");
  expect_glob_error("/usr/bin/../../tmp/x",
                    "\"/usr/bin/../../tmp/x\" has a \"..\" segment; expected a clean absolute path without \"..\"");
  expect_glob_error("/usr//bin/*", "\"/usr//bin/*\" is not clean; expected \"/usr/bin/*\"");
  expect_glob_error("/usr/bin/", "\"/usr/bin/\" is not clean; expected \"/usr/bin\"");
  expect_glob_error("/usr/./bin/sh", "\"/usr/./bin/sh\" is not clean; expected \"/usr/bin/sh\"");
  expect_glob_error("/", "\"/\" is the root directory, which no program is; expected an absolute path or glob such "
                         "as \"/usr/bin/*\"");
  expect_glob_error("/usr/**", "\"/usr/**\" has \"**\", which matches no more than \"*\" (neither crosses \"/\"); "
                               "expected one \"*\" per directory level such as \"/usr/lib/*/*\"");
  long_path[0] = '/';
  memset(long_path + 1, 'a', PATH_MAX);
  long_path[PATH_MAX + 1] = '\0';
  expect_glob_error(long_path, "the path is longer than 4095 bytes; expected a shorter absolute path");
  /* "..." and "a..b" are names, not ".." segments; "*" alone below "/" is fine. */
  profile_free(parse_ok("{\"name\": \"x\", \"exec\": {\"allow\": [\"/a..b/...\", \"/*\", \"/opt/[a-z]?/bin/*\"]}}"));
}

static void test_error_exec_duplicates(void **state) {
  (void)state;
  expect_exec_error("{\"allow\": [\"/usr/bin/*\", \"/bin/*\", \"/usr/bin/*\"]}",
                    "t.json:2:45: exec.allow[2]: duplicate path \"/usr/bin/*\" (also exec.allow[0]); expected each "
                    "path once");
  /* {"path": p} is the same entry as p */
  expect_exec_error("{\"allow\": [\"/bin/sh\", {\"path\": \"/bin/sh\"}]}",
                    "t.json:2:41: exec.allow[1].path: duplicate path \"/bin/sh\" (also exec.allow[0]); expected each "
                    "path once");
  expect_exec_error("{\"allow\": [{\"path\": \"/bin/sh\", \"sha256\": \"" H_A "\"},\n"
                    "  {\"path\": \"/bin/sh\", \"sha256\": \"" H_A "\"}]}",
                    "t.json:3:12: exec.allow[1].path: duplicate entry \"/bin/sh\" with the same sha256 (also "
                    "exec.allow[0]); expected each path and sha256 once");
  /* A path both pinned and not pinned, in either order. */
  expect_exec_error("{\"allow\": [\"/bin/sh\",\n  {\"path\": \"/bin/sh\", \"sha256\": \"" H_A "\"}]}",
                    "t.json:3:12: exec.allow[1].path: \"/bin/sh\" is also exec.allow[0], without a sha256; expected "
                    "the path either with sha256 values or without, not both");
  expect_exec_error("{\"allow\": [{\"path\": \"/bin/sh\", \"sha256\": \"" H_A "\"},\n  \"/bin/sh\"]}",
                    "t.json:3:3: exec.allow[1]: \"/bin/sh\" is also exec.allow[0], with a sha256; expected the path "
                    "either with sha256 values or without, not both");
}

static void test_error_sha256(void **state) {
  static const struct {
    const char *value, *problem;
  } cases[] = {
      {"\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\"",
       "\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\" has a character other than 0-9 and a-f; "
       "expected 64 lowercase hex digits (as sha256sum prints them)"},
      {"\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\"",
       "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\" has a character other than 0-9 and a-f; "
       "expected 64 lowercase hex digits (as sha256sum prints them)"},
      {"\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\"",
       "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\" has 63 characters; expected 64 lowercase "
       "hex digits (as sha256sum prints them)"},
      {"\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
       "\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\" has 71 characters; expected 64 "
       "lowercase hex digits (as sha256sum prints them)"},
      {"\"\"", "\"\" has 0 characters; expected 64 lowercase hex digits (as sha256sum prints them)"},
      {"12", "got a number; expected 64 lowercase hex digits (as sha256sum prints them)"},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cleanup_free char *e = NULL, *we = NULL, *b = NULL, *wb = NULL;
    /* in exec.allow: column 51 of line 2 */
    assert_true(asprintf(&e, "{\"allow\": [{\"path\": \"/bin/sh\", \"sha256\": %s}]}", cases[i].value) > 0);
    assert_true(asprintf(&we, "t.json:2:51: exec.allow[0].sha256: %s", cases[i].problem) > 0);
    expect_exec_error(e, we);
    /* in blockHashes: column 86 of line 2 (second element) */
    assert_true(asprintf(&b, "{\"name\": \"x\",\n \"blockHashes\": [\"" H_A "\", %s]}", cases[i].value) > 0);
    assert_true(asprintf(&wb, "t.json:2:86: blockHashes[1]: %s", cases[i].problem) > 0);
    expect_parse_error(b, wb);
  }
}

static void test_error_block_hashes(void **state) {
  (void)state;
  expect_parse_error("{\"name\": \"x\", \"blockHashes\": \"" H_A "\"}",
                     "t.json:1:30: blockHashes: got a string; expected an array of SHA-256 values such as "
                     "[\"<64 hex digits>\"]");
  expect_parse_error("{\"name\": \"x\",\n \"blockHashes\": [\"" H_A "\",\n  \"" H_B "\",\n  \"" H_A "\"]}",
                     "t.json:4:3: blockHashes[2]: duplicate hash (also blockHashes[0]); expected each hash once");
  /* A pinned program whose hash is blocked could never run; found
   * whichever field comes first in the file. */
  expect_parse_error("{\"name\": \"x\",\n \"blockHashes\": [\"" H_B "\", \"" H_A "\"],\n"
                     " \"exec\": {\"allow\": [\"/bin/*\", {\"path\": \"/bin/app\", \"sha256\": \"" H_A "\"}]}}",
                     "t.json:3:62: exec.allow[1].sha256: \"" H_A "\" is also blockHashes[1], so this program could "
                     "never run; expected a hash that is not blocked");
  expect_parse_error("{\"name\": \"x\",\n"
                     " \"exec\": {\"allow\": [\"/bin/*\", {\"path\": \"/bin/app\", \"sha256\": \"" H_A "\"}]},\n"
                     " \"blockHashes\": [\"" H_A "\"]}",
                     "t.json:2:62: exec.allow[1].sha256: \"" H_A "\" is also blockHashes[0], so this program could "
                     "never run; expected a hash that is not blocked");
}

static void test_error_action(void **state) {
  (void)state;
  expect_parse_error("{\"name\": \"x\", \"action\": 1}",
                     "t.json:1:25: action: got a number; expected \"deny\", \"kill\" or \"freeze\"");
  expect_parse_error("{\"name\": \"x\", \"action\": \"stop\"}",
                     "t.json:1:25: action: \"stop\" is not an action; expected \"deny\", \"kill\" or \"freeze\"");
  expect_parse_error("{\"name\": \"x\", \"action\": \"Kill\"}",
                     "t.json:1:25: action: \"Kill\" is not an action; expected \"deny\", \"kill\" or \"freeze\"");
  expect_parse_error("{\"name\": \"x\", \"action\": \"\"}",
                     "t.json:1:25: action: \"\" is not an action; expected \"deny\", \"kill\" or \"freeze\"");
  expect_parse_error("{\"name\": \"x\", \"action\": [\"deny\"]}",
                     "t.json:1:25: action: got an array; expected \"deny\", \"kill\" or \"freeze\"");
}

static void test_to_json_exec(void **state) {
  cleanup_profile struct profile *p = parse_ok(
      "{\"name\": \"x\", \"exec\": {\"allow\": [\"/bin/*\", {\"path\": \"/bin/app\", \"sha256\": \"" H_A "\"}],"
      " \"allowWritable\": [\"/work/*\"]}, \"blockHashes\": [\"" H_B "\"], \"action\": \"freeze\"}");
  cleanup_profile struct profile *bare = parse_ok("{\"name\": \"bare\"}");
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *j = NULL;
  cleanup_json struct json *k = NULL;
  const struct json *allow, *w, *h;
  (void)state;
  assert_int_equal(profile_to_json(p, &j, &err), 0);
  allow = json_get_path(j, "exec", "allow", NULL);
  assert_true(json_is(allow, JSON_ARRAY));
  assert_int_equal(allow->n, 2);
  assert_string_equal(json_string(json_get(allow->items[0], "path")), "/bin/*");
  assert_true(json_is(json_get(allow->items[0], "sha256"), JSON_NULL));
  assert_string_equal(json_string(json_get(allow->items[1], "path")), "/bin/app");
  assert_string_equal(json_string(json_get(allow->items[1], "sha256")), H_A);
  w = json_get_path(j, "exec", "allowWritable", NULL);
  assert_int_equal(w->n, 1);
  assert_string_equal(json_string(w->items[0]), "/work/*");
  h = json_get(j, "blockHashes");
  assert_int_equal(h->n, 1);
  assert_string_equal(json_string(h->items[0]), H_B);
  assert_string_equal(json_string(json_get(j, "action")), "freeze");

  /* Without them: no allow-list (null, not an empty list, which would mean
   * something else), empty lists, action deny. */
  assert_int_equal(profile_to_json(bare, &k, &err), 0);
  assert_true(json_is(json_get_path(k, "exec", "allow", NULL), JSON_NULL));
  assert_true(json_is(json_get_path(k, "exec", "allowWritable", NULL), JSON_ARRAY));
  assert_int_equal(json_get_path(k, "exec", "allowWritable", NULL)->n, 0);
  assert_int_equal(json_get(k, "blockHashes")->n, 0);
  assert_string_equal(json_string(json_get(k, "action")), "deny");
}

/* ---- seccomp: inline, by path --------------------------------------- */

#define SMALL_SECCOMP                                                                                                  \
  "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", \"write\", \"exit_group\"], "         \
  "\"action\": \"SCMP_ACT_ALLOW\"}]}"

static void test_seccomp_inline(void **state) {
  cleanup_profile struct profile *p = parse_ok("{\"name\": \"x\", \"seccomp\": " SMALL_SECCOMP "}");
  (void)state;
  assert_string_equal(p->seccomp_source, "inline");
  assert_string_equal(json_string(json_get(p->seccomp, "defaultAction")), "SCMP_ACT_ERRNO");
  assert_true(json_array_has_string(json_get(json_get(p->seccomp, "syscalls")->items[0], "names"), "exit_group"));
}

/* A bad syscall in an inline document is reported at its place in the
 * profile, with the field path below "seccomp". */
static void test_seccomp_inline_bad_syscall(void **state) {
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;
  const char *text = "{\n"
                     "  \"name\": \"x\",\n"
                     "  \"seccomp\": {\n"
                     "    \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                     "    \"syscalls\": [\n"
                     "      {\"names\": [\"read\", \"mknodat2\"], \"action\": \"SCMP_ACT_ALLOW\"}\n"
                     "    ]\n"
                     "  }\n"
                     "}\n";
  (void)state;
  assert_int_equal(profile_parse("/etc/stockade/profiles/x.json", text, strlen(text), &p, &err), -1);
  assert_null(p);
  assert_non_null(err);
  if (!str_has_prefix(err->msg, "/etc/stockade/profiles/x.json:6:26: seccomp.syscalls[0].names[1]: ") ||
      strstr(err->msg, "\"mknodat2\"") == NULL)
    fail_msg("got: %s", err->msg);
}

/* Any error of the seccomp checks gets the profile's file, the position
 * and the field path below "seccomp"; the text after it is seccomp.c's. */
static void test_seccomp_inline_errors(void **state) {
  static const struct {
    const char *seccomp, *prefix;
  } cases[] = {
      {"{}", "t.json:2:13: seccomp.defaultAction: "},
      {"{\"defaultAction\": \"SCMP_ACT_FOO\"}", "t.json:2:31: seccomp.defaultAction: "},
      {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_FOO\"]}",
       "t.json:2:67: seccomp.architectures[0]: "},
      {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
       "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 9, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
       "t.json:2:129: seccomp.syscalls[0].args[0].index: "},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cleanup_free char *text = NULL;
    cleanup_error struct sk_error *err = NULL;
    struct profile *p = NULL;
    assert_true(asprintf(&text, "{\"name\": \"x\",\n \"seccomp\": %s}", cases[i].seccomp) > 0);
    assert_int_equal(profile_parse("t.json", text, strlen(text), &p, &err), -1);
    assert_null(p);
    if (!str_has_prefix(err->msg, cases[i].prefix))
      fail_msg("got: %s\nwant prefix: %s", err->msg, cases[i].prefix);
  }
}

static void test_seccomp_relative_path(void **state) {
  cleanup_free char *sec = write_tmp("rel/seccomp/small.json", SMALL_SECCOMP "\n");
  cleanup_free char *path = write_tmp("rel/small.json", "{\"name\": \"small\", \"seccomp\": \"seccomp/small.json\"}\n");
  cleanup_free char *want_source = NULL;
  cleanup_error struct sk_error *err = NULL;
  cleanup_profile struct profile *p = NULL;
  (void)state;
  if (profile_load_file(path, &p, &err) < 0)
    fail_msg("%s", err->msg);
  /* Resolved against the profile's directory, not the working directory. */
  assert_true(asprintf(&want_source, "%s/rel/seccomp/small.json", tmpdir) > 0);
  assert_string_equal(p->seccomp_source, want_source);
  assert_string_equal(p->file, path);
  assert_string_equal(json_string(json_get(p->seccomp, "defaultAction")), "SCMP_ACT_ERRNO");
}

static void test_seccomp_absolute_path(void **state) {
  cleanup_free char *sec = write_tmp("abs/seccomp.json", SMALL_SECCOMP);
  cleanup_free char *text = NULL;
  cleanup_profile struct profile *p = NULL;
  (void)state;
  assert_true(asprintf(&text, "{\"name\": \"x\", \"seccomp\": \"%s\"}", sec) > 0);
  p = parse_ok(text); /* an absolute path works from memory too */
  assert_string_equal(p->seccomp_source, sec);
}

static void test_seccomp_path_errors(void **state) {
  cleanup_free char *bad_sys = write_tmp("perr/seccomp/bad.json", "{\n"
                                                                  "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                                                                  "  \"syscalls\": [{\"names\": [\"nosuchcall\"], "
                                                                  "\"action\": \"SCMP_ACT_ALLOW\"}]\n"
                                                                  "}\n");
  cleanup_free char *bad_json = write_tmp("perr/seccomp/syntax.json", "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n}");
  cleanup_free char *not_obj = write_tmp("perr/seccomp/list.json", "\n[]");
  cleanup_free char *no_action = write_tmp("perr/seccomp/noaction.json", "\n\n  {\"syscalls\": []}");
  cleanup_free char *p5 = write_tmp("perr/p5.json", "{\"name\": \"p5\", \"seccomp\": \"seccomp/noaction.json\"}");
  cleanup_free char *p1 = write_tmp("perr/p1.json", "{\"name\": \"p1\",\n \"seccomp\": \"seccomp/bad.json\"}");
  cleanup_free char *p2 = write_tmp("perr/p2.json", "{\"name\": \"p2\",\n \"seccomp\": \"seccomp/syntax.json\"}");
  cleanup_free char *p3 = write_tmp("perr/p3.json", "{\"name\": \"p3\",\n \"seccomp\": \"seccomp/missing.json\"}");
  cleanup_free char *p4 = write_tmp("perr/p4.json", "{\"name\": \"p4\",\n \"seccomp\": \"seccomp/list.json\"}");
  cleanup_free char *want = NULL;
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;
  (void)state;

  /* A bad syscall: the seccomp file's name and line, its own field path. */
  assert_int_equal(profile_load_file(p1, &p, &err), -1);
  assert_true(asprintf(&want, "%s:3:27: syscalls[0].names[0]: ", bad_sys) > 0);
  if (!str_has_prefix(err->msg, want) || strstr(err->msg, "\"nosuchcall\"") == NULL)
    fail_msg("got: %s\nwant prefix: %s", err->msg, want);
  free(steal_pointer(&want));

  /* JSON syntax: the seccomp file's name, line and column. */
  assert_true(asprintf(&want, "%s:3:1: invalid object key (must be a string)", bad_json) > 0);
  expect_file_error(p2, want);
  free(steal_pointer(&want));

  /* A missing file: the profile's position, the path tried. */
  assert_true(asprintf(&want,
                       "%s:2:13: seccomp: cannot open %s/perr/seccomp/missing.json: No such file or directory; "
                       "expected \"default\", an inline OCI seccomp object, or the path of a JSON file",
                       p3, tmpdir) > 0);
  expect_file_error(p3, want);
  free(steal_pointer(&want));

  /* Not an object: the document's position (the wording is seccomp.c's). */
  assert_true(asprintf(&want, "%s:2:1: got an array", not_obj) > 0);
  sk_error_free(&err);
  assert_int_equal(profile_load_file(p4, &p, &err), -1);
  if (!str_has_prefix(err->msg, want))
    fail_msg("got: %s\nwant prefix: %s", err->msg, want);
  free(steal_pointer(&want));

  /* A missing field: the position of the document in its file. */
  assert_true(asprintf(&want, "%s:3:3: defaultAction: ", no_action) > 0);
  sk_error_free(&err);
  assert_int_equal(profile_load_file(p5, &p, &err), -1);
  if (!str_has_prefix(err->msg, want))
    fail_msg("got: %s\nwant prefix: %s", err->msg, want);
}

/* ---- name and file --------------------------------------------------- */

static void test_name_matches_file(void **state) {
  cleanup_free char *bad = write_tmp("names/web.json", "{\n  \"name\": \"webx\"\n}\n");
  cleanup_free char *good = write_tmp("names/api.json", "{\"name\": \"api\"}");
  cleanup_free char *other = write_tmp("names/profile.txt", "{\"name\": \"anything\"}");
  cleanup_free char *want = NULL;
  cleanup_error struct sk_error *err = NULL;
  cleanup_profile struct profile *p = NULL, *q = NULL;
  (void)state;
  assert_true(
      asprintf(&want, "%s:2:11: name: \"webx\" does not match the file name \"web.json\"; expected \"web\"", bad) > 0);
  expect_file_error(bad, want);
  assert_int_equal(profile_load_file(good, &p, &err), 0);
  assert_string_equal(p->name, "api");
  /* Only a <name>.json file name demands a name. */
  assert_int_equal(profile_load_file(other, &q, &err), 0);
  assert_string_equal(q->name, "anything");
}

static void test_name_valid(void **state) {
  char long_name[80];
  (void)state;
  assert_true(profile_name_valid("web"));
  assert_true(profile_name_valid("a"));
  assert_true(profile_name_valid("0"));
  assert_true(profile_name_valid("web-2.prod_eu"));
  assert_true(profile_name_valid("a.."));
  memset(long_name, 'a', 64);
  long_name[64] = '\0';
  assert_true(profile_name_valid(long_name));
  long_name[64] = 'a';
  long_name[65] = '\0';
  assert_false(profile_name_valid(long_name));
  assert_false(profile_name_valid(NULL));
  assert_false(profile_name_valid(""));
  assert_false(profile_name_valid("."));
  assert_false(profile_name_valid(".."));
  assert_false(profile_name_valid("../x"));
  assert_false(profile_name_valid("a/b"));
  assert_false(profile_name_valid(".hidden"));
  assert_false(profile_name_valid("-rf"));
  assert_false(profile_name_valid("_x"));
  assert_false(profile_name_valid("web json"));
  assert_false(profile_name_valid("wéb"));
  assert_false(profile_name_valid("a:b"));
}

/* ---- sha256 ------------------------------------------------------------ */

static void test_sha256(void **state) {
  const char *a = "{\"name\": \"x\"}";
  const char *b = "{\"name\": \"x\"} ";
  char want[65];
  cleanup_profile struct profile *p1 = parse_ok(a);
  cleanup_profile struct profile *p2 = parse_ok(a);
  cleanup_profile struct profile *p3 = parse_ok(b);
  cleanup_free char *path = write_tmp("hash/x.json", b);
  cleanup_error struct sk_error *err = NULL;
  cleanup_profile struct profile *f = NULL;
  (void)state;
  sha256_hex(a, strlen(a), want);
  assert_string_equal(p1->sha256, want);
  assert_string_equal(p1->sha256, p2->sha256);
  /* One byte more (whitespace even) is another profile file. */
  assert_string_not_equal(p1->sha256, p3->sha256);
  /* From a file: the hash of the file's bytes. */
  assert_int_equal(profile_load_file(path, &f, &err), 0);
  assert_string_equal(f->sha256, p3->sha256);
  /* And the known value (sha256sum), so a broken hash cannot pass as stable. */
  assert_string_equal(p1->sha256, "edb9eed7f06ccf0bb0db254de3ed3a246d5d4a8ba94b0701ce527de6adca3328");
}

/* ---- profile_load_named ---------------------------------------------- */

static void expect_named_error(const char *dir, const char *name, const char *want, int code) {
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;

  assert_int_equal(profile_load_named(dir, name, &p, &err), -1);
  assert_null(p);
  assert_non_null(err);
  if (strcmp(err->msg, want) != 0)
    fail_msg("wrong message\n  got:  %s\n  want: %s", err->msg, want);
  assert_int_equal(err->code, code);
}

static void test_load_named_invalid(void **state) {
  const char *rule = "profile names are [A-Za-z0-9][A-Za-z0-9._-]*, up to 64 characters";
  const char *names[] = {"../x", "", "a/b", ".", "/etc/passwd", "..", "x\n"};
  size_t i;
  (void)state;
  /* Even when a file of that name exists, the name is refused first. */
  free(write_tmp("named/x.json", "{\"name\": \"x\"}"));
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    cleanup_free char *want = NULL;
    cleanup_free char *dir = NULL;
    assert_true(asprintf(&dir, "%s/named/sub", tmpdir) > 0);
    assert_true(asprintf(&want, "invalid profile name \"%s\"; %s", names[i], rule) > 0);
    expect_named_error(dir, names[i], want, 0);
  }
}

static void test_load_named_not_found(void **state) {
  cleanup_free char *dir = NULL, *want = NULL;
  (void)state;
  assert_true(asprintf(&dir, "%s/named", tmpdir) > 0);
  assert_true(asprintf(&want, "profile \"nope\" not found: %s/nope.json does not exist", dir) > 0);
  expect_named_error(dir, "nope", want, ENOENT);
}

static void test_load_named_ok(void **state) {
  cleanup_free char *path = write_tmp("named2/batch.json", "{\"name\": \"batch\", \"writableRootfs\": true}");
  cleanup_free char *dir = NULL;
  cleanup_error struct sk_error *err = NULL;
  cleanup_profile struct profile *p = NULL;
  (void)state;
  assert_true(asprintf(&dir, "%s/named2", tmpdir) > 0);
  if (profile_load_named(dir, "batch", &p, &err) < 0)
    fail_msg("%s", err->msg);
  assert_string_equal(p->name, "batch");
  assert_string_equal(p->file, path);
  assert_true(p->writable_rootfs);
}

/* ---- shipped profiles ------------------------------------------------ */

static const char *srcdir(void) {
  const char *d = getenv("STOCKADE_SRCDIR");
  return d && *d ? d : ".";
}

static struct profile *load_shipped(const char *name) {
  cleanup_free char *dir = NULL;
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;

  assert_true(asprintf(&dir, "%s/profiles", srcdir()) > 0);
  if (profile_load_named(dir, name, &p, &err) < 0)
    fail_msg("shipped profile %s: %s", name, err->msg);
  return p;
}

static void test_shipped_default(void **state) {
  cleanup_profile struct profile *p = load_shipped("default");
  (void)state;
  assert_true(p->has_user);
  assert_int_equal(p->uid, 65534);
  assert_int_equal(p->gid, 65534);
  assert_false(p->allow_root);
  assert_int_equal(p->n_capabilities, 0);
  assert_false(p->writable_rootfs);
  assert_int_equal(p->n_writable_paths, 1);
  assert_string_equal(p->writable_paths[0].path, "/tmp");
  assert_string_equal(p->writable_paths[0].size, "64m");
  assert_string_equal(p->seccomp_source, "default");
  /* It must still run ordinary images: no allow-list, nothing blocked
   * beyond the config's list, and a deny is only a deny. */
  assert_false(p->has_exec_allow);
  assert_int_equal(p->n_exec_writable, 0);
  assert_int_equal(p->n_block_hashes, 0);
  assert_int_equal(p->action, PROFILE_ACTION_DENY);
}

static void test_shipped_web(void **state) {
  cleanup_profile struct profile *p = load_shipped("web");
  size_t i;
  bool tmp = false, cache = false, run = false;
  (void)state;
  assert_true(p->has_user);
  assert_int_equal(p->uid, 101);
  assert_int_equal(p->gid, 101);
  assert_false(p->allow_root);
  assert_int_equal(p->n_capabilities, 1);
  assert_string_equal(p->capabilities[0], "CAP_NET_BIND_SERVICE");
  assert_false(p->writable_rootfs);
  for (i = 0; i < p->n_writable_paths; i++) {
    tmp |= strcmp(p->writable_paths[i].path, "/tmp") == 0;
    cache |= strcmp(p->writable_paths[i].path, "/var/cache/nginx") == 0;
    run |= strcmp(p->writable_paths[i].path, "/run") == 0 || strcmp(p->writable_paths[i].path, "/var/run") == 0;
    assert_non_null(p->writable_paths[i].size);
  }
  assert_true(tmp && cache && run);
  assert_string_equal(p->seccomp_source, "default");
  assert_false(p->has_exec_allow);
  assert_int_equal(p->action, PROFILE_ACTION_DENY);
}

static void test_shipped_job(void **state) {
  cleanup_profile struct profile *p = load_shipped("job");
  (void)state;
  assert_true(p->has_user);
  assert_int_equal(p->uid, 65534);
  assert_int_equal(p->n_capabilities, 0);
  assert_false(p->writable_rootfs);
  assert_int_equal(p->n_writable_paths, 2);
  assert_string_equal(p->writable_paths[0].path, "/tmp");
  assert_string_equal(p->writable_paths[1].path, "/work");
  assert_string_equal(p->writable_paths[1].size, "256m");
  assert_string_equal(p->seccomp_source, "default");
  assert_false(p->has_exec_allow);
  assert_int_equal(p->action, PROFILE_ACTION_DENY);
}

/* The example of an allow-list: the programs a busybox- or alpine-like
 * image ships, nothing written later, and the container killed on a
 * violation. */
static void test_shipped_locked(void **state) {
  cleanup_profile struct profile *p = load_shipped("locked");
  size_t i;
  bool bin = false, usr_bin = false, musl = false;
  (void)state;
  assert_true(p->has_user);
  assert_int_equal(p->uid, 65534);
  assert_int_equal(p->n_capabilities, 0);
  assert_false(p->writable_rootfs);
  assert_true(p->has_exec_allow);
  for (i = 0; i < p->n_exec_allow; i++) {
    bin |= strcmp(p->exec_allow[i].glob, "/bin/*") == 0;
    usr_bin |= strcmp(p->exec_allow[i].glob, "/usr/bin/*") == 0;
    musl |= strcmp(p->exec_allow[i].glob, "/lib/ld-musl-*") == 0;
    /* nothing in a writable place: /tmp is noexec anyway */
    assert_false(str_has_prefix(p->exec_allow[i].glob, "/tmp"));
  }
  assert_true(bin && usr_bin && musl);
  assert_int_equal(p->n_exec_writable, 0);
  assert_int_equal(p->action, PROFILE_ACTION_KILL);
}

/* Every profile shipped in profiles/, including ones added later, loads;
 * none of them grants a dangerous capability or root. */
static void test_shipped_all(void **state) {
  cleanup_free char *dir = NULL;
  cleanup_dir DIR *d = NULL;
  struct dirent *e;
  size_t n = 0;
  (void)state;
  assert_true(asprintf(&dir, "%s/profiles", srcdir()) > 0);
  d = opendir(dir);
  if (d == NULL)
    fail_msg("cannot open %s (run from the source tree or set STOCKADE_SRCDIR)", dir);
  while ((e = readdir(d)) != NULL) {
    cleanup_free char *path = NULL;
    cleanup_error struct sk_error *err = NULL;
    cleanup_profile struct profile *p = NULL;
    if (!str_has_suffix(e->d_name, ".json"))
      continue;
    assert_true(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
    if (profile_load_file(path, &p, &err) < 0)
      fail_msg("%s", err->msg);
    if (p->has_admit) {
      /* system: the one privileged profile, for system pods (its risk is
       * in profiles/README.md); it is used only where a node lists it. */
      assert_string_equal(p->name, "system");
      assert_true(p->allow_root);
      assert_true(p->admit.host_namespaces && p->admit.all_capabilities && p->admit.spec_seccomp);
      assert_non_null(p->description);
      n++;
      continue;
    }
    assert_false(p->allow_root);
    assert_true(p->has_user);
    assert_false(p->writable_rootfs);
    assert_non_null(p->description);
    /* What the profile carries is a filter runc and crun will take. */
    if (seccomp_validate(p->seccomp, &err) < 0 || seccomp_compile_check(p->seccomp, &err) < 0)
      fail_msg("%s: seccomp: %s", path, err->msg);
    n++;
  }
  assert_true(n >= 3);
}

/* ---- profile_to_json and profile_has_cap ------------------------------ */

static void test_to_json(void **state) {
  cleanup_free char *path = write_tmp("show/web.json", "{\"name\": \"web\", \"user\": {\"uid\": 101, \"gid\": 101},"
                                                       " \"capabilities\": [\"net_bind_service\"],"
                                                       " \"writablePaths\": [{\"path\": \"/tmp\"}]}");
  cleanup_error struct sk_error *err = NULL;
  cleanup_profile struct profile *p = NULL;
  cleanup_profile struct profile *bare = parse_ok("{\"name\": \"bare\"}");
  cleanup_json struct json *j = NULL;
  cleanup_json struct json *k = NULL;
  struct json *wp;
  uint64_t v;
  bool b;
  (void)state;
  assert_int_equal(profile_load_file(path, &p, &err), 0);
  assert_int_equal(profile_to_json(p, &j, &err), 0);
  assert_string_equal(json_string(json_get(j, "name")), "web");
  assert_true(json_is(json_get(j, "description"), JSON_NULL));
  assert_true(json_uint64(json_get_path(j, "user", "uid", NULL), &v) && v == 101);
  assert_true(json_uint64(json_get_path(j, "user", "gid", NULL), &v) && v == 101);
  assert_true(json_bool(json_get(j, "allowRoot"), &b) && !b);
  assert_true(json_bool(json_get(j, "writableRootfs"), &b) && !b);
  assert_int_equal(json_get(j, "capabilities")->n, 1);
  assert_string_equal(json_string(json_get(j, "capabilities")->items[0]), "CAP_NET_BIND_SERVICE");
  wp = json_get(j, "writablePaths");
  assert_int_equal(wp->n, 1);
  assert_string_equal(json_string(json_get(wp->items[0], "path")), "/tmp");
  assert_true(json_is(json_get(wp->items[0], "size"), JSON_NULL));
  /* seccomp resolved inline, whatever the profile said */
  assert_true(json_is(json_get(j, "seccomp"), JSON_OBJECT));
  assert_string_equal(json_string(json_get(j, "seccompSource")), "default");
  assert_string_equal(json_string(json_get(j, "sha256")), p->sha256);
  assert_string_equal(json_string(json_get(j, "file")), path);

  /* Defaults filled in for a profile that says nothing. */
  assert_int_equal(profile_to_json(bare, &k, &err), 0);
  assert_true(json_is(json_get(k, "user"), JSON_NULL));
  assert_true(json_bool(json_get(k, "allowRoot"), &b) && !b);
  assert_true(json_is(json_get(k, "capabilities"), JSON_ARRAY) && json_get(k, "capabilities")->n == 0);
  assert_true(json_is(json_get(k, "writablePaths"), JSON_ARRAY) && json_get(k, "writablePaths")->n == 0);
  assert_true(json_is(json_get(k, "seccomp"), JSON_OBJECT));
  assert_true(json_is(json_get(k, "file"), JSON_NULL));
}

static void test_has_cap(void **state) {
  cleanup_profile struct profile *p = parse_ok("{\"name\": \"x\", \"capabilities\": [\"NET_BIND_SERVICE\", \"BPF\"]}");
  (void)state;
  assert_true(profile_has_cap(p, "CAP_NET_BIND_SERVICE"));
  assert_true(profile_has_cap(p, "CAP_BPF"));
  assert_false(profile_has_cap(p, "CAP_SYS_ADMIN"));
  assert_false(profile_has_cap(p, "CAP_FOO"));
}

/* "admit": each key a boolean; unknown keys and other types refused. */
static void test_admit(void **state) {
  cleanup_profile struct profile *p = parse_ok("{\"name\": \"s\", \"allowRoot\": true, \"admit\": {\"hostNamespaces\": "
                                               "true, \"allDevices\": false, \"allCapabilities\": true}}");
  cleanup_profile struct profile *q = parse_ok("{\"name\": \"q\"}");
  (void)state;
  assert_true(p->has_admit);
  assert_true(p->admit.host_namespaces);
  assert_false(p->admit.all_devices);
  assert_true(p->admit.all_capabilities);
  assert_false(p->admit.spec_seccomp);
  assert_true(profile_has_cap(p, "CAP_SYS_ADMIN"));
  assert_false(q->has_admit);
  assert_false(profile_has_cap(q, "CAP_SYS_ADMIN"));
  expect_parse_error("{\"name\": \"x\", \"admit\": []}",
                     "t.json:1:24: admit: got an array; expected an object such as {\"hostNamespaces\": true}");
  expect_parse_error("{\"name\": \"x\", \"admit\": {\"hostPid\": true}}",
                     "t.json:1:36: admit.hostPid: unknown field \"hostPid\"; expected one of hostNamespaces, "
                     "hostMounts, allDevices, allCapabilities, newPrivileges, specSeccomp, unmaskedPaths");
  expect_parse_error("{\"name\": \"x\", \"admit\": {\"allDevices\": \"yes\"}}",
                     "t.json:1:39: admit.allDevices: got a string; expected true or false");
}

/* profile lint: every error of the file, each with its position; the
 * runtime's loader stops at the first. */
static void test_lint_every_error(void **state) {
  cleanup_free char *path =
      write_tmp("lint/three.json", "{\n  \"name\": \"three\",\n  \"capabilities\": [\"CAP_NOPE\"],\n"
                                   "  \"action\": \"explode\",\n  \"lsm\": \"maybe\"\n}\n");
  cleanup_error struct sk_error *err = NULL;
  cleanup_error struct sk_error *first = NULL;
  struct profile *p = NULL;
  const char *s;
  int lines = 0;
  (void)state;
  assert_int_equal(profile_lint_file(path, &p, &err), -1);
  assert_null(p);
  for (s = err->msg; s; s = strchr(s + 1, '\n'))
    lines++;
  assert_int_equal(lines, 3);
  assert_non_null(strstr(err->msg, "three.json:3:"));
  assert_non_null(strstr(err->msg, "three.json:4:"));
  assert_non_null(strstr(err->msg, "three.json:5:"));
  assert_int_equal(profile_load_file(path, &p, &first), -1);
  assert_null(strchr(first->msg, '\n'));
}

/* Globs fnmatch would read other than they look. */
static void test_error_glob_syntax(void **state) {
  char why[512];
  (void)state;
  assert_int_equal(glob_check_syntax("/usr/bin/[abc]", why, sizeof(why)), 0);
  assert_int_equal(glob_check_syntax("/usr/bin/[!]]x", why, sizeof(why)), 0);
  assert_int_equal(glob_check_syntax("/usr/bin/\\{x\\}", why, sizeof(why)), 0);
  assert_int_equal(glob_check_syntax("/usr/bin/[abc", why, sizeof(why)), -1);
  assert_non_null(strstr(why, "unclosed \"[\""));
  assert_int_equal(glob_check_syntax("/usr/[a/b]", why, sizeof(why)), -1);
  assert_int_equal(glob_check_syntax("/opt/{a,b}/run", why, sizeof(why)), -1);
  assert_non_null(strstr(why, "no braces"));
  assert_int_equal(glob_check_syntax("/opt/a}", why, sizeof(why)), -1);
  assert_int_equal(glob_check_syntax("/usr/bin/app ", why, sizeof(why)), -1);
  assert_non_null(strstr(why, "ends with white space"));
  assert_int_equal(glob_check_syntax(" /usr/bin/app", why, sizeof(why)), -1);
  assert_int_equal(glob_check_syntax("/usr/bin/a]b", why, sizeof(why)), -1);
  assert_int_equal(glob_check_syntax("/usr/bin/a\\", why, sizeof(why)), -1);
  expect_parse_error("{\"name\": \"x\", \"exec\": {\"allow\": [\"/usr/bin/[abc\"]}}",
                     "t.json:1:34: exec.allow[0]: \"/usr/bin/[abc\" has an unclosed \"[\" at character 10; expected "
                     "\"[...]\" within one directory level, or \"\\[\" for a literal [");
}

/* Kubernetes' seccomp words are not file names. */
static void test_seccomp_kubernetes_words(void **state) {
  cleanup_profile struct profile *a = parse_ok("{\"name\": \"x\", \"seccomp\": \"runtime/default\"}");
  cleanup_profile struct profile *b = parse_ok("{\"name\": \"x\", \"seccomp\": \"docker/default\"}");
  (void)state;
  assert_string_equal(a->seccomp_source, "default");
  assert_string_equal(b->seccomp_source, "default");
  expect_parse_error("{\"name\": \"x\", \"seccomp\": \"unconfined\"}",
                     "t.json:1:26: seccomp: \"unconfined\" means no syscall filter in Kubernetes, which a stockade "
                     "profile cannot ask for; expected \"default\" (or \"runtime/default\"), an inline OCI seccomp "
                     "object, or a file, or run the workload under the stockade-off RuntimeClass");
  expect_parse_error("{\"name\": \"x\", \"seccomp\": \"localhost/p.json\"}",
                     "t.json:1:26: seccomp: \"localhost/p.json\" is Kubernetes' name for a file in the kubelet's "
                     "seccomp directory, which stockade does not read; expected the file's path, absolute or relative "
                     "to this profile");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_admit),
      cmocka_unit_test(test_all_fields),
      cmocka_unit_test(test_allow_root),
      cmocka_unit_test(test_edges_accepted),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_error_syntax),
      cmocka_unit_test(test_error_root),
      cmocka_unit_test(test_error_unknown_field),
      cmocka_unit_test(test_need_fields),
      cmocka_unit_test(test_network_field),
      cmocka_unit_test(test_error_user),
      cmocka_unit_test(test_error_allow_root),
      cmocka_unit_test(test_error_capabilities),
      cmocka_unit_test(test_error_writable_rootfs),
      cmocka_unit_test(test_error_writable_paths),
      cmocka_unit_test(test_error_sizes),
      cmocka_unit_test(test_error_seccomp_value),
      cmocka_unit_test(test_exec_fields),
      cmocka_unit_test(test_exec_defaults),
      cmocka_unit_test(test_exec_fd_memfd),
      cmocka_unit_test(test_action_name),
      cmocka_unit_test(test_error_exec),
      cmocka_unit_test(test_error_exec_globs),
      cmocka_unit_test(test_lint_every_error),
      cmocka_unit_test(test_error_glob_syntax),
      cmocka_unit_test(test_seccomp_kubernetes_words),
      cmocka_unit_test(test_error_exec_duplicates),
      cmocka_unit_test(test_error_sha256),
      cmocka_unit_test(test_error_block_hashes),
      cmocka_unit_test(test_error_action),
      cmocka_unit_test(test_to_json_exec),
      cmocka_unit_test(test_seccomp_inline),
      cmocka_unit_test(test_seccomp_inline_bad_syscall),
      cmocka_unit_test(test_seccomp_inline_errors),
      cmocka_unit_test(test_seccomp_relative_path),
      cmocka_unit_test(test_seccomp_absolute_path),
      cmocka_unit_test(test_seccomp_path_errors),
      cmocka_unit_test(test_name_matches_file),
      cmocka_unit_test(test_name_valid),
      cmocka_unit_test(test_sha256),
      cmocka_unit_test(test_load_named_invalid),
      cmocka_unit_test(test_load_named_not_found),
      cmocka_unit_test(test_load_named_ok),
      cmocka_unit_test(test_shipped_default),
      cmocka_unit_test(test_shipped_web),
      cmocka_unit_test(test_shipped_job),
      cmocka_unit_test(test_shipped_locked),
      cmocka_unit_test(test_shipped_all),
      cmocka_unit_test(test_to_json),
      cmocka_unit_test(test_has_cap),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

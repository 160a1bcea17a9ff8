/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/policy/decide.c: every rule of the exec decision,
 * their order, the globs, the allowWritable exemption, when a hash is
 * needed, and block-lists from the node's config and from the profile. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/decide.h"
#include "stockade/profile.h"

#define H_GOOD "1111111111111111111111111111111111111111111111111111111111111111"
#define H_OTHER "2222222222222222222222222222222222222222222222222222222222222222"
#define H_BAD "baadbaadbaadbaadbaadbaadbaadbaadbaadbaadbaadbaadbaadbaadbaadbaad"
#define H_BAD2 "dead0000dead0000dead0000dead0000dead0000dead0000dead0000dead0000"

static void assert_contains(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static struct profile *parse(const char *text) {
  cleanup_error struct sk_error *err = NULL;
  struct profile *p = NULL;
  if (profile_parse("t.json", text, strlen(text), &p, &err) < 0)
    fail_msg("profile_parse: %s\n%s", err->msg, text);
  return p;
}

static struct exec_fact fact(const char *path, enum exec_where where) {
  struct exec_fact f = {.path = path, .where = where, .written_after_start = false, .fileless = false, .sha256 = NULL};
  return f;
}

static struct decision decide(const struct profile *p, const struct blocklist *bl, const struct exec_fact *f) {
  struct decision d;
  memset(&d, 0x5a, sizeof(d)); /* every field must be written */
  decide_exec(p, bl, f, &d);
  assert_non_null(d.type);
  assert_non_null(d.reason);
  return d;
}

static void expect(const struct decision *d, enum decide_kind kind, const char *type, const char *technique) {
  if (d->kind != kind || strcmp(d->type, type) != 0)
    fail_msg("got %s \"%s\" (%s), want %s \"%s\"", d->kind == DECIDE_ALLOW ? "allow" : "deny", d->type, d->reason,
             kind == DECIDE_ALLOW ? "allow" : "deny", type);
  if (technique == NULL)
    assert_null(d->technique);
  else {
    assert_non_null(d->technique);
    assert_string_equal(d->technique, technique);
  }
}

static void test_where_names(void **state) {
  (void)state;
  assert_string_equal(exec_where_name(WHERE_IMAGE), "image");
  assert_string_equal(exec_where_name(WHERE_UPPER), "upper");
  assert_string_equal(exec_where_name(WHERE_TMPFS), "tmpfs");
  assert_string_equal(exec_where_name(WHERE_VOLUME), "volume");
  assert_string_equal(exec_where_name(WHERE_MEMFD), "memfd");
  assert_string_equal(exec_where_name(WHERE_OTHER), "other");
  assert_string_equal(exec_where_name((enum exec_where)42), "other");
}

static void test_globs(void **state) {
  (void)state;
  assert_true(decide_path_matches("/usr/bin/*", "/usr/bin/ls"));
  assert_false(decide_path_matches("/usr/bin/*", "/usr/bin/x/y"));
  assert_false(decide_path_matches("/usr/bin/*", "/usr/sbin/ls"));
  assert_true(decide_path_matches("/usr/*/ls", "/usr/bin/ls"));
  assert_false(decide_path_matches("/usr/*/ls", "/usr/bin/x/ls"));
  assert_true(decide_path_matches("/usr/bin/python3.?", "/usr/bin/python3.9"));
  assert_true(decide_path_matches("/opt/app/bin/[a-c]*", "/opt/app/bin/bee"));
  assert_false(decide_path_matches("/opt/app/bin/[a-c]*", "/opt/app/bin/dog"));
  assert_true(decide_path_matches("/app", "/app"));
  assert_false(decide_path_matches("/app", "/app2"));
  assert_false(decide_path_matches("/usr/bin/*", NULL));
  assert_false(decide_path_matches(NULL, "/usr/bin/ls"));
}

/* No profile rules, nothing known: allowed. */
static void test_allow_plain(void **state) {
  cleanup_profile struct profile *p = parse("{\"name\": \"t\"}");
  struct exec_fact f = fact("/usr/bin/ls", WHERE_IMAGE);
  struct decision d;
  (void)state;

  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  assert_contains(d.reason, "/usr/bin/ls");
  d = decide(NULL, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  f.where = WHERE_OTHER;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
}

static void test_fileless(void **state) {
  cleanup_profile struct profile *p = parse("{\"name\": \"t\", \"exec\": {\"allowWritable\": [\"/*\", \"/memfd*\"]}}");
  struct exec_fact f = fact("/memfd:x (deleted)", WHERE_MEMFD);
  struct decision d;
  (void)state;

  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "fileless", "T1620");
  assert_contains(d.reason, "/memfd:x (deleted)");
  assert_contains(d.reason, "memfd");
  /* execveat of a descriptor of a regular file: fileless too */
  f = fact("/usr/bin/ls", WHERE_IMAGE);
  f.fileless = true;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "fileless", "T1620");
  /* no path at all */
  f = fact(NULL, WHERE_MEMFD);
  d = decide(NULL, NULL, &f);
  expect(&d, DECIDE_DENY, "fileless", "T1620");
  assert_contains(d.reason, "(unknown path)");
}

static void test_drift(void **state) {
  cleanup_profile struct profile *p = parse("{\"name\": \"t\"}");
  struct exec_fact f;
  struct decision d;
  (void)state;

  f = fact("/tmp/x", WHERE_TMPFS);
  f.written_after_start = true;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  assert_contains(d.reason, "/tmp/x was written after the container started (tmpfs)");

  f = fact("/tmp/x", WHERE_TMPFS); /* there before start: still a writable place */
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  assert_contains(d.reason, "/tmp/x is on a writable mount (tmpfs)");
  assert_contains(d.reason, "exec.allowWritable");

  f = fact("/usr/bin/new", WHERE_UPPER);
  f.written_after_start = true;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  assert_contains(d.reason, "/usr/bin/new was written after the container started (upper)");

  f = fact("/data/tool", WHERE_VOLUME);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  assert_contains(d.reason, "(volume)");

  /* written after start on a read-only or unknown mount: drift all the same */
  f = fact("/ro/tool", WHERE_OTHER);
  f.written_after_start = true;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  f = fact("/usr/bin/ls", WHERE_IMAGE);
  f.written_after_start = true;
  d = decide(NULL, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
}

static void test_drift_exemption(void **state) {
  cleanup_profile struct profile *p =
      parse("{\"name\": \"t\", \"exec\": {\"allowWritable\": [\"/work/bin/*\", \"/cache/tool\"]}}");
  struct exec_fact f;
  struct decision d;
  (void)state;

  f = fact("/work/bin/build", WHERE_VOLUME);
  f.written_after_start = true;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  assert_contains(d.reason, "allowWritable");
  f = fact("/cache/tool", WHERE_TMPFS);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  /* the glob does not reach into subdirectories */
  f = fact("/work/bin/sub/build", WHERE_VOLUME);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  f = fact("/cache/tool2", WHERE_TMPFS);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  /* no path: nothing can be exempt */
  f = fact(NULL, WHERE_TMPFS);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
}

static void test_allow_list(void **state) {
  cleanup_profile struct profile *p =
      parse("{\"name\": \"web\", \"exec\": {\"allow\": [\"/usr/bin/*\", \"/app/server\"]}}");
  struct exec_fact f;
  struct decision d;
  (void)state;

  f = fact("/usr/bin/env", WHERE_IMAGE);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  f = fact("/app/server", WHERE_IMAGE);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);

  f = fact("/usr/bin/x/y", WHERE_IMAGE);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "not-allowed", NULL);
  assert_contains(d.reason, "/usr/bin/x/y is not in profile \"web\"'s exec.allow list");

  f = fact("/usr/local/bin/tool", WHERE_IMAGE);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "not-allowed", NULL);

  f = fact(NULL, WHERE_IMAGE);
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "not-allowed", NULL);
  assert_contains(d.reason, "(unknown path)");
}

/* The parser refuses an empty allow-list; a built profile may still have
 * one, and it admits nothing. */
static void test_allow_list_empty(void **state) {
  struct profile p;
  struct exec_fact f = fact("/usr/bin/ls", WHERE_IMAGE);
  struct decision d;
  (void)state;

  memset(&p, 0, sizeof(p));
  p.name = "built";
  p.has_exec_allow = true;
  d = decide(&p, NULL, &f);
  expect(&d, DECIDE_DENY, "not-allowed", NULL);
  p.has_exec_allow = false;
  d = decide(&p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
}

static void test_interpreters(void **state) {
  cleanup_profile struct profile *p = parse("{\"name\": \"t\", \"exec\": {\"allow\": [\"/app/server\"]}}");
  static const char *const shells[] = {
      "/bin/sh",         "/bin/bash",         "/bin/dash",        "/bin/ash",
      "/bin/busybox",    "/usr/bin/python",   "/usr/bin/python3", "/usr/bin/python3.11",
      "/usr/bin/perl",   "/usr/bin/perl5.36", "/usr/bin/ruby3.1", "/usr/bin/node",
      "/usr/bin/php8.2", "/usr/bin/lua5.4",   "/bin/zsh",         "sh"};
  static const char *const others[] = {"/usr/bin/curl",  "/usr/bin/perldoc",  "/usr/bin/pythonista",
                                       "/usr/bin/shred", "/usr/bin/nodejs-x", "/usr/bin/lualatex"};
  struct exec_fact f;
  struct decision d;
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
    f = fact(shells[i], WHERE_IMAGE);
    d = decide(p, NULL, &f);
    expect(&d, DECIDE_DENY, "not-allowed", "T1059");
  }
  for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
    f = fact(others[i], WHERE_IMAGE);
    d = decide(p, NULL, &f);
    if (d.technique != NULL)
      fail_msg("%s is not an interpreter, got technique %s", others[i], d.technique);
    expect(&d, DECIDE_DENY, "not-allowed", NULL);
  }
}

static void test_allow_list_hashes(void **state) {
  cleanup_profile struct profile *p = parse("{\"name\": \"t\", \"exec\": {\"allow\": ["
                                            "  \"/usr/bin/*\","
                                            "  {\"path\": \"/usr/bin/curl\", \"sha256\": \"" H_GOOD "\"},"
                                            "  {\"path\": \"/app/server\", \"sha256\": \"" H_GOOD "\"},"
                                            "  {\"path\": \"/app/server\", \"sha256\": \"" H_OTHER "\"}"
                                            "]}}");
  struct exec_fact f;
  struct decision d;
  (void)state;

  /* a pinned path with the pinned hash */
  f = fact("/usr/bin/curl", WHERE_IMAGE);
  f.sha256 = H_GOOD;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  /* the broader rule "/usr/bin/" "*" does not undo the pin */
  f.sha256 = H_OTHER;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "not-allowed", NULL);
  assert_contains(d.reason, "/usr/bin/curl has SHA-256 " H_OTHER ", not one that exec.allow[1] \"/usr/bin/curl\" pins");
  /* unknown hash: denied, and the reason says why */
  f.sha256 = NULL;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "not-allowed", NULL);
  assert_contains(d.reason, "not known");
  /* two accepted versions */
  f = fact("/app/server", WHERE_IMAGE);
  f.sha256 = H_OTHER;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  f.sha256 = H_GOOD;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  f.sha256 = H_BAD;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "not-allowed", NULL);
  /* an unpinned path: any content */
  f = fact("/usr/bin/env", WHERE_IMAGE);
  f.sha256 = H_BAD;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
}

static void test_blocklist(void **state) {
  cleanup_profile struct profile *p = parse("{\"name\": \"web\", \"blockHashes\": [\"" H_BAD "\"]}");
  cleanup_config struct sk_config *c = NULL;
  cleanup_error struct sk_error *err = NULL;
  static const char cfg[] = "{\"runtime\": \"/usr/sbin/runc\", \"blockHashes\": [\"" H_BAD2 "\"]}";
  struct blocklist bl;
  struct exec_fact f;
  struct decision d;
  (void)state;

  if (config_parse("/etc/stockade/config.json", cfg, strlen(cfg), &c, &err) < 0)
    fail_msg("config_parse: %s", err->msg);
  assert_int_equal(c->n_block_hashes, 1);
  bl.hashes = c->block_hashes;
  bl.n = c->n_block_hashes;

  /* the profile's */
  f = fact("/usr/bin/xmrig", WHERE_IMAGE);
  f.sha256 = H_BAD;
  d = decide(p, &bl, &f);
  expect(&d, DECIDE_DENY, "blocked-hash", "T1204.003");
  assert_contains(d.reason, "/usr/bin/xmrig has SHA-256 " H_BAD ", which profile \"web\" blocks");
  /* the node's */
  f.sha256 = H_BAD2;
  d = decide(p, &bl, &f);
  expect(&d, DECIDE_DENY, "blocked-hash", "T1204.003");
  assert_contains(d.reason, "the node's config blocks");
  d = decide(NULL, &bl, &f);
  expect(&d, DECIDE_DENY, "blocked-hash", "T1204.003");
  /* upper-case hex from elsewhere compares equal */
  f.sha256 = "BAADBAADBAADBAADBAADBAADBAADBAADBAADBAADBAADBAADBAADBAADBAADBAAD";
  d = decide(p, &bl, &f);
  expect(&d, DECIDE_DENY, "blocked-hash", "T1204.003");
  /* neither */
  f.sha256 = H_GOOD;
  d = decide(p, &bl, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  /* the technique says how it came */
  f = fact("/tmp/xmrig", WHERE_TMPFS);
  f.written_after_start = true;
  f.sha256 = H_BAD2;
  d = decide(p, &bl, &f);
  expect(&d, DECIDE_DENY, "blocked-hash", "T1105");
  f = fact("/memfd:m (deleted)", WHERE_MEMFD);
  f.sha256 = H_BAD;
  d = decide(p, &bl, &f);
  expect(&d, DECIDE_DENY, "blocked-hash", "T1620");
}

/* block-list before fileless before drift before allow-list */
static void test_order(void **state) {
  cleanup_profile struct profile *p =
      parse("{\"name\": \"t\", \"blockHashes\": [\"" H_BAD "\"],"
            " \"exec\": {\"allow\": [\"/app/*\"], \"allowWritable\": [\"/work/*\", \"/app/server\"]}}");
  struct exec_fact f;
  struct decision d;
  (void)state;

  /* all four apply: blocked-hash */
  f = fact("/tmp/sh", WHERE_MEMFD);
  f.fileless = true;
  f.written_after_start = true;
  f.sha256 = H_BAD;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "blocked-hash", "T1620");
  /* fileless, drift, not-allowed: fileless */
  f.sha256 = H_GOOD;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "fileless", "T1620");
  /* drift and not-allowed: drift */
  f.fileless = false;
  f.where = WHERE_TMPFS;
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  /* exempt from drift, but still subject to the allow-list */
  f.path = "/work/sh";
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "not-allowed", "T1059");
  /* exempt from drift and allowed */
  f.path = "/app/server";
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  /* allowed, but not exempt from drift */
  f.path = "/app/other";
  d = decide(p, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
}

static void test_needs_hash(void **state) {
  cleanup_profile struct profile *plain = parse("{\"name\": \"t\", \"exec\": {\"allow\": [\"/usr/bin/*\"]}}");
  cleanup_profile struct profile *pinned = parse("{\"name\": \"t\", \"exec\": {\"allow\": [\"/usr/bin/*\","
                                                 " {\"path\": \"/app/server\", \"sha256\": \"" H_GOOD "\"}]}}");
  cleanup_profile struct profile *blocks = parse("{\"name\": \"t\", \"blockHashes\": [\"" H_BAD "\"]}");
  char *hashes[] = {H_BAD2};
  struct blocklist bl = {hashes, 1}, none = {NULL, 0};
  struct exec_fact f;
  (void)state;

  f = fact("/app/server", WHERE_IMAGE);
  assert_false(decide_needs_hash(NULL, NULL, &f));
  assert_false(decide_needs_hash(plain, &none, &f));
  assert_true(decide_needs_hash(pinned, &none, &f));
  assert_true(decide_needs_hash(blocks, NULL, &f));
  assert_true(decide_needs_hash(NULL, &bl, &f));
  assert_true(decide_needs_hash(plain, &bl, &f));
  /* a pin on another path does not matter */
  f = fact("/usr/bin/env", WHERE_IMAGE);
  assert_false(decide_needs_hash(pinned, NULL, &f));
  f = fact(NULL, WHERE_IMAGE);
  assert_false(decide_needs_hash(pinned, NULL, &f));
  /* known already: never again */
  f = fact("/app/server", WHERE_IMAGE);
  f.sha256 = H_GOOD;
  assert_false(decide_needs_hash(pinned, &bl, &f));
  assert_false(decide_needs_hash(blocks, &bl, &f));
}

/* The seccomp side leaves to fanotify only a deny a hash could lift: a
 * not-allowed path that a pinned entry matches. Outside exec.allow, with a
 * block-list or not, the deny stands at once. */
static void test_hash_may_allow(void **state) {
  cleanup_profile struct profile *pinned = parse("{\"name\": \"t\", \"blockHashes\": [\"" H_BAD "\"], \"exec\": "
                                                 "{\"allow\": [\"/usr/bin/*\", {\"path\": \"/app/server\", "
                                                 "\"sha256\": \"" H_GOOD "\"}]}}");
  char *hashes[] = {H_BAD2};
  struct blocklist bl = {hashes, 1};
  struct exec_fact f;
  struct decision d;
  (void)state;

  f = fact("/opt/tool", WHERE_IMAGE); /* outside the list, block-lists everywhere */
  d = decide(pinned, &bl, &f);
  expect(&d, DECIDE_DENY, "not-allowed", NULL);
  assert_true(decide_needs_hash(pinned, &bl, &f));
  assert_false(decide_hash_may_allow(pinned, &f, &d));
  f = fact("/app/server", WHERE_IMAGE); /* pinned, hash unknown */
  d = decide(pinned, &bl, &f);
  expect(&d, DECIDE_DENY, "not-allowed", NULL);
  assert_true(decide_hash_may_allow(pinned, &f, &d));
  f.sha256 = H_OTHER; /* known, and wrong: final */
  d = decide(pinned, &bl, &f);
  assert_false(decide_hash_may_allow(pinned, &f, &d));
  f = fact("/app/server", WHERE_TMPFS); /* drift needs no hash */
  d = decide(pinned, &bl, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  assert_false(decide_hash_may_allow(pinned, &f, &d));
  f = fact("/usr/bin/env", WHERE_IMAGE); /* allowed: nothing to lift */
  d = decide(pinned, &bl, &f);
  expect(&d, DECIDE_ALLOW, "exec", NULL);
  assert_false(decide_hash_may_allow(pinned, &f, &d));
  assert_false(decide_hash_may_allow(NULL, &f, &d));
}

/* A crafted file name cannot break the line people read. */
static void test_reason_one_line(void **state) {
  struct exec_fact f = fact("/tmp/a\nstockade: all good\r", WHERE_TMPFS);
  struct decision d;
  char longpath[5000];
  (void)state;

  d = decide(NULL, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  assert_null(strchr(d.reason, '\n'));
  assert_null(strchr(d.reason, '\r'));
  assert_contains(d.reason, "/tmp/a?stockade: all good?");

  memset(longpath, 'a', sizeof(longpath) - 1);
  longpath[0] = '/';
  longpath[sizeof(longpath) - 1] = '\0';
  f = fact(longpath, WHERE_TMPFS);
  d = decide(NULL, NULL, &f);
  expect(&d, DECIDE_DENY, "drift", "T1105");
  assert_true(strlen(d.reason) < DECISION_REASON_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_where_names),     cmocka_unit_test(test_globs),
      cmocka_unit_test(test_allow_plain),     cmocka_unit_test(test_fileless),
      cmocka_unit_test(test_drift),           cmocka_unit_test(test_drift_exemption),
      cmocka_unit_test(test_allow_list),      cmocka_unit_test(test_allow_list_empty),
      cmocka_unit_test(test_interpreters),    cmocka_unit_test(test_allow_list_hashes),
      cmocka_unit_test(test_blocklist),       cmocka_unit_test(test_order),
      cmocka_unit_test(test_needs_hash),      cmocka_unit_test(test_hash_may_allow),
      cmocka_unit_test(test_reason_one_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

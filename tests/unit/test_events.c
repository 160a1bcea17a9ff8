/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/state/events.c and event_check.c: the envelope of
 * schema v1 (time, host, id, workload identity from CRI annotations,
 * rule, tactic, severity, details), its validator, the event file (one
 * valid JSON object per line, whatever the strings contain), syslog and
 * the rate limiter. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/events.h"
#include "stockade/sys.h"

static void assert_contains(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static char *join(const char *dir, const char *name) {
  char *p = NULL;
  assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
  return p;
}

/* Read the event file and split it into lines; every line must end with
 * '\n'. Returns the number of lines; lines[i] point into *buf. */
static size_t read_lines(const char *path, char **buf, char *lines[], size_t max) {
  struct sk_error *err = NULL;
  size_t len = 0, n = 0;
  char *p, *nl;
  if (read_file(path, buf, &len, &err) < 0)
    fail_msg("%s", err->msg);
  assert_int_equal(strlen(*buf), len); /* no NUL inside */
  if (len > 0 && (*buf)[len - 1] != '\n')
    fail_msg("event file does not end with a newline: %s", *buf);
  for (p = *buf; *p; p = nl + 1) {
    nl = strchr(p, '\n');
    assert_non_null(nl);
    *nl = '\0';
    assert_true(n < max);
    lines[n++] = p;
  }
  return n;
}

/* --- the envelope --- */

static const struct event_subject subj = {.container = "ctr1",
                                          .profile = "default",
                                          .profile_sha256 =
                                              "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                          .mode = "enforce"};

/* An event of type with the fields every emitter gives. */
static struct json *simple(const char *type, const char *decision) {
  struct event_what w = {.type = type, .decision = decision, .mechanism = "seccomp", .message = "m"};
  struct json *ev = event_build(&subj, &w, NULL);
  assert_non_null(ev);
  return ev;
}

static void assert_valid(const struct json *ev) {
  struct sk_error *err = NULL;
  if (event_validate(ev, &err) < 0) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err->msg);
    sk_error_free(&err);
    fail_msg("not a valid v1 event: %s", msg);
  }
}

static void test_envelope_order_and_fields(void **state) {
  static const char *const keys[] = {"schema",    "time",     "host",      "id",    "severity",
                                     "type",      "decision", "mechanism", "rule",  "message",
                                     "container", "process",  "profile",   "mitre", "details"};
  cleanup_json struct json *argv = parse("[\"sh\", \"-c\", \"x\"]");
  struct event_what w = {.type = "drift",
                         .decision = "deny",
                         .mechanism = "fanotify",
                         .message = "written after start",
                         .technique = "T1105"};
  struct event_process p = {.pid = 42,
                            .path = "/tmp/x",
                            .argv = argv,
                            .sha256 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                            .where = "tmpfs"};
  cleanup_json struct json *ev = event_build(&subj, &w, &p);
  int64_t pid;
  size_t i;
  (void)state;

  assert_non_null(ev);
  assert_int_equal(ev->n, sizeof(keys) / sizeof(keys[0]));
  for (i = 0; i < ev->n; i++)
    assert_string_equal(ev->keys[i], keys[i]);
  assert_string_equal(json_string(json_get(ev, "schema")), "stockade.event/v1");
  assert_string_equal(json_string(json_get(ev, "type")), "drift");
  assert_string_equal(json_string(json_get(ev, "rule")), "SK-EXEC-DRIFT"); /* the type's */
  assert_string_equal(json_string(json_get(ev, "severity")), "warning");
  assert_string_equal(json_string(json_get(ev, "message")), "written after start");
  assert_string_equal(json_string(json_get_path(ev, "container", "id", NULL)), "ctr1");
  assert_string_equal(json_string(json_get_path(ev, "profile", "name", NULL)), "default");
  assert_string_equal(json_string(json_get_path(ev, "profile", "mode", NULL)), "enforce");
  assert_string_equal(json_string(json_get_path(ev, "process", "path", NULL)), "/tmp/x");
  assert_string_equal(json_string(json_get_path(ev, "process", "where", NULL)), "tmpfs");
  assert_true(json_int64(json_get_path(ev, "process", "pid", NULL), &pid) && pid == 42);
  assert_int_equal(json_get_path(ev, "process", "argv", NULL)->n, 3);
  assert_string_equal(json_string(json_get_path(ev, "mitre", "technique", NULL)), "T1105");
  assert_string_equal(json_string(json_get_path(ev, "mitre", "tactic", NULL)), "TA0011");
  assert_true(json_is(json_get(ev, "details"), JSON_OBJECT));
  assert_int_equal(json_get(ev, "details")->n, 0);
  assert_valid(ev);
}

static void test_envelope_time_host_id(void **state) {
  cleanup_json struct json *a = NULL, *b = NULL;
  const char *t, *id;
  struct tm tm;
  time_t before, after, at;
  char *rest, host[256];
  size_t i;
  (void)state;

  before = time(NULL);
  a = simple("exec", "allow");
  after = time(NULL);
  b = simple("exec", "allow");
  /* RFC 3339 in UTC with milliseconds: 2024-05-01T12:34:56.789Z */
  t = json_string(json_get(a, "time"));
  assert_non_null(t);
  assert_int_equal(strlen(t), 24);
  for (i = 0; i < 24; i++) {
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (shape[i] == 'd' ? !(t[i] >= '0' && t[i] <= '9') : t[i] != shape[i])
      fail_msg("time \"%s\" does not look like %s", t, shape);
  }
  memset(&tm, 0, sizeof(tm));
  rest = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
  assert_non_null(rest);
  assert_string_equal(rest + 4, "Z");
  at = timegm(&tm);
  assert_true(at >= before - 1 && at <= after + 1);
  /* the host's name; an id of 128 bits in hex, another for each event */
  assert_int_equal(gethostname(host, sizeof(host)), 0);
  assert_string_equal(json_string(json_get(a, "host")), host);
  id = json_string(json_get(a, "id"));
  assert_int_equal(strlen(id), 32);
  assert_int_equal(strspn(id, "0123456789abcdef"), 32);
  assert_string_not_equal(id, json_string(json_get(b, "id")));
}

static void test_workload_containerd(void **state) {
  cleanup_json struct json *spec = parse("{\"annotations\": {"
                                         "\"io.kubernetes.cri.container-type\": \"container\","
                                         "\"io.kubernetes.cri.sandbox-name\": \"web-7d9f\","
                                         "\"io.kubernetes.cri.sandbox-namespace\": \"shop\","
                                         "\"io.kubernetes.cri.image-name\": \"docker.io/library/nginx:1.25\"}}");
  struct event_subject s = {.container = "c", .spec = spec};
  struct event_what w = {.type = "refused", .decision = "deny", .mechanism = "spec", .message = "m"};
  cleanup_json struct json *ev = event_build(&s, &w, NULL);
  const struct json *c = json_get(ev, "container");
  (void)state;

  assert_string_equal(json_string(json_get(c, "pod")), "web-7d9f");
  assert_string_equal(json_string(json_get(c, "namespace")), "shop");
  assert_string_equal(json_string(json_get(c, "image")), "docker.io/library/nginx:1.25");
  assert_int_equal(c->n, 4);
}

static void test_workload_crio(void **state) {
  cleanup_json struct json *spec = parse("{\"annotations\": {"
                                         "\"io.kubernetes.pod.name\": \"db-0\","
                                         "\"io.kubernetes.pod.namespace\": \"data\","
                                         "\"io.kubernetes.cri-o.ImageName\": \"quay.io/x/postgres:16\"}}");
  struct event_subject s = {.container = "c", .spec = spec};
  struct event_what w = {.type = "lsm", .decision = "harden", .mechanism = "lsm", .message = "m"};
  cleanup_json struct json *ev = event_build(&s, &w, NULL);
  const struct json *c = json_get(ev, "container");
  (void)state;

  assert_string_equal(json_string(json_get(c, "pod")), "db-0");
  assert_string_equal(json_string(json_get(c, "namespace")), "data");
  assert_string_equal(json_string(json_get(c, "image")), "quay.io/x/postgres:16");
}

/* Absent, not a string or empty: no member (the schema has no empty
 * ones); containerd's annotation wins over CRI-O's. */
static void test_workload_absent_or_partial(void **state) {
  cleanup_json struct json *partial = parse("{\"annotations\": {\"io.kubernetes.pod.name\": \"p\", "
                                            "\"io.kubernetes.cri.sandbox-name\": \"from-containerd\", "
                                            "\"io.kubernetes.cri.image-name\": 5, "
                                            "\"io.kubernetes.pod.namespace\": \"\"}}");
  struct event_subject s = {.container = "c", .spec = partial, .profile = "", .mode = NULL};
  struct event_what w = {.type = "memfd", .decision = "info", .mechanism = "memfd_noexec", .message = "m"};
  cleanup_json struct json *ev = event_build(&s, &w, NULL);
  cleanup_json struct json *ev2 = simple("exec", "allow");
  const struct json *c = json_get(ev, "container");
  (void)state;

  assert_string_equal(json_string(json_get(c, "pod")), "from-containerd");
  assert_null(json_get(c, "image"));
  assert_null(json_get(c, "namespace"));
  assert_int_equal(json_get(ev, "profile")->n, 0);
  assert_int_equal(json_get(ev, "process")->n, 0);
  assert_int_equal(json_get(ev, "mitre")->n, 0);
  assert_int_equal(json_get(ev2, "container")->n, 1);
  assert_valid(ev);
  assert_valid(ev2);
}

static void test_details(void **state) {
  cleanup_json struct json *ev = simple("syscall", "deny");
  const struct json *d;
  int64_t v;
  (void)state;
  assert_int_equal(event_detail_str(ev, "syscall", "mount"), 0);
  assert_int_equal(event_detail_int(ev, "count", 3), 0);
  assert_int_equal(event_detail_str(ev, "none", NULL), 0);
  assert_int_equal(event_detail_str(ev, "syscall", "unshare"), 0);
  d = json_get(ev, "details");
  assert_int_equal(d->n, 2);
  assert_string_equal(json_string(json_get(d, "syscall")), "unshare");
  assert_true(json_int64(json_get(d, "count"), &v) && v == 3);
  assert_valid(ev);
  /* nothing lands outside details */
  assert_null(json_get(ev, "syscall"));
}

/* Rules, tactics and severities come from one table each. */
static void test_tables(void **state) {
  const char *name = NULL;
  (void)state;
  assert_string_equal(event_type_rule("fileless"), "SK-EXEC-FILELESS");
  assert_string_equal(event_type_rule("syscall"), "SK-SYSCALL-DENIED");
  assert_null(event_type_rule("nope"));
  assert_string_equal(event_tactic("T1620", &name), "TA0005");
  assert_string_equal(name, "Defense Evasion");
  assert_string_equal(event_tactic("T1204.003", NULL), "TA0002");
  assert_null(event_tactic("T9999", NULL));
  assert_string_equal(event_severity("fileless", "deny", "T1620"), "critical");
  assert_string_equal(event_severity("drift", "deny", "T1105"), "warning");
  assert_string_equal(event_severity("drift", "report", "T1105"), "notice");
  assert_string_equal(event_severity("exec", "allow", NULL), "info");
  assert_string_equal(event_severity("error", "deny", NULL), "error");
  assert_string_equal(event_severity("lsm", "info", NULL), "info");
  assert_string_equal(event_severity("dropped", "info", NULL), "warning");
}

/* The validator: a good event passes; each way of breaking it is named
 * by the field (tests/integration/t_events.sh runs the same kinds of
 * samples through the JSON Schema file). */
static void test_validate_rejects(void **state) {
  static const struct {
    const char *path, *value; /* a JSON value; NULL: remove the member */
    const char *field;
  } cases[] = {
      {"schema", "\"stockade.event/v2\"", "schema"},
      {"time", "\"2026-01-02 03:04:05Z\"", "time"},
      {"id", "\"XYZ\"", "id"},
      {"severity", "\"loud\"", "severity"},
      {"type", "\"exotic\"", "type"},
      {"decision", "\"maybe\"", "decision"},
      {"mechanism", "\"magic\"", "mechanism"},
      {"rule", "\"sk-lower\"", "rule"},
      {"message", "\"\"", "message"},
      {"message", NULL, "message"},
      {"host", NULL, "host"},
      {"container", "{}", "container.id"},
      {"container", "{\"id\":\"c\",\"extra\":1}", "container.extra"},
      {"process", "{\"pid\":0}", "process.pid"},
      {"process", "{\"sha256\":\"abc\"}", "process.sha256"},
      {"process", "{\"where\":\"moon\"}", "process.where"},
      {"process", "{\"argv\":[1]}", "process.argv"},
      {"profile", "{\"mode\":\"strict\"}", "profile.mode"},
      {"mitre", "{\"technique\":\"T1105\"}", "mitre.tactic"},
      {"mitre", "{\"technique\":\"X1\",\"tactic\":\"TA0001\"}", "mitre.technique"},
      {"details", "[]", "details"},
      {"details", "{\"lost\":0}", "details.lost"},
      {"path", "\"/x\"", "path"}, /* a v0 field at the top */
  };
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cleanup_json struct json *ev = simple("exec", "allow");
    struct sk_error *err = NULL;
    if (cases[i].value)
      assert_int_equal(json_set(ev, cases[i].path, parse(cases[i].value)), 0);
    else
      json_del(ev, cases[i].path);
    if (event_validate(ev, &err) == 0)
      fail_msg("case %zu (%s = %s) passed", i, cases[i].path, cases[i].value ? cases[i].value : "removed");
    if (strncmp(err->msg, cases[i].field, strlen(cases[i].field)) != 0)
      fail_msg("case %zu: \"%s\" does not begin with %s", i, err->msg, cases[i].field);
    sk_error_free(&err);
  }
}

/* What the schema's allOf says of some types. */
static void test_validate_type_rules(void **state) {
  struct sk_error *err = NULL;
  cleanup_json struct json *sc = simple("syscall", "deny");
  cleanup_json struct json *dr = NULL;
  cleanup_json struct json *sv = NULL;
  struct event_what w = {.type = "drift", .decision = "deny", .mechanism = "spec", .message = "m"};
  (void)state;

  assert_int_equal(event_validate(sc, &err), -1); /* no details.syscall */
  assert_non_null(strstr(err->msg, "details.syscall"));
  sk_error_free(&err);
  assert_int_equal(event_detail_str(sc, "syscall", "mount"), 0);
  assert_int_equal(event_detail_int(sc, "count", 0), 0);
  assert_int_equal(event_validate(sc, &err), -1);
  assert_non_null(strstr(err->msg, "details.count"));
  sk_error_free(&err);
  assert_int_equal(event_detail_int(sc, "count", 1), 0);
  assert_valid(sc);

  dr = event_build(&subj, &w, NULL); /* an exec decision by the spec */
  assert_int_equal(event_validate(dr, &err), -1);
  assert_non_null(strstr(err->msg, "mechanism"));
  sk_error_free(&err);

  sv = simple("supervisor", "info");
  assert_int_equal(event_validate(sv, &err), -1);
  assert_non_null(strstr(err->msg, "details.event"));
  sk_error_free(&err);
}

/* --- the file --- */

static void test_write_one_line_per_call(void **state) {
  const char *dir = *state;
  cleanup_free char *path = join(dir, "events.json");
  cleanup_free char *buf = NULL;
  char *lines[8];
  struct sk_error *err = NULL;
  struct stat st;
  mode_t old;
  size_t n, i;

  old = umask(022);
  for (i = 0; i < 3; i++) {
    cleanup_json struct json *ev = simple(i == 1 ? "refused" : "exec", i == 1 ? "deny" : "allow");
    char id[32];
    snprintf(id, sizeof(id), "ctr-%zu", i);
    assert_int_equal(event_detail_str(ev, "n", id), 0);
    assert_int_equal(event_write(path, ev, &err), 0);
    assert_null(err);
  }
  umask(old);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0640);

  n = read_lines(path, &buf, lines, 8);
  assert_int_equal(n, 3);
  for (i = 0; i < n; i++) {
    cleanup_json struct json *back = parse(lines[i]);
    char id[32];
    snprintf(id, sizeof(id), "ctr-%zu", i);
    assert_string_equal(json_string(json_get_path(back, "details", "n", NULL)), id);
    assert_string_equal(json_string(json_get(back, "type")), i == 1 ? "refused" : "exec");
    assert_non_null(json_string(json_get(back, "time")));
  }
}

static void test_write_appends_to_existing(void **state) {
  const char *dir = *state;
  cleanup_free char *path = join(dir, "events.json");
  cleanup_free char *buf = NULL;
  cleanup_json struct json *ev = simple("exec", "allow");
  char *lines[4];
  struct sk_error *err = NULL;
  FILE *f;

  f = fopen(path, "w");
  assert_non_null(f);
  fputs("{\"earlier\":true}\n", f);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(event_write(path, ev, &err), 0);
  assert_int_equal(read_lines(path, &buf, lines, 4), 2);
  assert_string_equal(lines[0], "{\"earlier\":true}");
  assert_contains(lines[1], "\"type\":\"exec\"");
}

static void test_write_escapes_strings(void **state) {
  const char *dir = *state;
  cleanup_free char *path = join(dir, "events.json");
  cleanup_free char *buf = NULL;
  cleanup_json struct json *ev = simple("refused", "deny");
  static const char nasty[] = "a \"quoted\" \\back\\slash\nnew line\r\t\x01 \xc3\xa9";
  char *lines[4];
  struct sk_error *err = NULL;

  assert_int_equal(event_detail_str(ev, "detail", nasty), 0);
  assert_int_equal(event_detail_str(ev, "key\"\n", "v"), 0);
  assert_int_equal(event_write(path, ev, &err), 0);
  assert_int_equal(read_lines(path, &buf, lines, 4), 1);
  {
    cleanup_json struct json *back = parse(lines[0]);
    assert_string_equal(json_string(json_get_path(back, "details", "detail", NULL)), nasty);
    assert_string_equal(json_string(json_get_path(back, "details", "key\"\n", NULL)), "v");
  }
}

/* A string that is not valid UTF-8 (a container id or path from argv can
 * be any bytes) must never produce a line a JSON reader refuses: either
 * event_write refuses (and writes nothing), or the line parses. */
static void test_write_invalid_utf8_never_breaks_a_line(void **state) {
  const char *dir = *state;
  cleanup_free char *path = join(dir, "events.json");
  cleanup_free char *buf = NULL;
  cleanup_json struct json *ev = simple("refused", "deny");
  char *lines[4];
  struct sk_error *err = NULL;
  size_t n, i;

  assert_int_equal(event_detail_str(ev, "id", "ctr\xff\xfe\xc0"), 0);
  if (event_write(path, ev, &err) < 0) {
    struct stat st;
    assert_non_null(err);
    sk_error_free(&err);
    /* refused: nothing (or at least no partial line) was written */
    if (stat(path, &st) == 0)
      assert_int_equal(st.st_size, 0);
    return;
  }
  n = read_lines(path, &buf, lines, 4);
  assert_int_equal(n, 1);
  for (i = 0; i < n; i++) {
    struct json *back = NULL;
    if (json_parse(lines[i], strlen(lines[i]), &back, &err) < 0) {
      char msg[256];
      snprintf(msg, sizeof(msg), "%s", err->msg);
      sk_error_free(&err);
      fail_msg("event_write wrote a line that is not valid JSON (raw bytes ff fe c0 in \"id\"): %s", msg);
    }
    json_free(back);
  }
}

static void test_write_errors_name_the_file(void **state) {
  const char *dir = *state;
  cleanup_free char *missing = join(dir, "no/such/dir/events.json");
  cleanup_free char *link = join(dir, "link.json");
  cleanup_free char *target = join(dir, "target.json");
  cleanup_json struct json *ev = simple("exec", "allow");
  struct sk_error *err = NULL;
  struct stat st;

  assert_int_equal(event_write(missing, ev, &err), -1);
  assert_non_null(err);
  assert_int_equal(err->code, ENOENT);
  assert_contains(err->msg, missing);
  assert_contains(err->msg, "event file");
  sk_error_free(&err);

  /* A directory is not writable as a file. */
  assert_int_equal(event_write(dir, ev, &err), -1);
  assert_non_null(err);
  assert_int_equal(err->code, EISDIR);
  assert_contains(err->msg, dir);
  sk_error_free(&err);

  /* A symlink is not followed (the target is not created or written). */
  assert_int_equal(symlink(target, link), 0);
  assert_int_equal(event_write(link, ev, &err), -1);
  assert_non_null(err);
  assert_int_equal(err->code, ELOOP);
  assert_contains(err->msg, link);
  sk_error_free(&err);
  assert_int_equal(stat(target, &st), -1);

  /* No event file configured: nothing to do. */
  assert_int_equal(event_write(NULL, ev, &err), 0);
  assert_null(err);
}

/* --- the rate limiter --- */

/* A CLOCK_MONOTONIC-like timestamp from whole milliseconds. */
static struct timespec ms(long long t) {
  struct timespec ts = {.tv_sec = (time_t)(t / 1000), .tv_nsec = (long)(t % 1000) * 1000000};
  return ts;
}

/* Take n times at the same instant; returns how many were let through. */
static int take_n(struct event_limiter *l, struct timespec at, int n) {
  int ok = 0, i;
  for (i = 0; i < n; i++)
    ok += event_limiter_take(l, &at) ? 1 : 0;
  return ok;
}

static void test_limiter_burst_then_drops(void **state) {
  struct event_limiter l;
  struct timespec t = ms(100000);
  (void)state;
  event_limiter_init(&l, 10, 5);
  assert_int_equal(event_limiter_dropped(&l), 0);
  /* A full bucket: the first burst passes, each one after it is dropped. */
  assert_int_equal(take_n(&l, t, 5), 5);
  assert_int_equal(event_limiter_dropped(&l), 0);
  assert_false(event_limiter_take(&l, &t));
  assert_false(event_limiter_take(&l, &t));
  assert_false(event_limiter_take(&l, &t));
  /* Reported once, then reset. */
  assert_int_equal(event_limiter_dropped(&l), 3);
  assert_int_equal(event_limiter_dropped(&l), 0);
  assert_false(event_limiter_take(&l, &t));
  assert_int_equal(event_limiter_dropped(&l), 1);
}

static void test_limiter_refill(void **state) {
  struct event_limiter l;
  (void)state;
  event_limiter_init(&l, 10, 5);
  assert_int_equal(take_n(&l, ms(100000), 6), 5);
  /* 10 a second: 99 ms is not yet a token, 100 ms is exactly one. */
  assert_int_equal(take_n(&l, ms(100099), 1), 0);
  assert_int_equal(take_n(&l, ms(100100), 2), 1);
  /* 350 ms later: three and a half; three pass, the half stays. */
  assert_int_equal(take_n(&l, ms(100450), 5), 3);
  assert_int_equal(take_n(&l, ms(100500), 2), 1); /* half + half */
  assert_int_equal(event_limiter_dropped(&l), 1 + 1 + 1 + 2 + 1);
  /* Never more than the burst, however long the pause. */
  assert_int_equal(take_n(&l, ms(160000), 8), 5);
  assert_int_equal(event_limiter_dropped(&l), 3);
}

/* The first take after init, at any clock value, sees the full burst
 * (timestamps count from boot; the bucket has never been used). */
static void test_limiter_first_take_any_clock(void **state) {
  struct event_limiter l;
  struct timespec zero = {0, 0};
  (void)state;
  event_limiter_init(&l, 1, 3);
  assert_int_equal(take_n(&l, zero, 4), 3);
  event_limiter_init(&l, 1, 3);
  assert_int_equal(take_n(&l, ms(987654321), 4), 3);
}

static void test_limiter_huge_gaps(void **state) {
  struct event_limiter l;
  struct timespec far = {.tv_sec = (time_t)(~0ull >> 1), .tv_nsec = 999999999};
  struct timespec back = ms(1000);
  (void)state;
  /* A year idle at the largest rate the config allows: capped at burst. */
  event_limiter_init(&l, 1000000, 200);
  assert_int_equal(take_n(&l, ms(1000), 200), 200);
  assert_int_equal(take_n(&l, ms(1000 + 365LL * 24 * 3600 * 1000), 300), 200);
  assert_int_equal(event_limiter_dropped(&l), 100);
  /* The largest timestamp there is: no overflow, still capped. */
  assert_int_equal(take_n(&l, far, 201), 200);
  assert_int_equal(event_limiter_dropped(&l), 1);
  /* A clock that steps back adds nothing (and nothing breaks). */
  assert_false(event_limiter_take(&l, &back));
  assert_false(event_limiter_take(&l, &far));
  assert_int_equal(event_limiter_dropped(&l), 2);
  assert_true(l.tokens >= 0 && l.tokens <= l.burst);
}

static void test_limiter_fractions(void **state) {
  struct event_limiter l;
  long long t;
  int ok = 0;
  (void)state;
  /* One every ten seconds. */
  event_limiter_init(&l, 0.1, 1);
  assert_true(event_limiter_take(&l, &(struct timespec){1000, 0}));
  assert_false(event_limiter_take(&l, &(struct timespec){1005, 0}));
  assert_false(event_limiter_take(&l, &(struct timespec){1009, 999000000}));
  assert_true(event_limiter_take(&l, &(struct timespec){1010, 0}));
  assert_int_equal(event_limiter_dropped(&l), 2);

  /* The same rate, asked every millisecond for ten seconds: ten thousand
   * additions of 0.0001 make one token at the end, not one too few
   * (rounding) and not earlier. */
  event_limiter_init(&l, 0.1, 1);
  assert_true(event_limiter_take(&l, &(struct timespec){2000, 0}));
  for (t = 2000001; t <= 2010000; t++) {
    if (event_limiter_take(&l, &(struct timespec){ms(t).tv_sec, ms(t).tv_nsec})) {
      ok++;
      assert_int_equal(t, 2010000);
    }
  }
  assert_int_equal(ok, 1);
  assert_int_equal(event_limiter_dropped(&l), 9999);

  /* 2.5 a second with a burst of 2.5: two at once (half a token is not an
   * event), then one every 400 ms. */
  event_limiter_init(&l, 2.5, 2.5);
  assert_int_equal(take_n(&l, ms(5000), 3), 2);
  assert_int_equal(take_n(&l, ms(5200), 2), 1); /* 0.5 + 0.5 */
  assert_int_equal(take_n(&l, ms(5600), 2), 1);
}

/* What the config cannot produce still behaves: no refill at rate 0, and
 * a burst below one is one, so the event that reports drops can pass. */
static void test_limiter_degenerate(void **state) {
  struct event_limiter l;
  (void)state;
  event_limiter_init(&l, 0, 2);
  assert_int_equal(take_n(&l, ms(1000), 3), 2);
  assert_int_equal(take_n(&l, ms(99999999), 3), 0);
  assert_int_equal(event_limiter_dropped(&l), 4);
  event_limiter_init(&l, -5, 0);
  assert_int_equal(take_n(&l, ms(1000), 2), 1);
  assert_int_equal(take_n(&l, ms(2000), 1), 0);
  event_limiter_init(&l, 1, 0.2);
  assert_int_equal(take_n(&l, ms(1000), 2), 1);
  assert_int_equal(take_n(&l, ms(2000), 2), 1);
}

/* Drops are counted by type; the "dropped" event says how many in all and
 * of which type, and resets the counts. */
static void test_limiter_types_and_dropped_event(void **state) {
  struct event_limiter l;
  struct timespec t = ms(5000);
  cleanup_json struct json *ev = NULL;
  cleanup_json struct json *none = NULL;
  const struct json *types;
  int64_t v;
  (void)state;

  event_limiter_init(&l, 1, 2);
  assert_int_equal(event_dropped_details(&l, &none), 0);
  assert_null(none); /* nothing dropped: no event */
  assert_true(event_limiter_take_type(&l, &t, "drift"));
  assert_true(event_limiter_take_type(&l, &t, "drift"));
  assert_false(event_limiter_take_type(&l, &t, "drift"));
  assert_false(event_limiter_take_type(&l, &t, "drift"));
  assert_false(event_limiter_take_type(&l, &t, "fileless"));
  assert_false(event_limiter_take(&l, &t)); /* no type: "other" */
  assert_false(event_limiter_take_type(&l, &t, NULL));
  assert_int_equal(event_dropped_details(&l, &ev), 0);
  assert_non_null(ev);
  assert_true(json_int64(json_get(ev, "dropped"), &v) && v == 5);
  types = json_get(ev, "types");
  assert_true(json_int64(json_get(types, "drift"), &v) && v == 2);
  assert_true(json_int64(json_get(types, "fileless"), &v) && v == 1);
  assert_true(json_int64(json_get(types, "other"), &v) && v == 2);
  /* reported once */
  assert_int_equal(l.dropped, 0);
  assert_int_equal(event_dropped_details(&l, &none), 0);
  assert_null(none);
}

/* A flood of distinct type names cannot grow the counts: past the slots,
 * drops are "other", and the sum still adds up. */
static void test_limiter_many_types(void **state) {
  struct event_limiter l;
  struct timespec t = ms(5000);
  cleanup_json struct json *ev = NULL;
  const struct json *types;
  char name[32];
  int64_t v, sum = 0;
  size_t i;
  (void)state;

  event_limiter_init(&l, 0, 1);
  assert_true(event_limiter_take(&l, &t));
  for (i = 0; i < 100; i++) {
    snprintf(name, sizeof(name), "type%zu", i);
    assert_false(event_limiter_take_type(&l, &t, name));
  }
  assert_false(event_limiter_take_type(&l, &t, "a-type-name-longer-than-the-slot-holds"));
  assert_int_equal(event_dropped_details(&l, &ev), 0);
  assert_true(json_int64(json_get(ev, "dropped"), &v) && v == 101);
  types = json_get(ev, "types");
  assert_int_equal(types->n, EVENT_LIMITER_TYPES);
  for (i = 0; i < types->n; i++) {
    assert_true(json_int64(types->items[i], &v));
    sum += v;
  }
  assert_int_equal(sum, 101);
  assert_true(json_int64(json_get(types, "other"), &v) && v == 101 - (EVENT_LIMITER_TYPES - 1));
}

static void test_syslog_rfc5424(void **state) {
  char dir[] = "/tmp/sk-syslog-XXXXXX";
  char path[64], buf[4096];
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  struct sk_error *err = NULL;
  struct json *ev, *body = NULL;
  const char *msg;
  ssize_t n;
  int fd;
  (void)state;

  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/log", dir);
  strcpy(addr.sun_path, path);
  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);

  {
    struct event_what w = {.type = "drift", .decision = "deny", .mechanism = "fanotify", .message = "m"};
    struct event_process p = {.path = "/tmp/x"};
    ev = event_build(&subj, &w, &p);
  }
  assert_int_equal(event_syslog(path, ev, &err), 0);
  n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
  assert_true(n > 0);
  buf[n] = '\0';
  /* <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG */
  assert_true(strncmp(buf, "<84>1 ", 6) == 0); /* authpriv.warning for a deny */
  assert_non_null(strstr(buf, " stockade "));
  assert_non_null(strstr(buf, " drift - {"));
  msg = strstr(buf, " - {") + 3;
  assert_int_equal(json_parse(msg, strlen(msg), &body, &err), 0);
  assert_string_equal(json_string(json_get_path(body, "process", "path", NULL)), "/tmp/x");
  json_free(body);
  json_free(ev);

  /* the event's severity: notice for the supervisor's, critical for a
   * fileless denial; an absent socket is an error naming it */
  ev = simple("fileless", "deny");
  assert_int_equal(event_syslog(path, ev, &err), 0);
  n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
  assert_true(n > 0);
  assert_true(strncmp(buf, "<82>1 ", 6) == 0);
  json_free(ev);
  ev = simple("supervisor", "info");
  assert_int_equal(event_syslog(path, ev, &err), 0);
  n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
  assert_true(n > 0);
  assert_true(strncmp(buf, "<85>1 ", 6) == 0);
  unlink(path);
  assert_int_equal(event_syslog(path, ev, &err), -1);
  assert_non_null(strstr(err->msg, path));
  sk_error_free(&err);
  json_free(ev);
  close(fd);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_syslog_rfc5424),
      cmocka_unit_test(test_envelope_order_and_fields),
      cmocka_unit_test(test_envelope_time_host_id),
      cmocka_unit_test(test_workload_containerd),
      cmocka_unit_test(test_workload_crio),
      cmocka_unit_test(test_workload_absent_or_partial),
      cmocka_unit_test(test_details),
      cmocka_unit_test(test_tables),
      cmocka_unit_test(test_validate_rejects),
      cmocka_unit_test(test_validate_type_rules),
      cmocka_unit_test_setup_teardown(test_write_one_line_per_call, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_write_appends_to_existing, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_write_escapes_strings, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_write_invalid_utf8_never_breaks_a_line, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_write_errors_name_the_file, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test(test_limiter_burst_then_drops),
      cmocka_unit_test(test_limiter_refill),
      cmocka_unit_test(test_limiter_first_take_any_clock),
      cmocka_unit_test(test_limiter_huge_gaps),
      cmocka_unit_test(test_limiter_fractions),
      cmocka_unit_test(test_limiter_degenerate),
      cmocka_unit_test(test_limiter_types_and_dropped_event),
      cmocka_unit_test(test_limiter_many_types),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/state/events.c: the event record (time, type, workload
 * identity from CRI annotations), the event file, one valid JSON object
 * per line, whatever the strings contain, and the rate limiter. */
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

/* --- the record --- */

static void test_event_new_time_and_type(void **state) {
  cleanup_json struct json *ev = NULL;
  const char *t;
  struct tm tm;
  time_t before, after, at;
  char *rest;
  size_t i;
  (void)state;

  before = time(NULL);
  ev = event_new("create");
  after = time(NULL);
  assert_non_null(ev);
  assert_int_equal(ev->type, JSON_OBJECT);
  assert_string_equal(ev->keys[0], "time");
  assert_string_equal(ev->keys[1], "type");
  assert_string_equal(json_string(json_get(ev, "type")), "create");

  /* RFC 3339 in UTC with milliseconds: 2024-05-01T12:34:56.789Z */
  t = json_string(json_get(ev, "time"));
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
}

static void test_workload_containerd(void **state) {
  cleanup_json struct json *spec = parse("{\"annotations\": {"
                                         "\"io.kubernetes.cri.container-type\": \"container\","
                                         "\"io.kubernetes.cri.sandbox-name\": \"web-7d9f\","
                                         "\"io.kubernetes.cri.sandbox-namespace\": \"shop\","
                                         "\"io.kubernetes.cri.image-name\": \"docker.io/library/nginx:1.25\"}}");
  cleanup_json struct json *ev = event_new("refuse");
  (void)state;

  assert_int_equal(event_add_workload(ev, spec), 0);
  assert_string_equal(json_string(json_get(ev, "pod")), "web-7d9f");
  assert_string_equal(json_string(json_get(ev, "namespace")), "shop");
  assert_string_equal(json_string(json_get(ev, "image")), "docker.io/library/nginx:1.25");
  assert_int_equal(ev->n, 5);
}

static void test_workload_crio(void **state) {
  cleanup_json struct json *spec = parse("{\"annotations\": {"
                                         "\"io.kubernetes.pod.name\": \"db-0\","
                                         "\"io.kubernetes.pod.namespace\": \"data\","
                                         "\"io.kubernetes.cri-o.ImageName\": \"quay.io/x/postgres:16\"}}");
  cleanup_json struct json *ev = event_new("harden");
  (void)state;

  assert_int_equal(event_add_workload(ev, spec), 0);
  assert_string_equal(json_string(json_get(ev, "pod")), "db-0");
  assert_string_equal(json_string(json_get(ev, "namespace")), "data");
  assert_string_equal(json_string(json_get(ev, "image")), "quay.io/x/postgres:16");
}

static void test_workload_absent_or_partial(void **state) {
  cleanup_json struct json *none = parse("{\"process\": {}}");
  cleanup_json struct json *partial = parse("{\"annotations\": {\"io.kubernetes.pod.name\": \"p\", "
                                            "\"io.kubernetes.cri.image-name\": 5}}");
  cleanup_json struct json *ev = event_new("create");
  cleanup_json struct json *ev2 = event_new("create");
  (void)state;

  assert_int_equal(event_add_workload(ev, none), 0);
  assert_int_equal(ev->n, 2);
  assert_null(json_get(ev, "pod"));
  assert_int_equal(event_add_workload(ev, NULL), 0);
  assert_int_equal(ev->n, 2);

  assert_int_equal(event_add_workload(ev2, partial), 0);
  assert_string_equal(json_string(json_get(ev2, "pod")), "p");
  assert_null(json_get(ev2, "image")); /* not a string: ignored */
  assert_null(json_get(ev2, "namespace"));
}

/* A field already set (by the caller, or by containerd's annotation) is
 * not overwritten. */
static void test_workload_keeps_existing(void **state) {
  cleanup_json struct json *spec = parse("{\"annotations\": {"
                                         "\"io.kubernetes.cri.sandbox-name\": \"from-containerd\","
                                         "\"io.kubernetes.pod.name\": \"from-crio\","
                                         "\"io.kubernetes.cri-o.ImageName\": \"img\"}}");
  cleanup_json struct json *ev = event_new("create");
  (void)state;

  assert_int_equal(event_set_str(ev, "image", "set-by-caller"), 0);
  assert_int_equal(event_add_workload(ev, spec), 0);
  assert_string_equal(json_string(json_get(ev, "pod")), "from-containerd");
  assert_string_equal(json_string(json_get(ev, "image")), "set-by-caller");
}

static void test_set_str(void **state) {
  cleanup_json struct json *ev = event_new("x");
  (void)state;
  assert_int_equal(event_set_str(ev, "id", "ctr"), 0);
  assert_string_equal(json_string(json_get(ev, "id")), "ctr");
  assert_int_equal(event_set_str(ev, "id", "ctr2"), 0);
  assert_string_equal(json_string(json_get(ev, "id")), "ctr2");
  assert_int_equal(event_set_str(ev, "none", NULL), 0);
  assert_null(json_get(ev, "none"));
  assert_int_equal(ev->n, 3);
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
    cleanup_json struct json *ev = event_new(i == 1 ? "refuse" : "create");
    char id[32];
    snprintf(id, sizeof(id), "ctr-%zu", i);
    assert_int_equal(event_set_str(ev, "id", id), 0);
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
    assert_string_equal(json_string(json_get(back, "id")), id);
    assert_string_equal(json_string(json_get(back, "type")), i == 1 ? "refuse" : "create");
    assert_non_null(json_string(json_get(back, "time")));
  }
}

static void test_write_appends_to_existing(void **state) {
  const char *dir = *state;
  cleanup_free char *path = join(dir, "events.json");
  cleanup_free char *buf = NULL;
  cleanup_json struct json *ev = event_new("create");
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
  assert_contains(lines[1], "\"type\":\"create\"");
}

static void test_write_escapes_strings(void **state) {
  const char *dir = *state;
  cleanup_free char *path = join(dir, "events.json");
  cleanup_free char *buf = NULL;
  cleanup_json struct json *ev = event_new("refuse");
  static const char nasty[] = "a \"quoted\" \\back\\slash\nnew line\r\t\x01 \xc3\xa9";
  char *lines[4];
  struct sk_error *err = NULL;

  assert_int_equal(event_set_str(ev, "detail", nasty), 0);
  assert_int_equal(event_set_str(ev, "key\"\n", "v"), 0);
  assert_int_equal(event_write(path, ev, &err), 0);
  assert_int_equal(read_lines(path, &buf, lines, 4), 1);
  {
    cleanup_json struct json *back = parse(lines[0]);
    assert_string_equal(json_string(json_get(back, "detail")), nasty);
    assert_string_equal(json_string(json_get(back, "key\"\n")), "v");
  }
}

/* A string that is not valid UTF-8 (a container id or path from argv can
 * be any bytes) must never produce a line a JSON reader refuses: either
 * event_write refuses (and writes nothing), or the line parses. */
static void test_write_invalid_utf8_never_breaks_a_line(void **state) {
  const char *dir = *state;
  cleanup_free char *path = join(dir, "events.json");
  cleanup_free char *buf = NULL;
  cleanup_json struct json *ev = event_new("refuse");
  char *lines[4];
  struct sk_error *err = NULL;
  size_t n, i;

  assert_int_equal(event_set_str(ev, "id", "ctr\xff\xfe\xc0"), 0);
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
  cleanup_json struct json *ev = event_new("create");
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
  assert_int_equal(event_dropped_new(&l, &none), 0);
  assert_null(none); /* nothing dropped: no event */
  assert_true(event_limiter_take_type(&l, &t, "drift"));
  assert_true(event_limiter_take_type(&l, &t, "drift"));
  assert_false(event_limiter_take_type(&l, &t, "drift"));
  assert_false(event_limiter_take_type(&l, &t, "drift"));
  assert_false(event_limiter_take_type(&l, &t, "fileless"));
  assert_false(event_limiter_take(&l, &t)); /* no type: "other" */
  assert_false(event_limiter_take_type(&l, &t, NULL));
  assert_int_equal(event_dropped_new(&l, &ev), 0);
  assert_non_null(ev);
  assert_string_equal(json_string(json_get(ev, "type")), "dropped");
  assert_true(json_int64(json_get(ev, "dropped"), &v) && v == 5);
  types = json_get(ev, "types");
  assert_true(json_int64(json_get(types, "drift"), &v) && v == 2);
  assert_true(json_int64(json_get(types, "fileless"), &v) && v == 1);
  assert_true(json_int64(json_get(types, "other"), &v) && v == 2);
  /* reported once */
  assert_int_equal(l.dropped, 0);
  assert_int_equal(event_dropped_new(&l, &none), 0);
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
  assert_int_equal(event_dropped_new(&l, &ev), 0);
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

  ev = event_new("drift");
  assert_int_equal(event_set_str(ev, "decision", "deny"), 0);
  assert_int_equal(event_set_str(ev, "path", "/tmp/x"), 0);
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
  assert_string_equal(json_string(json_get(body, "path")), "/tmp/x");
  json_free(body);
  json_free(ev);

  /* notice for anything else; an absent socket is an error naming it */
  ev = event_new("supervisor");
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
      cmocka_unit_test(test_event_new_time_and_type),
      cmocka_unit_test(test_workload_containerd),
      cmocka_unit_test(test_workload_crio),
      cmocka_unit_test(test_workload_absent_or_partial),
      cmocka_unit_test(test_workload_keeps_existing),
      cmocka_unit_test(test_set_str),
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

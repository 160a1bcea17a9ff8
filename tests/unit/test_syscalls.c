/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/supervisor/syscalls.c: the summaries of denied
 * syscalls and the "dropped" event, when they are due and what they say.
 * (Answering a notification needs a seccomp listener: t_denied.sh.) */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

#include "testutil.h"

#include "stockade/cleanup.h"
#include "stockade/supervisor.h"
#include "stockade/sys.h"

#include "sup_int.h"

struct fixture {
  char *dir;
  char events[512];
  struct sk_config cfg;
  struct profile *p;
  struct sysdeny_entry v[2];
  struct sup_ctx ctx;
};

static int setup(void **state) {
  struct fixture *fx = calloc(1, sizeof(*fx));
  if (fx == NULL || tmpdir_setup((void **)&fx->dir) < 0)
    return -1;
  snprintf(fx->events, sizeof(fx->events), "%s/events.json", fx->dir);
  fx->cfg.event_file = fx->events;
  fx->cfg.summary_interval = 60;
  fx->p = profile("{\"name\":\"web\"}");
  fx->v[0] = (struct sysdeny_entry){
      .arch = SCMP_ARCH_X86_64, .nr = 165, .errno_ = EPERM, .name = "mount", .arch_name = "SCMP_ARCH_X86_64"};
  fx->v[1] = (struct sysdeny_entry){
      .arch = SCMP_ARCH_X86_64, .nr = 272, .errno_ = EACCES, .name = "unshare", .arch_name = "SCMP_ARCH_X86_64"};
  fx->ctx.cfg = &fx->cfg;
  fx->ctx.profile = fx->p;
  fx->ctx.mode = SK_MODE_ENFORCE;
  fx->ctx.id = "c1";
  fx->ctx.denied.v = fx->v;
  fx->ctx.denied.n = 2;
  event_limiter_init(&fx->ctx.limiter, 1, 1);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  struct fixture *fx = *state;
  void *d = fx->dir;
  profile_free(fx->p);
  free(fx);
  return tmpdir_teardown(&d);
}

/* The events written so far, one JSON object each. */
static struct json *read_events(const struct fixture *fx, size_t *n) {
  cleanup_free char *txt = NULL;
  cleanup_error struct sk_error *err = NULL;
  struct json *arr = json_new(JSON_ARRAY);
  size_t len;
  char *line, *save = NULL;
  *n = 0;
  if (read_file(fx->events, &txt, &len, &err) < 0)
    return arr;
  for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    json_append(arr, parse(line));
    (*n)++;
  }
  return arr;
}

static int64_t num(const struct json *ev, const char *key) {
  int64_t v = -1;
  json_int64(json_get(ev, key), &v);
  return v;
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

/* Nothing moved: no summary, no event, and the loop may sleep. */
static void test_nothing_pending(void **state) {
  struct fixture *fx = *state;
  cleanup_json struct json *evs = NULL;
  size_t n;
  sup_summaries(&fx->ctx, false);
  assert_int_equal(sup_summary_timeout(&fx->ctx, -1), -1);
  assert_int_equal(sup_summary_timeout(&fx->ctx, 1000), 1000);
  sup_summaries(&fx->ctx, true);
  evs = read_events(fx, &n);
  assert_int_equal(n, 0);
}

/* Counts that moved are summarised when the interval is over (here: at the
 * stop), with the total and what is new; an entry already reported in full
 * is not repeated. */
static void test_stop_summary(void **state) {
  struct fixture *fx = *state;
  cleanup_json struct json *evs = NULL;
  const struct json *ev;
  size_t n;
  int t;

  sup_summaries(&fx->ctx, false); /* the interval starts */
  fx->v[0].count = 5;
  fx->v[0].reported = 1; /* its first call was an event */
  fx->v[1].count = 1;
  fx->v[1].reported = 1;
  fx->ctx.summary_pending = true;
  /* due in about a minute, not now */
  t = sup_summary_timeout(&fx->ctx, -1);
  assert_true(t > 59000 && t <= 60001);
  assert_int_equal(sup_summary_timeout(&fx->ctx, 1000), 1000);
  sup_summaries(&fx->ctx, false);
  evs = read_events(fx, &n);
  assert_int_equal(n, 0);
  json_free(evs);

  sup_summaries(&fx->ctx, true);
  evs = read_events(fx, &n);
  assert_int_equal(n, 1);
  ev = evs->items[0];
  assert_string_equal(json_string(json_get(ev, "type")), "syscall");
  assert_string_equal(json_string(json_get_path(ev, "details", "syscall", NULL)), "mount");
  assert_string_equal(json_string(json_get_path(ev, "details", "summary", NULL)), "stop");
  assert_string_equal(json_string(json_get_path(ev, "container", "id", NULL)), "c1");
  assert_string_equal(json_string(json_get_path(ev, "profile", "name", NULL)), "web");
  assert_string_equal(json_string(json_get(ev, "decision")), "deny");
  assert_string_equal(json_string(json_get(ev, "mechanism")), "seccomp");
  assert_string_equal(json_string(json_get(ev, "rule")), "SK-SYSCALL-DENIED");
  assert_string_equal(json_string(json_get_path(ev, "details", "errnoName", NULL)), "EPERM");
  assert_string_equal(json_string(json_get_path(ev, "mitre", "technique", NULL)), "T1611");
  assert_string_equal(json_string(json_get_path(ev, "mitre", "tactic", NULL)), "TA0004");
  assert_int_equal(num(json_get(ev, "details"), "count"), 5);
  assert_int_equal(num(json_get(ev, "details"), "new"), 4);
  assert_int_equal(num(json_get(ev, "details"), "errno"), EPERM);
  assert_valid(ev);
  assert_int_equal(fx->v[0].reported, 5);
  assert_false(fx->ctx.summary_pending);
}

/* The limiter's drops: a "dropped" event with the container's fields,
 * the total and the counts by type; then nothing more to report. */
static void test_dropped_event(void **state) {
  struct fixture *fx = *state;
  cleanup_json struct json *evs = NULL;
  const struct json *ev;
  struct timespec now = {100, 0};
  size_t n;

  assert_true(event_limiter_take_type(&fx->ctx.limiter, &now, "drift"));
  assert_false(event_limiter_take_type(&fx->ctx.limiter, &now, "drift"));
  assert_false(event_limiter_take_type(&fx->ctx.limiter, &now, "syscall"));
  assert_false(event_limiter_take_type(&fx->ctx.limiter, &now, "drift"));
  sup_summaries(&fx->ctx, false);
  /* pending drops: the loop wakes up for the next summary */
  assert_true(sup_summary_timeout(&fx->ctx, -1) >= 0);
  sup_summaries(&fx->ctx, true);
  evs = read_events(fx, &n);
  assert_int_equal(n, 1);
  ev = evs->items[0];
  assert_string_equal(json_string(json_get(ev, "type")), "dropped");
  assert_string_equal(json_string(json_get_path(ev, "container", "id", NULL)), "c1");
  assert_int_equal(num(json_get(ev, "details"), "dropped"), 3);
  assert_int_equal(num(json_get_path(ev, "details", "types", NULL), "drift"), 2);
  assert_int_equal(num(json_get_path(ev, "details", "types", NULL), "syscall"), 1);
  assert_non_null(json_string(json_get(ev, "message")));
  assert_valid(ev);
  assert_int_equal(sup_summary_timeout(&fx->ctx, -1), -1);
  sup_summaries(&fx->ctx, true);
  json_free(evs);
  evs = read_events(fx, &n);
  assert_int_equal(n, 1);
}

/* An interval that is over: the periodic summary. */
static void test_periodic(void **state) {
  struct fixture *fx = *state;
  cleanup_json struct json *evs = NULL;
  size_t n;
  fx->cfg.summary_interval = 1;
  sup_summaries(&fx->ctx, false);
  fx->v[1].count = 3;
  fx->ctx.summary_pending = true;
  fx->ctx.summary_last.tv_sec -= 2; /* two seconds ago */
  assert_int_equal(sup_summary_timeout(&fx->ctx, -1), 0);
  sup_summaries(&fx->ctx, false);
  evs = read_events(fx, &n);
  assert_int_equal(n, 1);
  assert_string_equal(json_string(json_get_path(evs->items[0], "details", "summary", NULL)), "periodic");
  assert_string_equal(json_string(json_get_path(evs->items[0], "details", "syscall", NULL)), "unshare");
  assert_int_equal(num(json_get(evs->items[0], "details"), "count"), 3);
  assert_int_equal(num(json_get(evs->items[0], "details"), "new"), 3);
  assert_int_equal(num(json_get(evs->items[0], "details"), "errno"), EACCES);
  assert_valid(evs->items[0]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_nothing_pending, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stop_summary, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dropped_event, setup, teardown),
      cmocka_unit_test_setup_teardown(test_periodic, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

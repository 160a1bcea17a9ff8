/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/base/error.c: an error's fields (errno, file,
 * line, column, field, fix, context) and the one message made from them;
 * a position handed on from json_parse() to the file it is in, never
 * parsed back out of the text. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/error.h"
#include "stockade/json.h"

static void test_set_keeps_errno_as_a_field(void **state) {
  cleanup_error struct sk_error *err = NULL;
  (void)state;

  assert_int_equal(sk_error_set(&err, ENOENT, "cannot open %s", "/x"), -1);
  assert_int_equal(err->code, ENOENT);
  assert_string_equal(err->what, "cannot open /x");
  assert_null(err->file);
  assert_int_equal(err->line, 0);
  assert_string_equal(err->msg, "cannot open /x: No such file or directory");

  sk_error_set(&err, 0, "plain");
  assert_int_equal(err->code, 0);
  assert_string_equal(err->msg, "plain");
}

static void test_wrap_adds_context_outermost_first(void **state) {
  cleanup_error struct sk_error *err = NULL;
  (void)state;

  assert_int_equal(sk_error_wrap(&err, "nothing to wrap"), -1);
  assert_null(err);
  sk_error_set(&err, EACCES, "cannot read %s", "f");
  sk_error_wrap(&err, "inner");
  sk_error_wrap(&err, "outer %d", 1);
  assert_string_equal(err->context, "outer 1: inner");
  assert_string_equal(err->msg, "outer 1: inner: cannot read f: Permission denied");
  assert_int_equal(err->code, EACCES);
}

static void test_positions_are_written_one_way(void **state) {
  cleanup_error struct sk_error *err = NULL;
  (void)state;

  /* in a named file: file:L:C: field: what */
  sk_error_set_at(&err, (struct sk_where){"p.json", 3, 7, "user"}, "got %s", "a string");
  assert_string_equal(err->msg, "p.json:3:7: user: got a string");
  assert_string_equal(err->file, "p.json");
  assert_int_equal(err->line, 3);
  assert_int_equal(err->col, 7);
  assert_string_equal(err->field, "user");
  assert_string_equal(err->what, "got a string");
  /* a named file, no position */
  sk_error_set_at(&err, (struct sk_where){.file = "p.json", .field = "user"}, "bad");
  assert_string_equal(err->msg, "p.json: user: bad");
  /* a field in an unnamed document: the position goes after it */
  sk_error_set_at(&err, (struct sk_where){NULL, 2, 46, "syscalls[0].action"}, "unknown action");
  assert_string_equal(err->msg, "syscalls[0].action: unknown action (line 2, column 46)");
  /* the document itself */
  sk_error_set_at(&err, (struct sk_where){NULL, 1, 1, ""}, "got an array");
  assert_string_equal(err->msg, "got an array (line 1, column 1)");
  /* no field: a place in the text, before the message */
  sk_error_set_at(&err, (struct sk_where){.line = 1, .col = 18}, "unexpected '}'");
  assert_string_equal(err->msg, "line 1, column 18: unexpected '}'");
  assert_int_equal(err->code, 0);
}

static void test_locate_moves_the_position_into_a_file(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *doc = NULL;
  (void)state;

  assert_int_equal(json_parse("{\n  \"a\": @\n}", 12, &doc, &err), -1);
  assert_int_equal(err->line, 2);
  assert_true(err->col > 0);
  assert_null(err->file);
  assert_true(strncmp(err->msg, "line 2, column ", 15) == 0);
  sk_error_locate(&err, (struct sk_where){.file = "c.json"});
  assert_string_equal(err->file, "c.json");
  assert_true(strncmp(err->msg, "c.json:2:", 9) == 0);
  assert_string_equal(strchr(err->msg + 9, ' ') + 1, err->what);
}

static void test_locate_nests_the_field_and_keeps_its_own_position(void **state) {
  cleanup_error struct sk_error *err = NULL;
  (void)state;

  /* an inline document: its positions are the profile's */
  sk_error_set_at(&err, (struct sk_where){NULL, 5, 25, "syscalls[1].names[1]"}, "unknown syscall");
  sk_error_locate(&err, (struct sk_where){"web.json", 9, 3, "seccomp"});
  assert_string_equal(err->msg, "web.json:5:25: seccomp.syscalls[1].names[1]: unknown syscall");
  /* no position and no field of its own: those of at */
  sk_error_set(&err, 0, "the filter has too many instructions");
  sk_error_locate(&err, (struct sk_where){"web.json", 9, 3, "seccomp"});
  assert_string_equal(err->msg, "web.json:9:3: seccomp: the filter has too many instructions");
  /* an array index joins without a dot */
  sk_error_set_at(&err, (struct sk_where){.field = "[2]"}, "bad");
  sk_error_locate(&err, (struct sk_where){.field = "names"});
  assert_string_equal(err->field, "names[2]");
  /* nothing to locate: an error is made */
  sk_error_free(&err);
  assert_int_equal(sk_error_locate(&err, (struct sk_where){.file = "f"}), -1);
  assert_non_null(err);
  assert_string_equal(err->msg, "f: unknown error");
}

static void test_fix_goes_after_the_system_reason(void **state) {
  cleanup_error struct sk_error *err = NULL;
  (void)state;

  sk_error_set(&err, ENOENT, "cannot open %s", "/s.json");
  sk_error_locate(&err, (struct sk_where){"p.json", 2, 13, "seccomp"});
  sk_error_fix(&err, "expected %s", "a path");
  assert_string_equal(err->msg,
                      "p.json:2:13: seccomp: cannot open /s.json: No such file or directory; expected a path");
  assert_int_equal(err->code, ENOENT);
}

static void test_classify_sets_errno_without_saying_it(void **state) {
  cleanup_error struct sk_error *err = NULL;
  (void)state;

  sk_error_set(&err, 0, "profile \"x\" not found: /d/x.json does not exist");
  assert_int_equal(sk_error_classify(&err, ENOENT), -1);
  assert_int_equal(err->code, ENOENT);
  assert_string_equal(err->msg, "profile \"x\" not found: /d/x.json does not exist");
  assert_int_equal(sk_error_classify(NULL, ENOENT), -1);
}

static void test_null_err_is_allowed(void **state) {
  (void)state;
  assert_int_equal(sk_error_set(NULL, 0, "x"), -1);
  assert_int_equal(sk_error_set_at(NULL, (struct sk_where){0}, "x"), -1);
  assert_int_equal(sk_error_locate(NULL, (struct sk_where){0}), -1);
  assert_int_equal(sk_error_fix(NULL, "x"), -1);
  sk_error_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_set_keeps_errno_as_a_field),
      cmocka_unit_test(test_wrap_adds_context_outermost_first),
      cmocka_unit_test(test_positions_are_written_one_way),
      cmocka_unit_test(test_locate_moves_the_position_into_a_file),
      cmocka_unit_test(test_locate_nests_the_field_and_keeps_its_own_position),
      cmocka_unit_test(test_fix_goes_after_the_system_reason),
      cmocka_unit_test(test_classify_sets_errno_without_saying_it),
      cmocka_unit_test(test_null_err_is_allowed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

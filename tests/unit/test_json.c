/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/base/json.c: strict parsing with positions, round trips
 * that keep member order and number text, the tree editing helpers and
 * string escaping on output. */
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
#include "stockade/json.h"

static void assert_contains(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static struct json *parse_ok(const char *text) {
  struct sk_error *err = NULL;
  struct json *j = NULL;
  if (json_parse(text, strlen(text), &j, &err) < 0) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err->msg);
    sk_error_free(&err);
    fail_msg("json_parse(%s): %s", text, msg);
  }
  assert_null(err);
  assert_non_null(j);
  return j;
}

/* Expect a refusal of buf[0..len); *out stays untouched. Returns the message. */
static char *parse_errn(const char *buf, size_t len) {
  struct sk_error *err = NULL;
  struct json *sentinel = (struct json *)0x1;
  struct json *j = sentinel;
  char *msg;
  if (json_parse(buf, len, &j, &err) == 0) {
    json_free(j);
    fail_msg("json_parse accepted %.*s", (int)len, buf);
  }
  assert_ptr_equal(j, sentinel);
  assert_non_null(err);
  assert_non_null(err->msg);
  msg = strdup(err->msg);
  sk_error_free(&err);
  return msg;
}

static char *parse_err(const char *text) { return parse_errn(text, strlen(text)); }

static char *compact(const struct json *j) {
  struct sk_error *err = NULL;
  char *out = NULL;
  size_t len = 0;
  if (json_gen_compact(j, &out, &len, &err) < 0)
    fail_msg("json_gen_compact: %s", err->msg);
  assert_int_equal(len, strlen(out));
  return out;
}

/* --- round trips --- */

static void test_round_trip_order_and_numbers(void **state) {
  static const char in[] = "{\"z\":1,\"a\":[4294967295,18446744073709551615,-1,1.5e3,0,-0.25,1E-7],"
                           "\"m\":{\"y\":true,\"b\":null,\"a\":false},\"s\":\"x\",\"e\":{},\"f\":[]}";
  cleanup_json struct json *j = parse_ok(in);
  cleanup_json struct json *again = NULL;
  cleanup_free char *out = compact(j);
  cleanup_free char *pretty = NULL;
  cleanup_free char *out2 = NULL;
  struct sk_error *err = NULL;
  const struct json *a;
  (void)state;

  assert_string_equal(out, in);
  assert_string_equal(j->keys[0], "z");
  assert_string_equal(j->keys[1], "a");
  assert_string_equal(j->keys[2], "m");
  a = json_get(j, "a");
  assert_int_equal(a->n, 7);
  assert_string_equal(a->items[0]->str, "4294967295");
  assert_string_equal(a->items[1]->str, "18446744073709551615");
  assert_int_equal(a->items[1]->len, 20);
  assert_string_equal(a->items[2]->str, "-1");
  assert_string_equal(a->items[3]->str, "1.5e3");
  assert_string_equal(a->items[6]->str, "1E-7");

  /* Pretty output parses back to the same tree. */
  assert_int_equal(json_gen(j, &pretty, NULL, &err), 0);
  assert_non_null(strchr(pretty, '\n'));
  assert_int_equal(json_parse(pretty, strlen(pretty), &again, &err), 0);
  out2 = compact(again);
  assert_string_equal(out2, in);
}

static void test_gen_newlines(void **state) {
  cleanup_json struct json *j = parse_ok("{\"a\": [1, 2], \"b\": {\"c\": \"d\"}}");
  cleanup_free char *c = NULL;
  cleanup_free char *p = NULL;
  struct sk_error *err = NULL;
  size_t clen = 0, plen = 0;
  (void)state;

  assert_int_equal(json_gen_compact(j, &c, &clen, &err), 0);
  assert_null(strchr(c, '\n'));
  assert_int_equal(clen, strlen(c));
  assert_string_equal(c, "{\"a\":[1,2],\"b\":{\"c\":\"d\"}}");

  assert_int_equal(json_gen(j, &p, &plen, &err), 0);
  assert_int_equal(plen, strlen(p));
  assert_true(plen > 1);
  assert_int_equal(p[plen - 1], '\n');
  assert_true(p[plen - 2] != '\n'); /* exactly one trailing newline */
  assert_contains(p, "\n  \"a\": [\n");
}

/* --- positions --- */

static void assert_pos(const struct json *j, unsigned line, unsigned col) {
  assert_non_null(j);
  if (j->line != line || j->col != col)
    fail_msg("value at %u:%u, expected %u:%u", j->line, j->col, line, col);
}

static void test_positions_nested(void **state) {
  cleanup_json struct json *j = parse_ok("[1, 2.5, -3e2, \"x\", true, false, null, {}, []]");
  (void)state;
  assert_pos(j, 1, 1);
  assert_pos(j->items[0], 1, 2);
  assert_pos(j->items[1], 1, 5);
  assert_pos(j->items[2], 1, 10);
  assert_pos(j->items[3], 1, 16);
  assert_pos(j->items[4], 1, 21);
  assert_pos(j->items[5], 1, 27);
  assert_pos(j->items[6], 1, 34);
  assert_pos(j->items[7], 1, 40);
  assert_pos(j->items[8], 1, 44);
}

static void test_positions_multiline(void **state) {
  cleanup_json struct json *j = parse_ok("{\n"
                                         "  \"a\": {\n"
                                         "    \"b\": [1,\n"
                                         "   \"q\\\"x\\\\\", 7],\n"
                                         "    \"c\": \"\\\"\"\n"
                                         "  },\n"
                                         "\t\"d\": null\n"
                                         "}\n");
  const struct json *b;
  (void)state;
  assert_pos(j, 1, 1);
  assert_pos(json_get(j, "a"), 2, 8);
  b = json_get_path(j, "a", "b", NULL);
  assert_pos(b, 3, 10);
  assert_pos(b->items[0], 3, 11);
  /* a string with escaped quote and backslash: its opening quote */
  assert_pos(b->items[1], 4, 4);
  assert_string_equal(b->items[1]->str, "q\"x\\");
  assert_pos(b->items[2], 4, 14);
  assert_pos(json_get_path(j, "a", "c", NULL), 5, 10);
  assert_pos(json_get(j, "d"), 7, 7);
}

static void test_positions_utf8_columns(void **state) {
  /* Columns count characters, not bytes: "é" and "ü" are two bytes each,
   * "€" three. */
  cleanup_json struct json *j = parse_ok("{\"\xc3\xa9\xc3\xa9\": \"\xc3\xbc\", \"k\": 5, \"\xe2\x82\xac\": [true]}");
  (void)state;
  assert_pos(j->items[0], 1, 8);
  assert_string_equal(j->items[0]->str, "\xc3\xbc");
  assert_int_equal(j->items[0]->len, 2);
  assert_pos(j->items[1], 1, 18);
  assert_pos(j->items[2], 1, 26);
  assert_pos(j->items[2]->items[0], 1, 27);
}

/* A lone value is positioned like any other. */
static void test_positions_top_level_scalar(void **state) {
  cleanup_json struct json *n = parse_ok("  42");
  cleanup_json struct json *s = parse_ok("\n  \"s\"");
  cleanup_json struct json *t = parse_ok(" true");
  (void)state;
  assert_pos(s, 2, 3);
  assert_pos(t, 1, 2);
  assert_string_equal(n->str, "42");
  assert_pos(n, 1, 3);
}

/* --- errors --- */

static void test_error_syntax(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("{\"a\": 1,}");
  assert_string_equal(msg, "line 1, column 9: invalid object key (must be a string)");
  free(msg);

  msg = parse_err("{\n  \"a\" 1\n}");
  assert_string_equal(msg, "line 2, column 7: object key and value must be separated by a colon (':')");
  free(msg);

  msg = parse_err("[1 2]");
  assert_contains(msg, "line 1, column 4: ");
  free(msg);

  msg = parse_err("nul");
  assert_contains(msg, "line 1, column 1: ");
  free(msg);

  /* No comments. */
  msg = parse_err("{/* c */ \"a\": 1}");
  assert_contains(msg, "line 1, column ");
  free(msg);

  /* No leading zeros. */
  msg = parse_err("[01]");
  assert_contains(msg, "line 1, column 3: ");
  free(msg);
}

static void test_error_trailing_garbage(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("{} x");
  assert_string_equal(msg, "line 1, column 4: trailing garbage");
  free(msg);

  msg = parse_err("{}\n{}");
  assert_contains(msg, "line 2, column 1: trailing garbage");
  free(msg);
}

static void test_error_empty(void **state) {
  char *msg;
  (void)state;

  msg = parse_errn("", 0);
  assert_contains(msg, "line 1, column 1: ");
  free(msg);

  msg = parse_err("   \n ");
  assert_contains(msg, "line ");
  assert_contains(msg, ", column ");
  free(msg);
}

static void test_error_duplicate_key(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("{\"a\":1,\"a\":2}");
  assert_string_equal(msg, "line 1, column 12: duplicate key \"a\"");
  free(msg);

  /* Nested, the second value an object. */
  msg = parse_err("{\"x\": {\n  \"uid\": 1000,\n  \"uid\": {}\n}}");
  assert_contains(msg, "line 3, column ");
  assert_contains(msg, "duplicate key \"uid\"");
  free(msg);

  /* Keys differing in case are not duplicates for the parser. */
  {
    cleanup_json struct json *j = parse_ok("{\"a\":1,\"A\":2}");
    assert_int_equal(j->n, 2);
  }
}

static void test_error_invalid_utf8(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("[\"ok\", \"\xff\"]");
  assert_contains(msg, "line 1, column ");
  assert_contains(msg, "UTF8");
  free(msg);

  /* Truncated sequence. */
  msg = parse_err("{\"a\": \"\xc3\"}");
  assert_contains(msg, "line 1, column ");
  free(msg);

  /* In a key too. */
  msg = parse_err("{\"\xfe\": 1}");
  assert_contains(msg, "line 1, column ");
  free(msg);
}

/* Byte sequences with the right shape that are still not UTF-8 (RFC 3629):
 * an overlong '/', a UTF-16 surrogate, a code point above U+10FFFF. Go's
 * decoder (runc) turns each into U+FFFD, so accepting the raw bytes would
 * judge one string and run another. */
static void test_error_invalid_utf8_sequences(void **state) {
  static const struct {
    const char *what, *text;
  } cases[] = {
      {"overlong C0 AF", "[\"/etc\xc0\xafpasswd\"]"},
      {"overlong E0 80 AF", "[\"\xe0\x80\xaf\"]"},
      {"surrogate ED A0 80", "[\"\xed\xa0\x80\"]"},
      {"above U+10FFFF F4 90 80 80", "[\"\xf4\x90\x80\x80\"]"},
  };
  char accepted[256] = "";
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct sk_error *err = NULL;
    struct json *j = NULL;
    if (json_parse(cases[i].text, strlen(cases[i].text), &j, &err) == 0) {
      json_free(j);
      strncat(accepted, cases[i].what, sizeof(accepted) - strlen(accepted) - 3);
      strcat(accepted, "; ");
    } else {
      assert_non_null(strstr(err->msg, "line 1, column "));
    }
    sk_error_free(&err);
  }
  if (accepted[0])
    fail_msg("json_parse accepted invalid UTF-8: %s", accepted);
}

static void test_error_nul_escape(void **state) {
  char *msg;
  (void)state;

  msg = parse_err("[\"a\\u0000b\"]");
  assert_string_equal(msg, "line 1, column 11: string contains a NUL character");
  free(msg);

  msg = parse_err("{\"a\\u0000\": 1}");
  assert_contains(msg, "line 1, column ");
  assert_contains(msg, "key contains a NUL character");
  free(msg);

  /* A raw NUL byte inside the buffer is not JSON either. */
  msg = parse_errn("[\"a\0b\"]", 7);
  assert_contains(msg, "line 1, column ");
  free(msg);
}

static char *nested(size_t depth) {
  char *s = malloc(2 * depth + 1);
  assert_non_null(s);
  memset(s, '[', depth);
  memset(s + depth, ']', depth);
  s[2 * depth] = '\0';
  return s;
}

static void test_depth_limit(void **state) {
  cleanup_free char *ok = nested(128);
  cleanup_free char *deep = nested(129);
  cleanup_free char *objs = NULL;
  cleanup_json struct json *root = parse_ok(ok);
  const struct json *j = root;
  size_t d;
  char *msg;
  (void)state;

  for (d = 1; d < 128; d++) {
    assert_int_equal(j->type, JSON_ARRAY);
    assert_int_equal(j->n, 1);
    j = j->items[0];
  }
  assert_int_equal(j->type, JSON_ARRAY);
  assert_int_equal(j->n, 0);
  msg = parse_err(deep);
  assert_string_equal(msg, "line 1, column 129: nested deeper than 128 levels");
  free(msg);

  /* Objects count the same way. */
  {
    size_t i, o = 0;
    objs = malloc(129 * 6 + 129 + 1);
    assert_non_null(objs);
    for (i = 0; i < 129; i++) {
      memcpy(objs + o, "{\"a\":", 5);
      o += 5;
    }
    objs[o++] = '1';
    for (i = 0; i < 129; i++)
      objs[o++] = '}';
    objs[o] = '\0';
  }
  msg = parse_err(objs);
  assert_contains(msg, "nested deeper than 128 levels");
  free(msg);
}

/* --- integers --- */

static struct json *num(const char *text) {
  struct json *j = json_new(JSON_NUMBER);
  assert_non_null(j);
  j->str = strdup(text);
  assert_non_null(j->str);
  j->len = strlen(text);
  return j;
}

static void assert_int64(const char *text, bool ok, int64_t want) {
  cleanup_json struct json *j = num(text);
  int64_t v = 12345;
  if (json_int64(j, &v) != ok)
    fail_msg("json_int64(%s) %s", text, ok ? "refused" : "accepted");
  assert_true(v == (ok ? want : 12345)); /* written only on success */
}

static void assert_uint64(const char *text, bool ok, uint64_t want) {
  cleanup_json struct json *j = num(text);
  uint64_t v = 12345;
  if (json_uint64(j, &v) != ok)
    fail_msg("json_uint64(%s) %s", text, ok ? "refused" : "accepted");
  assert_true(v == (ok ? want : 12345));
}

static void test_int64_strict(void **state) {
  (void)state;
  assert_int64("0", true, 0);
  assert_int64("42", true, 42);
  assert_int64("-1", true, -1);
  assert_int64("-0", true, 0);
  assert_int64("9223372036854775807", true, INT64_MAX);
  assert_int64("-9223372036854775808", true, INT64_MIN);
  assert_int64("9223372036854775808", false, 0);
  assert_int64("-9223372036854775809", false, 0);
  assert_int64("18446744073709551616", false, 0);
  assert_int64("99999999999999999999999", false, 0);
  assert_int64("0.0", false, 0);
  assert_int64("1.5", false, 0);
  assert_int64("1e3", false, 0);
  assert_int64("1E3", false, 0);
  assert_int64("-", false, 0);
  assert_int64("", false, 0);
}

static void test_uint64_strict(void **state) {
  (void)state;
  assert_uint64("0", true, 0);
  assert_uint64("4294967295", true, 4294967295u);
  assert_uint64("18446744073709551615", true, UINT64_MAX);
  assert_uint64("18446744073709551616", false, 0);
  assert_uint64("184467440737095516150", false, 0);
  assert_uint64("-1", false, 0);
  assert_uint64("-18446744073709551615", false, 0);
  assert_uint64("0.0", false, 0);
  assert_uint64("1e3", false, 0);
  assert_uint64("1.0e0", false, 0);
  /* "-0" is refused: Go's decoder refuses a sign on an unsigned field, so
   * runc would fail the spec that crun reads as uid 0. */
  assert_uint64("-0", false, 0);
}

static void test_typed_reads_wrong_type(void **state) {
  cleanup_json struct json *j = parse_ok("{\"s\": \"5\", \"t\": true, \"f\": false, \"n\": null, \"i\": 5}");
  int64_t i = 7;
  uint64_t u = 7;
  bool b = false;
  (void)state;

  assert_false(json_int64(json_get(j, "s"), &i));
  assert_false(json_uint64(json_get(j, "s"), &u));
  assert_false(json_int64(NULL, &i));
  assert_false(json_uint64(json_get(j, "missing"), &u));
  assert_true(i == 7 && u == 7);
  assert_true(json_int64(json_get(j, "i"), &i));
  assert_true(i == 5);

  assert_true(json_bool(json_get(j, "t"), &b));
  assert_true(b);
  assert_true(json_bool(json_get(j, "f"), &b));
  assert_false(b);
  b = true;
  assert_false(json_bool(json_get(j, "n"), &b));
  assert_false(json_bool(json_get(j, "s"), &b));
  assert_true(b);

  assert_string_equal(json_string(json_get(j, "s")), "5");
  assert_null(json_string(json_get(j, "i")));
  assert_null(json_string(NULL));
  assert_true(json_is(json_get(j, "n"), JSON_NULL));
  assert_false(json_is(NULL, JSON_NULL));
}

static void test_new_int(void **state) {
  cleanup_json struct json *a = json_new_int(INT64_MIN);
  cleanup_json struct json *b = json_new_int(0);
  int64_t v = 1;
  (void)state;
  assert_string_equal(a->str, "-9223372036854775808");
  assert_true(json_int64(a, &v));
  assert_true(v == INT64_MIN);
  assert_string_equal(b->str, "0");
  assert_int_equal(b->len, 1);
}

/* --- editing --- */

static void test_set_replace_and_add(void **state) {
  cleanup_json struct json *j = parse_ok("{\"a\":1,\"b\":2,\"c\":3}");
  cleanup_free char *out = NULL;
  (void)state;

  assert_int_equal(json_set(j, "b", json_new_string("two")), 0);
  assert_int_equal(json_set(j, "d", json_new_bool(true)), 0);
  out = compact(j);
  assert_string_equal(out, "{\"a\":1,\"b\":\"two\",\"c\":3,\"d\":true}");
  assert_int_equal(j->n, 4);

  /* Not an object, or no value: refused. */
  assert_int_equal(json_set(j->items[0], "x", json_new_int(1)), -1);
  assert_int_equal(json_set(NULL, "x", json_new_int(1)), -1);
  assert_int_equal(json_set(j, "e", NULL), -1);
  assert_null(json_get(j, "e"));
  assert_int_equal(j->n, 4);
}

static void test_del(void **state) {
  cleanup_json struct json *j = parse_ok("{\"a\":1,\"b\":[2],\"c\":3,\"d\":4}");
  cleanup_free char *out = NULL;
  (void)state;

  json_del(j, "b");
  json_del(j, "missing");
  json_del(j, "d");
  out = compact(j);
  assert_string_equal(out, "{\"a\":1,\"c\":3}");
  assert_int_equal(j->n, 2);
  json_del(j, "a");
  json_del(j, "c");
  assert_int_equal(j->n, 0);
  json_del(NULL, "a"); /* no crash */
}

static void test_ensure(void **state) {
  cleanup_json struct json *j = parse_ok("{\"obj\": {\"k\": 1}, \"nul\": null, \"str\": \"s\", \"arr\": [1]}");
  struct json *v;
  (void)state;

  v = json_ensure(j, "obj", JSON_OBJECT);
  assert_ptr_equal(v, json_get(j, "obj"));
  assert_int_equal(v->n, 1); /* kept, not replaced */

  v = json_ensure(j, "new", JSON_ARRAY);
  assert_non_null(v);
  assert_int_equal(v->type, JSON_ARRAY);
  assert_int_equal(v->n, 0);
  assert_ptr_equal(v, json_get(j, "new"));

  v = json_ensure(j, "nul", JSON_OBJECT);
  assert_non_null(v);
  assert_true(json_is(json_get(j, "nul"), JSON_OBJECT));

  /* Another type: NULL, and the member is left alone. */
  assert_null(json_ensure(j, "str", JSON_OBJECT));
  assert_string_equal(json_string(json_get(j, "str")), "s");
  assert_null(json_ensure(j, "arr", JSON_OBJECT));
  assert_int_equal(json_get(j, "arr")->n, 1);
}

static void test_append_and_remove_at(void **state) {
  cleanup_json struct json *a = json_new(JSON_ARRAY);
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  cleanup_free char *out = NULL;
  cleanup_free char *out2 = NULL;
  (void)state;

  assert_int_equal(json_append(a, json_new_string("x")), 0);
  assert_int_equal(json_append(a, json_new_int(2)), 0);
  assert_int_equal(json_append(a, json_new(JSON_NULL)), 0);
  assert_int_equal(json_append(a, json_new_string("y")), 0);
  assert_int_equal(json_append(a, json_new_bool(false)), 0); /* past the first growth */
  out = compact(a);
  assert_string_equal(out, "[\"x\",2,null,\"y\",false]");

  json_remove_at(a, 1);
  json_remove_at(a, 3);  /* the last */
  json_remove_at(a, 10); /* out of range: nothing */
  out2 = compact(a);
  assert_string_equal(out2, "[\"x\",null,\"y\"]");
  assert_int_equal(a->n, 3);

  assert_int_equal(json_append(o, json_new_int(1)), -1);
  assert_int_equal(o->n, 0);
  assert_int_equal(json_append(a, NULL), -1);
  assert_int_equal(a->n, 3);
}

static void test_copy_is_deep(void **state) {
  cleanup_json struct json *j = parse_ok("{\"a\": {\"b\": [1, \"s\"]}, \"n\": 18446744073709551615}");
  cleanup_json struct json *c = json_copy(j);
  cleanup_free char *orig = NULL;
  cleanup_free char *before = compact(j);
  struct json *cb;
  (void)state;

  assert_non_null(c);
  assert_ptr_not_equal(c, j);
  cb = json_get_path(c, "a", "b", NULL);
  assert_ptr_not_equal(cb, json_get_path(j, "a", "b", NULL));
  assert_ptr_not_equal(cb->items[1]->str, json_get_path(j, "a", "b", NULL)->items[1]->str);
  /* positions are copied too */
  assert_int_equal(cb->line, json_get_path(j, "a", "b", NULL)->line);
  assert_int_equal(cb->col, json_get_path(j, "a", "b", NULL)->col);

  json_remove_at(cb, 0);
  cb->items[0]->str[0] = 'X';
  json_set(json_get(c, "a"), "new", json_new_int(1));
  json_del(c, "n");

  orig = compact(j);
  assert_string_equal(orig, before);
  assert_string_equal(orig, "{\"a\":{\"b\":[1,\"s\"]},\"n\":18446744073709551615}");
  assert_null(json_copy(NULL));
}

static void test_get_path(void **state) {
  cleanup_json struct json *j = parse_ok("{\"process\": {\"user\": {\"uid\": 7}, \"args\": [\"sh\"]}}");
  uint64_t uid = 0;
  (void)state;

  assert_true(json_uint64(json_get_path(j, "process", "user", "uid", NULL), &uid));
  assert_true(uid == 7);
  assert_ptr_equal(json_get_path(j, NULL), j);
  assert_null(json_get_path(j, "process", "missing", "uid", NULL));
  /* Through an array or a scalar: NULL, not a crash. */
  assert_null(json_get_path(j, "process", "args", "0", NULL));
  assert_null(json_get_path(j, "process", "user", "uid", "x", NULL));
  assert_null(json_get_path(NULL, "process", NULL));
}

static void test_array_has_string(void **state) {
  cleanup_json struct json *j = parse_ok("{\"o\": [\"rw\", 1, \"nosuid\", null, \"ro\"], \"s\": \"ro\"}");
  (void)state;
  assert_true(json_array_has_string(json_get(j, "o"), "ro"));
  assert_true(json_array_has_string(json_get(j, "o"), "nosuid"));
  assert_false(json_array_has_string(json_get(j, "o"), "r"));
  assert_false(json_array_has_string(json_get(j, "o"), "1"));
  assert_false(json_array_has_string(json_get(j, "o"), "RO"));
  assert_false(json_array_has_string(json_get(j, "s"), "ro"));
  assert_false(json_array_has_string(NULL, "ro"));
}

/* --- escaping --- */

static void test_string_escaping(void **state) {
  static const char raw[] = "q\"b\\s/\n\t\r\b\f\x01\x1f\x7f \xc3\xa9 \xe2\x82\xac";
  cleanup_json struct json *a = json_new(JSON_ARRAY);
  cleanup_json struct json *back = NULL;
  cleanup_free char *out = NULL;
  struct sk_error *err = NULL;
  char *p;
  (void)state;

  assert_int_equal(json_append(a, json_new_string(raw)), 0);
  out = compact(a);
  assert_non_null(strstr(out, "q\\\"b\\\\s"));
  assert_non_null(strstr(out, "\\n\\t\\r\\b\\f"));
  assert_non_null(strstr(out, "\\u0001\\u001"));
  /* No raw control character is left in the output. */
  for (p = out; *p; p++)
    assert_true((unsigned char)*p >= 0x20);

  assert_int_equal(json_parse(out, strlen(out), &back, &err), 0);
  assert_string_equal(back->items[0]->str, raw);
  assert_int_equal(back->items[0]->len, strlen(raw));

  /* Keys are escaped the same way. */
  {
    cleanup_json struct json *o = json_new(JSON_OBJECT);
    cleanup_json struct json *o2 = NULL;
    cleanup_free char *txt = NULL;
    assert_int_equal(json_set(o, "k\"\n", json_new_string("v")), 0);
    txt = compact(o);
    assert_string_equal(txt, "{\"k\\\"\\n\":\"v\"}");
    assert_int_equal(json_parse(txt, strlen(txt), &o2, &err), 0);
    assert_string_equal(o2->keys[0], "k\"\n");
  }
}

/* The generator must never write text the parser (any strict JSON reader)
 * refuses: a string that is not valid UTF-8 is either refused or written
 * in a form that parses back. */
static void test_gen_invalid_utf8_is_safe(void **state) {
  cleanup_json struct json *a = json_new(JSON_ARRAY);
  cleanup_json struct json *back = NULL;
  char *out = NULL;
  size_t len = 0;
  struct sk_error *err = NULL;
  (void)state;

  assert_int_equal(json_append(a, json_new_string("ok\xff\xfe")), 0);
  if (json_gen_compact(a, &out, &len, &err) < 0) {
    assert_non_null(err);
    sk_error_free(&err);
    return; /* refused: safe */
  }
  if (json_parse(out, len, &back, &err) < 0) {
    char msg[256];
    snprintf(msg, sizeof(msg), "%s", err->msg);
    sk_error_free(&err);
    free(out);
    fail_msg("json_gen_compact wrote a string that is not valid JSON (raw bytes 0xff 0xfe): %s", msg);
  }
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_order_and_numbers),
      cmocka_unit_test(test_gen_newlines),
      cmocka_unit_test(test_positions_nested),
      cmocka_unit_test(test_positions_multiline),
      cmocka_unit_test(test_positions_utf8_columns),
      cmocka_unit_test(test_positions_top_level_scalar),
      cmocka_unit_test(test_error_syntax),
      cmocka_unit_test(test_error_trailing_garbage),
      cmocka_unit_test(test_error_empty),
      cmocka_unit_test(test_error_duplicate_key),
      cmocka_unit_test(test_error_invalid_utf8),
      cmocka_unit_test(test_error_invalid_utf8_sequences),
      cmocka_unit_test(test_error_nul_escape),
      cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_int64_strict),
      cmocka_unit_test(test_uint64_strict),
      cmocka_unit_test(test_typed_reads_wrong_type),
      cmocka_unit_test(test_new_int),
      cmocka_unit_test(test_set_replace_and_add),
      cmocka_unit_test(test_del),
      cmocka_unit_test(test_ensure),
      cmocka_unit_test(test_append_and_remove_at),
      cmocka_unit_test(test_copy_is_deep),
      cmocka_unit_test(test_get_path),
      cmocka_unit_test(test_array_has_string),
      cmocka_unit_test(test_string_escaping),
      cmocka_unit_test(test_gen_invalid_utf8_is_safe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

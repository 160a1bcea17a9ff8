/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_JSON_H
#define STOCKADE_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stockade/error.h"

/* A small mutable JSON tree, parsed with yajl's event parser and written
 * with yajl_gen. Unlike yajl_tree it keeps member order, the exact text of
 * numbers (so a config.json round-trips without changing 0xFFFFFFFF-sized
 * values), and the line and column of every value for error messages.
 *
 * Parsing is strict: duplicate keys are refused (runc's Go decoder takes
 * the last one, a yajl tree the first; judging one and running the other
 * is a parser differential), strings must be valid UTF-8, no comments. */

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
  enum json_type type;
  unsigned line, col; /* 1-based position of the value in its source; 0 if built */
  char *str;          /* JSON_STRING: the value; JSON_NUMBER: its text */
  size_t len;         /* length of str */
  size_t n, cap;      /* members of an array or object */
  struct json **items;
  char **keys; /* JSON_OBJECT only, parallel to items */
};

/* Parse buf. On error (*err)->line and ->col say where it broke (the
 * message reads "line L, column C: why"); the caller names the file with
 * sk_error_locate(), which makes it "file:L:C: why". */
int json_parse(const char *buf, size_t len, struct json **out, struct sk_error **err);
void json_free(struct json *j);
#define cleanup_json __attribute__((cleanup(json_freep)))
void json_freep(struct json **j);

/* Serialize, pretty-printed, with a trailing newline. *out is malloc'd. */
int json_gen(const struct json *j, char **out, size_t *len, struct sk_error **err);
/* Serialize on one line, without a trailing newline (event records). */
int json_gen_compact(const struct json *j, char **out, size_t *len, struct sk_error **err);

/* Constructors. Return NULL only on allocation failure. */
struct json *json_new(enum json_type type);
struct json *json_new_string(const char *s);
struct json *json_new_stringn(const char *s, size_t len);
struct json *json_new_int(int64_t v);
struct json *json_new_bool(bool v);
struct json *json_copy(const struct json *j);

/* Object access. json_get returns the member with exactly this key or NULL
 * (also when obj is NULL or not an object). */
struct json *json_get(const struct json *obj, const char *key);
/* Walk a path of keys: json_get_path(spec, "process", "user", "uid", NULL). */
struct json *json_get_path(const struct json *obj, ...) __attribute__((sentinel));
/* Replace or add key; takes ownership of val (freed on failure). */
int json_set(struct json *obj, const char *key, struct json *val);
/* Get the member, creating an empty object/array of type if missing or null.
 * Returns NULL if it exists with another type or on allocation failure. */
struct json *json_ensure(struct json *obj, const char *key, enum json_type type);
void json_del(struct json *obj, const char *key);

/* Array access. json_append takes ownership of val (freed on failure). */
int json_append(struct json *arr, struct json *val);
void json_remove_at(struct json *arr, size_t i);

/* Typed reads. Return false when j is absent or of another type. */
bool json_is(const struct json *j, enum json_type type);
/* An error about the value at in file: "<file>:<line>:<col>: <field>:
 * <message>", the form every message about a JSON input takes. Returns -1. */
int json_verror_at(struct sk_error **err, const char *file, const struct json *at, const char *field, const char *fmt,
                   va_list ap);

/* "a string", "an object", "a boolean"... for messages. */
const char *json_type_name(const struct json *j);
const char *json_string(const struct json *j); /* NULL unless a string */
bool json_bool(const struct json *j, bool *out);
/* Integers are read strictly: an optional '-' and digits, no fraction or
 * exponent, in range. "0.0" and "1e3" are refused because Go's decoder
 * refuses them for integer fields. */
bool json_int64(const struct json *j, int64_t *out);
bool json_uint64(const struct json *j, uint64_t *out);

/* Is s (length len) among the strings of array arr? */
bool json_array_has_string(const struct json *arr, const char *s);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "stockade/cleanup.h"
#include "stockade/json.h"

#define JSON_MAX_DEPTH 128

struct json_parser {
  const char *buf;
  size_t len;
  yajl_handle h;
  struct json *stack[JSON_MAX_DEPTH];
  size_t depth;
  char *pending_key; /* key waiting for its value, owned */
  struct json *root;
  /* Position bookkeeping: line/col of offset `pos_off`, advanced forward. */
  size_t pos_off;
  unsigned pos_line, pos_col;
  char *fail;      /* our own reason to stop (duplicate key, depth) */
  bool completing; /* inside yajl_complete_parse */
  size_t fail_off;
};

static void advance_to(struct json_parser *p, size_t off, unsigned *line, unsigned *col) {
  if (off < p->pos_off) { /* rescan from the start; rare */
    p->pos_off = 0;
    p->pos_line = 1;
    p->pos_col = 1;
  }
  for (; p->pos_off < off && p->pos_off < p->len; p->pos_off++) {
    if (p->buf[p->pos_off] == '\n') {
      p->pos_line++;
      p->pos_col = 1;
    } else if (((unsigned char)p->buf[p->pos_off] & 0xC0) != 0x80) {
      p->pos_col++;
    }
  }
  *line = p->pos_line;
  *col = p->pos_col;
}

/* yajl tells us where the current token ends; walk back to where it starts
 * so messages point at the first character of the value. */
static size_t token_start(const struct json_parser *p, enum json_type type) {
  size_t end = yajl_get_bytes_consumed(p->h);
  size_t i;

  if (type == JSON_NUMBER && p->completing)
    end = p->len;
  if (end == 0 || end > p->len)
    return end;
  i = end - 1;
  switch (type) {
  case JSON_STRING:
    /* buf[i] is the closing quote; find the unescaped opening one. */
    while (i > 0) {
      size_t bs = 0;
      i--;
      if (p->buf[i] != '"')
        continue;
      while (i >= bs + 1 && p->buf[i - bs - 1] == '\\')
        bs++;
      if (bs % 2 == 0)
        return i;
    }
    return 0;
  case JSON_NUMBER:
    /* A number that ends the document is only seen by yajl_complete_parse,
     * whose offset is not the token's: find its end from the buffer's. */
    if (p->completing) {
      i = end;
      while (i > 0 && strchr(" \t\r\n", p->buf[i - 1]))
        i--;
      if (i == 0)
        return 0;
      i--;
    }
    while (i > 0 && strchr("0123456789+-.eE", p->buf[i - 1]))
      i--;
    return i;
  case JSON_TRUE:
  case JSON_NULL:
    return end >= 4 ? end - 4 : 0;
  case JSON_FALSE:
    return end >= 5 ? end - 5 : 0;
  default:
    return i; /* '{' or '[' */
  }
}

static struct json *node_new(struct json_parser *p, enum json_type type) {
  struct json *j = json_new(type);
  if (j == NULL)
    return NULL;
  advance_to(p, token_start(p, type), &j->line, &j->col);
  return j;
}

static int fail(struct json_parser *p, const char *fmt, ...) {
  va_list ap;
  if (p->fail == NULL) {
    va_start(ap, fmt);
    if (vasprintf(&p->fail, fmt, ap) < 0)
      p->fail = NULL;
    va_end(ap);
    p->fail_off = yajl_get_bytes_consumed(p->h);
  }
  return 0; /* tells yajl to stop */
}

/* Attach a finished value to its parent (or make it the root). */
static int attach(struct json_parser *p, struct json *v) {
  struct json *parent;

  if (v == NULL)
    return fail(p, "out of memory");
  if (p->depth == 0) {
    p->root = v;
    return 1;
  }
  parent = p->stack[p->depth - 1];
  if (parent->type == JSON_ARRAY) {
    if (json_append(parent, v) < 0)
      return fail(p, "out of memory");
    return 1;
  }
  if (p->pending_key == NULL) {
    json_free(v);
    return fail(p, "value without a key");
  }
  if (json_get(parent, p->pending_key)) {
    fail(p, "duplicate key \"%s\"", p->pending_key);
    json_free(v);
    return 0;
  }
  if (json_set(parent, p->pending_key, v) < 0)
    return fail(p, "out of memory");
  free(p->pending_key);
  p->pending_key = NULL;
  return 1;
}

static int push(struct json_parser *p, enum json_type type) {
  struct json *v;
  if (p->depth >= JSON_MAX_DEPTH)
    return fail(p, "nested deeper than %d levels", JSON_MAX_DEPTH);
  v = node_new(p, type);
  if (!attach(p, v))
    return 0;
  p->stack[p->depth++] = v;
  return 1;
}

static int cb_null(void *ctx) {
  struct json_parser *p = ctx;
  return attach(p, node_new(p, JSON_NULL));
}

static int cb_bool(void *ctx, int b) {
  struct json_parser *p = ctx;
  return attach(p, node_new(p, b ? JSON_TRUE : JSON_FALSE));
}

static int cb_number(void *ctx, const char *s, size_t l) {
  struct json_parser *p = ctx;
  struct json *v = node_new(p, JSON_NUMBER);
  if (v && (v->str = strndup(s, l)) == NULL) {
    json_free(v);
    v = NULL;
  }
  if (v)
    v->len = l;
  return attach(p, v);
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0. yajl's own check lets
 * some of these through; Go replaces them with U+FFFD, so accepting them
 * would mean judging one string and running another. */
static size_t utf8_seq(const unsigned char *s, size_t l) {
  unsigned c = s[0];
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return l >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return l >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return l >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
  }
  return 0;
}

static bool utf8_valid(const unsigned char *s, size_t l) {
  while (l > 0) {
    size_t n = utf8_seq(s, l);
    if (n == 0)
      return false;
    s += n;
    l -= n;
  }
  return true;
}

static int cb_string(void *ctx, const unsigned char *s, size_t l) {
  struct json_parser *p = ctx;
  struct json *v;
  if (memchr(s, '\0', l))
    return fail(p, "string contains a NUL character");
  if (!utf8_valid(s, l))
    return fail(p, "string is not valid UTF-8");
  v = node_new(p, JSON_STRING);
  if (v && (v->str = strndup((const char *)s, l)) == NULL) {
    json_free(v);
    v = NULL;
  }
  if (v)
    v->len = l;
  return attach(p, v);
}

static int cb_start_map(void *ctx) { return push(ctx, JSON_OBJECT); }

static int cb_map_key(void *ctx, const unsigned char *s, size_t l) {
  struct json_parser *p = ctx;
  if (memchr(s, '\0', l))
    return fail(p, "key contains a NUL character");
  if (!utf8_valid(s, l))
    return fail(p, "key is not valid UTF-8");
  free(p->pending_key);
  p->pending_key = strndup((const char *)s, l);
  return p->pending_key ? 1 : fail(p, "out of memory");
}

static int cb_end(void *ctx) {
  struct json_parser *p = ctx;
  if (p->depth > 0)
    p->depth--;
  return 1;
}

static int cb_start_array(void *ctx) { return push(ctx, JSON_ARRAY); }

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

/* yajl's verbose message is multi-line with a caret; keep the first line
 * and drop its "parse error: " prefix. */
static char *yajl_reason(yajl_handle h, const char *buf, size_t len) {
  unsigned char *m = yajl_get_error(h, 0, (const unsigned char *)buf, len);
  char *r, *nl;
  const char *s = (const char *)m;
  if (m == NULL)
    return strdup("invalid JSON");
  if (strncmp(s, "parse error: ", 13) == 0)
    s += 13;
  r = strdup(s);
  yajl_free_error(h, m);
  if (r && (nl = strchr(r, '\n')))
    *nl = '\0';
  return r;
}

int json_parse(const char *buf, size_t len, struct json **out, struct sk_error **err) {
  struct json_parser p = {.buf = buf, .len = len, .pos_line = 1, .pos_col = 1};
  yajl_status st;
  int ret = -1;

  p.h = yajl_alloc(&callbacks, NULL, &p);
  if (p.h == NULL)
    return sk_error_set(err, ENOMEM, "cannot allocate JSON parser");
  yajl_config(p.h, yajl_allow_comments, 0);
  yajl_config(p.h, yajl_dont_validate_strings, 0);

  st = yajl_parse(p.h, (const unsigned char *)buf, len);
  if (st == yajl_status_ok) {
    p.completing = true;
    st = yajl_complete_parse(p.h);
  }
  if (st == yajl_status_ok && p.root == NULL) {
    sk_error_set_at(err, (struct sk_where){.line = 1, .col = 1}, "empty document, expected a JSON value");
  } else if (st != yajl_status_ok) {
    unsigned line, col;
    cleanup_free char *why = NULL;
    size_t off = p.fail ? p.fail_off : yajl_get_bytes_consumed(p.h);
    if (p.fail == NULL)
      why = yajl_reason(p.h, buf, len);
    /* Point at the last character consumed, the one that broke parsing. */
    advance_to(&p, off > 0 ? off - 1 : 0, &line, &col);
    sk_error_set_at(err, (struct sk_where){.line = line, .col = col}, "%s",
                    p.fail ? p.fail : (why ? why : "invalid JSON"));
  } else {
    *out = p.root;
    p.root = NULL;
    ret = 0;
  }
  /* On failure the partial tree hangs off stack[0] (or root). */
  if (ret < 0) {
    if (p.root)
      json_free(p.root);
    else if (p.depth > 0)
      json_free(p.stack[0]);
  }
  free(p.pending_key);
  free(p.fail);
  yajl_free(p.h);
  return ret;
}

void json_free(struct json *j) {
  size_t i;
  if (j == NULL)
    return;
  for (i = 0; i < j->n; i++) {
    json_free(j->items[i]);
    if (j->keys)
      free(j->keys[i]);
  }
  free(j->items);
  free(j->keys);
  free(j->str);
  free(j);
}

void json_freep(struct json **j) {
  json_free(*j);
  *j = NULL;
}

struct json *json_new(enum json_type type) {
  struct json *j = calloc(1, sizeof(*j));
  if (j)
    j->type = type;
  return j;
}

/* Strings built by the program (a container id from argv, a path) may be
 * any bytes; the tree holds only valid UTF-8, so every line we write is
 * JSON any reader accepts. Invalid bytes become U+FFFD. */
struct json *json_new_stringn(const char *s, size_t len) {
  struct json *j = json_new(JSON_STRING);
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, o = 0;
  if (j == NULL)
    return NULL;
  j->str = malloc(len * 3 + 1);
  if (j->str == NULL) {
    free(j);
    return NULL;
  }
  while (i < len) {
    size_t n = u[i] ? utf8_seq(u + i, len - i) : 0;
    if (n == 0) {
      memcpy(j->str + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
      continue;
    }
    memcpy(j->str + o, u + i, n);
    o += n;
    i += n;
  }
  j->str[o] = '\0';
  j->len = o;
  return j;
}

struct json *json_new_string(const char *s) {
  return json_new_stringn(s, strlen(s));
}

struct json *json_new_int(int64_t v) {
  struct json *j = json_new(JSON_NUMBER);
  if (j == NULL)
    return NULL;
  if (asprintf(&j->str, "%" PRId64, v) < 0) {
    free(j);
    return NULL;
  }
  j->len = strlen(j->str);
  return j;
}

struct json *json_new_bool(bool v) {
  return json_new(v ? JSON_TRUE : JSON_FALSE);
}

struct json *json_copy(const struct json *j) {
  struct json *c;
  size_t i;
  if (j == NULL)
    return NULL;
  c = json_new(j->type);
  if (c == NULL)
    return NULL;
  c->line = j->line;
  c->col = j->col;
  if (j->str) {
    c->str = strndup(j->str, j->len);
    c->len = j->len;
    if (c->str == NULL)
      goto fail;
  }
  for (i = 0; i < j->n; i++) {
    struct json *item = json_copy(j->items[i]);
    int r = j->type == JSON_OBJECT ? json_set(c, j->keys[i], item) : json_append(c, item);
    if (r < 0)
      goto fail;
  }
  return c;
fail:
  json_free(c);
  return NULL;
}

static int grow(struct json *j) {
  size_t cap;
  struct json **items;
  if (j->n < j->cap)
    return 0;
  cap = j->cap ? j->cap * 2 : 4;
  items = realloc(j->items, cap * sizeof(*items));
  if (items == NULL)
    return -1;
  j->items = items;
  if (j->type == JSON_OBJECT) {
    char **keys = realloc(j->keys, cap * sizeof(*keys));
    if (keys == NULL)
      return -1;
    j->keys = keys;
  }
  j->cap = cap;
  return 0;
}

struct json *json_get(const struct json *obj, const char *key) {
  size_t i;
  if (obj == NULL || obj->type != JSON_OBJECT)
    return NULL;
  for (i = 0; i < obj->n; i++)
    if (strcmp(obj->keys[i], key) == 0)
      return obj->items[i];
  return NULL;
}

struct json *json_get_path(const struct json *obj, ...) {
  va_list ap;
  const char *key;
  const struct json *cur = obj;
  va_start(ap, obj);
  while (cur && (key = va_arg(ap, const char *)))
    cur = json_get(cur, key);
  va_end(ap);
  return (struct json *)cur;
}

int json_set(struct json *obj, const char *key, struct json *val) {
  size_t i;
  char *k;
  if (obj == NULL || obj->type != JSON_OBJECT || val == NULL) {
    json_free(val);
    return -1;
  }
  for (i = 0; i < obj->n; i++) {
    if (strcmp(obj->keys[i], key) == 0) {
      json_free(obj->items[i]);
      obj->items[i] = val;
      return 0;
    }
  }
  k = strdup(key);
  if (k == NULL || grow(obj) < 0) {
    free(k);
    json_free(val);
    return -1;
  }
  obj->keys[obj->n] = k;
  obj->items[obj->n++] = val;
  return 0;
}

struct json *json_ensure(struct json *obj, const char *key, enum json_type type) {
  struct json *v = json_get(obj, key);
  if (v && v->type == type)
    return v;
  if (v && v->type != JSON_NULL)
    return NULL;
  if (json_set(obj, key, json_new(type)) < 0)
    return NULL;
  return json_get(obj, key);
}

void json_del(struct json *obj, const char *key) {
  size_t i;
  if (obj == NULL || obj->type != JSON_OBJECT)
    return;
  for (i = 0; i < obj->n; i++) {
    if (strcmp(obj->keys[i], key) == 0) {
      json_free(obj->items[i]);
      free(obj->keys[i]);
      memmove(&obj->items[i], &obj->items[i + 1], (obj->n - i - 1) * sizeof(*obj->items));
      memmove(&obj->keys[i], &obj->keys[i + 1], (obj->n - i - 1) * sizeof(*obj->keys));
      obj->n--;
      return;
    }
  }
}

int json_append(struct json *arr, struct json *val) {
  if (arr == NULL || arr->type != JSON_ARRAY || val == NULL || grow(arr) < 0) {
    json_free(val);
    return -1;
  }
  arr->items[arr->n++] = val;
  return 0;
}

void json_remove_at(struct json *arr, size_t i) {
  if (arr == NULL || arr->type != JSON_ARRAY || i >= arr->n)
    return;
  json_free(arr->items[i]);
  memmove(&arr->items[i], &arr->items[i + 1], (arr->n - i - 1) * sizeof(*arr->items));
  arr->n--;
}

bool json_is(const struct json *j, enum json_type type) { return j && j->type == type; }

const char *json_type_name(const struct json *j) {
  switch (j ? j->type : JSON_NULL) {
  case JSON_NULL:
    return "null";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  case JSON_NUMBER:
    return "a number";
  case JSON_STRING:
    return "a string";
  case JSON_ARRAY:
    return "an array";
  case JSON_OBJECT:
    return "an object";
  }
  return "a value";
}

const char *json_string(const struct json *j) { return json_is(j, JSON_STRING) ? j->str : NULL; }

bool json_bool(const struct json *j, bool *out) {
  if (j == NULL || (j->type != JSON_TRUE && j->type != JSON_FALSE))
    return false;
  *out = j->type == JSON_TRUE;
  return true;
}

static bool strict_integer(const struct json *j, bool *neg, uint64_t *mag) {
  const char *s;
  uint64_t v = 0;
  if (!json_is(j, JSON_NUMBER))
    return false;
  s = j->str;
  *neg = *s == '-';
  if (*neg)
    s++;
  if (*s == '\0')
    return false;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return false;
    if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
      return false;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *mag = v;
  return true;
}

bool json_int64(const struct json *j, int64_t *out) {
  bool neg;
  uint64_t mag;
  if (!strict_integer(j, &neg, &mag))
    return false;
  if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX)
    return false;
  *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
  return true;
}

bool json_uint64(const struct json *j, uint64_t *out) {
  bool neg;
  uint64_t mag;
  /* "-0" too: Go's decoder refuses a sign on an unsigned field. */
  if (!strict_integer(j, &neg, &mag) || neg)
    return false;
  *out = mag;
  return true;
}

bool json_array_has_string(const struct json *arr, const char *s) {
  size_t i;
  if (!json_is(arr, JSON_ARRAY))
    return false;
  for (i = 0; i < arr->n; i++)
    if (json_is(arr->items[i], JSON_STRING) && strcmp(arr->items[i]->str, s) == 0)
      return true;
  return false;
}

static int gen_value(yajl_gen g, const struct json *j) {
  size_t i;
  switch (j->type) {
  case JSON_NULL:
    return yajl_gen_null(g);
  case JSON_TRUE:
    return yajl_gen_bool(g, 1);
  case JSON_FALSE:
    return yajl_gen_bool(g, 0);
  case JSON_NUMBER:
    return yajl_gen_number(g, j->str, j->len);
  case JSON_STRING:
    return yajl_gen_string(g, (const unsigned char *)j->str, j->len);
  case JSON_ARRAY:
    if (yajl_gen_array_open(g) != yajl_gen_status_ok)
      return -1;
    for (i = 0; i < j->n; i++)
      if (gen_value(g, j->items[i]) != yajl_gen_status_ok)
        return -1;
    return yajl_gen_array_close(g);
  case JSON_OBJECT:
    if (yajl_gen_map_open(g) != yajl_gen_status_ok)
      return -1;
    for (i = 0; i < j->n; i++) {
      if (yajl_gen_string(g, (const unsigned char *)j->keys[i], strlen(j->keys[i])) != yajl_gen_status_ok)
        return -1;
      if (gen_value(g, j->items[i]) != yajl_gen_status_ok)
        return -1;
    }
    return yajl_gen_map_close(g);
  }
  return -1;
}

static int gen(const struct json *j, bool pretty, char **out, size_t *len, struct sk_error **err) {
  yajl_gen g = yajl_gen_alloc(NULL);
  const unsigned char *buf;
  size_t blen;
  char *copy;

  if (g == NULL)
    return sk_error_set(err, ENOMEM, "cannot allocate JSON generator");
  if (pretty) {
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "  ");
  }
  if (gen_value(g, j) != yajl_gen_status_ok || yajl_gen_get_buf(g, &buf, &blen) != yajl_gen_status_ok) {
    yajl_gen_free(g);
    return sk_error_set(err, 0, "cannot serialize JSON");
  }
  /* yajl's beautify ends with a newline already; make sure of it. */
  copy = malloc(blen + 2);
  if (copy == NULL) {
    yajl_gen_free(g);
    return sk_error_set(err, ENOMEM, "cannot serialize JSON");
  }
  memcpy(copy, buf, blen);
  if (pretty && (blen == 0 || copy[blen - 1] != '\n'))
    copy[blen++] = '\n';
  copy[blen] = '\0';
  yajl_gen_free(g);
  *out = copy;
  if (len)
    *len = blen;
  return 0;
}

int json_gen(const struct json *j, char **out, size_t *len, struct sk_error **err) {
  return gen(j, true, out, len, err);
}

int json_gen_compact(const struct json *j, char **out, size_t *len, struct sk_error **err) {
  return gen(j, false, out, len, err);
}

int json_verror_at(struct sk_error **err, const char *file, const struct json *at, const char *field, const char *fmt,
                   va_list ap) {
  cleanup_free char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0)
    msg = NULL;
  return sk_error_set_at(err, (struct sk_where){file, at ? at->line : 0, at ? at->col : 0, field}, "%s",
                         msg ? msg : "out of memory");
}

/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/error.h"

/* The one place a message is made from an error's fields (error.h). */
static char *format(const struct sk_error *e) {
  char *body = NULL, *pos = NULL, *out = NULL;
  const char *field = e->field && *e->field ? e->field : NULL;
  const char *what = e->what ? e->what : "";
  int r;

  r = asprintf(&body, "%s%s%s%s%s%s%s", field ? field : "", field && *what ? ": " : "", what,
               e->code_in_text && e->code ? ": " : "", e->code_in_text && e->code ? strerror(e->code) : "",
               e->fix ? "; " : "", e->fix ? e->fix : "");
  if (r < 0)
    return NULL;
  if (e->file && e->line > 0)
    r = asprintf(&pos, "%s:%u:%u: %s", e->file, e->line, e->col, body);
  else if (e->file)
    r = asprintf(&pos, "%s: %s", e->file, body);
  else if (e->line > 0 && e->field)
    r = asprintf(&pos, "%s (line %u, column %u)", body, e->line, e->col);
  else if (e->line > 0)
    r = asprintf(&pos, "line %u, column %u: %s", e->line, e->col, body);
  else
    pos = body, body = NULL, r = 0;
  free(body);
  if (r < 0)
    return NULL;
  if (e->context == NULL)
    return pos;
  r = asprintf(&out, "%s: %s", e->context, pos);
  free(pos);
  return r < 0 ? NULL : out;
}

/* Make msg again after a field changed. */
static void render(struct sk_error *e) {
  char *msg = format(e);
  if (msg == NULL)
    return; /* keep the message there was */
  free(e->msg);
  e->msg = msg;
}

static char *vformat(const char *fmt, va_list ap) {
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    return NULL;
  return s;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* A new error in *err from what (taken over), the old one freed; what may
 * point into the old one's fields, hence made before the old is freed. */
static void make(struct sk_error **err, int code, struct sk_where at, char *what) {
  struct sk_error *e;

  if (err == NULL) {
    free(what);
    return;
  }
  e = calloc(1, sizeof(*e));
  if (e == NULL) {
    free(what);
    return; /* the old error, if any, stays */
  }
  e->code = code;
  e->code_in_text = code != 0;
  e->what = what ? what : strdup("out of memory");
  e->file = dup_or_null(at.file);
  e->field = dup_or_null(at.field);
  e->line = at.line;
  e->col = at.col;
  sk_error_free(err);
  *err = e;
  render(e);
  if (e->msg == NULL)
    e->msg = strdup("out of memory");
}

void sk_error_set_(struct sk_error **err, int code, const char *fmt, ...) {
  va_list ap;
  char *what;

  va_start(ap, fmt);
  what = vformat(fmt, ap);
  va_end(ap);
  make(err, code, (struct sk_where){0}, what);
}

void sk_error_set_at_(struct sk_error **err, struct sk_where at, const char *fmt, ...) {
  va_list ap;
  char *what;

  va_start(ap, fmt);
  what = vformat(fmt, ap);
  va_end(ap);
  make(err, 0, at, what);
}

void sk_error_wrap_(struct sk_error **err, const char *fmt, ...) {
  va_list ap;
  char *ctx, *full = NULL;

  if (err == NULL || *err == NULL)
    return;
  va_start(ap, fmt);
  ctx = vformat(fmt, ap);
  va_end(ap);
  if (ctx == NULL)
    return;
  if ((*err)->context == NULL) {
    full = ctx;
  } else {
    if (asprintf(&full, "%s: %s", ctx, (*err)->context) < 0)
      full = NULL;
    free(ctx);
    if (full == NULL)
      return;
  }
  free((*err)->context);
  (*err)->context = full;
  render(*err);
}

void sk_error_locate_(struct sk_error **err, struct sk_where at) {
  struct sk_error *e;

  if (err == NULL)
    return;
  if (*err == NULL) {
    sk_error_set_at_(err, at, "unknown error");
    return;
  }
  e = *err;
  if (at.file) {
    char *f = strdup(at.file);
    if (f == NULL)
      return;
    free(e->file);
    e->file = f;
  }
  if (e->line == 0) {
    e->line = at.line;
    e->col = at.col;
  }
  if (at.field) {
    char *f = NULL;
    if (e->field == NULL || *e->field == '\0')
      f = strdup(at.field);
    else if (asprintf(&f, "%s%s%s", at.field, e->field[0] == '[' ? "" : ".", e->field) < 0)
      f = NULL;
    if (f == NULL)
      return;
    free(e->field);
    e->field = f;
  }
  render(e);
}

void sk_error_fix_(struct sk_error **err, const char *fmt, ...) {
  va_list ap;
  char *fix;

  if (err == NULL || *err == NULL)
    return;
  va_start(ap, fmt);
  fix = vformat(fmt, ap);
  va_end(ap);
  if (fix == NULL)
    return;
  free((*err)->fix);
  (*err)->fix = fix;
  render(*err);
}

void sk_error_classify_(struct sk_error **err, int code) {
  if (err == NULL || *err == NULL)
    return;
  (*err)->code = code;
  (*err)->code_in_text = false;
  render(*err);
}

void sk_error_free(struct sk_error **err) {
  if (err == NULL || *err == NULL)
    return;
  free((*err)->context);
  free((*err)->file);
  free((*err)->field);
  free((*err)->what);
  free((*err)->fix);
  free((*err)->msg);
  free(*err);
  *err = NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/error.h"

int sk_error_set(struct sk_error **err, int code, const char *fmt, ...) {
  va_list ap;
  char *msg = NULL;
  int r;

  if (err == NULL)
    return -1;
  va_start(ap, fmt);
  r = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (r < 0)
    msg = NULL;
  if (msg && code != 0) {
    char *full = NULL;
    if (asprintf(&full, "%s: %s", msg, strerror(code)) >= 0) {
      free(msg);
      msg = full;
    }
  }
  sk_error_free(err);
  *err = calloc(1, sizeof(**err));
  if (*err == NULL) {
    free(msg);
    return -1;
  }
  (*err)->code = code;
  (*err)->msg = msg ? msg : strdup("out of memory");
  return -1;
}

int sk_error_wrap(struct sk_error **err, const char *fmt, ...) {
  va_list ap;
  char *ctx = NULL, *full = NULL;
  int r;

  if (err == NULL || *err == NULL)
    return -1;
  va_start(ap, fmt);
  r = vasprintf(&ctx, fmt, ap);
  va_end(ap);
  if (r < 0)
    return -1;
  if (asprintf(&full, "%s: %s", ctx, (*err)->msg ? (*err)->msg : "") >= 0) {
    free((*err)->msg);
    (*err)->msg = full;
  }
  free(ctx);
  return -1;
}

void sk_error_free(struct sk_error **err) {
  if (err == NULL || *err == NULL)
    return;
  free((*err)->msg);
  free(*err);
  *err = NULL;
}

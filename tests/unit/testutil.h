/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers several unit tests share: parse a JSON text or a profile text
 * that the test wrote, failing the test (with the parser's message) when
 * it does not parse. Include after cmocka.h. */
#ifndef STOCKADE_TESTUTIL_H
#define STOCKADE_TESTUTIL_H

#include <string.h>

#include "stockade/error.h"
#include "stockade/json.h"
#include "stockade/profile.h"

static inline struct json *parse(const char *s) {
  struct json *j = NULL;
  struct sk_error *err = NULL;
  if (json_parse(s, strlen(s), &j, &err) < 0)
    fail_msg("parse: %s", err->msg);
  return j;
}

static inline struct profile *profile(const char *text) {
  struct profile *p = NULL;
  struct sk_error *err = NULL;
  if (profile_parse("test.json", text, strlen(text), &p, &err) < 0)
    fail_msg("profile: %s", err->msg);
  return p;
}

#endif

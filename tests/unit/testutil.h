/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers several unit tests share: parse a JSON text or a profile text
 * that the test wrote, failing the test (with the parser's message) when
 * it does not parse. Include after cmocka.h. */
#ifndef STOCKADE_TESTUTIL_H
#define STOCKADE_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* cmocka setup and teardown: *state is a fresh directory under /tmp,
 * removed afterwards with rm -rf (not with the code under test), modes
 * restored first so a test may leave unreadable entries. */
static inline int tmpdir_setup(void **state) {
  char *d = strdup("/tmp/stockade-test.XXXXXX");
  if (d == NULL || mkdtemp(d) == NULL) {
    free(d);
    return -1;
  }
  *state = d;
  return 0;
}

static inline int tmpdir_teardown(void **state) {
  char *d = *state;
  char *cmd = NULL;
  int r;
  if (asprintf(&cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", d, d) < 0)
    return -1;
  r = system(cmd);
  free(cmd);
  free(d);
  return r == 0 ? 0 : -1;
}

/* Run fn in a forked child (for a test that closes or replaces this
 * process's descriptors) and fail unless it exits 0; its other statuses
 * name the check that failed. */
static inline void child_exits_0(int (*fn)(void)) {
  int status;
  pid_t c;
  fflush(NULL);
  c = fork();
  assert_true(c >= 0);
  if (c == 0)
    _exit(fn());
  assert_int_equal(waitpid(c, &status, 0), c);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The event encoder: arbitrary bytes as field values (the input split at
 * 0xff into up to eight values; a value stops at its first NUL, as a C
 * string would) put into the v1 envelope (event_build) and its details;
 * json_gen_compact, and the line must parse back and hold no raw newline,
 * or one event could forge another in the event log; and the validator
 * must say the same of the event and of the line read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/events.h"
#include "stockade/json.h"

#define NVALUES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *v[NVALUES] = {0};
  cleanup_json struct json *ev = NULL;
  cleanup_json struct json *back = NULL;
  cleanup_json struct json *spec = json_new(JSON_OBJECT);
  cleanup_json struct json *argv = json_new(JSON_ARRAY);
  cleanup_error struct sk_error *err = NULL;
  struct event_subject s;
  struct event_what w = {.type = "drift", .decision = "deny", .mechanism = "fanotify", .technique = "T1105"};
  struct event_process p = {.pid = 7};
  struct json *ann;
  char *out = NULL;
  size_t len = 0, start = 0, i, k = 0;
  int valid;

  for (i = 0; i <= size && k < NVALUES; i++) {
    if (i == size || data[i] == 0xff) {
      v[k] = strndup((const char *)data + start, i - start);
      if (v[k++] == NULL)
        abort();
      start = i + 1;
    }
  }
  for (; k < NVALUES; k++)
    if ((v[k] = strdup("")) == NULL)
      abort();
  ann = json_ensure(spec, "annotations", JSON_OBJECT);
  if (ann == NULL || json_set(ann, "io.kubernetes.cri.sandbox-name", json_new_string(v[5])) < 0 ||
      json_set(ann, "io.kubernetes.cri.image-name", json_new_string(v[6])) < 0 ||
      json_append(argv, json_new_string(v[2])) < 0)
    abort();
  s = (struct event_subject){
      .container = v[0], .spec = spec, .profile = v[3], .profile_sha256 = NULL, .mode = "enforce"};
  w.rule = v[4][0] ? v[4] : NULL;
  w.message = v[7];
  p.path = v[1];
  p.argv = argv;
  ev = event_build(&s, &w, &p);
  if (ev == NULL || event_detail_str(ev, "why", v[7]) < 0)
    abort();
  valid = event_validate(ev, &err) == 0;
  sk_error_free(&err);
  if (json_gen_compact(ev, &out, &len, &err) < 0)
    goto done; /* e.g. invalid UTF-8 refused: not a bug in itself */
  if (memchr(out, '\n', len) != NULL || memchr(out, '\r', len) != NULL)
    abort();
  if (json_parse(out, len, &back, &err) < 0)
    abort();
  if ((event_validate(back, NULL) == 0) != valid)
    abort();
done:
  free(out);
  for (k = 0; k < NVALUES; k++)
    free(v[k]);
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The event encoder: arbitrary bytes as field values (the input split at
 * 0xff into up to eight values; a value stops at its first NUL, as a C
 * string would), json_gen_compact, and the line must parse back and hold
 * no raw newline, or one event could forge another in the event log. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/events.h"
#include "stockade/json.h"

static const char *const keys[] = {"container", "path", "argv0", "profile", "rule", "image", "pod", "why"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cleanup_json struct json *ev = event_new("exec-denied");
  cleanup_json struct json *back = NULL;
  cleanup_error struct sk_error *err = NULL;
  char *out = NULL;
  size_t len = 0, start = 0, i, k = 0;

  if (ev == NULL)
    abort();
  for (i = 0; i <= size && k < sizeof(keys) / sizeof(keys[0]); i++) {
    if (i == size || data[i] == 0xff) {
      char *v = strndup((const char *)data + start, i - start);
      if (v == NULL || event_set_str(ev, keys[k++], v) < 0)
        abort();
      free(v);
      start = i + 1;
    }
  }
  if (json_gen_compact(ev, &out, &len, &err) < 0)
    return 0; /* e.g. invalid UTF-8 refused: not a bug in itself */
  if (memchr(out, '\n', len) != NULL || memchr(out, '\r', len) != NULL)
    abort();
  if (json_parse(out, len, &back, &err) < 0)
    abort();
  free(out);
  return 0;
}

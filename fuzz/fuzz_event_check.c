/* SPDX-License-Identifier: Apache-2.0 */
/* The event validator (stockadectl events --validate, every integration
 * case's teardown, stockadectl metrics): any line of an event file, valid
 * JSON or not, v1 or not, must be judged without a crash; a refusal says
 * why, and an event it accepts has the fields the readers (ECS, metrics,
 * the human line) take from it without checking again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/events.h"
#include "stockade/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cleanup_json struct json *ev = NULL;
  cleanup_error struct sk_error *err = NULL;

  if (json_parse((const char *)data, size, &ev, &err) < 0)
    return 0;
  if (event_validate(ev, &err) < 0) {
    if (err == NULL || err->msg == NULL)
      abort(); /* a refusal always says why */
    return 0;
  }
  if (json_string(json_get(ev, "type")) == NULL || json_string(json_get_path(ev, "container", "id", NULL)) == NULL ||
      !json_is(json_get(ev, "details"), JSON_OBJECT) || !json_is(json_get(ev, "process"), JSON_OBJECT))
    abort();
  return 0;
}

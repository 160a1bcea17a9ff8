/* SPDX-License-Identifier: Apache-2.0 */
/* Profile file bytes -> profile_parse (and profile_to_json when valid). */
#include <stdint.h>
#include <stdlib.h>

#include "stockade/json.h"
#include "stockade/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cleanup_profile struct profile *p = NULL;
  cleanup_json struct json *j = NULL;
  cleanup_error struct sk_error *err = NULL;

  if (profile_parse("fuzz.json", (const char *)data, size, &p, &err) < 0)
    return 0;
  if (profile_to_json(p, &j, &err) < 0)
    return 0;
  return 0;
}

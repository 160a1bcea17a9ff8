/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's message on the seccomp listener socket, read the way
 * accept_one (shim/supervisor/sup.c) reads it: json_parse, then state.id
 * and state.pid. The supervisor receives at most 64 KiB. */
#include <stdint.h>
#include <string.h>

#include "stockade/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cleanup_json struct json *state = NULL;
  cleanup_error struct sk_error *err = NULL;
  const char *id;
  int64_t pid = 0;
  volatile int sink = 0;

  if (size > 65536)
    return 0;
  if (json_parse((const char *)data, size, &state, &err) < 0)
    return 0;
  id = json_string(json_get_path(state, "state", "id", NULL));
  if (id != NULL)
    sink += strcmp(id, "x") == 0;
  if (json_int64(json_get_path(state, "state", "pid", NULL), &pid) && pid > 0)
    sink += (int)(pid & 1);
  (void)json_get_path(state, "fds", NULL);
  return 0;
}

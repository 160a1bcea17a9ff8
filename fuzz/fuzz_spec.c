/* SPDX-License-Identifier: Apache-2.0 */
/* config.json bytes -> json_parse, spec_check, judge_spec and harden_spec
 * against the shipped default profile, as `stockade create` does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "stockade/harden.h"
#include "stockade/judge.h"
#include "stockade/json.h"
#include "stockade/profile.h"
#include "stockade/spec.h"

#ifndef FUZZ_PROFILE
#define FUZZ_PROFILE "profiles/default.json"
#endif

static struct profile *profile;

/* The profile comes from the source tree (or $FUZZ_PROFILE); a harness
 * that silently fuzzed without it would test less than it claims. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *path = getenv("FUZZ_PROFILE") ? getenv("FUZZ_PROFILE") : FUZZ_PROFILE;
  struct sk_error *err = NULL;
  judge_host_ns_dir = "/nonexistent"; /* no stat of the host's namespaces per input */
  if (profile_load_file(path, &profile, &err) < 0) {
    fprintf(stderr, "fuzz_spec: %s\n", err->msg);
    exit(1);
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cleanup_json struct json *spec = NULL;
  cleanup_error struct sk_error *err = NULL;
  struct findings f = {0};

  if (json_parse((const char *)data, size, &spec, &err) < 0)
    return 0;
  if (spec_check(spec, "config.json", &err) < 0)
    return 0;
  /* On failure judge_spec leaves the findings it had added in f (the
   * caller clears them either way). */
  judge_spec(spec, profile, &f, &err);
  findings_clear(&f);
  sk_error_free(&err);
  if (harden_spec(spec, profile, &err) == 0) {
    /* The hardened spec is written out for the real runtime. */
    char *out = NULL;
    size_t len = 0;
    sk_error_free(&err);
    if (json_gen(spec, &out, &len, &err) == 0)
      free(out);
  }
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl profile diff A B: what B does differently from A, one line
 * per difference (shim/lib/policy/profile_diff.c makes them). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "ctl.h"
#include "stockade/profile.h"
#include "stockade/profile_diff.h"

int ctl_profile_diff(int argc, char **argv) {
  cleanup_profile struct profile *a = NULL;
  cleanup_profile struct profile *b = NULL;
  cleanup_error struct sk_error *err = NULL;
  struct profile_diff d = {0};
  size_t i;
  int status;

  if (argc != 3) {
    fprintf(stderr, "usage: stockadectl profile diff A B (profile names or files)\n"
                    "  one line per difference: \"-\" what only A has, \"+\" what only B has;\n"
                    "  exit 0 when equal, 1 when different, 2 on bad input\n");
    return CTL_EXIT_BADINPUT;
  }
  if (ctl_load_profile(argv[1], &a, &err) < 0 || ctl_load_profile(argv[2], &b, &err) < 0 ||
      profile_diff(a, b, &d, &err) < 0) {
    fprintf(stderr, "stockadectl profile diff: %s\n", err && err->msg ? err->msg : "failed");
    return CTL_EXIT_BADINPUT;
  }
  for (i = 0; i < d.n; i++)
    printf("%s\n", d.lines[i]);
  status = d.n ? CTL_EXIT_FINDINGS : 0;
  profile_diff_clear(&d);
  if (fflush(stdout) != 0)
    return CTL_EXIT_BADINPUT;
  return status;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl profile diff A B: what B does differently from A, one line
 * per difference (shim/lib/policy/profile_diff.c makes them). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "ctl.h"
#include "stockade/profile.h"
#include "stockade/profile_diff.h"

int ctl_profile_diff(int argc, char **argv, struct sk_error **err) {
  cleanup_profile struct profile *a = NULL;
  cleanup_profile struct profile *b = NULL;
  struct profile_diff d = {0};
  size_t i;
  int status;

  if (argc != 3)
    return sk_error_set(err, 0,
                        "expected A B (profile names or files); one line per difference: \"-\" what only A has, "
                        "\"+\" what only B has; exit 0 when equal, 1 when different, 2 on bad input");
  if (ctl_load_profile(argv[1], &a, err) < 0 || ctl_load_profile(argv[2], &b, err) < 0 ||
      profile_diff(a, b, &d, err) < 0)
    return -1;
  for (i = 0; i < d.n; i++)
    printf("%s\n", d.lines[i]);
  status = d.n ? CTL_EXIT_FINDINGS : 0;
  profile_diff_clear(&d);
  if (fflush(stdout) != 0)
    return sk_error_set(err, errno, "cannot write the differences");
  return status;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* What stockadectl's subcommands share: finding a profile by name or path.
 * Below stockadectl.c, learn.c and diff.c, so the calls go one way. */
#define _GNU_SOURCE
#include <string.h>

#include "ctl.h"
#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/profile.h"

const char *ctl_profile_dir;

int ctl_load_profile(const char *what, struct profile **p, struct sk_error **err) {
  cleanup_config struct sk_config *cfg = NULL;
  if (strchr(what, '/') || strstr(what, ".json"))
    return profile_load_file(what, p, err);
  if (ctl_profile_dir)
    return profile_load_named(ctl_profile_dir, what, p, err);
  if (config_load(config_path(), &cfg, err) < 0)
    return sk_error_wrap(err, "finding profile \"%s\" (or use --profile-dir DIR, or a file path)", what);
  return profile_load_named(cfg->profile_dir, what, p, err);
}

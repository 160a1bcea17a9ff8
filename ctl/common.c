/* SPDX-License-Identifier: Apache-2.0 */
/* What stockadectl's subcommands share: finding a profile by name or path,
 * --version, and the one line for a flag a command does not know. Below
 * every other ctl file, so the calls go one way. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/error.h"
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

int ctl_version(void) {
  printf("stockadectl version %s\n", STOCKADE_VERSION);
  return 0;
}

int ctl_bad_flag(const char *cmd, int c, char **argv, struct sk_error **err) {
  /* For a long flag the word is argv[optind - 1]; for a short one, maybe
   * in a cluster such as -fx, optopt names it. */
  const char *word = optind > 0 ? argv[optind - 1] : "?";
  char shortf[3] = {'-', (char)optopt, '\0'};
  if (strncmp(word, "--", 2) != 0 && optopt != 0)
    word = shortf;
  if (c == ':')
    return sk_error_set(err, 0, "flag %s needs a value; see stockadectl %s --help", word, cmd);
  return sk_error_set(err, 0, "unknown flag %s; see stockadectl %s --help", word, cmd);
}

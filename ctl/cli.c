/* SPDX-License-Identifier: Apache-2.0 */
/* What every stockadectl command does alike: --version, the one line for a
 * flag it does not know (exit 2), printing the error that reached it, and
 * finding a profile by name or file (--profile-dir, set by main). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/ctl.h"
#include "stockade/error.h"
#include "stockade/profile.h"

int ctl_version(void) {
  printf("stockadectl version %s\n", STOCKADE_VERSION);
  return 0;
}

int ctl_bad_flag(const char *cmd, int c, char **argv) {
  /* getopt_long with opterr = 0 and a leading ':' in the short options:
   * ':' is a flag without its value, '?' one it does not know. For a long
   * flag optopt is 0 and the word is argv[optind - 1]. */
  const char *word = optind > 0 ? argv[optind - 1] : "?";
  char shortf[3] = {'-', (char)optopt, '\0'};
  if (strncmp(word, "--", 2) != 0 && optopt != 0)
    word = shortf; /* a short flag, maybe in a cluster such as -fx */
  if (c == ':')
    fprintf(stderr, "stockadectl %s: flag %s needs a value; see stockadectl %s --help\n", cmd, word, cmd);
  else
    fprintf(stderr, "stockadectl %s: unknown flag %s; see stockadectl %s --help\n", cmd, word, cmd);
  return CTL_EXIT_BADINPUT;
}

int ctl_report(const char *cmd, struct sk_error **err, int status) {
  fprintf(stderr, "stockadectl %s: %s\n", cmd, err && *err && (*err)->msg ? (*err)->msg : "failed");
  sk_error_free(err);
  return status;
}

const char *ctl_profile_dir;

/* A profile named by file path or by name in the profile directory. */
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

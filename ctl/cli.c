/* SPDX-License-Identifier: Apache-2.0 */
/* What every stockadectl command does alike: --version, the one line for a
 * flag it does not know (exit 2), and printing the error that reached it. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "stockade/ctl.h"
#include "stockade/error.h"

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

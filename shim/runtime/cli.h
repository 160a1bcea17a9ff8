/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CLI_H
#define STOCKADE_CLI_H

#include <stdbool.h>

#include "stockade/error.h"

/* runc's command line, read the way runc (urfave/cli) and crun (argp) read
 * it, without changing it: stockade executes the real runtime with the very
 * same argv (only a --process file may be swapped for a hardened copy).
 *
 *   stockade [global flags] COMMAND [command flags] ID [exec: CMD ARGS...]
 *
 * Global flags end at the first word that is not a flag. A global flag we
 * do not know is passed through; if it has no "=value" it is taken as a
 * switch. The flags of runc and crun that take a value are all known, so
 * a word is never mistaken for the command. */

struct cli {
  int argc;
  char **argv; /* borrowed from main */

  /* global flags */
  const char *root;
  const char *log;
  const char *log_format;
  const char *criu;
  const char *rootless;
  bool debug;
  bool systemd_cgroup;
  bool version; /* --version / -v before any command */
  bool help;
  bool cmd_help; /* create/run/restore/exec -h or --help: the runtime's help */

  int cmd_index; /* index of the command in argv, or argc when none */
  const char *cmd;

  /* create, run, restore, exec */
  const char *bundle;      /* --bundle/-b, default "." */
  const char *config_file; /* crun's --config/-f */
  const char *id;
  int id_index;
  bool detach; /* run -d, exec -d */
  bool keep;   /* run --keep */

  /* exec */
  const char *process; /* --process/-p value */
  int process_index;   /* argv index of that value */
  const char *user;    /* --user/-u value */
  int user_index;
  const char **caps; /* every --cap/-c value */
  int n_caps;
  int cmd_args_index; /* exec: first word of the command, or argc */
};

/* Parse argv. Fails only for what would make a hardened command ambiguous
 * (two container ids for create, a flag missing its value); other mistakes
 * are left for the real runtime to report. */
int cli_parse(int argc, char **argv, struct cli *out, struct sk_error **err);
void cli_free(struct cli *c);

/* The container a command names: the id of a hardened command, else the
 * first word after the command's flags (kill, delete, state, ps, pause,
 * resume, events, update, start, checkpoint); NULL when there is none
 * (list, features, spec, a help request). */
const char *cli_container_id(const struct cli *c);

/* Does this command start a process in a container (and so get hardened)? */
bool cli_is_hardened_cmd(const char *cmd);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CTL_H
#define STOCKADE_CTL_H

#include <stdio.h>

struct json;
struct sk_error;

/* stockadectl's subcommands that live in their own file under ctl/.
 * Each takes the arguments from its own name on (argv[0] is "events") and
 * returns the exit status. */

#define CTL_EXIT_FINDINGS 1 /* findings, invalid profiles, malformed events */
#define CTL_EXIT_BADINPUT 2 /* bad arguments, unreadable input */

/* stockadectl events [--follow] [--container ID] [--type T] [--decision D]
 * [--severity S] [--since TIME] [--pod P] [--namespace N] [--format F]
 * [--validate] [--file PATH] (ctl/events.c) */
int ctl_events(int argc, char **argv);
/* stockadectl metrics (ctl/metrics.c). */
int ctl_metrics(int argc, char **argv);

/* One event of schema v1 as an ECS document, one line on out
 * (ctl/events_ecs.c). An event that does not follow the schema is not
 * printed: -1 with *err saying why. */
int ecs_print(const struct json *ev, FILE *out, struct sk_error **err);

/* stockadectl learn RECORDING|DIR... [--base PROFILE] [--name NAME] [-o FILE] (ctl/learn.c) */
int ctl_learn(int argc, char **argv);

/* stockadectl profile diff A B (ctl/diff.c); argv[0] is "diff". Exit 0 when
 * the profiles are the same, 1 when they differ, 2 on bad input. */
int ctl_profile_diff(int argc, char **argv);

/* stockadectl verify [--json] (ctl/verify.c): can this host enforce each
 * protection? Exit 0 when no check fails, 1 otherwise. */
int ctl_verify(int argc, char **argv);

/* stockadectl check [--profile P] [--strict] [--json] BUNDLE|CONFIG|MANIFEST
 * (ctl/check.c). Exit 0 when nothing would be refused, 1 when something
 * would (or anything would be hardened, with --strict), 2 on bad input. */
int ctl_check(int argc, char **argv);

struct profile;
struct sk_error;

/* ctl/cli.c: "stockadectl version X" (exit 0); one line for a flag the
 * command does not know or that lacks its value, c being what
 * getopt_long returned ('?' or ':', with opterr = 0) (exit 2); and the
 * error that reached a command, "stockadectl CMD: message" (returns
 * status). */
int ctl_version(void);
int ctl_bad_flag(const char *cmd, int c, char **argv);
int ctl_report(const char *cmd, struct sk_error **err, int status);
/* A profile named by file path (it has a '/' or ends in ".json") or by
 * name in the profile directory (--profile-dir, else the config's), as
 * `profile show` resolves it (ctl/cli.c). */
int ctl_load_profile(const char *what, struct profile **p, struct sk_error **err);
/* --profile-dir DIR of the command line (ctl/cli.c), NULL when not given. */
extern const char *ctl_profile_dir;

#endif

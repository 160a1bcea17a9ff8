/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CTL_H
#define STOCKADE_CTL_H

#include <stdio.h>

struct json;
struct profile;
struct sk_error;

/* stockadectl's subcommands that live in their own file under ctl/.
 * Each takes the arguments from its own name on (argv[0] is "events") and
 * returns its outcome, 0 or CTL_EXIT_FINDINGS; on bad arguments or input
 * it returns -1 and fills *err, and main() (ctl/stockadectl.c) prints
 * "stockadectl <command>: <message>" and exits CTL_EXIT_BADINPUT. */

#define CTL_EXIT_FINDINGS 1 /* findings, invalid profiles, malformed events */
#define CTL_EXIT_BADINPUT 2 /* bad arguments, unreadable input */

/* stockadectl events [--follow] [--container ID] [--type T] [--decision D]
 * [--severity S] [--since TIME] [--pod P] [--namespace N] [--format F]
 * [--validate] [--file PATH] (ctl/events.c) */
int ctl_events(int argc, char **argv, struct sk_error **err);
/* stockadectl metrics (ctl/metrics.c). */
int ctl_metrics(int argc, char **argv, struct sk_error **err);

/* One event of schema v1 as an ECS document, one line on out
 * (ctl/events_ecs.c). An event that does not follow the schema is not
 * printed: -1 with *err saying why. */
int ecs_print(const struct json *ev, FILE *out, struct sk_error **err);

/* stockadectl learn RECORDING|DIR... [--base PROFILE] [--name NAME] [-o FILE] (ctl/learn.c) */
int ctl_learn(int argc, char **argv, struct sk_error **err);

/* stockadectl profile diff A B (ctl/diff.c); argv[0] is "diff". 0 when the
 * profiles are the same, 1 when they differ. */
int ctl_profile_diff(int argc, char **argv, struct sk_error **err);

/* stockadectl verify [--json] (ctl/verify.c): can this host enforce each
 * protection? 0 when no check fails, 1 otherwise. */
int ctl_verify(int argc, char **argv, struct sk_error **err);

/* stockadectl check [--profile P] [--strict] [--json] BUNDLE|CONFIG|MANIFEST
 * (ctl/check.c): 0 when nothing would be refused, 1 when something would
 * (or anything would be hardened, with --strict). */
int ctl_check(int argc, char **argv, struct sk_error **err);

/* stockadectl explain [--root DIR] ID (--read PATH | --write PATH | --bind
 * PORT) (ctl/explain.c): 0 when a rule of stockade refuses it, 1 when
 * stockade is not the cause. */
int ctl_explain(int argc, char **argv, struct sk_error **err);

/* Helpers the subcommands share (ctl/common.c), below every ctl file. */
/* "stockadectl version X" on stdout; returns 0. */
int ctl_version(void);
/* A flag the command does not know, or one without its value: c is what
 * getopt_long returned ('?' or ':', with opterr = 0 and a leading ':' in
 * the short options); *err says so in one line, naming the flag. -1. */
int ctl_bad_flag(const char *cmd, int c, char **argv, struct sk_error **err);
/* --profile-dir, as main() read it; NULL: the config's profileDir. */
extern const char *ctl_profile_dir;
/* A profile named by file path (it has a '/' or ends in ".json") or by
 * name in the profile directory (ctl_profile_dir, else the config's), as
 * `profile show` resolves it. */
int ctl_load_profile(const char *what, struct profile **p, struct sk_error **err);

#endif

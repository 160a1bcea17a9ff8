/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CTL_H
#define STOCKADE_CTL_H

/* stockadectl's subcommands that live in their own file under ctl/.
 * Each takes the arguments from its own name on (argv[0] is "events") and
 * returns the exit status. */

#define CTL_EXIT_FINDINGS 1 /* findings, invalid profiles, malformed events */
#define CTL_EXIT_BADINPUT 2 /* bad arguments, unreadable input */

/* stockadectl events [--follow] [--container ID] [--json] [--file PATH] */
int ctl_events(int argc, char **argv);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_COMMANDS_H
#define STOCKADE_COMMANDS_H

#include "cli.h"
#include "stockade/config.h"
#include "stockade/json.h"
#include "stockade/judge.h"
#include "stockade/profile.h"

/* What one invocation of stockade works with. */
struct sk_ctx {
  struct cli cli;
  struct sk_config *cfg;
  enum sk_mode mode; /* from the invoked name, else the config */
};

/* Each returns the exit status for main, or -1 with *err set. A command
 * that hands over to the runtime does not return on success. */

/* The exit status of a create (run, restore) that enforce mode refused:
 * the findings and the "refused" event are out, nothing was changed. */
#define SK_EXIT_REFUSED 1

/* create, run, restore: judge and harden the bundle, then hand over to the
 * runtime (execv: no return). The result is always what main exits with:
 *   -1               with *err set: refused or failed, and everything
 *                    create had changed is undone (main prints err, exits 1);
 *   SK_EXIT_REFUSED  enforce mode refused it (reported already; nothing made);
 *   the runtime's    `run` in the foreground: the container has ended and
 *   exit status      create's changes are undone. */
int cmd_create(struct sk_ctx *ctx, struct sk_error **err);
int cmd_exec(struct sk_ctx *ctx, struct sk_error **err);
/* Every command stockade does not harden (delete, kill, state, list, ps,
 * pause, resume, events, update, start, features, ...). */
int cmd_passthrough(struct sk_ctx *ctx, struct sk_error **err);
int cmd_version(struct sk_ctx *ctx, struct sk_error **err);

/* Print findings (stderr and --log) and write one event per finding.
 * refused: enforce mode is refusing the container. */
void report_findings(const struct sk_ctx *ctx, const char *id, const struct json *spec, const struct profile *p,
                     enum sk_mode mode, const struct findings *f, bool refused);

/* The one "refused" event of a refused create: "rule" lists the ids of
 * every REFUSE finding, "reason" what they say. */
void report_refused(const struct sk_ctx *ctx, const struct json *spec, const struct profile *p, enum sk_mode mode,
                    const struct findings *f);

/* The "refused" event when the profile or mode cannot be chosen (e the
 * error config_choose gave): rule SK-ANNOTATION-MODE (a stockade.io/mode
 * the node's annotationModes does not list), SK-PROFILE-UNKNOWN (no such
 * profile) or SK-PROFILE-INVALID. */
void report_choice_refused(const struct sk_ctx *ctx, const struct json *spec, const struct sk_error *e);

#endif

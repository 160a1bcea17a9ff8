/* SPDX-License-Identifier: Apache-2.0 */
/* Commands that pass through but need a word from stockade: delete tidies
 * stockade's state, features and --version add stockade's part. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/commands.h"
#include "stockade/log.h"
#include "stockade/lsm.h"
#include "stockade/runtime.h"
#include "stockade/state.h"
#include "stockade/supervisor.h"

/* delete is the one pass-through command whose id comes right after its
 * flags; read it the way runc does: the first word that is not a flag. */
static const char *delete_id(const struct cli *c) {
  int i;
  for (i = c->cmd_index + 1; i < c->argc; i++) {
    if (strcmp(c->argv[i], "--") == 0)
      return i + 1 < c->argc ? c->argv[i + 1] : NULL;
    if (c->argv[i][0] != '-')
      return c->argv[i];
  }
  return NULL;
}

int cmd_delete(struct sk_ctx *ctx, struct sk_error **err) {
  const char *id = delete_id(&ctx->cli);
  cleanup_free char *dir = NULL;
  int status;

  if (id == NULL || state_dir(ctx->cfg, ctx->cli.root, id, &dir, err) < 0) {
    sk_error_free(err);
    return runtime_exec(ctx->cfg, ctx->cli.argv, err);
  }
  if (runtime_run(ctx->cfg, ctx->cli.argv, &status, err) < 0)
    return -1;
  /* Only once the runtime has let go of the container. */
  if (status == 0) {
    cleanup_error struct sk_error *e2 = NULL;
    if (sup_stop(dir, true, &e2) < 0) {
      log_msg(LOG_WARNING, "container \"%s\": %s", id, e2->msg);
      sk_error_free(&e2);
    }
    if (state_remove(dir, &e2) < 0)
      log_msg(LOG_WARNING, "container \"%s\" deleted, but its stockade state remains: %s", id, e2->msg);
    lsm_release(dir); /* LSM layer: MCS pair, AppArmor profile use */
  }
  return status;
}

int cmd_features(struct sk_ctx *ctx, struct sk_error **err) {
  cleanup_free char *out = NULL;
  cleanup_free char *txt = NULL;
  cleanup_json struct json *doc = NULL;
  struct json *ann;
  size_t len;
  int status;

  if (runtime_capture(ctx->cfg, ctx->cli.argv, &out, &len, &status, err) < 0)
    return -1;
  if (status != 0) {
    /* The runtime has no features command (crun 1.8): say so plainly. */
    return sk_error_set(err, 0,
                        "runtime %s: \"features\" failed with status %d; stockade adds to the runtime's answer "
                        "and has none to add to",
                        ctx->cfg->runtime, status);
  }
  if (json_parse(out, len, &doc, err) < 0 || !json_is(doc, JSON_OBJECT))
    return sk_error_set(err, 0, "runtime %s: \"features\" did not print a JSON object", ctx->cfg->runtime);
  ann = json_ensure(doc, "annotations", JSON_OBJECT);
  if (ann == NULL || json_set(ann, "io.github.stockade.version", json_new_string(STOCKADE_VERSION)) < 0 ||
      json_set(ann, "io.github.stockade.runtime", json_new_string(ctx->cfg->runtime)) < 0 ||
      json_set(ann, "io.github.stockade.modes", json_new_string("enforce,complain,off")) < 0 ||
      json_set(ann, "io.github.stockade.hardening",
               json_new_string("user,readonly-rootfs,no-new-privileges,capabilities,seccomp,mount-flags,"
                               "masked-paths")) < 0 ||
      json_set(ann, "io.github.stockade.annotations", json_new_string("stockade.io/profile,stockade.io/mode")) < 0)
    return sk_error_set(err, ENOMEM, "features");
  if (json_gen(doc, &txt, &len, err) < 0)
    return -1;
  fwrite(txt, 1, len, stdout);
  return 0;
}

int cmd_version(struct sk_ctx *ctx, struct sk_error **err) {
  char *argv[] = {NULL, "--version", NULL};
  int status;
  printf("stockade version %s\nruntime: %s\n", STOCKADE_VERSION, ctx->cfg->runtime);
  fflush(stdout);
  if (runtime_run(ctx->cfg, argv, &status, err) < 0)
    return -1;
  return status;
}

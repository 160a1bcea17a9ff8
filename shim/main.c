/* SPDX-License-Identifier: Apache-2.0 */
/* stockade: an OCI runtime that hardens every container it is asked to
 * create and hands the real work to runc or crun. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/commands.h"
#include "stockade/log.h"
#include "stockade/memfd_noexec.h"
#include "stockade/runtime.h"

static int fail(struct sk_ctx *ctx, struct sk_error *err) {
  log_msg(LOG_ERROR, "%s", err && err->msg ? err->msg : "unknown error");
  sk_error_free(&err);
  cli_free(&ctx->cli);
  config_free(ctx->cfg);
  return 1;
}

int main(int argc, char **argv) {
  struct sk_ctx ctx = {0};
  struct sk_error *err = NULL;
  int name_mode = mode_from_argv0(argv[0]);
  int r;

  /* The createRuntime hook create put into the spec (memfd_noexec.c). */
  if (argc == 2 && strcmp(argv[1], MEMFD_NOEXEC_HOOK_ARG) == 0)
    return memfd_noexec_hook_main();
  if (config_load(config_path(), &ctx.cfg, &err) < 0)
    return fail(&ctx, err);
  ctx.mode = name_mode >= 0 ? (enum sk_mode)name_mode : ctx.cfg->default_mode;
  /* A missing runtime is found before anything is read or written. */
  if (runtime_check(ctx.cfg, &err) < 0)
    return fail(&ctx, err);
  if (ctx.mode == SK_MODE_OFF) {
    runtime_exec(ctx.cfg, argv, &err);
    return fail(&ctx, err);
  }
  if (cli_parse(argc, argv, &ctx.cli, &err) < 0)
    return fail(&ctx, err);
  log_init(ctx.cli.log, ctx.cli.log_format, ctx.cli.debug);

  if (ctx.cli.version && ctx.cli.cmd == NULL)
    r = cmd_version(&ctx, &err);
  else if (ctx.cli.cmd == NULL)
    r = runtime_exec(ctx.cfg, argv, &err);
  else if (strcmp(ctx.cli.cmd, "exec") == 0)
    r = cmd_exec(&ctx, &err);
  else if (cli_is_hardened_cmd(ctx.cli.cmd))
    r = cmd_create(&ctx, &err);
  else if (strcmp(ctx.cli.cmd, "delete") == 0)
    r = cmd_delete(&ctx, &err);
  else if (strcmp(ctx.cli.cmd, "features") == 0)
    r = cmd_features(&ctx, &err);
  else
    r = runtime_exec(ctx.cfg, argv, &err);

  if (r < 0)
    return fail(&ctx, err);
  cli_free(&ctx.cli);
  config_free(ctx.cfg);
  return r;
}

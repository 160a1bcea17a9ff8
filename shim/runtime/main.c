/* SPDX-License-Identifier: Apache-2.0 */
/* stockade: an OCI runtime that hardens every container it is asked to
 * create and hands the real work to runc or crun. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/log.h"
#include "stockade/memfd_noexec.h"
#include "stockade/runtime.h"
#include "stockade/sys.h"

#include "commands.h"

static int fail(struct sk_ctx *ctx, struct sk_error *err) {
  log_msg(LOG_ERROR, "%s", err && err->msg ? err->msg : "unknown error");
  sk_error_free(&err);
  cli_free(&ctx->cli);
  config_free(ctx->cfg);
  return 1;
}

/* Teardown and pass-through commands never depend on the node's config: a
 * typo in it must not keep an engine from stopping and removing the
 * containers already running. They go on with what can still be read of
 * it (config_fallback), and say what is wrong. */
static int load_config(struct sk_ctx *ctx, bool parsed, struct sk_error **cfg_err, struct sk_error **err) {
  if (config_load(config_path(), &ctx->cfg, err) == 0)
    return 0;
  if (!parsed || cli_is_hardened_cmd(ctx->cli.cmd))
    return -1;
  *cfg_err = *err;
  *err = NULL;
  return config_fallback(config_path(), &ctx->cfg, err);
}

static int dispatch(struct sk_ctx *ctx, char **argv, struct sk_error **err) {
  const char *cmd = ctx->cli.cmd;
  if (cmd == NULL || !cli_is_hardened_cmd(cmd))
    return cmd_passthrough(ctx, err);
  /* create -h and friends: the runtime's help; it starts nothing. */
  if (cli_is_hardened_cmd(cmd) && ctx->cli.cmd_help)
    return runtime_exec(ctx->cfg, argv, err);
  if (strcmp(cmd, "exec") == 0)
    return cmd_exec(ctx, err);
  return cmd_create(ctx, err);
}

int main(int argc, char **argv) {
  struct sk_ctx ctx = {0};
  struct sk_error *err = NULL;
  struct sk_error *cli_err = NULL;
  struct sk_error *cfg_err = NULL;
  int name_mode = mode_from_argv0(argv[0]);
  bool parsed;
  int r;

  if (stdio_hold() < 0) {
    fprintf(stderr, "stockade: stdin, stdout or stderr is closed and /dev/null cannot be opened in its place: %s\n",
            strerror(errno));
    return 1;
  }
  /* The createRuntime hook create put into the spec (memfd_noexec.c); its
   * message goes to stderr, which the runtime shows when the hook fails. */
  if (argc == 2 && strcmp(argv[1], MEMFD_NOEXEC_HOOK_ARG) == 0) {
    if (memfd_noexec_hook(&err) == 0)
      return 0;
    fprintf(stderr, "stockade: %s\n", err && err->msg ? err->msg : "unknown error");
    sk_error_free(&err);
    return 1;
  }
  parsed = cli_parse(argc, argv, &ctx.cli, &cli_err) == 0;
  if (load_config(&ctx, parsed, &cfg_err, &err) < 0) {
    sk_error_free(&cli_err);
    sk_error_free(&cfg_err);
    return fail(&ctx, err);
  }
  ctx.mode = name_mode >= 0 ? (enum sk_mode)name_mode : ctx.cfg->default_mode;
  /* A missing runtime is found before anything is read or written. With
   * a broken config the container's state may name it (cmd_passthrough). */
  if (cfg_err == NULL && runtime_check(ctx.cfg, &err) < 0) {
    sk_error_free(&cli_err);
    return fail(&ctx, err);
  }
  if (cfg_err == NULL && ctx.mode == SK_MODE_OFF) {
    sk_error_free(&cli_err);
    runtime_exec(ctx.cfg, argv, &err);
    return fail(&ctx, err);
  }
  if (!parsed)
    return fail(&ctx, cli_err);
  log_init(ctx.cli.log, ctx.cli.log_format, ctx.cli.debug);
  if (cli_is_hardened_cmd(ctx.cli.cmd))
    log_stdio_is_workload();
  if (cfg_err) {
    log_msg(LOG_WARNING,
            "the stockade config cannot be used (%s); \"%s\" does not need it and goes on with the "
            "runtime recorded in the container's state, or the one the file names; fix the file before creating "
            "containers",
            cfg_err->msg, ctx.cli.cmd ? ctx.cli.cmd : "--version");
    sk_error_free(&cfg_err);
  }

  r = dispatch(&ctx, argv, &err);
  if (r < 0)
    return fail(&ctx, err);
  cli_free(&ctx.cli);
  config_free(ctx.cfg);
  return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Commands stockade does not harden: they reach the runtime recorded in
 * the container's state (never needing the node's config or profiles);
 * delete tidies stockade's state, features and --version add stockade's
 * part. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/log.h"
#include "stockade/lsm.h"
#include "stockade/runtime.h"
#include "stockade/state.h"
#include "stockade/supervisor.h"
#include "stockade/str.h"
#include "stockade/sys.h"

#include "commands.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* A create the runtime did not finish (runc killed mid-create): runc's
 * directory for the container exists but holds no state.json. runc's
 * delete then removes that directory but not the cgroups it had made
 * (it no longer knows them), so an aborted create would leak them. */
static bool runtime_create_aborted(const struct sk_ctx *ctx, const char *id) {
  const char *base = strrchr(ctx->cfg->runtime, '/');
  cleanup_free char *d = NULL;
  cleanup_free char *f = NULL;
  struct stat st;
  base = base ? base + 1 : ctx->cfg->runtime;
  if (strstr(base, "runc") == NULL || ctx->cli.systemd_cgroup)
    return false;
  if (asprintf(&d, "%s/%s", ctx->cli.root ? ctx->cli.root : "/run/runc", id) < 0 ||
      asprintf(&f, "%s/state.json", d) < 0)
    return false;
  return stat(d, &st) == 0 && S_ISDIR(st.st_mode) && stat(f, &st) < 0 && errno == ENOENT;
}

/* rmdir <hierarchy>/<rel> when <hierarchy> is a cgroup file system. */
static void rmdir_cgroup(const char *hierarchy, const char *rel, const char *id) {
  char p[PATH_MAX];
  struct statfs sf;
  if (statfs(hierarchy, &sf) < 0 || (sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC))
    return;
  snprintf(p, sizeof(p), "%s/%s", hierarchy, rel);
  if (rmdir(p) < 0 && errno != ENOENT)
    log_msg(LOG_WARNING, "container \"%s\": its cgroup %s remains after an aborted create: %s", id, p, strerror(errno));
}

/* Remove the empty cgroups runc made for an aborted create: the spec's
 * linux.cgroupsPath (runc's default "/<id>" when it has none) in every
 * hierarchy under /sys/fs/cgroup (v1 and hybrid), or in /sys/fs/cgroup
 * itself (cgroup2 only). rmdir on a cgroup file system removes only a
 * cgroup without processes or children, so nothing that runs is touched;
 * a busy one is reported. */
static void tidy_aborted_cgroups(const char *dir, const char *id) {
  cleanup_free char *raw = NULL;
  cleanup_json struct json *spec = NULL;
  cleanup_error struct sk_error *e = NULL;
  cleanup_dir DIR *d = NULL;
  const char *cp = NULL, *rel;
  struct dirent *de;
  size_t len;

  if (state_read(dir, "config.orig.json", &raw, &len, &e) == 0 && json_parse(raw, len, &spec, &e) == 0)
    cp = json_string(json_get_path(spec, "linux", "cgroupsPath", NULL));
  if (cp && *cp && (cp[0] != '/' || strchr(cp, ':') || strstr(cp, "..")))
    return; /* a systemd slice:prefix:name, or relative to runc's own cgroup: not ours to guess */
  rel = cp && *cp ? cp + 1 : id;
  if (*rel == '\0')
    return;
  rmdir_cgroup("/sys/fs/cgroup", rel, id);
  d = opendir("/sys/fs/cgroup");
  while (d && (de = readdir(d))) {
    char h[PATH_MAX];
    if (de->d_name[0] == '.')
      continue;
    snprintf(h, sizeof(h), "/sys/fs/cgroup/%s", de->d_name);
    rmdir_cgroup(h, rel, id);
  }
}

/* Put the bundle's config.json back as it was before create, if it is
 * still the hardened spec create wrote (its hash is in the state): the
 * bundle is the engine's, and after delete nothing of stockade's is left
 * in it. A spec someone has changed since is left alone. */
static void restore_spec(const char *dir, const char *id) {
  cleanup_free char *meta_txt = NULL;
  cleanup_free char *orig = NULL;
  cleanup_free char *cur = NULL;
  cleanup_json struct json *meta = NULL;
  cleanup_error struct sk_error *e = NULL;
  const char *specfile, *want;
  size_t len, olen, clen;
  char hex[65];

  if (state_read(dir, "meta.json", &meta_txt, &len, &e) < 0 || json_parse(meta_txt, len, &meta, &e) < 0)
    return;
  specfile = json_string(json_get(meta, "config"));
  want = json_string(json_get(meta, "configSha256"));
  if (specfile == NULL || want == NULL || state_read(dir, "config.orig.json", &orig, &olen, &e) < 0 ||
      read_file(specfile, &cur, &clen, &e) < 0)
    return;
  sha256_hex(cur, clen, hex);
  if (strcmp(want, hex) != 0)
    return;
  if (write_file_atomic(specfile, orig, olen, 0644, &e) < 0)
    log_msg(LOG_WARNING, "container \"%s\": %s still holds the hardened spec: %s", id, specfile, e->msg);
}

/* delete: the runtime's, then, once it has let go of the container,
 * stockade's part (dir: the container's state). A create the runtime
 * failed after stockade had handed over to it (runc refusing a closed
 * stdin for a non-root user, a rootfs it cannot mount) leaves stockade's
 * state with no container and a supervisor that has ended: the runtime's
 * delete fails ("does not exist") and is answered as the runtime answers,
 * but the state goes too, and the engine's config.json is put back. A
 * supervisor still running (a create in progress) keeps it. */
static int cmd_delete(struct sk_ctx *ctx, const char *id, const char *dir, struct sk_error **err) {
  bool aborted = runtime_create_aborted(ctx, id);
  pid_t sup = 0;
  int status;

  if (runtime_run(ctx->cfg, ctx->cli.argv, &status, err) < 0)
    return -1;
  if (status != 0 && !runtime_knows(ctx->cfg, ctx->cli.root, id) && sup_alive(dir, &sup) != 1) {
    cleanup_error struct sk_error *e2 = NULL;
    log_msg(LOG_INFO, "container \"%s\": %s has no such container: removing what stockade kept of a failed create", id,
            ctx->cfg->runtime);
    restore_spec(dir, id);
    if (state_remove(dir, &e2) < 0)
      log_msg(LOG_WARNING, "container \"%s\": its stockade state remains: %s", id, e2->msg);
    lsm_release(dir);
    return status;
  }
  if (status == 0) {
    cleanup_error struct sk_error *e2 = NULL;
    if (aborted)
      tidy_aborted_cgroups(dir, id);
    restore_spec(dir, id);
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

/* Is path a runtime that can be executed? */
static bool runtime_usable(const char *path) {
  struct stat st;
  return path && path[0] == '/' && stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static int no_runtime(const struct sk_ctx *ctx, const char *id, struct sk_error **err) {
  return sk_error_set(err, 0,
                      "no runtime to run \"%s\" with: %s names none that can be used%s%s%s; fix its \"runtime\" "
                      "field",
                      ctx->cli.cmd ? ctx->cli.cmd : "--version", ctx->cfg->path, id ? " and container \"" : "",
                      id ? id : "", id ? "\" has no stockade state naming one" : "");
}

static int cmd_features(struct sk_ctx *ctx, struct sk_error **err);

static int alone(const struct sk_ctx *ctx);

int cmd_passthrough(struct sk_ctx *ctx, struct sk_error **err) {
  const char *id = cli_container_id(&ctx->cli);
  cleanup_free char *dir = NULL;
  cleanup_free char *recorded = NULL;
  int found = 0;

  if (id) {
    cleanup_error struct sk_error *e = NULL;
    found = state_find(ctx->cfg, ctx->cli.root, id, &dir, &recorded, &e);
    if (found < 0)
      log_msg(LOG_WARNING, "container \"%s\": its stockade state cannot be looked up: %s", id, e->msg);
  }
  /* The runtime that created the container, even if the config names
   * another since (or cannot be read). */
  if (found > 0 && runtime_usable(recorded) && (ctx->cfg->runtime == NULL || strcmp(recorded, ctx->cfg->runtime))) {
    free(ctx->cfg->runtime);
    ctx->cfg->runtime = steal_pointer(&recorded);
  }
  if (ctx->cfg->runtime == NULL && ctx->cli.cmd == NULL && (ctx->cli.version || ctx->cli.help))
    return alone(ctx);
  if (ctx->cfg->runtime == NULL)
    return no_runtime(ctx, id, err);
  if (ctx->cli.cmd == NULL)
    return ctx->cli.version ? cmd_version(ctx, err) : runtime_exec(ctx->cfg, ctx->cli.argv, err);
  if (strcmp(ctx->cli.cmd, "delete") == 0 && found > 0)
    return cmd_delete(ctx, id, dir, err);
  if (strcmp(ctx->cli.cmd, "features") == 0)
    return cmd_features(ctx, err);
  return runtime_exec(ctx->cfg, ctx->cli.argv, err);
}

static int cmd_features(struct sk_ctx *ctx, struct sk_error **err) {
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

/* --version and --help without a runtime to ask (no usable config):
 * stockade's own lines, exit 0, as every other program of the package. */
static int alone(const struct sk_ctx *ctx) {
  if (ctx->cli.version) {
    printf("stockade version %s\nruntime: none (no usable stockade config; set STOCKADE_CONFIG)\n", STOCKADE_VERSION);
    return 0;
  }
  printf("usage: stockade [runc's global flags] COMMAND [ARGS]\n"
         "  An OCI runtime that hardens each container it creates and hands it to runc or crun, taking\n"
         "  runc's whole command line. --help and --version print the runtime's help and version with\n"
         "  stockade's; here no runtime is configured (set STOCKADE_CONFIG, see stockade(8)).\n");
  return 0;
}

/* The runtime's lines first, as it prints them (tools read the first
 * line as the runtime's name and version), then stockade's. */
int cmd_version(struct sk_ctx *ctx, struct sk_error **err) {
  char *argv[] = {NULL, "--version", NULL};
  int status;
  if (ctx->cfg->runtime == NULL)
    return no_runtime(ctx, NULL, err);
  fflush(stdout);
  if (runtime_run(ctx->cfg, argv, &status, err) < 0)
    return -1;
  printf("stockade version %s\nruntime: %s\n", STOCKADE_VERSION, ctx->cfg->runtime);
  fflush(stdout);
  return status;
}

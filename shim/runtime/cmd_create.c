/* SPDX-License-Identifier: Apache-2.0 */
/* create, run and restore: judge and harden the bundle's config.json, then
 * hand over to the real runtime with the original command line. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stockade/cleanup.h"
#include "stockade/harden.h"
#include "stockade/landlock.h"
#include "stockade/memfd_noexec.h"
#include "stockade/learn.h"
#include "stockade/log.h"
#include "stockade/lsm.h"
#include "stockade/runtime.h"
#include "stockade/spec.h"
#include "stockade/state.h"
#include "stockade/supervisor.h"
#include "stockade/str.h"
#include "stockade/sys.h"

#include "commands.h"

/* The spec file: crun's --config, else <bundle>/config.json. */
static char *spec_path(const struct cli *c) {
  char *p = NULL;
  if (c->config_file)
    return strdup(c->config_file);
  if (asprintf(&p, "%s/config.json", c->bundle) < 0)
    return NULL;
  return p;
}

static int write_meta(const char *dir, const struct sk_ctx *ctx, const char *specfile, const struct json *spec,
                      const struct profile *p, enum sk_mode mode, const char *spec_sha256, struct sk_error **err) {
  uint64_t uid = 0, gid = 0;
  cleanup_json struct json *m = json_new(JSON_OBJECT);
  cleanup_free char *txt = NULL;
  cleanup_free char *abs_bundle = realpath(ctx->cli.bundle, NULL);
  size_t len;
  char ts[32];
  time_t now = time(NULL);
  struct tm tm;

  gmtime_r(&now, &tm);
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
  /* The user the container's process runs as: exec passes it on, since
   * crun (unlike runc) runs an exec as 0:0 unless told otherwise. */
  json_uint64(json_get_path(spec, "process", "user", "uid", NULL), &uid);
  json_uint64(json_get_path(spec, "process", "user", "gid", NULL), &gid);
  if (m == NULL || json_set(m, "uid", json_new_int((int64_t)uid)) < 0 ||
      json_set(m, "gid", json_new_int((int64_t)gid)) < 0 || json_set(m, "id", json_new_string(ctx->cli.id)) < 0 ||
      json_set(m, "root", json_new_string(ctx->cli.root ? ctx->cli.root : "")) < 0 ||
      json_set(m, "runtime", json_new_string(ctx->cfg->runtime)) < 0 ||
      json_set(m, "bundle", json_new_string(abs_bundle ? abs_bundle : ctx->cli.bundle)) < 0 ||
      json_set(m, "config", json_new_string(specfile)) < 0 || json_set(m, "profile", json_new_string(p->name)) < 0 ||
      json_set(m, "profileFile", json_new_string(p->file ? p->file : "")) < 0 ||
      json_set(m, "profileSha256", json_new_string(p->sha256)) < 0 ||
      json_set(m, "mode", json_new_string(mode_name(mode))) < 0 || json_set(m, "created", json_new_string(ts)) < 0)
    return sk_error_set(err, ENOMEM, "state");
  /* delete puts the original spec back only over this exact one. */
  if (spec_sha256 && json_set(m, "configSha256", json_new_string(spec_sha256)) < 0)
    return sk_error_set(err, ENOMEM, "state");
  if (json_gen(m, &txt, &len, err) < 0)
    return -1;
  return state_write(dir, "meta.json", txt, len, err);
}

/* Keep what exec and delete need: the original spec, the profile's exact
 * bytes as parsed (so a later edit or removal of the profile file cannot
 * change what exec enforces, and the saved bytes are the ones whose
 * SHA-256 the container carries), and the metadata. */
static int save_state(const char *dir, const struct sk_ctx *ctx, const char *specfile, const char *raw, size_t raw_len,
                      const struct json *spec, const struct profile *p, enum sk_mode mode, const char *spec_sha256,
                      struct sk_error **err) {
  if (state_prepare(dir, err) < 0 || state_write(dir, "config.orig.json", raw, raw_len, err) < 0 ||
      (p->file && state_write(dir, "profile.json", p->raw, p->raw_len, err) < 0) ||
      write_meta(dir, ctx, specfile, spec, p, mode, spec_sha256, err) < 0)
    return -1;
  return 0;
}

static void forget_own_listener(const struct sk_config *cfg, struct json *spec) {
  struct json *sc = json_get_path(spec, "linux", "seccomp", NULL);
  const char *lp = json_string(json_get(sc, "listenerPath"));
  if (lp && path_is_under(lp, cfg->state_dir))
    json_del(sc, "listenerPath");
}

/* What holds the container's seccomp notifications instead of stockade's
 * supervisor, or NULL: another agent's listenerPath, or an annotation
 * that has crun hand them to its plugins (crun then waits for a listener
 * that stockade's would take: it hangs) or load a filter of its own. */
static const char *seccomp_taken_by(const struct json *spec) {
  if (json_get_path(spec, "linux", "seccomp", "listenerPath", NULL))
    return "linux.seccomp.listenerPath is taken by another agent";
  if (json_get(json_get(spec, "annotations"), "run.oci.seccomp.plugins"))
    return "annotation run.oci.seccomp.plugins gives crun's plugins the seccomp notifications";
  if (json_get(json_get(spec, "annotations"), "run.oci.seccomp_bpf_data"))
    return "annotation run.oci.seccomp_bpf_data has crun load a filter of its own";
  return NULL;
}

/* Put the original spec back, but only over the hardened one we wrote
 * (ours, still in memory: compared byte for byte, no hash to compute): a
 * file the engine has replaced since is its own. */
static void restore_if_ours(const char *specfile, const char *raw, size_t raw_len, const char *ours, size_t ours_len) {
  cleanup_error struct sk_error *e2 = NULL;
  cleanup_free char *now = NULL;
  size_t len;

  if (read_file(specfile, &now, &len, &e2) < 0) {
    log_msg(LOG_WARNING, "%s; not restored", e2->msg);
    return;
  }
  if (len != ours_len || memcmp(now, ours, len) != 0) {
    log_msg(LOG_DEBUG, "%s changed since create; left as it is", specfile);
    return;
  }
  if (write_file_atomic(specfile, raw, raw_len, 0644, &e2) < 0)
    log_msg(LOG_ERROR, "%s", e2->msg);
}

/* What create has changed so far. Every return after the first change
 * goes through rollback() (a cleanup attribute), which undoes exactly
 * what was acquired, in reverse: one undo path, for a failure and for the
 * end of `run` in the foreground alike. Nothing else undoes anything. */
struct undo {
  const char *specfile, *raw, *dir;
  size_t raw_len;
  bool lsm;     /* lsm_create_step may have loaded or allocated */
  bool state;   /* the state directory may exist */
  bool sup;     /* a supervisor was spawned */
  int ready_fd; /* ...and its start report is still to be read */
  bool spec;    /* config.json may be the hardened spec */
  bool wait;    /* wait for the supervisor to end (false: `run` is over) */
  /* `run` in the foreground is over: the spec goes back only over the
   * hardened one we wrote (these bytes), not over the engine's since. */
  const char *ours;
  size_t ours_len;
};

static void rollback(struct undo *u) {
  cleanup_error struct sk_error *e2 = NULL;
  pid_t pid;

  if (u->sup && u->ready_fd >= 0) {
    /* its pid reaches sup.pid only here: without it, sup_stop could not
     * find the supervisor */
    if (sup_ready(u->dir, u->ready_fd, &pid, &e2) < 0) {
      log_msg(LOG_WARNING, "%s", e2->msg);
      sk_error_free(&e2);
    }
    u->ready_fd = -1;
  }
  if (u->sup && sup_stop(u->dir, u->wait, &e2) < 0) {
    log_msg(LOG_WARNING, "%s", e2->msg);
    sk_error_free(&e2);
  }
  if (u->spec && u->ours == NULL && write_file_atomic(u->specfile, u->raw, u->raw_len, 0644, &e2) < 0) {
    log_msg(LOG_ERROR, "%s", e2->msg);
    sk_error_free(&e2);
  }
  if (u->state && state_remove(u->dir, &e2) < 0)
    log_msg(LOG_WARNING, "%s", e2->msg);
  if (u->lsm)
    lsm_release(u->dir); /* LSM layer: MCS pair, AppArmor profile use */
  if (u->spec && u->ours)
    restore_if_ours(u->specfile, u->raw, u->raw_len, u->ours, u->ours_len);
  u->sup = u->spec = u->state = u->lsm = false;
}

/* A create the runtime will refuse whatever the spec says: an id it
 * already knows (its state under its --root), or one runc's rules refuse.
 * Handed over before anything changes, so that the runtime's own error and
 * exit status come out and nothing of stockade is made: no state (the
 * existing container's stays as it is), no supervisor, no event,
 * config.json as it was. Safe because the runtime refuses it: nothing runs
 * unhardened. (A container of that id deleted between this look and the
 * runtime's would be created as the spec says: the engine, which owns
 * ids, is not in the threat model.) */
static bool runtime_refuses(const struct sk_ctx *ctx) {
  if (runtime_is_runc(ctx->cfg) && runtime_runc_refuses_id(ctx->cli.id))
    return true;
  if (runtime_knows(ctx->cfg, ctx->cli.root, ctx->cli.id)) {
    log_msg(LOG_DEBUG, "container \"%s\" exists already; the runtime answers", ctx->cli.id);
    return true;
  }
  return false;
}

int cmd_create(struct sk_ctx *ctx, struct sk_error **err) {
  cleanup_free char *specfile = spec_path(&ctx->cli);
  /* The runtime resolves relative mount sources in the bundle. */
  cleanup_free char *bundle_dir = realpath(ctx->cli.bundle, NULL);
  cleanup_free char *raw = NULL;
  cleanup_free char *out = NULL;
  cleanup_free char *dir = NULL;
  cleanup_json struct json *spec = NULL;
  cleanup_profile struct profile *p = NULL;
  __attribute__((cleanup(findings_clear))) struct findings f = {0};
  struct lsm_host lsmh;                             /* LSM layer */
  cleanup_lsm_applied struct lsm_applied lsm = {0}; /* LSM layer */
  enum sk_mode mode;
  char out_sha256[65];
  pid_t sup_pid;
  cleanup_free char *listener = NULL;
  cleanup_sysdeny struct sysdeny denied = {0}; /* the supervisor's copy is its own (fork) */
  struct diag_plan plan = {0};
  bool memfd_by_sup = false;
  size_t raw_len, out_len;
  int status;
  bool foreground, supervise;
  const char *taken;
  dev_t init_dev = 0;
  ino_t init_ino = 0;
  /* after everything it points into: cleaned up before them */
  __attribute__((cleanup(rollback))) struct undo u = {.ready_fd = -1, .wait = true};

  /* No id: nothing can be created; the runtime says so, its own way. */
  if (ctx->cli.id == NULL)
    return runtime_exec(ctx->cfg, ctx->cli.argv, err);
  if (specfile == NULL)
    return sk_error_set(err, ENOMEM, "config path");
  if (runtime_refuses(ctx))
    return runtime_exec(ctx->cfg, ctx->cli.argv, err);
  /* Not runc, which refused these above: an id that is no directory
   * name is refused here, before anything changes, rather than handed to
   * a runtime that might take it. */
  if (ctx->cli.id[0] == '\0' || strchr(ctx->cli.id, '/') || strcmp(ctx->cli.id, ".") == 0 ||
      strcmp(ctx->cli.id, "..") == 0)
    return sk_error_set(err, 0,
                        "%s: container id \"%s\" cannot name the runtime's state directory (empty, \".\", \"..\" or "
                        "with \"/\"); choose another id",
                        ctx->cli.cmd, ctx->cli.id);
  if (spec_load(specfile, &spec, &raw, &raw_len, err) < 0)
    return -1;
  if (spec_check(spec, specfile, err) < 0)
    return -1;
  if (config_choose(ctx->cfg, ctx->mode, json_get(spec, "annotations"), specfile, &p, &mode, err) < 0) {
    report_choice_refused(ctx, spec, *err);
    return -1;
  }
  if (mode == SK_MODE_OFF)
    return runtime_exec(ctx->cfg, ctx->cli.argv, err);
  if (state_dir(ctx->cfg, ctx->cli.root, ctx->cli.id, &dir, err) < 0)
    return -1;
  u.specfile = specfile;
  u.raw = raw;
  u.raw_len = raw_len;
  u.dir = dir;

  /* A bundle stockade hardened before (an engine re-running it) carries
   * the listenerPath of an earlier supervisor of ours: not another
   * agent's. It is replaced below. */
  forget_own_listener(ctx->cfg, spec);
  if (judge_spec_in(spec, bundle_dir ? bundle_dir : ctx->cli.bundle, p, &f, err) < 0)
    return sk_error_wrap(err, "%s", specfile);
  /* LSM layer: "lsm": "required" on a host without AppArmor or SELinux is
   * one more refusal. */
  lsm_host_probe(&lsmh);
  if (lsm_judge(p, &lsmh, &f, err) < 0 || lsm_judge_spec(spec, p, &lsmh, &f, err) < 0)
    return -1;

  if (mode == SK_MODE_ENFORCE && findings_count(&f, FINDING_REFUSE) > 0) {
    report_findings(ctx, ctx->cli.id, spec, p, mode, &f, true);
    report_refused(ctx, spec, p, mode, &f);
    return SK_EXIT_REFUSED;
  }
  report_findings(ctx, ctx->cli.id, spec, p, mode, &f, false);

  /* The supervisor watches every container stockade enforces, and those
   * it only reports on, unless something else holds the container's
   * seccomp notifications (refused in enforce mode above; left alone in
   * complain mode). */
  taken = seccomp_taken_by(spec);
  supervise = mode == SK_MODE_ENFORCE || taken == NULL;
  /* The node's config may turn the supervisor off (docs/operations.md). */
  if (!ctx->cfg->supervisor && mode != SK_MODE_LEARN) {
    if (supervise)
      log_msg(LOG_WARNING,
              "container \"%s\": no supervisor (%s sets \"supervisor\": false): execs are not judged, drift is not "
              "detected",
              ctx->cli.id, ctx->cfg->path);
    supervise = false;
  }
  if (mode == SK_MODE_LEARN && taken)
    return sk_error_set(err, 0,
                        "%s: cannot learn container \"%s\": %s, and the supervisor that records the workload needs "
                        "that place; remove it to learn",
                        specfile, ctx->cli.id, taken);
  if (mode == SK_MODE_COMPLAIN && !supervise && taken)
    log_msg(LOG_WARNING, "container \"%s\": %s; no supervisor", ctx->cli.id, taken);
  if (mode == SK_MODE_ENFORCE) {
    /* What the engine gave, to name what hardening takes away when the
     * workload fails for it (include/stockade/diagnose.h). */
    cleanup_json struct json *engine_process = json_copy(json_get(spec, "process"));
    cleanup_json struct json *engine_root = json_copy(json_get(spec, "root"));
    if (harden_spec(spec, p, err) < 0 || harden_annotate(spec, p, mode, err) < 0 ||
        diag_plan(engine_process, engine_root, spec, &plan, err) < 0)
      return sk_error_wrap(err, "%s", specfile);
  }
  /* Landlock (enforce only: it changes what the workload can do). */
  if (mode == SK_MODE_ENFORCE && landlock_create(ctx->cfg, ctx->cli.id, spec, p, &init_dev, &init_ino, err) < 0)
    return -1;
  /* vm.memfd_noexec in the container's PID namespace (enforce): set by the
   * supervisor when there is one, else by a hook; or an event saying why
   * not. */
  if (memfd_noexec_create(ctx->cfg, ctx->cli.id, spec, p, mode, NULL, supervise ? &memfd_by_sup : NULL, err) < 0)
    return -1;
  if (mode == SK_MODE_LEARN || (mode == SK_MODE_COMPLAIN && supervise && ctx->cfg->complain_records)) {
    /* Syscalls earlier runs of this profile recorded are allowed without a
     * round trip: each learning run is cheaper than the last. Complain
     * mode with complainRecords records while serving, with the same
     * filter and nothing else changed. */
    cleanup_json struct json *known = NULL;
    if (learn_known_syscalls(ctx->cfg->state_dir, p->name, &known, err) < 0)
      return sk_error_wrap(err, "cannot read earlier recordings of profile \"%s\"", p->name);
    if (mode == SK_MODE_LEARN && (harden_learn(spec, p, known, err) < 0 || harden_annotate(spec, p, mode, err) < 0))
      return sk_error_wrap(err, "%s", specfile);
    if (mode == SK_MODE_COMPLAIN && harden_record(spec, known, err) < 0)
      return sk_error_wrap(err, "%s", specfile);
  }
  if (supervise) {
    if (asprintf(&listener, "%s/%s", dir, SUP_SOCKET_NAME) < 0)
      return sk_error_set(err, ENOMEM, "create");
    /* Enforce: what the profile's filter denies is notified, answered
     * with its errno by the supervisor and reported (shim/lib/spec/sysdeny.c). */
    if (mode == SK_MODE_ENFORCE && sysdeny_harden(spec, &denied, err) < 0)
      return sk_error_wrap(err, "%s", specfile);
    if (harden_supervise(spec, listener, mode == SK_MODE_ENFORCE ? &plan : NULL, err) < 0)
      return sk_error_wrap(err, "%s", specfile);
  }
  /* LSM layer, the last change to the spec: it loads an AppArmor profile
   * or allocates MCS categories, released by rollback() from here on. */
  if (lsm_create_step(ctx->cfg, ctx->cli.id, spec, p, mode, &lsmh, dir, &lsm, err) < 0)
    return -1;
  u.lsm = true;
  if ((mode == SK_MODE_ENFORCE || mode == SK_MODE_LEARN || supervise) && json_gen(spec, &out, &out_len, err) < 0)
    return -1;

  /* Nothing is written until every check has passed. The state comes
   * first so a failed spec write can be undone by removing it. */
  if (out)
    sha256_hex(out, out_len, out_sha256);
  u.state = true;
  if (save_state(dir, ctx, specfile, raw, raw_len, spec, p, mode, out ? out_sha256 : NULL, err) < 0 ||
      lsm_save_state(dir, &lsm, err) < 0)
    return -1;
  if (supervise) {
    struct sup_ctx sc = {
        .cfg = ctx->cfg,
        .profile = p,
        .blocklist = {ctx->cfg->block_hashes, ctx->cfg->n_block_hashes},
        .mode = mode,
        .id = (char *)ctx->cli.id,
        .state_dir = dir,
        .spec = spec,
        .runtime_root = (char *)ctx->cli.root,
        .init_dev = init_dev,
        .init_ino = init_ino,
        .denied = denied,
        .diag = plan,
        .memfd_by_sup = memfd_by_sup,
        .memfd_to = -1,
        .memfd_from = -1,
    };
    if (sup_spawn(&sc, &u.ready_fd, err) < 0)
      return sk_error_wrap(err, "refusing container \"%s\": its supervisor cannot run", ctx->cli.id);
    u.sup = true;
  }
  /* The supervisor sets itself up while the spec is written; it is waited
   * for (sup_ready) before anything runs or is undone. An atomic write
   * that fails leaves the file as it was. */
  if (out && write_file_atomic(specfile, out, out_len, 0644, err) < 0)
    return sk_error_wrap(err, "the hardened spec was not written; %s is unchanged", specfile);
  u.spec = out != NULL;
  if (u.ready_fd >= 0) {
    int fd = u.ready_fd;
    u.ready_fd = -1; /* sup_ready closes it, whatever happens */
    if (sup_ready(dir, fd, &sup_pid, err) < 0)
      return sk_error_wrap(err, "refusing container \"%s\": its supervisor cannot run", ctx->cli.id);
  }
  log_msg(LOG_DEBUG, "container \"%s\": profile \"%s\" (%s), %s mode", ctx->cli.id, p->name, p->sha256,
          mode_name(mode));

  /* `run` in the foreground ends with the container: wait for it and
   * tidy our state, as the runtime tidies its own. */
  foreground = strcmp(ctx->cli.cmd, "run") == 0 && !ctx->cli.detach && !ctx->cli.keep;
  if (!foreground) {
    /* Still here after it: the runtime could not be executed, and
     * rollback puts the bundle back as it was. */
    runtime_exec(ctx->cfg, ctx->cli.argv, err);
    return -1;
  }
  if (runtime_run(ctx->cfg, ctx->cli.argv, &status, err) < 0)
    return -1;
  /* The container is over: rollback() stops its supervisor (it would go
   * by itself once the last process is gone; no need to wait), removes our
   * state, and the bundle is the engine's again (plain runc can run it: no
   * dead listenerPath), unless the engine has replaced the file since. */
  u.wait = false;
  u.ours = out;
  u.ours_len = out_len;
  return status;
}

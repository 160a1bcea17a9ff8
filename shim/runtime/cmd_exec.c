/* SPDX-License-Identifier: Apache-2.0 */
/* exec: the new process gets the container's profile: no privilege
 * escalation, the profile's user for uid 0, no capability outside the
 * profile. The profile is the one saved at create, not whatever the file
 * says now. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stockade/caps.h"
#include "stockade/cleanup.h"
#include "stockade/events.h"
#include "stockade/harden.h"
#include "stockade/log.h"
#include "stockade/lsm.h"
#include "stockade/runtime.h"
#include "stockade/spec.h"
#include "stockade/state.h"
#include "stockade/supervisor.h"
#include "stockade/str.h"
#include "stockade/sys.h"

#include "commands.h"

/* The container's saved metadata and profile. */
struct container {
  enum sk_mode mode;
  uint64_t uid, gid; /* the hardened process user */
  /* The spec as the engine wrote it (config.orig.json): its annotations
   * give exec's events the pod, namespace and image create's had. */
  struct json *spec;
};

static void container_clear(struct container *ct) { json_freep(&ct->spec); }
#define cleanup_container __attribute__((cleanup(container_clear)))

/* The profile file may have been edited, replaced or removed since the
 * container was created. A running container keeps the contract it was
 * created under (an edit is not a way to loosen it, nor a removal a way
 * to switch it off): exec enforces the saved copy, and says so. */
static void note_profile_changed(const char *id, const char *file, const char *saved, size_t saved_len) {
  cleanup_free char *cur = NULL;
  cleanup_error struct sk_error *e = NULL;
  size_t len;
  char now_hex[65], saved_hex[65];

  if (file == NULL || *file == '\0')
    return;
  sha256_hex(saved, saved_len, saved_hex);
  if (read_file(file, &cur, &len, &e) < 0) {
    log_msg(LOG_WARNING,
            "exec in \"%s\": profile file %s cannot be read (%s); enforcing the profile the container was "
            "created with (sha256 %.12s, kept in stockade's state)",
            id, file, e->msg, saved_hex);
    return;
  }
  sha256_hex(cur, len, now_hex);
  if (strcmp(now_hex, saved_hex) != 0)
    log_msg(LOG_WARNING,
            "exec in \"%s\": profile file %s changed since the container was created; enforcing the profile "
            "it was created with (sha256 %.12s, kept in stockade's state); the change applies to containers "
            "created from now on",
            id, file, saved_hex);
}

/* Events only: without it they lack the workload's names, nothing else. */
static void load_orig_spec(const char *dir, struct json **spec) {
  cleanup_free char *txt = NULL;
  cleanup_error struct sk_error *e = NULL;
  size_t len;
  if (state_read(dir, "config.orig.json", &txt, &len, &e) < 0 || json_parse(txt, len, spec, &e) < 0)
    log_file_only(LOG_WARNING, "%s/config.orig.json: %s; exec events will not name the pod", dir, e->msg);
}

static int load_container(const struct sk_ctx *ctx, const char *dir, struct profile **p, struct container *ct,
                          struct sk_error **err) {
  cleanup_free char *meta_txt = NULL;
  cleanup_free char *prof = NULL;
  cleanup_free char *origin = NULL;
  cleanup_json struct json *meta = NULL;
  size_t len, plen;
  int m;

  if (state_read(dir, "meta.json", &meta_txt, &len, err) < 0)
    return -1;
  if (json_parse(meta_txt, len, &meta, err) < 0)
    return sk_error_wrap(err, "%s/meta.json", dir);
  m = mode_parse(json_string(json_get(meta, "mode")));
  if (m < 0 || !json_uint64(json_get(meta, "uid"), &ct->uid) || !json_uint64(json_get(meta, "gid"), &ct->gid))
    return sk_error_set(err, 0, "%s/meta.json: mode, uid or gid missing or wrong", dir);
  ct->mode = (enum sk_mode)m;
  load_orig_spec(dir, &ct->spec);
  if (state_read(dir, "profile.json", &prof, &plen, err) < 0)
    return -1;
  if (asprintf(&origin, "%s/profile.json", dir) < 0)
    return sk_error_set(err, ENOMEM, "exec");
  if (profile_parse(origin, prof, plen, p, err) < 0)
    return -1;
  note_profile_changed(ctx->cli.id, json_string(json_get(meta, "profileFile")), prof, plen);
  return 0;
}

/* Give the runtime the hardened process file through an anonymous file:
 * nothing is left on disk, and /proc/self/fd/N names it for the runtime,
 * which inherits the descriptor across execv. The runtime marks its
 * descriptors close-on-exec before starting the container process, so it
 * does not leak into the container. */
static int bytes_memfd(const char *txt, size_t len, char **path, struct sk_error **err) {
  size_t off = 0;
  int fd;

  fd = memfd_create("stockade-process", 0);
  if (fd < 0)
    return sk_error_set(err, errno, "memfd_create");
  while (off < len) {
    ssize_t w = write(fd, txt + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      int saved = errno;
      close(fd);
      return sk_error_set(err, saved, "writing the hardened process file");
    }
    off += (size_t)w;
  }
  if (asprintf(path, "/proc/self/fd/%d", fd) < 0) {
    close(fd);
    return sk_error_set(err, ENOMEM, "exec");
  }
  return 0;
}

static int process_memfd(const struct json *process, char **path, struct sk_error **err) {
  cleanup_free char *txt = NULL;
  size_t len;
  if (json_gen(process, &txt, &len, err) < 0)
    return -1;
  return bytes_memfd(txt, len, path, err);
}

/* Swap the --process file for path, in whichever form it was given. */
static int swap_process_arg(struct cli *c, char *path, struct sk_error **err) {
  char *arg;
  if (strcmp(c->argv[c->process_index], c->process) == 0)
    arg = path;
  else if (asprintf(&arg, "--process=%s", path) < 0)
    return sk_error_set(err, ENOMEM, "exec");
  c->argv[c->process_index] = arg;
  return 0;
}

/* The process file as read, unchanged, for the runtime: a pipe (bash's
 * <(...)) has been read to its end and cannot be read again. */
static int pass_unchanged(struct sk_ctx *ctx, bool regular, const char *raw, size_t len, struct sk_error **err) {
  char *path = NULL;
  if (regular)
    return runtime_exec(ctx->cfg, ctx->cli.argv, err);
  if (bytes_memfd(raw, len, &path, err) < 0 || swap_process_arg(&ctx->cli, path, err) < 0)
    return -1;
  return runtime_exec(ctx->cfg, ctx->cli.argv, err);
}

/* exec with --process FILE (a file, a pipe or a socket) */
static int exec_process_file(struct sk_ctx *ctx, const struct profile *p, const struct container *ct, const char *dir,
                             struct sk_error **err) {
  struct cli *c = &ctx->cli;
  cleanup_free char *raw = NULL;
  cleanup_free char *path = NULL;
  cleanup_json struct json *proc = NULL;
  struct findings f = {0};
  enum sk_mode mode = ct->mode;
  bool regular = true;
  size_t len;

  if (read_file_or_pipe(c->process, &regular, &raw, &len, err) < 0)
    return -1;
  if (json_parse(raw, len, &proc, err) < 0)
    return sk_error_wrap(err, "%s", c->process);
  if (!json_is(proc, JSON_OBJECT))
    return sk_error_set(err, 0, "%s: expected a JSON object (an OCI process)", c->process);
  if (judge_process(proc, p, &f, err) < 0) {
    findings_clear(&f);
    return sk_error_wrap(err, "%s", c->process);
  }
  if (mode == SK_MODE_ENFORCE && findings_count(&f, FINDING_REFUSE) > 0) {
    report_findings(ctx, c->id, ct->spec, p, mode, &f, true);
    findings_clear(&f);
    return 1;
  }
  report_findings(ctx, c->id, ct->spec, p, mode, &f, false);
  findings_clear(&f);
  if (mode != SK_MODE_ENFORCE)
    return pass_unchanged(ctx, regular, raw, len, err);
  if (harden_process(proc, p, NULL, err) < 0)
    return sk_error_wrap(err, "%s", c->process);
  if (lsm_exec_process(dir, proc, err) < 0) /* LSM layer */
    return sk_error_wrap(err, "%s", c->process);
  if (process_memfd(proc, &path, err) < 0 || swap_process_arg(c, path, err) < 0)
    return -1;
  path = NULL; /* argv's until exec */
  return runtime_exec(ctx->cfg, c->argv, err);
}

/* exec with the command on the command line: the process comes from the
 * (hardened) config.json; only --user and --cap can loosen it. */
/* One --cap of exec: within the profile, or refused (enforce) or reported. */
static int exec_cap(const struct cli *c, const struct profile *p, enum sk_mode mode, const char *cap, int *refused,
                    struct sk_error **err) {
  cleanup_free char *canon = NULL;
  if (caps_canonical(cap, &canon, err) < 0)
    return sk_error_wrap(err, "exec --cap");
  if (profile_has_cap(p, canon))
    return 0;
  if (mode == SK_MODE_ENFORCE) {
    log_msg(LOG_ERROR, "refusing exec in \"%s\": SK-CAP-%s: --cap %s is outside profile \"%s\"", c->id,
            caps_is_dangerous(canon) ? "DANGEROUS" : "EXTRA", canon, p->name);
    (*refused)++;
  } else {
    log_msg(LOG_INFO, "complain: SK-CAP-EXTRA: exec in \"%s\" adds %s", c->id, canon);
  }
  return 0;
}

static int exec_args(struct sk_ctx *ctx, const struct profile *p, const struct container *ct, struct sk_error **err) {
  struct cli *c = &ctx->cli;
  cleanup_free char *remap = NULL;
  cleanup_free char *user_flag = NULL;
  cleanup_free char **argv = NULL;
  enum sk_mode mode = ct->mode;
  int i, n, refused = 0;

  if (c->user) {
    char *end = NULL;
    unsigned long uid = strtoul(c->user, &end, 10);
    if (end == c->user || (*end != '\0' && *end != ':'))
      return sk_error_set(err, 0, "exec --user \"%s\": expected UID[:GID] in numbers", c->user);
    if (uid == 0 && !p->allow_root) {
      if (mode == SK_MODE_ENFORCE && p->has_user) {
        if (asprintf(&remap, "%u:%u", p->uid, p->gid) < 0)
          return sk_error_set(err, ENOMEM, "exec");
        log_msg(LOG_INFO, "exec in \"%s\": --user 0 runs as %s (profile \"%s\")", c->id, remap, p->name);
      } else if (mode == SK_MODE_ENFORCE) {
        log_msg(LOG_ERROR, "refusing exec in \"%s\": SK-USER-ROOT: --user 0 and profile \"%s\" does not allow root",
                c->id, p->name);
        refused++;
      } else {
        log_msg(LOG_INFO, "complain: SK-USER-ROOT: exec in \"%s\" as uid 0", c->id);
      }
    }
  }
  for (i = 0; i < c->n_caps; i++)
    if (exec_cap(c, p, mode, c->caps[i], &refused, err) < 0)
      return -1;
  if (refused)
    return 1;
  if (remap) {
    /* The uid is a value of its own word or of "--user=0"/"-u=0". */
    char *arg = remap;
    if (strcmp(c->argv[c->user_index], c->user) != 0) {
      const char *eq = strchr(c->argv[c->user_index], '=');
      if (asprintf(&arg, "%.*s%s", (int)(eq - c->argv[c->user_index] + 1), c->argv[c->user_index], remap) < 0)
        return sk_error_set(err, ENOMEM, "exec");
    } else {
      remap = NULL; /* now owned by argv until exec */
    }
    c->argv[c->user_index] = arg;
  }
  if (mode != SK_MODE_ENFORCE)
    return runtime_exec(ctx->cfg, c->argv, err);

  /* Say explicitly what runc takes from config.json and crun does not:
   * the container's user and no new privileges. */
  argv = calloc((size_t)c->argc + 3, sizeof(*argv));
  if (argv == NULL || (c->user == NULL && asprintf(&user_flag, "--user=%llu:%llu", (unsigned long long)ct->uid,
                                                   (unsigned long long)ct->gid) < 0))
    return sk_error_set(err, ENOMEM, "exec");
  for (i = 0, n = 0; i < c->argc; i++) {
    argv[n++] = c->argv[i];
    if (i == c->cmd_index) {
      if (!p->admit.new_privileges) /* a privileged profile admits it */
        argv[n++] = (char *)"--no-new-privs";
      if (user_flag)
        argv[n++] = user_flag;
    }
  }
  argv[n] = NULL;
  return runtime_exec(ctx->cfg, argv, err);
}

static void report_supervisor_gone(const struct sk_ctx *ctx, const struct profile *p, const struct container *ct,
                                   enum sk_mode mode, pid_t sup) {
  char msg[128];
  struct event_subject subj = {.container = ctx->cli.id,
                               .spec = ct->spec,
                               .profile = p->name,
                               .profile_sha256 = p->sha256,
                               .mode = mode_name(mode)};
  struct event_what w = {
      .type = "supervisor", .decision = "info", .mechanism = "supervisor", .message = msg, .severity = "error"};
  cleanup_json struct json *ev = NULL;
  cleanup_error struct sk_error *e = NULL;
  snprintf(msg, sizeof(msg), "supervisor pid %d is gone; new programs in the container fail with ENOSYS", (int)sup);
  ev = event_build(&subj, &w, NULL);
  if (ev == NULL || event_detail_str(ev, "event", "gone") < 0 || event_detail_int(ev, "supervisorPid", sup) < 0)
    return;
  if (event_emit(ctx->cfg, ev, &e) < 0)
    log_msg(LOG_WARNING, "%s", e->msg);
}

/* Does the runtime know container id? `RUNTIME [global flags] state ID`,
 * with the global flags of this command line (--root and the rest). */
static bool runtime_has_container(const struct sk_ctx *ctx) {
  const struct cli *c = &ctx->cli;
  cleanup_free char **argv = calloc((size_t)c->cmd_index + 3, sizeof(*argv));
  cleanup_error struct sk_error *e = NULL;
  int i, status;

  if (argv == NULL)
    return true; /* cannot tell: refuse, as for a container we do not know */
  for (i = 0; i < c->cmd_index; i++)
    argv[i] = c->argv[i];
  argv[i++] = (char *)"state";
  argv[i++] = (char *)c->id;
  argv[i] = NULL;
  if (runtime_quiet(ctx->cfg, argv, &status, &e) < 0)
    return true;
  return status == 0;
}

/* exec into a container stockade has no state for. If the runtime has no
 * such container either, the runtime's own exec fails the same way it
 * would without stockade (runc: status 255), so it is run to say so.
 * Else the container was not made through stockade: refused. */
static int exec_unknown(struct sk_ctx *ctx, const char *dir, struct sk_error **err) {
  struct stat st;
  cleanup_free char *meta = NULL;

  if (runtime_has_container(ctx))
    return sk_error_wrap(err,
                         "refusing exec in \"%s\": stockade has no state for it (was it created through "
                         "stockade, with the same --root?)",
                         ctx->cli.id);
  /* A state that is there but unusable is refused; so is one a create of
   * this id racing with us has just written (it writes the state before
   * the runtime makes the container): look once more, closest to the exec. */
  if (asprintf(&meta, "%s/meta.json", dir) < 0)
    return sk_error_set(err, ENOMEM, "exec");
  if (stat(meta, &st) == 0 || errno != ENOENT)
    return sk_error_wrap(err, "refusing exec in \"%s\": stockade's state for it cannot be used", ctx->cli.id);
  sk_error_free(err);
  return runtime_exec(ctx->cfg, ctx->cli.argv, err);
}

/* Is the container still there to exec in, by the runtime's own word
 * ("created", "running", "paused")? Asked only once its supervisor is
 * gone: a container that has stopped took its supervisor along, and the
 * runtime refuses an exec in it with its own message and status. When
 * the runtime cannot say, it counts as live (the exec is then refused). */
static bool container_live(const struct sk_ctx *ctx) {
  char *argv[6];
  cleanup_free char *out = NULL;
  cleanup_json struct json *st = NULL;
  cleanup_error struct sk_error *e = NULL;
  const char *status;
  size_t len;
  int rc, n = 0;

  argv[n++] = ctx->cfg->runtime;
  if (ctx->cli.root) {
    argv[n++] = "--root";
    argv[n++] = (char *)ctx->cli.root;
  }
  argv[n++] = "state";
  argv[n++] = (char *)ctx->cli.id;
  argv[n] = NULL;
  if (runtime_capture(ctx->cfg, argv, &out, &len, &rc, &e) < 0)
    return true;
  if (rc != 0)
    return false; /* the runtime no longer knows it */
  if (json_parse(out, len, &st, &e) < 0 || (status = json_string(json_get(st, "status"))) == NULL)
    return true;
  return strcmp(status, "stopped") != 0;
}

int cmd_exec(struct sk_ctx *ctx, struct sk_error **err) {
  cleanup_free char *dir = NULL;
  cleanup_profile struct profile *p = NULL;
  cleanup_container struct container ct = {.mode = ctx->mode};

  if (ctx->cli.id == NULL)
    return runtime_exec(ctx->cfg, ctx->cli.argv, err); /* the runtime explains its usage */
  if (state_dir(ctx->cfg, ctx->cli.root, ctx->cli.id, &dir, err) < 0)
    return -1;
  if (load_container(ctx, dir, &p, &ct, err) < 0) {
    if (ctx->mode != SK_MODE_ENFORCE) {
      log_msg(LOG_WARNING, "exec in \"%s\": %s; running it unchanged (%s mode)", ctx->cli.id, (*err)->msg,
              mode_name(ctx->mode));
      sk_error_free(err);
      return runtime_exec(ctx->cfg, ctx->cli.argv, err);
    }
    return exec_unknown(ctx, dir, err);
  }
  /* A supervised container whose supervisor is gone fails every exec
   * closed (ENOSYS from the kernel); say so plainly instead. */
  {
    pid_t sup;
    if (sup_alive(dir, &sup) == 0) {
      if (!container_live(ctx))
        return runtime_exec(ctx->cfg, ctx->cli.argv, err);
      log_msg(LOG_ERROR,
              "exec in \"%s\": its supervisor (pid %d) is gone, so the kernel fails every new program in the "
              "container (ENOSYS); the container can only be stopped and started again",
              ctx->cli.id, (int)sup);
      report_supervisor_gone(ctx, p, &ct, ct.mode, sup);
      if (ct.mode == SK_MODE_ENFORCE)
        return 1;
    }
  }
  if (ctx->cli.process)
    return exec_process_file(ctx, p, &ct, dir, err);
  return exec_args(ctx, p, &ct, err);
}

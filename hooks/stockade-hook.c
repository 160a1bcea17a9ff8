/* SPDX-License-Identifier: Apache-2.0 */
/* stockade-hook: the fanotify half of the supervisor as an OCI hook, for
 * nodes where the runtime cannot be replaced (CRI-O or podman hooks.d, a
 * spec's own hooks).
 *
 *   createRuntime / prestart: read the container's state (stdin), mark
 *     every mount of its root for FAN_OPEN_EXEC_PERM through
 *     /proc/<pid>/root, start the supervisor with fanotify alone
 *     (shim/supervisor/sup.c, sup_start: double fork, own session, stdio
 *     /dev/null) and exit 0 only once the marks are in place. Any failure exits 1 with one line on stderr: the runtime
 * then refuses to start the container (fail closed). poststop: stop that container's hook supervisor, remove its state.
 *
 * The stage is the first argument, or, without one, the state's status
 * ("creating": attach; "stopped": stop).
 *
 * Who owns what:
 * - The fanotify fd is opened and the mounts marked here, in the hook
 *   process, so that a failure is the hook's exit status; the supervisor
 *   inherits it. The marks live as long as that fd: when the supervisor
 *   exits or is killed, the kernel stops asking (fail open; there is no
 *   seccomp listener to fail closed here: see docs/security.md).
 * - A pidfd of the container's init (the state's pid) tells the supervisor
 *   when the container is over; it then removes its own state.
 * - /proc/<pid>/mountinfo, polled for POLLPRI: the runtime's pivot_root
 *   and its masking mounts come after the hook; each change is marked.
 * The supervisor is double-forked (reparented to init or the engine's
 * subreaper, which reaps it) and has no children; its loop, its events and
 * its decisions are the runtime's supervisor's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/fan.h"
#include "stockade/harden.h"
#include "stockade/log.h"
#include "stockade/mounts.h"
#include "stockade/spec.h"
#include "stockade/state.h"
#include "stockade/supervisor.h"
#include "stockade/sys.h"

#ifndef STOCKADE_VERSION
#define STOCKADE_VERSION "unknown"
#endif

#define HOOK_DIR_NAME "hook" /* <stateDir>/hook/<key>/ */
#define HOOK_KEY_SALT "stockade-hook"
#define STATE_MAX (1u << 20) /* the runtime's state JSON on stdin */

/* What the runtime tells a hook on stdin (OCI state). */
struct hook_state {
  struct json *json;
  const char *id, *bundle, *status;
  pid_t pid; /* 0 when absent */
};

static void hook_state_free(struct hook_state *s) { json_free(s->json); }

static int read_stdin(char **out, size_t *len, struct sk_error **err) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  if (buf == NULL)
    return sk_error_set(err, ENOMEM, "the container state");
  for (;;) {
    ssize_t r;
    if (n + 1 >= cap) {
      char *more;
      if (cap >= STATE_MAX) {
        free(buf);
        return sk_error_set(err, EFBIG, "the container state on stdin is larger than %u bytes", STATE_MAX);
      }
      more = realloc(buf, cap * 2);
      if (more == NULL) {
        free(buf);
        return sk_error_set(err, ENOMEM, "the container state");
      }
      buf = more;
      cap *= 2;
    }
    r = read(0, buf + n, cap - 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int e = errno;
      free(buf);
      return sk_error_set(err, e, "cannot read the container state from stdin");
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

static int state_parse(struct hook_state *s, struct sk_error **err) {
  cleanup_free char *buf = NULL;
  size_t len = 0;
  int64_t pid = 0;
  const struct json *jp;

  memset(s, 0, sizeof(*s));
  if (read_stdin(&buf, &len, err) < 0)
    return -1;
  if (len == 0)
    return sk_error_set(err, 0,
                        "stdin is empty: an OCI hook gets the container's state there; run stockade-hook as a "
                        "hook of the runtime (spec hooks, or a hooks.d file)");
  if (json_parse(buf, len, &s->json, err) < 0)
    return sk_error_wrap(err, "the container state on stdin is not JSON");
  if (!json_is(s->json, JSON_OBJECT))
    return sk_error_set(err, 0, "the container state on stdin is not a JSON object");
  s->id = json_string(json_get(s->json, "id"));
  s->bundle = json_string(json_get(s->json, "bundle"));
  s->status = json_string(json_get(s->json, "status"));
  if (s->id == NULL || s->id[0] == '\0' || strchr(s->id, '/'))
    return sk_error_set(err, 0, "the container state on stdin: field id: missing or not a container id");
  if (s->bundle == NULL || s->bundle[0] != '/')
    return sk_error_set(err, 0, "the container state on stdin: field bundle: missing or not an absolute path");
  jp = json_get(s->json, "pid");
  if (jp && (!json_int64(jp, &pid) || pid < 0 || pid > INT_MAX))
    return sk_error_set(err, 0, "the container state on stdin: field pid: not a process id");
  s->pid = (pid_t)pid;
  return 0;
}

/* <stateDir>/hook/<32 hex of SHA-256("stockade-hook", bundle, id)>: the
 * createRuntime and poststop calls of one container find the same place,
 * and no runtime state directory of stockade's is ever this one. */
static int hook_dir(const struct sk_config *cfg, const struct hook_state *s, char **out, struct sk_error **err) {
  char key[STATE_KEY_LEN + 1];
  state_key(HOOK_KEY_SALT, s->bundle, s->id, key);
  if (asprintf(out, "%s/%s/%s", cfg->state_dir, HOOK_DIR_NAME, key) < 0)
    return sk_error_set(err, ENOMEM, "state directory");
  return 0;
}

/* Remove a hook state directory, and <stateDir>/hook when it is empty. */
static void hook_dir_remove(const char *dir) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *parent = strdup(dir);
  char *slash = parent ? strrchr(parent, '/') : NULL;
  if (state_remove(dir, &err) < 0)
    log_msg(LOG_WARNING, "%s", err->msg);
  if (slash) {
    *slash = '\0';
    (void)rmdir(parent); /* ENOTEMPTY: another container's hook is there */
  }
}

/* The bundle's spec, and the container's root path as the runtime sees
 * it (root.path, relative to the bundle unless absolute, symlinks
 * resolved: runc pivots into exactly that path). */
static int bundle_root(const struct hook_state *s, struct json **spec, char **root, struct sk_error **err) {
  cleanup_free char *specfile = NULL;
  cleanup_free char *raw = NULL;
  cleanup_free char *joined = NULL;
  cleanup_json struct json *j = NULL;
  const char *rp;
  size_t raw_len;

  if (asprintf(&specfile, "%s/config.json", s->bundle) < 0)
    return sk_error_set(err, ENOMEM, "spec");
  if (spec_load(specfile, &j, &raw, &raw_len, err) < 0)
    return -1;
  rp = json_string(json_get_path(j, "root", "path", NULL));
  if (rp == NULL || rp[0] == '\0')
    return sk_error_set(err, 0, "%s: field root.path: missing; the container has no root file system to watch",
                        specfile);
  if (rp[0] == '/')
    joined = strdup(rp);
  else if (asprintf(&joined, "%s/%s", s->bundle, rp) < 0)
    joined = NULL;
  if (joined == NULL)
    return sk_error_set(err, ENOMEM, "spec");
  *root = realpath(joined, NULL);
  if (*root == NULL)
    return sk_error_set(err, errno, "%s: field root.path: %s: %s", specfile, joined, strerror(errno));
  *spec = steal_pointer(&j);
  return 0;
}

static int write_meta(const char *dir, const struct hook_state *s, const char *root, const struct profile *p,
                      enum sk_mode mode, struct sk_error **err) {
  cleanup_json struct json *m = json_new(JSON_OBJECT);
  cleanup_free char *txt = NULL;
  size_t len;
  if (m == NULL || json_set(m, "id", json_new_string(s->id)) < 0 ||
      json_set(m, "bundle", json_new_string(s->bundle)) < 0 || json_set(m, "pid", json_new_int(s->pid)) < 0 ||
      json_set(m, "rootfs", json_new_string(root)) < 0 || json_set(m, "profile", json_new_string(p->name)) < 0 ||
      json_set(m, "profileSha256", json_new_string(p->sha256)) < 0 ||
      json_set(m, "mode", json_new_string(mode_name(mode))) < 0 ||
      json_set(m, "supervision", json_new_string("fanotify (OCI hook)")) < 0)
    return sk_error_set(err, ENOMEM, "state");
  if (json_gen(m, &txt, &len, err) < 0)
    return -1;
  return state_write(dir, "meta.json", txt, len, err);
}

/* ---------------------------------------------------------------- the supervisor */

/* The supervisor is the runtime's (shim/supervisor/sup.c, sup_start) with
 * fanotify alone: no socket, no runtime to wait for, no seccomp listener.
 * What the hook adds to its loop: the container's mountinfo (POLLPRI),
 * whose changes are marked, and the removal of its state when the
 * container ends by itself. */
struct hook_sup {
  struct sup_ctx *ctx;
  int root_id;    /* mount id of the container's root file system */
  char *dir;      /* our state directory */
  bool unwatched; /* a mount could not be marked (said once per change) */
};

/* One pass: where the root file system's mount is now (it is the same
 * object before and after pivot_root) and the marks below it. 0: done;
 * 1: the root is not in the mountinfo just read; -1: a mount could not be
 * marked (err). */
static int remark_once(struct hook_sup *h, struct sk_error **err) {
  struct mount_table t = {NULL, 0};
  const struct mount_entry *root;
  int r = 0;

  if (mounts_load(h->ctx->init_pid, &t, err) < 0)
    return -1;
  root = mounts_find(&t, h->root_id);
  if (root == NULL)
    r = 1;
  else if (fan_mark_container_at(h->ctx->fan, h->ctx->init_pid, root->mountpoint, err) < 0)
    r = -1;
  mounts_free(&t);
  return r;
}

/* The container's mounts changed: mark what is new. mountinfo lists only
 * the mounts reachable from the process's root as it was when the file was
 * opened, so a read that straddles the runtime's pivot_root (or a mount
 * made and removed again) can miss the root or list a mount that is gone:
 * such a pass is tried again a few times before anything is reported.
 * Every later change raises POLLPRI again, so the last pass always sees the
 * final state. */
static void remark(struct sup_ctx *ctx, void *arg) {
  struct hook_sup *h = arg;
  cleanup_error struct sk_error *err = NULL;
  int r = 0, tries;

  for (tries = 0; tries < 5; tries++) {
    struct timespec pause = {0, 2 * 1000 * 1000};
    sk_error_free(&err);
    r = remark_once(h, &err);
    if (r == 0)
      break;
    if (kill(h->ctx->init_pid, 0) < 0)
      return; /* the container is ending; its pidfd says so next */
    nanosleep(&pause, NULL);
  }
  if (r == 0) {
    h->unwatched = false;
    return;
  }
  if (r > 0)
    sk_error_set(&err, 0, "its root file system (mount %d) is no longer in its mountinfo", h->root_id);
  log_msg(LOG_ERROR, "container \"%s\": a new mount may not be watched: %s", h->ctx->id, err->msg);
  if (!h->unwatched)
    sup_note(h->ctx, "unwatched-mount", err->msg);
  h->unwatched = true;
}

/* The container ended by itself: nobody may call poststop. */
static void hook_end(struct sup_ctx *ctx, bool init_gone, void *arg) {
  const struct hook_sup *h = arg;
  if (init_gone)
    hook_dir_remove(h->dir);
}

/* ---------------------------------------------------------------- stages */

/* The reference for drift (mounts.h, mounts_clock_stamp): a ctime the
 * kernel stamps on a file of the hook's state, then a wait until the
 * clock has passed it, so that nothing the container writes once it runs
 * carries the same ctime. The container runs nothing before this hook
 * returns. */
static int stamp_start(const char *dir, struct timespec *started, struct sk_error **err) {
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  if (asprintf(&path, "%s/clock", dir) < 0)
    return sk_error_set(err, ENOMEM, "hook state");
  fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return sk_error_set(err, errno, "cannot create %s", path);
  if (mounts_clock_stamp(fd, started, err) < 0)
    return sk_error_wrap(err, "%s", path);
  if (!mounts_clock_settle(started, 100))
    log_msg(LOG_WARNING, "the clock did not pass the start reference within 100 ms (was it set back?)");
  return 0;
}

static int attach(const struct sk_config *cfg, const char *argv0, struct hook_state *s, struct sk_error **err) {
  cleanup_json struct json *spec = NULL;
  cleanup_json struct json *ann_holder = NULL;
  cleanup_free char *root = NULL;
  cleanup_free char *dir = NULL;
  cleanup_free char *specfile = NULL;
  cleanup_profile struct profile *p = NULL;
  cleanup_close int pidfd = -1;
  cleanup_close int mountsfd = -1;
  const struct json *ann;
  struct hook_sup h = {.root_id = -1};
  struct sup_watch w = {.name = "stockade-hook",
                        .listen_fd = -1,
                        .runtime_pidfd = -1,
                        .clock_fd = -1,
                        .extra_events = EPOLLPRI,
                        .on_extra = remark,
                        .on_end = hook_end,
                        .arg = &h};
  struct sup_ctx ctx;
  enum sk_mode mode;
  pid_t sup = -1, old;
  char path[64];
  size_t i;
  int name_mode, ready = -1;

  if (s->pid <= 0)
    return sk_error_set(err, 0,
                        "the container state on stdin has no pid: stockade-hook must run at createRuntime or "
                        "prestart, when the container's init exists");
  if (bundle_root(s, &spec, &root, err) < 0)
    return -1;
  /* The runtime's state carries the spec's annotations; an older one may
   * not, then the spec's are the same. */
  ann = json_get(s->json, "annotations");
  if (ann == NULL)
    ann = json_get(spec, "annotations");
  ann_holder = json_new(JSON_OBJECT);
  if (ann_holder == NULL || (ann && json_set(ann_holder, "annotations", json_copy(ann)) < 0))
    return sk_error_set(err, ENOMEM, "annotations");
  if (asprintf(&specfile, "%s/config.json", s->bundle) < 0)
    return sk_error_set(err, ENOMEM, "spec");
  name_mode = mode_from_argv0(argv0);
  if (config_choose(cfg, name_mode >= 0 ? (enum sk_mode)name_mode : cfg->default_mode, ann, specfile, &p, &mode, err) <
      0)
    return -1;
  if (mode == SK_MODE_OFF)
    return 0;
  if (mode == SK_MODE_LEARN)
    return sk_error_set(err, 0,
                        "mode learn: stockade-hook cannot learn (it sees no system calls, only exec opens); use "
                        "the runtime stockade-learn, or mode enforce or complain for the hook");
  if (hook_dir(cfg, s, &dir, err) < 0)
    return -1;
  if (sup_alive(dir, &old) == 1)
    return sk_error_set(err, EEXIST, "container \"%s\" (bundle %s) is supervised already by stockade-hook pid %d",
                        s->id, s->bundle, (int)old);
  hook_dir_remove(dir); /* a stale one, from a supervisor that was killed */

  memset(&ctx, 0, sizeof(ctx));
  ctx.cfg = cfg;
  ctx.profile = p;
  ctx.blocklist = (struct blocklist){cfg->block_hashes, cfg->n_block_hashes};
  ctx.mode = mode;
  ctx.id = (char *)s->id;
  ctx.state_dir = dir;
  ctx.spec = ann_holder;
  ctx.init_pid = s->pid;
  ctx.init_pidfd = -1;

  pidfd = pidfd_open(s->pid, 0);
  if (pidfd < 0)
    return sk_error_set(err, errno, "container \"%s\": its init (pid %d) is gone: %s", s->id, (int)s->pid,
                        strerror(errno));
  if (state_prepare(dir, err) < 0 || write_meta(dir, s, root, p, mode, err) < 0 ||
      stamp_start(dir, &ctx.started, err) < 0)
    goto fail;
  if (fan_open(&ctx.fan, err) < 0) {
    sk_error_wrap(err, "stockade-hook needs fanotify permission events");
    goto fail;
  }
  fan_set_hash_limits(ctx.fan, cfg->hash_max_bytes, cfg->hash_max_ms);
  if (fan_mark_container_at(ctx.fan, s->pid, root, err) < 0) {
    sk_error_wrap(err, "container \"%s\": cannot watch its mounts", s->id);
    goto fail;
  }
  for (i = 0; i < fan_mounts(ctx.fan)->n; i++)
    if (fan_mounts(ctx.fan)->v[i].is_root)
      h.root_id = fan_mounts(ctx.fan)->v[i].id;
  if (h.root_id < 0) {
    sk_error_set(err, 0, "container \"%s\": no mount of process %d is at its root %s", s->id, (int)s->pid, root);
    goto fail;
  }
  snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)s->pid);
  mountsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (mountsfd < 0) {
    sk_error_set(err, errno, "container \"%s\": %s: %s", s->id, path, strerror(errno));
    goto fail;
  }
  ctx.init_pidfd = pidfd;
  h.ctx = &ctx;
  h.dir = dir;
  w.extra_fd = mountsfd;
  /* Ready (sup_ready: its pid in sup.pid) once its loop runs: the hook
   * may then exit 0. */
  if (sup_start(&ctx, &w, &ready, err) < 0 || sup_ready(dir, ready, &sup, err) < 0)
    goto fail;
  fan_close(ctx.fan);
  return 0;

fail:
  fan_close(ctx.fan); /* the marks go with the last fd of the group */
  hook_dir_remove(dir);
  return -1;
}

static int detach(const struct sk_config *cfg, const struct hook_state *s, struct sk_error **err) {
  cleanup_free char *dir = NULL;
  if (hook_dir(cfg, s, &dir, err) < 0)
    return -1;
  if (sup_stop(dir, true, err) < 0)
    return -1;
  hook_dir_remove(dir);
  return 0;
}

static void usage(FILE *f) {
  fprintf(f, "usage: stockade-hook [createRuntime|prestart|poststop]\n"
             "  An OCI hook: reads the container's state (OCI state JSON) on stdin.\n"
             "  createRuntime, prestart: watch the container's executions (fanotify) until it ends;\n"
             "    exit 0 only once every mount of its root is watched.\n"
             "  poststop: stop watching it and remove the hook's state.\n"
             "  Without a stage, the state's status decides (creating, stopped).\n"
             "  Config: $STOCKADE_CONFIG or " SK_CONFIG_DEFAULT " (profileDir, defaultProfile,\n"
             "  defaultMode, stateDir, eventFile); profile from annotation " SK_ANN_PROFILE ".\n");
}

int main(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {0}};
  cleanup_config struct sk_config *cfg = NULL;
  struct hook_state s = {0};
  cleanup_error struct sk_error *err = NULL;
  const char *stage = NULL;
  int c, r;

  if (stdio_hold() < 0) {
    fprintf(stderr,
            "stockade-hook: stdin, stdout or stderr is closed and /dev/null cannot be opened in its place: %s\n",
            strerror(errno));
    return 1;
  }

  opterr = 0;
  while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
    switch (c) {
    case 'h':
      usage(stdout);
      return 0;
    case 'V':
      printf("stockade-hook %s\n", STOCKADE_VERSION);
      return 0;
    default:
      fprintf(stderr, "stockade-hook: unknown flag %s; see stockade-hook --help\n", argv[optind - 1]);
      return 2;
    }
  }
  if (optind < argc)
    stage = argv[optind++];
  if (optind < argc || (stage && strcmp(stage, "createRuntime") != 0 && strcmp(stage, "prestart") != 0 &&
                        strcmp(stage, "poststop") != 0)) {
    fprintf(stderr, "stockade-hook: unknown stage \"%s\"; use createRuntime, prestart or poststop\n",
            optind < argc ? argv[optind] : stage);
    return 2;
  }

  r = state_parse(&s, &err);
  if (r == 0 && stage == NULL) {
    if (s.status && strcmp(s.status, "creating") == 0)
      stage = "createRuntime";
    else if (s.status && strcmp(s.status, "stopped") == 0)
      stage = "poststop";
    else
      r = sk_error_set(&err, 0,
                       "container \"%s\": status \"%s\" does not tell the stage; give createRuntime, prestart or "
                       "poststop as the hook's first argument",
                       s.id, s.status ? s.status : "");
  }
  if (r == 0)
    r = config_load(config_path(), &cfg, &err);
  if (r == 0) {
    if (strcmp(stage, "poststop") == 0)
      r = detach(cfg, &s, &err);
    else
      r = attach(cfg, argv[0], &s, &err);
  }
  if (r < 0) {
    fprintf(stderr, "stockade-hook: %s%s\n", err && err->msg ? err->msg : "unknown error",
            stage && strcmp(stage, "poststop") == 0 ? "" : "; refusing to start the container");
    hook_state_free(&s);
    return 1;
  }
  hook_state_free(&s);
  return 0;
}

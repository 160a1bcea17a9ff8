/* SPDX-License-Identifier: Apache-2.0 */
/* The Landlock layer, create side: what stockade-init is told, how it is
 * put in front of the entrypoint, and the "landlock" event. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/compat.h"
#include "stockade/events.h"
#include "stockade/landlock.h"
#include "stockade/log.h"
#include "stockade/spec.h"
#include "stockade/str.h"

#define OOM(err) sk_error_set(err, ENOMEM, "landlock")

int landlock_kernel_abi(const char **why) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi > 0)
    return abi > INT_MAX ? INT_MAX : (int)abi;
  if (why)
    *why = errno == EOPNOTSUPP ? "Landlock is built into the kernel but not active (not in lsm= at boot)"
           : errno == ENOSYS   ? "the kernel has no Landlock"
                               : "landlock_create_ruleset failed";
  return 0;
}

int landlock_abi(const struct sk_config *cfg, int *kernel_abi, const char **why) {
  int k = landlock_kernel_abi(why);
  if (kernel_abi)
    *kernel_abi = k;
  if (cfg && cfg->landlock_abi >= 0 && cfg->landlock_abi < k) {
    if (cfg->landlock_abi == 0 && why)
      *why = "the node's config sets landlockAbi to 0";
    return cfg->landlock_abi;
  }
  return k;
}

static void add_name(char *buf, size_t size, const char *name) {
  size_t n = strlen(buf);
  snprintf(buf + n, size - n, "%s%s", n ? ", " : "", name);
}

void landlock_describe(const struct profile *p, int abi, struct landlock_report *r) {
  static const struct {
    const char *name;
    int abi;
  } feat[] = {{"filesystem", 1}, {"refer", 2}, {"truncate", 3}, {"tcp", 4}, {"ioctl-dev", 5}, {"scope", 6}};
  size_t i;

  memset(r, 0, sizeof(*r));
  r->abi = abi;
  for (i = 0; i < sizeof(feat) / sizeof(feat[0]); i++) {
    if (feat[i].abi == 4 && !p->has_network)
      continue; /* no TCP rules asked for */
    if (abi >= feat[i].abi)
      add_name(r->applied, sizeof(r->applied), feat[i].name);
    else
      add_name(r->missing, sizeof(r->missing), feat[i].name);
  }
  r->blocking = abi == 0 || (p->has_network && abi < 4);
}

/* The directory a path lives in ("/usr/bin/x" -> "/usr/bin"). */
static char *dir_of(const char *path) {
  char *d = strdup(path);
  char *s = d ? strrchr(d, '/') : NULL;
  if (s == NULL)
    return d;
  if (s == d)
    s[1] = '\0';
  else
    *s = '\0';
  return d;
}

int landlock_init_path(const struct sk_config *cfg, char **out, struct sk_error **err) {
  char self[PATH_MAX];
  cleanup_free char *dir = NULL;
  char *cand = NULL;
  ssize_t n;

  if (cfg->init_path) {
    if (access(cfg->init_path, X_OK) < 0)
      return sk_error_set(err, errno, "%s: initPath %s: %s; build it (make) or fix the field", cfg->path,
                          cfg->init_path, strerror(errno));
    *out = strdup(cfg->init_path);
    return *out ? 0 : OOM(err);
  }
  n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0)
    return sk_error_set(err, errno, "cannot find %s: /proc/self/exe: %s", SK_INIT_NAME, strerror(errno));
  self[n] = '\0';
  dir = dir_of(self);
  if (dir == NULL)
    return OOM(err);
  if (asprintf(&cand, "%s/%s", dir, SK_INIT_NAME) < 0)
    return OOM(err);
  if (access(cand, X_OK) == 0) {
    *out = cand;
    return 0;
  }
  free(cand);
  if (asprintf(&cand, "%s/../libexec/stockade/%s", dir, SK_INIT_NAME) < 0)
    return OOM(err);
  if (access(cand, X_OK) == 0) {
    *out = path_clean(cand);
    free(cand);
    return *out ? 0 : OOM(err);
  }
  free(cand);
  return sk_error_set(err, ENOENT,
                      "cannot find %s beside %s or in %s/../libexec/stockade; install it (make install) or set "
                      "initPath in %s",
                      SK_INIT_NAME, self, dir, cfg->path);
}

static int push(struct json *arr, const char *a, const char *b) {
  if (json_append(arr, json_new_string(a)) < 0)
    return -1;
  return b ? json_append(arr, json_new_string(b)) : 0;
}

static bool has_dest(const struct json *mounts, const char *dest) {
  for (size_t i = 0; json_is(mounts, JSON_ARRAY) && i < mounts->n; i++) {
    const char *d = json_string(json_get(mounts->items[i], "destination"));
    if (d && strcmp(d, dest) == 0)
      return true;
  }
  return false;
}

/* The part of an exec.allow glob before its first wildcard segment:
 * "/usr/lib/x/ld-*" -> "/usr/lib/x"; a plain path is itself. */
static char *glob_prefix(const char *glob) {
  size_t n = strcspn(glob, "*?[");
  char *p;
  if (glob[n] == '\0')
    return strdup(glob);
  p = strndup(glob, n);
  if (p == NULL)
    return NULL;
  /* Back to the last '/' before the wildcard. */
  char *s = strrchr(p, '/');
  if (s == p)
    s[1] = '\0';
  else if (s)
    *s = '\0';
  return p;
}

/* Pseudo file systems writes never go to (their writable files are the
 * kernel's knobs) and that are never executable. */
static bool pseudo_fs(const char *type) {
  return type && (strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0 || strcmp(type, "cgroup") == 0 ||
                  strcmp(type, "cgroup2") == 0);
}

/* Masked files: the runtime bind-mounts /dev/null over each, so writing
 * one succeeds and goes nowhere. Without a rule Landlock would refuse that
 * write (EACCES) where runc and crun let it through; the init grants the
 * write only to a path that really is the null device when it starts. A
 * masked directory is a read-only tmpfs: writes fail there with EROFS
 * before Landlock is asked, as without it. At most SK_INIT_MAX_MASKED: the
 * init takes a bounded list, and a path left out only differs in its
 * error. */
static int masked_args(const struct json *spec, struct json *out) {
  const struct json *mp = json_get_path(spec, "linux", "maskedPaths", NULL);
  size_t i, n = 0;
  for (i = 0; json_is(mp, JSON_ARRAY) && i < mp->n && n < SK_INIT_MAX_MASKED; i++) {
    const char *m = json_string(mp->items[i]);
    if (m == NULL || m[0] != '/')
      continue;
    if (push(out, "-m", m) < 0)
      return -1;
    n++;
  }
  return 0;
}

/* The init's arguments for this profile and spec. */
static int init_args(const struct json *spec, const struct profile *p, int abi, struct json *out) {
  const struct json *mounts = json_get(spec, "mounts");
  char num[24];
  size_t i;

  snprintf(num, sizeof(num), "%d", abi);
  if (push(out, SK_INIT_DEST, NULL) < 0 || push(out, "-a", num) < 0)
    return -1;
  if (p->landlock == PROFILE_NEED_REQUIRED && push(out, "-r", NULL) < 0)
    return -1;
  /* Writes: the profile's writable paths, the spec's other writable
   * mounts (volumes, /dev, /dev/shm), everything with a writable root. */
  if (p->writable_rootfs && push(out, "-w", "/") < 0)
    return -1;
  for (i = 0; i < p->n_writable_paths; i++)
    if (push(out, "-w", p->writable_paths[i].path) < 0 || push(out, "-n", p->writable_paths[i].path) < 0)
      return -1;
  for (i = 0; json_is(mounts, JSON_ARRAY) && i < mounts->n; i++) {
    const struct json *m = mounts->items[i];
    const char *d = json_string(json_get(m, "destination"));
    cleanup_free char *dc = d ? path_clean(d) : NULL;
    if (dc == NULL || dc[0] != '/' || strcmp(dc, "/") == 0 || strcmp(dc, SK_INIT_DEST) == 0)
      continue;
    if (!spec_mount_writable(m))
      continue;
    if (!pseudo_fs(json_string(json_get(m, "type"))) && push(out, "-w", dc) < 0)
      return -1;
    if (push(out, "-n", dc) < 0)
      return -1;
  }
  if (push(out, "-n", "/proc") < 0 || push(out, "-n", "/sys") < 0 || push(out, "-n", "/dev") < 0)
    return -1;
  if (masked_args(spec, out) < 0)
    return -1;
  /* Execution: beneath the directories exec.allow names (the supervisor
   * judges the exact paths and hashes), else anywhere but the above. */
  for (i = 0; p->has_exec_allow && i < p->n_exec_allow; i++) {
    cleanup_free char *pre = glob_prefix(p->exec_allow[i].glob);
    if (pre == NULL || push(out, "-x", pre) < 0)
      return -1;
  }
  if (p->has_network) {
    if (push(out, "-N", NULL) < 0)
      return -1;
    for (i = 0; i < p->n_net_bind; i++) {
      snprintf(num, sizeof(num), "%u", (unsigned)p->net_bind[i]);
      if (push(out, "-b", num) < 0)
        return -1;
    }
    for (i = 0; i < p->n_net_connect; i++) {
      snprintf(num, sizeof(num), "%u", (unsigned)p->net_connect[i]);
      if (push(out, "-c", num) < 0)
        return -1;
    }
  }
  return push(out, "--", NULL);
}

int landlock_harden(struct json *spec, const struct profile *p, int abi, const char *init_path, struct sk_error **err) {
  struct json *process = json_get(spec, "process");
  struct json *args = json_get(process, "args");
  struct json *mounts = json_ensure(spec, "mounts", JSON_ARRAY);
  cleanup_json struct json *nargs = json_new(JSON_ARRAY);
  size_t i, from = 0;

  if (!json_is(args, JSON_ARRAY) || args->n == 0)
    return sk_error_set(err, 0, "process.args: expected a non-empty array (Landlock puts %s in front of it)",
                        SK_INIT_DEST);
  if (mounts == NULL)
    return sk_error_set(err, 0, "mounts: expected an array");
  if (nargs == NULL)
    return OOM(err);
  /* Hardened before: keep only what follows our "--". */
  if (strcmp(json_string(args->items[0]) ? json_string(args->items[0]) : "", SK_INIT_DEST) == 0) {
    for (i = 1; i < args->n; i++)
      if (strcmp(json_string(args->items[i]) ? json_string(args->items[i]) : "", "--") == 0)
        break;
    if (i + 1 >= args->n)
      return sk_error_set(err, 0, "process.args: starts with %s but has no program after \"--\"", SK_INIT_DEST);
    from = i + 1;
  }
  if (init_args(spec, p, abi, nargs) < 0)
    return OOM(err);
  for (i = from; i < args->n; i++) {
    const char *s = json_string(args->items[i]);
    if (s == NULL)
      return sk_error_set(err, 0, "process.args[%zu]: expected a string", i);
    if (push(nargs, s, NULL) < 0)
      return OOM(err);
  }
  if (!has_dest(mounts, SK_INIT_DEST)) {
    struct json *m = json_new(JSON_OBJECT);
    struct json *opts = json_new(JSON_ARRAY);
    if (m == NULL || opts == NULL || json_set(m, "destination", json_new_string(SK_INIT_DEST)) < 0 ||
        json_set(m, "type", json_new_string("bind")) < 0 || json_set(m, "source", json_new_string(init_path)) < 0 ||
        push(opts, "bind", NULL) < 0 || push(opts, "ro", NULL) < 0 || push(opts, "nosuid", NULL) < 0 ||
        push(opts, "nodev", NULL) < 0) {
      json_free(m);
      json_free(opts);
      return OOM(err);
    }
    if (json_set(m, "options", opts) < 0 || json_append(mounts, m) < 0)
      return OOM(err);
  }
  if (json_set(process, "args", steal_pointer(&nargs)) < 0)
    return OOM(err);
  return 0;
}

bool landlock_filter_allows(const struct json *spec, const char *name) {
  const struct json *sc = json_get_path(spec, "linux", "seccomp", NULL);
  const struct json *rules = json_get(sc, "syscalls");
  const char *def;
  size_t i;

  if (sc == NULL || sc->type == JSON_NULL)
    return true;
  for (i = 0; json_is(rules, JSON_ARRAY) && i < rules->n; i++) {
    const struct json *r = rules->items[i];
    const struct json *args = json_get(r, "args");
    const char *action = json_string(json_get(r, "action"));
    if (!json_array_has_string(json_get(r, "names"), name))
      continue;
    if (json_is(args, JSON_ARRAY) && args->n > 0)
      continue; /* conditional: not for the init's arguments to rely on */
    return action && (strcmp(action, "SCMP_ACT_ALLOW") == 0 || strcmp(action, "SCMP_ACT_LOG") == 0);
  }
  def = json_string(json_get(sc, "defaultAction"));
  return def && (strcmp(def, "SCMP_ACT_ALLOW") == 0 || strcmp(def, "SCMP_ACT_LOG") == 0);
}

/* decision: "deny" (a profile that requires Landlock refused), "info"
 * (running without it) or "harden" (applied). */
static void emit(const struct sk_config *cfg, const char *id, const struct json *spec, const struct profile *p,
                 int kernel_abi, const struct landlock_report *r, const char *decision, const char *message) {
  struct event_subject subj = {.container = id,
                               .spec = spec,
                               .profile = p->name,
                               .profile_sha256 = p->sha256,
                               .mode = mode_name(SK_MODE_ENFORCE)};
  struct event_what w = {.type = "landlock", .decision = decision, .mechanism = "landlock", .message = message};
  cleanup_json struct json *ev = event_build(&subj, &w, NULL);
  cleanup_error struct sk_error *err = NULL;

  if (ev == NULL || event_detail_str(ev, "landlock", profile_need_name(p->landlock)) < 0 ||
      event_detail_int(ev, "abi", r->abi) < 0 || event_detail_int(ev, "kernelAbi", kernel_abi) < 0 ||
      event_detail_str(ev, "applied", r->applied) < 0 || event_detail_str(ev, "missing", r->missing) < 0) {
    log_msg(LOG_WARNING, "cannot build the landlock event: out of memory");
    return;
  }
  if (event_emit(cfg, ev, &err) < 0)
    log_msg(LOG_WARNING, "%s", err->msg);
}

/* The layer cannot be had for this container (message says why): refuse
 * a profile that requires it, else say so in an event and the log and run
 * without it. */
static int without_landlock(const struct sk_config *cfg, const char *id, struct json *spec, const struct profile *p,
                            int kabi, const struct landlock_report *r, const char *message, struct sk_error **err) {
  if (p->landlock == PROFILE_NEED_REQUIRED) {
    emit(cfg, id, spec, p, kabi, r, "deny", message);
    return sk_error_set(err, 0, "refusing container \"%s\": profile \"%s\" requires Landlock and %s", id, p->name,
                        message);
  }
  emit(cfg, id, spec, p, kabi, r, "info", message);
  log_msg(LOG_WARNING, "container \"%s\": no Landlock: %s", id, message);
  return 0;
}

int landlock_create(const struct sk_config *cfg, const char *id, struct json *spec, const struct profile *p,
                    dev_t *init_dev, ino_t *init_ino, struct sk_error **err) {
  static const char *const init_calls[] = {"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"};
  struct landlock_report r;
  const char *why = NULL;
  cleanup_free char *init = NULL;
  cleanup_error struct sk_error *perr = NULL;
  char message[512];
  int kabi, abi;
  struct stat st;

  *init_dev = 0;
  *init_ino = 0;
  if (p->landlock == PROFILE_NEED_OFF)
    return 0;
  abi = landlock_abi(cfg, &kabi, &why);
  landlock_describe(p, abi, &r);
  if (abi == 0 || (r.blocking && p->landlock == PROFILE_NEED_REQUIRED)) {
    if (abi == 0)
      snprintf(message, sizeof(message), "Landlock is not available: %s", why ? why : "unknown reason");
    else
      snprintf(message, sizeof(message),
               "Landlock ABI %d has no TCP rules (ABI 4), which profile \"%s\"'s network field needs", abi, p->name);
    if (p->landlock == PROFILE_NEED_REQUIRED) {
      emit(cfg, id, spec, p, kabi, &r, "deny", message);
      return sk_error_set(err, 0,
                          "refusing container \"%s\": profile \"%s\" requires Landlock (\"landlock\": \"required\") "
                          "and %s; fix: run it on a kernel with Landlock (lsm=...,landlock), or set \"landlock\": "
                          "\"optional\" in the profile",
                          id, p->name, message);
    }
    emit(cfg, id, spec, p, kabi, &r, "info", message);
    log_msg(LOG_WARNING, "container \"%s\": %s; running without it (profile \"%s\" has \"landlock\": \"optional\")", id,
            message, p->name);
    return 0;
  }
  for (size_t i = 0; i < sizeof(init_calls) / sizeof(init_calls[0]); i++)
    if (!landlock_filter_allows(spec, init_calls[i])) {
      snprintf(message, sizeof(message),
               "profile \"%s\"'s seccomp filter (intersected with the spec's) does not allow %s, which "
               "stockade-init needs; add the landlock_* syscalls to it",
               p->name, init_calls[i]);
      return without_landlock(cfg, id, spec, p, kabi, &r, message, err);
    }
  if (landlock_init_path(cfg, &init, &perr) < 0 || stat(init, &st) < 0) {
    snprintf(message, sizeof(message), "%s", perr ? perr->msg : strerror(errno));
    return without_landlock(cfg, id, spec, p, kabi, &r, message, err);
  }
  if (landlock_harden(spec, p, abi, init, err) < 0)
    return -1;
  snprintf(message, sizeof(message), "stockade-init confines the entrypoint with Landlock ABI %d%s%s", abi,
           r.missing[0] ? "; this ABI lacks: " : "", r.missing);
  emit(cfg, id, spec, p, kabi, &r, "harden", message);
  *init_dev = st.st_dev;
  *init_ino = st.st_ino;
  return 0;
}

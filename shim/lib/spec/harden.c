/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/caps.h"
#include "stockade/diagnose.h"
#include "stockade/cleanup.h"
#include "stockade/harden.h"
#include "stockade/learn.h"
#include "stockade/seccomp.h"
#include "stockade/spec.h"
#include "stockade/str.h"

#define OOM(err) sk_error_set(err, ENOMEM, "hardening the spec")

/* Keep only the capabilities of set that the profile grants. */
static int cut_set(struct json *set, const struct profile *p, struct sk_error **err) {
  size_t i = 0;
  while (set && i < set->n) {
    cleanup_free char *canon = NULL;
    if (!json_is(set->items[i], JSON_STRING))
      return sk_error_set(err, 0, "process.capabilities: expected strings");
    if (caps_canonical(set->items[i]->str, &canon, err) < 0)
      return sk_error_wrap(err, "process.capabilities");
    if (!profile_has_cap(p, canon)) {
      json_remove_at(set, i);
      continue;
    }
    i++;
  }
  return 0;
}

static int process_harden(struct json *process, const struct profile *p, bool cut_caps, bool *remapped_out,
                          struct sk_error **err);

int harden_process(struct json *process, const struct profile *p, bool *remapped_out, struct sk_error **err) {
  return process_harden(process, p, true, remapped_out, err);
}

static int process_harden(struct json *process, const struct profile *p, bool cut_caps, bool *remapped_out,
                          struct sk_error **err) {
  struct json *user, *caps, *sets[5];
  uint64_t uid = 0;
  size_t i;
  bool root, remapped = false;

  if (!json_is(process, JSON_OBJECT))
    return sk_error_set(err, 0, "process: expected an object");
  if (!p->admit.new_privileges && json_set(process, "noNewPrivileges", json_new_bool(true)) < 0)
    return OOM(err);

  user = json_ensure(process, "user", JSON_OBJECT);
  if (user == NULL)
    return sk_error_set(err, 0, "process.user: expected an object");
  json_uint64(json_get(user, "uid"), &uid);
  root = uid == 0;
  if (root && p->has_user && !p->allow_root) {
    struct json *gids = json_get(user, "additionalGids");
    if (json_set(user, "uid", json_new_int(p->uid)) < 0 || json_set(user, "gid", json_new_int(p->gid)) < 0)
      return OOM(err);
    /* The root group would keep group-owned root files writable. */
    for (i = 0; json_is(gids, JSON_ARRAY) && i < gids->n;) {
      uint64_t g = 1;
      if (json_uint64(gids->items[i], &g) && g == 0)
        json_remove_at(gids, i);
      else
        i++;
    }
    remapped = true;
  }

  /* Learning keeps the engine's capabilities (the recording shows which
   * ones the workload uses); a root process keeps them as they are. */
  if (!cut_caps && !remapped) {
    if (remapped_out)
      *remapped_out = remapped;
    return 0;
  }
  /* Write all five sets explicitly: a missing set must not leave the
   * runtime's idea of a default in force. */
  caps = json_ensure(process, "capabilities", JSON_OBJECT);
  if (caps == NULL)
    return sk_error_set(err, 0, "process.capabilities: expected an object");
  for (i = 0; i < 5; i++) {
    sets[i] = json_ensure(caps, spec_cap_sets[i], JSON_ARRAY);
    if (sets[i] == NULL)
      return sk_error_set(err, 0, "process.capabilities.%s: expected an array", spec_cap_sets[i]);
    if (cut_caps && cut_set(sets[i], p, err) < 0)
      return -1;
  }
  /* A process that the engine meant to run as root with capabilities and
   * that we now run as the profile's user would lose them at execve (the
   * kernel clears permitted and effective for a non-root exec). Make the
   * capabilities it keeps ambient, so it ends with no more than the engine
   * gave root and no less than the profile grants it. When learning, that
   * is every capability the engine gave: a workload learned as the
   * profile's user can then still do what it needs (nginx binding port 80
   * as uid 101), and the recording shows which ones it used. */
  if (remapped) {
    struct json *eff = sets[1], *prm = sets[2];
    for (i = 0; i < eff->n; i++) {
      const char *c = eff->items[i]->str;
      if (!json_array_has_string(prm, c) || !json_array_has_string(sets[0], c))
        continue;
      if (!json_array_has_string(sets[3], c) && json_append(sets[3], json_new_string(c)) < 0)
        return OOM(err);
      if (!json_array_has_string(sets[4], c) && json_append(sets[4], json_new_string(c)) < 0)
        return OOM(err);
    }
  }
  if (remapped_out)
    *remapped_out = remapped;
  return 0;
}

static int add_option(struct json *opts, const char *o) {
  if (json_array_has_string(opts, o))
    return 0;
  return json_append(opts, json_new_string(o));
}

static void remove_option(struct json *opts, const char *o) {
  size_t i = 0;
  while (i < opts->n) {
    if (json_is(opts->items[i], JSON_STRING) && strcmp(opts->items[i]->str, o) == 0)
      json_remove_at(opts, i);
    else
      i++;
  }
}

/* A tmpfs the engine mounts where the profile names a writable path is
 * given to the profile's user (owner "uid=N,gid=N"): the engine made it
 * for root (Docker's /run and /tmp), and a writable path the profile names
 * must be writable by the user the profile runs. Any uid= or gid= the
 * engine chose is replaced. Other mounts (a volume) are left as they are. */
static int own_tmpfs(struct json *m, const char *owner, struct sk_error **err) {
  const char *type = json_string(json_get(m, "type"));
  struct json *opts;
  size_t i = 0;

  if (type == NULL || strcmp(type, "tmpfs") != 0)
    return 0;
  opts = json_ensure(m, "options", JSON_ARRAY);
  if (opts == NULL)
    return sk_error_set(err, 0, "mounts[].options: expected an array");
  while (i < opts->n) {
    const char *o = json_string(opts->items[i]);
    if (o && (strncmp(o, "uid=", 4) == 0 || strncmp(o, "gid=", 4) == 0))
      json_remove_at(opts, i);
    else
      i++;
  }
  /* The same one option as a tmpfs of stockade's: hardening twice gives
   * the same spec. */
  return add_option(opts, owner) < 0 ? OOM(err) : 0;
}

static int harden_mounts(struct json *spec, const struct profile *p, bool flags, struct sk_error **err) {
  struct json *mounts = json_ensure(spec, "mounts", JSON_ARRAY);
  uint64_t uid = 0, gid = 0;
  char owner[64];
  size_t i, k;

  /* runc gives a tmpfs the mode of the directory it covers (0755 when it
   * creates a missing one), whatever "mode=" says; owning the tmpfs is
   * what makes a writable path writable for a non-root process. */
  json_uint64(json_get_path(spec, "process", "user", "uid", NULL), &uid);
  json_uint64(json_get_path(spec, "process", "user", "gid", NULL), &gid);
  snprintf(owner, sizeof(owner), "uid=%llu,gid=%llu", (unsigned long long)uid, (unsigned long long)gid);

  if (mounts == NULL)
    return sk_error_set(err, 0, "mounts: expected an array");
  /* The profile's writable paths: tmpfs, unless the engine mounts
   * something there already (it then gets the flags below). */
  for (k = 0; k < p->n_writable_paths; k++) {
    struct json *m, *opts;
    char size[80];
    bool present = false;
    for (i = 0; i < mounts->n; i++) {
      const char *d = json_string(json_get(mounts->items[i], "destination"));
      cleanup_free char *dc = d ? path_clean(d) : NULL;
      if (dc && strcmp(dc, p->writable_paths[k].path) == 0) {
        present = true;
        if (uid != 0 && own_tmpfs(mounts->items[i], owner, err) < 0)
          return -1;
      }
    }
    if (present)
      continue;
    m = json_new(JSON_OBJECT);
    opts = json_new(JSON_ARRAY);
    snprintf(size, sizeof(size), "size=%s", p->writable_paths[k].size ? p->writable_paths[k].size : "64m");
    if (m == NULL || opts == NULL || json_set(m, "destination", json_new_string(p->writable_paths[k].path)) < 0 ||
        json_set(m, "type", json_new_string("tmpfs")) < 0 || json_set(m, "source", json_new_string("tmpfs")) < 0 ||
        json_append(opts, json_new_string("nosuid")) < 0 || json_append(opts, json_new_string("nodev")) < 0 ||
        (flags && json_append(opts, json_new_string("noexec")) < 0) ||
        json_append(opts, json_new_string("mode=1777")) < 0 || json_append(opts, json_new_string(size)) < 0 ||
        json_append(opts, json_new_string(owner)) < 0) {
      json_free(m);
      json_free(opts);
      return OOM(err);
    }
    if (json_set(m, "options", opts) < 0 || json_append(mounts, m) < 0)
      return OOM(err);
  }

  for (i = 0; flags && i < mounts->n; i++) {
    struct json *m = mounts->items[i];
    const char *dest = json_string(json_get(m, "destination"));
    const char *type = json_string(json_get(m, "type"));
    struct json *opts;
    /* /dev and devpts hold the container's device nodes: they need dev. */
    bool dev_ok = (dest && strcmp(dest, "/dev") == 0) || (type && strcmp(type, "devpts") == 0);

    if (!spec_mount_writable(m))
      continue;
    opts = json_ensure(m, "options", JSON_ARRAY);
    if (opts == NULL)
      return sk_error_set(err, 0, "mounts[%zu].options: expected an array", i);
    remove_option(opts, "exec");
    remove_option(opts, "suid");
    if (add_option(opts, "noexec") < 0 || add_option(opts, "nosuid") < 0)
      return OOM(err);
    if (!dev_ok) {
      remove_option(opts, "dev");
      if (add_option(opts, "nodev") < 0)
        return OOM(err);
    }
  }
  return 0;
}

static int add_paths(struct json *linux_, const char *key, const char *const list[], struct sk_error **err) {
  struct json *arr = json_ensure(linux_, key, JSON_ARRAY);
  size_t i;
  if (arr == NULL)
    return sk_error_set(err, 0, "linux.%s: expected an array", key);
  for (i = 0; list[i]; i++)
    if (!json_array_has_string(arr, list[i]) && json_append(arr, json_new_string(list[i])) < 0)
      return OOM(err);
  return 0;
}

/* memfd_create(name, flags) with MFD_EXEC (Linux 6.3) in flags: an
 * executable anonymous file, the start of every fileless technique. The
 * kernel refuses it itself where vm.memfd_noexec is 2 in the container's
 * PID namespace (shim/lib/confine/memfd_noexec.c); this rule refuses it on every
 * kernel, with the errno that sysctl answers (EACCES); an older kernel
 * would answer EINVAL for the unknown flag anyway. exec.memfdExec lifts
 * it. The flags are an int: the mask also keeps garbage in the upper half
 * of the register from mattering. */
#define MFD_RULE(action, extra, v2)                                                                                    \
  "{\"names\": [\"memfd_create\"], \"action\": \"" action "\", " extra "\"args\": [{\"index\": 1, \"value\": 16, "     \
  "\"valueTwo\": " v2 ", \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"
static const char mfd_refuse[] = MFD_RULE("SCMP_ACT_ERRNO", "\"errnoRet\": 13, ", "16");
static const char mfd_allow[] = MFD_RULE("SCMP_ACT_ALLOW", "", "0");

static int append_rule(struct json *syscalls, const char *text, struct sk_error **err) {
  struct json *r = NULL;
  if (json_parse(text, strlen(text), &r, err) < 0)
    return -1;
  if (json_append(syscalls, r) < 0)
    return OOM(err);
  return 0;
}

/* Take memfd_create out of every rule that names it. */
static void unlist_memfd(struct json *syscalls) {
  size_t i = 0, k;
  while (i < syscalls->n) {
    struct json *names = json_get(syscalls->items[i], "names");
    for (k = 0; json_is(names, JSON_ARRAY) && k < names->n;) {
      if (json_is(names->items[k], JSON_STRING) && strcmp(names->items[k]->str, "memfd_create") == 0)
        json_remove_at(names, k);
      else
        k++;
    }
    if (json_is(names, JSON_ARRAY) && names->n == 0)
      json_remove_at(syscalls, i);
    else
      i++;
  }
}

/* Is r one of the two rules refuse_memfd_exec writes? (Hardening an
 * already hardened spec must change nothing.) */
static bool is_mfd_rule(const struct json *r) {
  const struct json *names = json_get(r, "names"), *args = json_get(r, "args"), *a;
  const char *act = json_string(json_get(r, "action")), *op;
  uint64_t idx = 0, v = 0, v2 = 0, ret = 0;
  if (!json_is(names, JSON_ARRAY) || names->n != 1 || !json_array_has_string(names, "memfd_create") ||
      !json_is(args, JSON_ARRAY) || args->n != 1 || act == NULL)
    return false;
  a = args->items[0];
  op = json_string(json_get(a, "op"));
  if (!json_uint64(json_get(a, "index"), &idx) || idx != 1 || !json_uint64(json_get(a, "value"), &v) || v != 16 ||
      op == NULL || strcmp(op, "SCMP_CMP_MASKED_EQ") != 0)
    return false;
  if (json_get(a, "valueTwo") != NULL && !json_uint64(json_get(a, "valueTwo"), &v2))
    return false;
  if (strcmp(act, "SCMP_ACT_ALLOW") == 0)
    return v2 == 0;
  return strcmp(act, "SCMP_ACT_ERRNO") == 0 && v2 == 16 && json_uint64(json_get(r, "errnoRet"), &ret) && ret == 13;
}

/* Does filter let every memfd_create call through, and nothing else
 * about it? (No rule names it and the default allows, or only
 * unconditional allow-rules and our own two name it.) *listed: some rule
 * names it. */
static bool memfd_plainly_allowed(const struct json *filter, bool *listed) {
  const struct json *syscalls = json_get(filter, "syscalls");
  size_t i;
  *listed = false;
  for (i = 0; json_is(syscalls, JSON_ARRAY) && i < syscalls->n; i++) {
    const struct json *r = syscalls->items[i], *args = json_get(r, "args");
    const char *act = json_string(json_get(r, "action"));
    if (!json_array_has_string(json_get(r, "names"), "memfd_create") || is_mfd_rule(r))
      continue;
    *listed = true;
    if (act == NULL || strcmp(act, "SCMP_ACT_ALLOW") != 0 || (args && !(json_is(args, JSON_ARRAY) && args->n == 0)))
      return false;
  }
  return true;
}

static bool has_mfd_rule(const struct json *filter) {
  const struct json *syscalls = json_get(filter, "syscalls");
  for (size_t i = 0; json_is(syscalls, JSON_ARRAY) && i < syscalls->n; i++)
    if (is_mfd_rule(syscalls->items[i]))
      return true;
  return false;
}

/* An overlay intersected with a filter (the memfd refusal, the
 * supervisor's notify rule) is not a side of the policy: the filter keeps
 * the flags it had, where the intersection of two policies would drop a
 * SECCOMP_FILTER_FLAG_SPEC_ALLOW the overlay does not set. */
static int keep_flags(const struct json *filter, struct json *merged) {
  const struct json *f = json_get(filter, "flags");
  if (f == NULL) {
    json_del(merged, "flags");
    return 0;
  }
  return json_set(merged, "flags", json_copy(f));
}

static int refuse_memfd_exec(struct json **filter, struct sk_error **err) {
  struct json *syscalls;
  bool listed, def_allows;
  const char *def = json_string(json_get(*filter, "defaultAction"));

  def_allows = def && strcmp(def, "SCMP_ACT_ALLOW") == 0;
  if (memfd_plainly_allowed(*filter, &listed) && (listed || def_allows || has_mfd_rule(*filter))) {
    /* The usual case: split it into the call with MFD_EXEC, refused, and
     * the call without, allowed (the two exclude each other, so later
     * intersections keep them apart). */
    syscalls = json_ensure(*filter, "syscalls", JSON_ARRAY);
    if (syscalls == NULL)
      return sk_error_set(err, 0, "linux.seccomp.syscalls: expected an array");
    unlist_memfd(syscalls);
    if (append_rule(syscalls, mfd_refuse, err) < 0 || (!def_allows && append_rule(syscalls, mfd_allow, err) < 0))
      return -1;
    return 0;
  }
  if (!listed)
    return 0; /* the default refuses every memfd_create */
  {
    /* The filter has its own conditions on memfd_create: the intersection
     * with the refusal is never looser than either (it may refuse more). */
    char doc[512];
    cleanup_json struct json *rule = NULL;
    struct json *merged = NULL;
    snprintf(doc, sizeof(doc), "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [%s]}", mfd_refuse);
    if (json_parse(doc, strlen(doc), &rule, err) < 0)
      return -1;
    if (seccomp_intersect(*filter, rule, &merged, err) < 0)
      return sk_error_wrap(err, "refusing memfd_create(MFD_EXEC) in linux.seccomp");
    if (keep_flags(*filter, merged) < 0) {
      json_free(merged);
      return OOM(err);
    }
    json_free(*filter);
    *filter = merged;
  }
  return 0;
}

static int harden_seccomp(struct json *spec, const struct profile *p, struct sk_error **err) {
  struct json *linux_ = json_ensure(spec, "linux", JSON_OBJECT);
  cleanup_json struct json *arches = NULL;
  cleanup_json struct json *gen = NULL;
  struct json *merged = NULL;

  if (linux_ == NULL)
    return sk_error_set(err, 0, "linux: expected an object");
  if (seccomp_spec_arches(spec, &arches, err) < 0 || seccomp_generate(p->seccomp, arches, &gen, err) < 0)
    return sk_error_wrap(err, "profile \"%s\" seccomp", p->name);
  if (seccomp_intersect(gen, json_get(linux_, "seccomp"), &merged, err) < 0)
    return sk_error_wrap(err, "intersecting profile \"%s\" seccomp with linux.seccomp", p->name);
  if (!p->exec_memfd && refuse_memfd_exec(&merged, err) < 0) {
    json_free(merged);
    return -1;
  }
  /* No libseccomp build here: it costs about 16 ms, a third of a whole
   * `runc run`, on the path of every container start. Both inputs were
   * validated, the intersection only combines their rules, and
   * `stockadectl profile lint` and the unit tests build the result; if the
   * runtime still could not build it, it fails the create (closed). */
  return json_set(linux_, "seccomp", merged) < 0 ? OOM(err) : 0;
}

/* The steps enforce and learn share. enforce adds what changes what the
 * workload can do: capabilities cut, noexec,nosuid,nodev on writable mounts. */
static int harden_base(struct json *spec, const struct profile *p, bool enforce, struct sk_error **err) {
  struct json *root, *linux_;

  if (process_harden(json_get(spec, "process"), p, enforce, NULL, err) < 0)
    return -1;
  if (!p->writable_rootfs) {
    root = json_ensure(spec, "root", JSON_OBJECT);
    if (root == NULL || json_set(root, "readonly", json_new_bool(true)) < 0)
      return sk_error_set(err, 0, "root: expected an object");
  }
  /* After the user is final: writable paths are owned by it. */
  if (harden_mounts(spec, p, enforce, err) < 0)
    return -1;
  linux_ = json_ensure(spec, "linux", JSON_OBJECT);
  if (linux_ == NULL)
    return sk_error_set(err, 0, "linux: expected an object");
  if (p->admit.unmasked_paths)
    return 0;
  if (add_paths(linux_, "maskedPaths", spec_masked_paths, err) < 0 ||
      add_paths(linux_, "readonlyPaths", spec_readonly_paths, err) < 0)
    return -1;
  return 0;
}

int harden_spec(struct json *spec, const struct profile *p, struct sk_error **err) {
  if (harden_base(spec, p, true, err) < 0)
    return -1;
  /* admit.specSeccomp: the engine's filter (or none) stays; the
   * supervisor's listener is added to it (harden_supervise). */
  if (p->admit.spec_seccomp)
    return 0;
  return harden_seccomp(spec, p, err);
}

int harden_annotate(struct json *spec, const struct profile *p, enum sk_mode mode, struct sk_error **err) {
  struct json *ann = json_ensure(spec, "annotations", JSON_OBJECT);
  if (ann == NULL)
    return sk_error_set(err, 0, "annotations: expected an object");
  if (json_set(ann, SK_ANN_APPLIED, json_new_string(p->name)) < 0 ||
      json_set(ann, SK_ANN_APPLIED_MODE, json_new_string(mode_name(mode))) < 0 ||
      json_set(ann, SK_ANN_SHA256, json_new_string(p->sha256)) < 0)
    return OOM(err);
  return 0;
}

int harden_supervise(struct json *spec, const char *listener_path, const struct diag_plan *plan,
                     struct sk_error **err) {
  struct json *linux_ = json_ensure(spec, "linux", JSON_OBJECT);
  struct json *cur;
  cleanup_json struct json *notify = NULL;
  cleanup_json struct json *base = NULL;
  struct json *merged = NULL;
  static const char notify_doc[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                                   "[\"execve\", \"execveat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}";

  if (linux_ == NULL)
    return sk_error_set(err, 0, "linux: expected an object");
  cur = json_get(linux_, "seccomp");
  if (cur == NULL || cur->type == JSON_NULL) {
    /* No filter: one that allows everything but hands us the execs. */
    cleanup_json struct json *arches = NULL;
    if (seccomp_spec_arches(spec, &arches, err) < 0)
      return -1;
    base = json_new(JSON_OBJECT);
    if (base == NULL || json_set(base, "defaultAction", json_new_string("SCMP_ACT_ALLOW")) < 0 ||
        json_set(base, "architectures", steal_pointer(&arches)) < 0)
      return OOM(err);
    cur = base;
  }
  /* The intersection gives NOTIFY where the filter allows them (NOTIFY is
   * stricter than ALLOW) and keeps any denial the filter has. */
  if (json_parse(notify_doc, strlen(notify_doc), &notify, err) < 0)
    return -1;
  /* And what fails because of what hardening took away, to name it. */
  if (plan && diag_notify_rules(plan, json_get(notify, "syscalls"), err) < 0)
    return -1;
  if (seccomp_intersect(cur, notify, &merged, err) < 0)
    return sk_error_wrap(err, "adding the supervisor to linux.seccomp");
  if (keep_flags(cur, merged) < 0) {
    json_free(merged);
    return OOM(err);
  }
  if (plan && diag_flag_rules(plan, merged, err) < 0) {
    json_free(merged);
    return -1;
  }
  if (json_set(merged, "listenerPath", json_new_string(listener_path)) < 0) {
    json_free(merged);
    return OOM(err);
  }
  return json_set(linux_, "seccomp", merged) < 0 ? OOM(err) : 0;
}

static bool in_list(const char *const *list, const char *name) {
  for (; *list; list++)
    if (strcmp(*list, name) == 0)
      return true;
  return false;
}

/* The learning filter for arches: ALLOW for the baseline and for what is
 * known (unless its arguments matter), NOTIFY for every other syscall
 * libseccomp knows, ALLOW for the rest (names newer than libseccomp). */
static int learn_filter(const struct json *arches, const struct json *known, struct json **out, struct sk_error **err) {
  cleanup_json struct json *doc = json_new(JSON_OBJECT);
  struct json *rules = json_new(JSON_ARRAY);
  struct json *allow = json_new(JSON_OBJECT), *notify = json_new(JSON_OBJECT);
  struct json *an = json_new(JSON_ARRAY), *nn = json_new(JSON_ARRAY);
  size_t a, i;

  if (doc == NULL || rules == NULL || allow == NULL || notify == NULL || an == NULL || nn == NULL ||
      json_set(doc, "defaultAction", json_new_string("SCMP_ACT_ALLOW")) < 0 ||
      json_set(doc, "architectures", json_copy(arches)) < 0 || json_set(doc, "syscalls", rules) < 0 ||
      json_set(allow, "names", an) < 0 || json_set(allow, "action", json_new_string("SCMP_ACT_ALLOW")) < 0 ||
      json_set(notify, "names", nn) < 0 || json_set(notify, "action", json_new_string("SCMP_ACT_NOTIFY")) < 0 ||
      json_append(rules, allow) < 0 || json_append(rules, notify) < 0) {
    json_free(rules);
    return OOM(err);
  }
  for (a = 0; a < arches->n; a++) {
    const char *arch = json_string(arches->items[a]);
    const struct json *k = json_get(known, arch);
    char **names = NULL;
    size_t n = 0;
    if (arch == NULL || seccomp_arch_syscalls(arch, &names, &n, err) < 0)
      return -1;
    for (i = 0; i < n; i++) {
      const char *name = names[i];
      bool base = in_list(learn_runtime_baseline, name);
      bool ask = !base && (strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0 || learn_always_notify(name) ||
                           !json_array_has_string(k, name));
      struct json *dst = ask ? nn : an;
      /* runc refuses to notify write; it is in the baseline anyway */
      if (strcmp(name, "write") == 0)
        dst = an;
      if (!json_array_has_string(an, name) && !json_array_has_string(nn, name) &&
          json_append(dst, json_new_string(name)) < 0) {
        while (n > 0)
          free(names[--n]);
        free(names);
        return OOM(err);
      }
    }
    while (n > 0)
      free(names[--n]);
    free(names);
  }
  if (an->n == 0)
    json_remove_at(rules, 0);
  *out = steal_pointer(&doc);
  return 0;
}

int harden_learn(struct json *spec, const struct profile *p, const struct json *known, struct sk_error **err) {
  if (harden_base(spec, p, false, err) < 0)
    return -1;
  return harden_record(spec, known, err);
}

int harden_record(struct json *spec, const struct json *known, struct sk_error **err) {
  struct json *linux_, *process = json_get(spec, "process");
  cleanup_json struct json *arches = NULL;
  cleanup_json struct json *filter = NULL;
  struct json *merged = NULL;

  /* The learning filter's baseline needs the runtime to switch user
   * before it installs the filter, which runc does with noNewPrivileges. */
  if (!json_is(process, JSON_OBJECT) || json_set(process, "noNewPrivileges", json_new_bool(true)) < 0)
    return sk_error_set(err, 0, "process: expected an object");
  linux_ = json_ensure(spec, "linux", JSON_OBJECT);
  if (linux_ == NULL)
    return sk_error_set(err, 0, "linux: expected an object");
  if (seccomp_spec_arches(spec, &arches, err) < 0 || learn_filter(arches, known, &filter, err) < 0)
    return sk_error_wrap(err, "the learning filter");
  if (seccomp_intersect(filter, json_get(linux_, "seccomp"), &merged, err) < 0)
    return sk_error_wrap(err, "intersecting the learning filter with linux.seccomp");
  return json_set(linux_, "seccomp", merged) < 0 ? OOM(err) : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* A profile as stockade resolved it, as JSON (`stockadectl profile show
 * --resolved`, profile diff, the fuzzer): every field with its default
 * filled in, seccomp as the full document, and where it came from. */
#define _GNU_SOURCE
#include <errno.h>

#include "stockade/cleanup.h"
#include "stockade/profile.h"

static int obj_set(struct json *o, const char *key, struct json *v) { return v ? json_set(o, key, v) : -1; }

static struct json *string_or_null(const char *s) { return s ? json_new_string(s) : json_new(JSON_NULL); }

static int append_strings(struct json *arr, char *const *v, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (json_append(arr, json_new_string(v[i])) < 0)
      return -1;
  return 0;
}

/* "exec" with every entry of "allow" as {"path", "sha256"} ("sha256" null
 * when not pinned), "allow" null when there is no allow-list. */
static int exec_to_json(const struct profile *p, struct json *o) {
  struct json *exec = json_new(JSON_OBJECT), *allow, *writable;
  size_t i;

  if (obj_set(o, "exec", exec) < 0)
    return -1;
  if (p->has_exec_allow) {
    allow = json_new(JSON_ARRAY);
    if (obj_set(exec, "allow", allow) < 0)
      return -1;
    for (i = 0; i < p->n_exec_allow; i++) {
      struct json *rule = json_new(JSON_OBJECT);
      if (json_append(allow, rule) < 0 || obj_set(rule, "path", json_new_string(p->exec_allow[i].glob)) < 0 ||
          obj_set(rule, "sha256", string_or_null(p->exec_allow[i].sha256)) < 0)
        return -1;
    }
  } else if (obj_set(exec, "allow", json_new(JSON_NULL)) < 0) {
    return -1;
  }
  writable = json_new(JSON_ARRAY);
  if (obj_set(exec, "allowWritable", writable) < 0 ||
      append_strings(writable, p->exec_writable, p->n_exec_writable) < 0)
    return -1;
  return 0;
}

/* "admit" as given, or null for an ordinary profile. */
static int admit_to_json(const struct profile *p, struct json *o) {
  struct json *a;
  if (!p->has_admit)
    return obj_set(o, "admit", json_new(JSON_NULL));
  if (obj_set(o, "admit", a = json_new(JSON_OBJECT)) < 0 ||
      obj_set(a, "hostNamespaces", json_new_bool(p->admit.host_namespaces)) < 0 ||
      obj_set(a, "hostMounts", json_new_bool(p->admit.host_mounts)) < 0 ||
      obj_set(a, "allDevices", json_new_bool(p->admit.all_devices)) < 0 ||
      obj_set(a, "allCapabilities", json_new_bool(p->admit.all_capabilities)) < 0 ||
      obj_set(a, "newPrivileges", json_new_bool(p->admit.new_privileges)) < 0 ||
      obj_set(a, "specSeccomp", json_new_bool(p->admit.spec_seccomp)) < 0 ||
      obj_set(a, "unmaskedPaths", json_new_bool(p->admit.unmasked_paths)) < 0)
    return -1;
  return 0;
}

int profile_to_json(const struct profile *p, struct json **out, struct sk_error **err) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  struct json *user, *caps, *paths, *hashes;
  size_t i;

  if (o == NULL)
    goto oom;
  if (obj_set(o, "name", json_new_string(p->name)) < 0 || obj_set(o, "description", string_or_null(p->description)) < 0)
    goto oom;
  if (p->has_user) {
    user = json_new(JSON_OBJECT);
    if (obj_set(o, "user", user) < 0 || obj_set(user, "uid", json_new_int(p->uid)) < 0 ||
        obj_set(user, "gid", json_new_int(p->gid)) < 0)
      goto oom;
  } else if (obj_set(o, "user", json_new(JSON_NULL)) < 0) {
    goto oom;
  }
  if (obj_set(o, "allowRoot", json_new_bool(p->allow_root)) < 0)
    goto oom;
  caps = json_new(JSON_ARRAY);
  if (obj_set(o, "capabilities", caps) < 0)
    goto oom;
  for (i = 0; i < p->n_capabilities; i++)
    if (json_append(caps, json_new_string(p->capabilities[i])) < 0)
      goto oom;
  if (obj_set(o, "writableRootfs", json_new_bool(p->writable_rootfs)) < 0)
    goto oom;
  paths = json_new(JSON_ARRAY);
  if (obj_set(o, "writablePaths", paths) < 0)
    goto oom;
  for (i = 0; i < p->n_writable_paths; i++) {
    struct json *wp = json_new(JSON_OBJECT);
    if (json_append(paths, wp) < 0 || obj_set(wp, "path", json_new_string(p->writable_paths[i].path)) < 0 ||
        obj_set(wp, "size", string_or_null(p->writable_paths[i].size)) < 0)
      goto oom;
  }
  if (exec_to_json(p, o) < 0)
    goto oom;
  hashes = json_new(JSON_ARRAY);
  if (obj_set(o, "blockHashes", hashes) < 0 || append_strings(hashes, p->block_hashes, p->n_block_hashes) < 0 ||
      obj_set(o, "action", json_new_string(profile_action_name(p->action))) < 0)
    goto oom;
  if (obj_set(o, "lsm", json_new_string(profile_need_name(p->lsm))) < 0 ||
      obj_set(o, "landlock", json_new_string(profile_need_name(p->landlock))) < 0)
    goto oom;
  if (p->has_network) {
    struct json *net, *b, *cn;
    if (obj_set(o, "network", net = json_new(JSON_OBJECT)) < 0 || obj_set(net, "bind", b = json_new(JSON_ARRAY)) < 0 ||
        obj_set(net, "connect", cn = json_new(JSON_ARRAY)) < 0)
      goto oom;
    for (i = 0; i < p->n_net_bind; i++)
      if (json_append(b, json_new_int(p->net_bind[i])) < 0)
        goto oom;
    for (i = 0; i < p->n_net_connect; i++)
      if (json_append(cn, json_new_int(p->net_connect[i])) < 0)
        goto oom;
  } else if (obj_set(o, "network", json_new(JSON_NULL)) < 0) {
    goto oom;
  }
  if (admit_to_json(p, o) < 0)
    goto oom;
  if (obj_set(o, "seccomp", p->seccomp ? json_copy(p->seccomp) : json_new(JSON_NULL)) < 0 ||
      obj_set(o, "seccompSource", string_or_null(p->seccomp_source)) < 0 ||
      obj_set(o, "sha256", json_new_string(p->sha256)) < 0 || obj_set(o, "file", string_or_null(p->file)) < 0)
    goto oom;
  *out = steal_pointer(&o);
  return 0;
oom:
  return sk_error_set(err, ENOMEM, "cannot describe profile \"%s\"", p->name ? p->name : "");
}

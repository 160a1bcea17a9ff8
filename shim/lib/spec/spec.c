/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>

#include "stockade/cleanup.h"
#include "stockade/spec.h"
#include "stockade/sys.h"

const char *const spec_cap_sets[5] = {"bounding", "effective", "permitted", "inheritable", "ambient"};

const char *const spec_masked_paths[] = {"/proc/acpi",
                                         "/proc/asound",
                                         "/proc/kcore",
                                         "/proc/keys",
                                         "/proc/latency_stats",
                                         "/proc/timer_list",
                                         "/proc/timer_stats",
                                         "/proc/sched_debug",
                                         "/proc/scsi",
                                         "/sys/firmware",
                                         "/sys/devices/virtual/powercap",
                                         NULL};

const char *const spec_readonly_paths[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                           "/proc/sysrq-trigger", NULL};

int spec_load(const char *path, struct json **out, char **raw, size_t *raw_len, struct sk_error **err) {
  cleanup_free char *buf = NULL;
  size_t len;
  struct json *doc = NULL;

  if (read_file(path, &buf, &len, err) < 0)
    return -1;
  if (json_parse(buf, len, &doc, err) < 0) {
    /* The syntax error's position is in path: path:L:C: why. */
    if ((*err)->line > 0) {
      sk_error_locate(err, (struct sk_where){.file = path});
      return sk_error_fix(err, "fix the JSON syntax");
    }
    return sk_error_wrap(err, "%s", path);
  }
  *out = doc;
  if (raw)
    *raw = steal_pointer(&buf);
  if (raw_len)
    *raw_len = len;
  return 0;
}

uint32_t spec_uid(const struct json *spec) {
  uint64_t uid = 0;
  if (!json_uint64(json_get_path(spec, "process", "user", "uid", NULL), &uid))
    return 0;
  return (uint32_t)uid;
}

/* runc and crun apply mount options in order: the last of "ro" and "rw"
 * decides. */
bool spec_mount_writable(const struct json *m) {
  const struct json *o = json_get(m, "options");
  bool writable = true;
  size_t i;
  for (i = 0; json_is(o, JSON_ARRAY) && i < o->n; i++) {
    const char *s = json_string(o->items[i]);
    if (s && strcmp(s, "ro") == 0)
      writable = false;
    else if (s && strcmp(s, "rw") == 0)
      writable = true;
  }
  return writable;
}

bool spec_mount_is_bind(const struct json *m) {
  const char *type = json_string(json_get(m, "type"));
  const struct json *o = json_get(m, "options");
  return (type && strcmp(type, "bind") == 0) || json_array_has_string(o, "bind") || json_array_has_string(o, "rbind");
}

const char *spec_annotation(const struct json *spec, const char *key) {
  return json_string(json_get(json_get(spec, "annotations"), key));
}

/* --- checking --- */

struct checker {
  const char *path;
  struct sk_error **err;
};

static int bad(struct checker *ck, const struct json *at, const char *field, const char *what) {
  if (at && at->line)
    return sk_error_set(ck->err, 0, "%s:%u:%u: %s: %s", ck->path, at->line, at->col, field, what);
  return sk_error_set(ck->err, 0, "%s: %s: %s", ck->path, field, what);
}

/* Go's encoding/json (runc) matches a key to a field case-insensitively,
 * folding the two non-ASCII letters that fold to ASCII ones too: U+017F
 * LATIN SMALL LETTER LONG S is "s" and U+212A KELVIN SIGN is "k". Fold a
 * key the same way; returns false when it cannot match any ASCII name. */
static bool go_fold_equal(const char *key, const char *name) {
  const unsigned char *k = (const unsigned char *)key;
  const char *n = name;
  while (*k && *n) {
    int c;
    if (k[0] == 0xC5 && k[1] == 0xBF) { /* U+017F */
      c = 's';
      k += 2;
    } else if (k[0] == 0xE2 && k[1] == 0x84 && k[2] == 0xAA) { /* U+212A */
      c = 'k';
      k += 3;
    } else if (*k >= 0x80) {
      return false;
    } else {
      c = *k++;
    }
    if (tolower(c) != tolower((unsigned char)*n++))
      return false;
  }
  return *k == '\0' && *n == '\0';
}

/* Refuse keys that equal one of known[] but for case. */
static int check_case(struct checker *ck, const struct json *obj, const char *where, const char *const known[]) {
  size_t i, k;
  if (!json_is(obj, JSON_OBJECT))
    return 0;
  for (i = 0; i < obj->n; i++) {
    for (k = 0; known[k]; k++) {
      if (go_fold_equal(obj->keys[i], known[k]) && strcmp(obj->keys[i], known[k]) != 0) {
        cleanup_free char *field = NULL;
        cleanup_free char *what = NULL;
        if (asprintf(&field, "%s%s%s", where, *where ? "." : "", obj->keys[i]) < 0 ||
            asprintf(&what,
                     "differs from the OCI field \"%s\" only in case; runc would read it as \"%s\" and crun "
                     "would ignore it, so it is refused; spell it \"%s\"",
                     known[k], known[k], known[k]) < 0)
          return sk_error_set(ck->err, ENOMEM, "%s", ck->path);
        return bad(ck, obj->items[i], field, what);
      }
    }
  }
  return 0;
}

static int want(struct checker *ck, const struct json *v, enum json_type t, const char *field) {
  struct json want_type = {.type = t};
  cleanup_free char *what = NULL;
  if (v == NULL || v->type == t || (t == JSON_TRUE && v->type == JSON_FALSE))
    return 0;
  if (asprintf(&what, "expected %s, found %s", t == JSON_TRUE ? "true or false" : json_type_name(&want_type),
               json_type_name(v)) < 0)
    return sk_error_set(ck->err, ENOMEM, "%s", ck->path);
  return bad(ck, v, field, what);
}

static int want_uint32(struct checker *ck, const struct json *v, const char *field) {
  uint64_t x;
  if (v == NULL)
    return 0;
  if (!json_uint64(v, &x) || x > UINT32_MAX)
    return bad(ck, v, field, "expected an integer from 0 to 4294967295");
  return 0;
}

static int want_strings(struct checker *ck, const struct json *v, const char *field) {
  size_t i;
  if (want(ck, v, JSON_ARRAY, field) < 0)
    return -1;
  for (i = 0; v && i < v->n; i++)
    if (!json_is(v->items[i], JSON_STRING))
      return bad(ck, v->items[i], field, "expected an array of strings");
  return 0;
}

int spec_check(const struct json *spec, const char *path, struct sk_error **err) {
  static const char *const top[] = {"ociVersion", "process", "root", "mounts", "linux", "annotations", "hooks", NULL};
  static const char *const process[] = {
      "user", "args", "capabilities", "noNewPrivileges", "apparmorProfile", "selinuxLabel", "terminal", "cwd",
      "env",  NULL};
  static const char *const user[] = {"uid", "gid", "additionalGids", "umask", NULL};
  static const char *const root[] = {"path", "readonly", NULL};
  static const char *const linux_[] = {"namespaces",    "seccomp", "resources",  "maskedPaths",
                                       "readonlyPaths", "devices", "mountLabel", NULL};
  static const char *const ns[] = {"type", "path", NULL};
  static const char *const mount[] = {"destination", "type", "source", "options", NULL};
  static const char *const dev[] = {"allow", "type", "major", "minor", "access", NULL};
  static const char *const resources[] = {"devices", NULL};
  static const char *const cap_sets[] = {"bounding", "effective", "permitted", "inheritable", "ambient", NULL};
  struct checker ck = {path, err};
  const struct json *p, *u, *r, *l, *a, *caps, *v;
  size_t i;

  if (!json_is(spec, JSON_OBJECT))
    return bad(&ck, spec, "config", "expected a JSON object (an OCI runtime spec)");
  if (check_case(&ck, spec, "", top) < 0)
    return -1;

  p = json_get(spec, "process");
  if (p == NULL)
    return bad(&ck, NULL, "process", "missing; an OCI spec for create or run needs a process to start");
  if (want(&ck, p, JSON_OBJECT, "process") < 0 || check_case(&ck, p, "process", process) < 0)
    return -1;
  u = json_get(p, "user");
  if (want(&ck, u, JSON_OBJECT, "process.user") < 0 || check_case(&ck, u, "process.user", user) < 0 ||
      want_uint32(&ck, json_get(u, "uid"), "process.user.uid") < 0 ||
      want_uint32(&ck, json_get(u, "gid"), "process.user.gid") < 0)
    return -1;
  v = json_get(u, "additionalGids");
  if (want(&ck, v, JSON_ARRAY, "process.user.additionalGids") < 0)
    return -1;
  for (i = 0; v && i < v->n; i++)
    if (want_uint32(&ck, v->items[i], "process.user.additionalGids") < 0)
      return -1;
  if (want(&ck, json_get(p, "noNewPrivileges"), JSON_TRUE, "process.noNewPrivileges") < 0)
    return -1;
  caps = json_get(p, "capabilities");
  if (want(&ck, caps, JSON_OBJECT, "process.capabilities") < 0 ||
      check_case(&ck, caps, "process.capabilities", cap_sets) < 0)
    return -1;
  for (i = 0; i < 5; i++) {
    char field[64];
    snprintf(field, sizeof(field), "process.capabilities.%s", spec_cap_sets[i]);
    if (want_strings(&ck, json_get(caps, spec_cap_sets[i]), field) < 0)
      return -1;
  }

  r = json_get(spec, "root");
  if (want(&ck, r, JSON_OBJECT, "root") < 0 || check_case(&ck, r, "root", root) < 0 ||
      want(&ck, json_get(r, "readonly"), JSON_TRUE, "root.readonly") < 0 ||
      want(&ck, json_get(r, "path"), JSON_STRING, "root.path") < 0)
    return -1;

  a = json_get(spec, "annotations");
  if (want(&ck, a, JSON_OBJECT, "annotations") < 0)
    return -1;
  for (i = 0; a && i < a->n; i++)
    if (!json_is(a->items[i], JSON_STRING))
      return bad(&ck, a->items[i], "annotations", "expected string values");

  v = json_get(spec, "mounts");
  if (want(&ck, v, JSON_ARRAY, "mounts") < 0)
    return -1;
  for (i = 0; v && i < v->n; i++) {
    const struct json *m = v->items[i];
    if (want(&ck, m, JSON_OBJECT, "mounts[]") < 0 || check_case(&ck, m, "mounts[]", mount) < 0 ||
        want(&ck, json_get(m, "destination"), JSON_STRING, "mounts[].destination") < 0 ||
        want(&ck, json_get(m, "source"), JSON_STRING, "mounts[].source") < 0 ||
        want(&ck, json_get(m, "type"), JSON_STRING, "mounts[].type") < 0 ||
        want_strings(&ck, json_get(m, "options"), "mounts[].options") < 0)
      return -1;
    if (json_get(m, "destination") == NULL)
      return bad(&ck, m, "mounts[].destination", "missing");
  }

  l = json_get(spec, "linux");
  if (want(&ck, l, JSON_OBJECT, "linux") < 0 || check_case(&ck, l, "linux", linux_) < 0 ||
      want(&ck, json_get(l, "seccomp"), JSON_OBJECT, "linux.seccomp") < 0 ||
      want_strings(&ck, json_get(l, "maskedPaths"), "linux.maskedPaths") < 0 ||
      want_strings(&ck, json_get(l, "readonlyPaths"), "linux.readonlyPaths") < 0)
    return -1;
  v = json_get(l, "namespaces");
  if (want(&ck, v, JSON_ARRAY, "linux.namespaces") < 0)
    return -1;
  for (i = 0; v && i < v->n; i++) {
    const struct json *n = v->items[i];
    if (want(&ck, n, JSON_OBJECT, "linux.namespaces[]") < 0 || check_case(&ck, n, "linux.namespaces[]", ns) < 0 ||
        want(&ck, json_get(n, "path"), JSON_STRING, "linux.namespaces[].path") < 0)
      return -1;
    if (!json_is(json_get(n, "type"), JSON_STRING))
      return bad(&ck, n, "linux.namespaces[].type", "expected a string such as \"pid\"");
  }
  if (want(&ck, json_get(l, "resources"), JSON_OBJECT, "linux.resources") < 0 ||
      check_case(&ck, json_get(l, "resources"), "linux.resources", resources) < 0)
    return -1;
  v = json_get(json_get(l, "resources"), "devices");
  if (want(&ck, v, JSON_ARRAY, "linux.resources.devices") < 0)
    return -1;
  for (i = 0; v && i < v->n; i++) {
    const struct json *d = v->items[i];
    if (want(&ck, d, JSON_OBJECT, "linux.resources.devices[]") < 0 ||
        check_case(&ck, d, "linux.resources.devices[]", dev) < 0 ||
        want(&ck, json_get(d, "allow"), JSON_TRUE, "linux.resources.devices[].allow") < 0)
      return -1;
  }
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "stockade/analyzer.h"
#include "stockade/caps.h"
#include "stockade/cleanup.h"
#include "stockade/profile.h"
#include "stockade/glob.h"
#include "stockade/seccomp.h"
#include "stockade/str.h"
#include "stockade/sys.h"

/* The profile format is described field by field in profiles/README.md;
 * keep the two in step (every message below is quoted there). */

#define PROFILE_NAME_MAX 64
#define PROFILE_NAME_RULE "profile names are [A-Za-z0-9][A-Za-z0-9._-]*, up to 64 characters"
#define PROFILE_FIELDS                                                                                                 \
  "name, description, user, allowRoot, capabilities, writableRootfs, writablePaths, seccomp, exec, blockHashes, "      \
  "action, lsm, landlock, network, admit"
#define NEED_EXPECTED "expected \"optional\", \"required\" or \"off\""
#define NETWORK_EXPECTED "expected an object such as {\"bind\": [8080], \"connect\": [443, 5432]}"
#define EXEC_EXPECTED                                                                                                  \
  "expected an object such as {\"allow\": [\"/usr/bin/*\"], \"allowWritable\": [\"/work/bin/*\"], \"fdExec\": false, " \
  "\"memfdExec\": false}"
#define GLOB_EXPECTED "expected an absolute path or glob such as \"/usr/bin/*\""
#define SHA256_EXPECTED "expected 64 lowercase hex digits (as sha256sum prints them)"
#define ACTION_EXPECTED "expected \"deny\", \"kill\" or \"freeze\""
#define SECCOMP_EXPECTED "expected \"default\", an inline OCI seccomp object, or the path of a JSON file"
#define UID_MAX_VALID 4294967294u /* (uint32_t)-1 means "unchanged" to set*id(2) */

struct parse_ctx {
  const char *origin;    /* what messages start with: the file, or the caller's name for a buffer */
  const char *base_dir;  /* where a relative seccomp path is resolved; NULL when not read from a file */
  const char *file_base; /* "web.json" when the name must match the file's, else NULL */
  const char *file_stem; /* "web", the name that file demands */
  struct sk_error **err;
  char **collected; /* profile lint: go on after an error, each message a line here; NULL: stop at the first */
};

static const char *const action_names[] = {"deny", "kill", "freeze"};

const char *profile_action_name(enum profile_action a) {
  return (unsigned)a < sizeof(action_names) / sizeof(action_names[0]) ? action_names[a] : "unknown";
}

static const char *const need_names[] = {"optional", "required", "off"};

const char *profile_need_name(enum profile_need n) {
  return (unsigned)n < sizeof(need_names) / sizeof(need_names[0]) ? need_names[n] : "unknown";
}

bool profile_name_valid(const char *name) {
  size_t i;

  if (name == NULL || name[0] == '\0')
    return false;
  for (i = 0; name[i]; i++) {
    char ch = name[i];
    bool alnum = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (i >= PROFILE_NAME_MAX)
      return false;
    if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-')))
      return false;
  }
  return true;
}

/* "<origin>:<line>:<col>: <field>: <fmt...>" where fmt carries
 * "<problem>; <what is expected>". Returns -1. */
__attribute__((format(printf, 4, 5))) static int perr(const struct parse_ctx *c, const struct json *at,
                                                      const char *field, const char *fmt, ...) {
  va_list ap;
  int r;
  va_start(ap, fmt);
  r = json_verror_at(c->err, c->origin, at, field, fmt, ap);
  va_end(ap);
  return r;
}

/* json_parse's error has a line and column; messages about files say
 * "<file>:L:C: why" like every compiler, so editors can jump to it. */
static int locate_syntax_error(const char *file, struct sk_error **err) {
  return sk_error_locate(err, (struct sk_where){.file = file});
}

static int parse_string(const struct parse_ctx *c, const struct json *v, const char *field, const char *expected,
                        char **out) {
  if (!json_is(v, JSON_STRING))
    return perr(c, v, field, "got %s; expected %s", json_type_name(v), expected);
  *out = strdup(v->str);
  if (*out == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: %s", c->origin, field);
  return 0;
}

static int parse_bool(const struct parse_ctx *c, const struct json *v, const char *field, bool *out) {
  if (!json_bool(v, out))
    return perr(c, v, field, "got %s; expected true or false", json_type_name(v));
  return 0;
}

static int parse_name(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  if (!json_is(v, JSON_STRING))
    return perr(c, v, "name", "got %s; expected a string such as \"web\"", json_type_name(v));
  if (!profile_name_valid(v->str))
    return perr(c, v, "name", "invalid profile name \"%s\"; " PROFILE_NAME_RULE, v->str);
  return parse_string(c, v, "name", "a string", &p->name);
}

/* One id of "user": an integer in [min, UID_MAX_VALID]. */
static int parse_id(const struct parse_ctx *c, const struct json *v, const char *field, const char *what,
                    uint32_t *out) {
  uint64_t id;

  if (!json_is(v, JSON_NUMBER))
    return perr(c, v, field, "got %s; expected an integer %s", json_type_name(v), what);
  if (!json_uint64(v, &id) || id > UID_MAX_VALID)
    return perr(c, v, field, "%s is not a valid id; expected an integer %s", v->str, what);
  *out = (uint32_t)id;
  return 0;
}

static int parse_user(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  const struct json *uid = NULL, *gid = NULL;
  size_t i;

  if (!json_is(v, JSON_OBJECT))
    return perr(c, v, "user", "got %s; expected an object {\"uid\": N, \"gid\": N}", json_type_name(v));
  for (i = 0; i < v->n; i++) {
    if (strcmp(v->keys[i], "uid") == 0)
      uid = v->items[i];
    else if (strcmp(v->keys[i], "gid") == 0)
      gid = v->items[i];
    else {
      cleanup_free char *field = NULL;
      if (asprintf(&field, "user.%s", v->keys[i]) < 0)
        field = NULL;
      return perr(c, v->items[i], field ? field : "user", "unknown field \"%s\"; expected one of uid, gid", v->keys[i]);
    }
  }
  if (uid == NULL)
    return perr(c, v, "user", "missing \"uid\"; expected an object {\"uid\": N, \"gid\": N}");
  if (gid == NULL)
    return perr(c, v, "user", "missing \"gid\"; expected an object {\"uid\": N, \"gid\": N}");
  if (parse_id(c, uid, "user.uid", "from 1 to 4294967294", &p->uid) < 0)
    return -1;
  if (p->uid == 0)
    return perr(c, uid, "user.uid",
                "0 is root; expected a non-root uid from 1 to 4294967294 "
                "(to let images run as root, remove \"user\" and set \"allowRoot\": true)");
  if (parse_id(c, gid, "user.gid", "from 0 to 4294967294", &p->gid) < 0)
    return -1;
  p->has_user = true;
  return 0;
}

static int parse_capabilities(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  size_t i, j;

  if (!json_is(v, JSON_ARRAY))
    return perr(c, v, "capabilities", "got %s; expected an array of capability names such as [\"NET_BIND_SERVICE\"]",
                json_type_name(v));
  p->capabilities = calloc(v->n ? v->n : 1, sizeof(*p->capabilities));
  if (p->capabilities == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: capabilities", c->origin);
  for (i = 0; i < v->n; i++) {
    const struct json *item = v->items[i];
    char field[48];
    char *canon = NULL;

    snprintf(field, sizeof(field), "capabilities[%zu]", i);
    if (!json_is(item, JSON_STRING))
      return perr(c, item, field, "got %s; expected a capability name such as \"NET_BIND_SERVICE\"",
                  json_type_name(item));
    if (caps_canonical(item->str, &canon, c->err) < 0)
      return sk_error_wrap(c->err, "%s:%u:%u: %s", c->origin, item->line, item->col, field);
    /* Every earlier element was appended (or we stopped), so the index in
     * p->capabilities is the index in the array. */
    for (j = 0; j < p->n_capabilities; j++) {
      if (strcmp(p->capabilities[j], canon) == 0) {
        perr(c, item, field, "duplicate capability \"%s\" (also capabilities[%zu]); expected each capability once",
             canon, j);
        free(canon);
        return -1;
      }
    }
    p->capabilities[p->n_capabilities++] = canon;
  }
  return 0;
}

/* tmpfs size: ^[0-9]+[kmg]?$, above zero (size=0 means "unlimited" to
 * tmpfs), and small enough that the kernel's memparse() cannot wrap it
 * around to something else. */
static int check_size(const struct parse_ctx *c, const struct json *v, const char *field) {
  const char *s = v->str;
  uint64_t n = 0, mult = 1;
  size_t i;

  for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
    if (n > (UINT64_MAX - 9) / 10)
      return perr(c, v, field, "\"%s\" is too large; expected a size below 8 exabytes such as \"64m\"", s);
    n = n * 10 + (uint64_t)(s[i] - '0');
  }
  if (i > 0 && s[i] != '\0' && s[i + 1] == '\0') {
    switch (s[i]) {
    case 'k':
      mult = 1ull << 10;
      break;
    case 'm':
      mult = 1ull << 20;
      break;
    case 'g':
      mult = 1ull << 30;
      break;
    default:
      mult = 0;
    }
  }
  if (i == 0 || (s[i] != '\0' && mult == 1) || mult == 0)
    return perr(c, v, field, "\"%s\" is not a size; expected digits with an optional k, m or g suffix such as \"64m\"",
                s);
  if (n == 0)
    return perr(c, v, field, "\"%s\" would make the tmpfs unlimited; expected a size above zero such as \"64m\"", s);
  if (n > (UINT64_MAX >> 1) / mult)
    return perr(c, v, field, "\"%s\" is too large; expected a size below 8 exabytes such as \"64m\"", s);
  return 0;
}

static bool has_dotdot(const char *path) {
  const char *p = path;
  while ((p = strstr(p, "..")) != NULL) {
    if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
      return true;
    p += 2;
  }
  return false;
}

static int check_path(const struct parse_ctx *c, const struct json *v, const char *field) {
  const char *s = v->str;
  cleanup_free char *clean = NULL;

  if (s[0] == '\0')
    return perr(c, v, field, "the path is empty; expected an absolute path such as \"/tmp\"");
  if (s[0] != '/')
    return perr(c, v, field, "\"%s\" is relative; expected an absolute path such as \"/tmp\"", s);
  if (strlen(s) >= PATH_MAX)
    return perr(c, v, field, "the path is longer than %d bytes; expected a shorter absolute path", PATH_MAX - 1);
  if (has_dotdot(s))
    return perr(c, v, field, "\"%s\" has a \"..\" segment; expected a clean absolute path without \"..\"", s);
  clean = path_clean(s);
  if (clean == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: %s", c->origin, field);
  if (strcmp(clean, "/") == 0)
    return perr(c, v, field,
                "\"%s\" is the whole root filesystem; expected a directory below \"/\" "
                "(to make the root writable set \"writableRootfs\": true)",
                s);
  if (strcmp(clean, s) != 0)
    return perr(c, v, field, "\"%s\" is not clean; expected \"%s\"", s, clean);
  return 0;
}

static int parse_writable_path(const struct parse_ctx *c, const struct json *v, size_t idx, struct profile *p) {
  const struct json *path = NULL, *size = NULL;
  struct profile_path *wp = &p->writable_paths[idx];
  char field[64];
  size_t i;

  snprintf(field, sizeof(field), "writablePaths[%zu]", idx);
  if (!json_is(v, JSON_OBJECT))
    return perr(c, v, field, "got %s; expected an object such as {\"path\": \"/tmp\", \"size\": \"64m\"}",
                json_type_name(v));
  for (i = 0; i < v->n; i++) {
    if (strcmp(v->keys[i], "path") == 0)
      path = v->items[i];
    else if (strcmp(v->keys[i], "size") == 0)
      size = v->items[i];
    else {
      cleanup_free char *sub = NULL;
      if (asprintf(&sub, "%s.%s", field, v->keys[i]) < 0)
        sub = NULL;
      return perr(c, v->items[i], sub ? sub : field, "unknown field \"%s\"; expected one of path, size", v->keys[i]);
    }
  }
  if (path == NULL)
    return perr(c, v, field, "missing \"path\"; expected an object such as {\"path\": \"/tmp\", \"size\": \"64m\"}");

  snprintf(field, sizeof(field), "writablePaths[%zu].path", idx);
  if (!json_is(path, JSON_STRING))
    return perr(c, path, field, "got %s; expected an absolute path such as \"/tmp\"", json_type_name(path));
  if (check_path(c, path, field) < 0)
    return -1;
  for (i = 0; i < idx; i++)
    if (strcmp(p->writable_paths[i].path, path->str) == 0)
      return perr(c, path, field, "duplicate path \"%s\" (also writablePaths[%zu]); expected each path once", path->str,
                  i);

  if (size) {
    snprintf(field, sizeof(field), "writablePaths[%zu].size", idx);
    if (!json_is(size, JSON_STRING))
      return perr(c, size, field, "got %s; expected a string such as \"64m\"", json_type_name(size));
    if (check_size(c, size, field) < 0)
      return -1;
  }

  wp->path = strdup(path->str);
  wp->size = size ? strdup(size->str) : NULL;
  if (wp->path == NULL || (size && wp->size == NULL))
    return sk_error_set(c->err, ENOMEM, "%s: %s", c->origin, field);
  return 0;
}

static int parse_writable_paths(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  size_t i;

  if (!json_is(v, JSON_ARRAY))
    return perr(c, v, "writablePaths", "got %s; expected an array such as [{\"path\": \"/tmp\", \"size\": \"64m\"}]",
                json_type_name(v));
  p->writable_paths = calloc(v->n ? v->n : 1, sizeof(*p->writable_paths));
  if (p->writable_paths == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: writablePaths", c->origin);
  for (i = 0; i < v->n; i++) {
    /* Counted before parsing so profile_free releases a half-filled entry. */
    p->n_writable_paths = i + 1;
    if (parse_writable_path(c, v->items[i], i, p) < 0)
      return -1;
  }
  return 0;
}

/* ---- exec, blockHashes, action: what the supervisor enforces ---------- */

/* "<field>.<key>" for an unknown key; falls back to field alone. */
static int unknown_key(const struct parse_ctx *c, const struct json *v, const char *field, const char *key,
                       const char *expected) {
  cleanup_free char *sub = NULL;
  if (asprintf(&sub, "%s.%s", field, key) < 0)
    sub = NULL;
  return perr(c, v, sub ? sub : field, "unknown field \"%s\"; expected one of %s", key, expected);
}

/* A path or fnmatch(3) glob of the exec lists, matched with FNM_PATHNAME
 * against the absolute path of the file the kernel opens for execution.
 * Absolute and clean, so that what the profile says is what is matched:
 * a ".." or "//" segment never appears in the path of an opened file, so
 * such an entry would only ever match by accident; and a double star
 * looks recursive but is only a single one. */
static int check_glob(const struct parse_ctx *c, const struct json *v, const char *field) {
  const char *s = v->str;
  cleanup_free char *clean = NULL;
  char why[512];

  if (s[0] == '\0')
    return perr(c, v, field, "the path is empty; " GLOB_EXPECTED);
  if (s[0] != '/')
    return perr(c, v, field, "\"%s\" is relative; " GLOB_EXPECTED, s);
  if (strlen(s) >= PATH_MAX)
    return perr(c, v, field, "the path is longer than %d bytes; expected a shorter absolute path", PATH_MAX - 1);
  if (glob_check_syntax(s, why, sizeof(why)) < 0)
    return perr(c, v, field, "%s", why);
  if (has_dotdot(s))
    return perr(c, v, field, "\"%s\" has a \"..\" segment; expected a clean absolute path without \"..\"", s);
  if (strstr(s, "**") != NULL)
    return perr(c, v, field,
                "\"%s\" has \"**\", which matches no more than \"*\" (neither crosses \"/\"); expected one \"*\" per "
                "directory level such as \"/usr/lib/*/*\"",
                s);
  clean = path_clean(s);
  if (clean == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: %s", c->origin, field);
  if (strcmp(clean, "/") == 0)
    return perr(c, v, field, "\"%s\" is the root directory, which no program is; " GLOB_EXPECTED, s);
  if (strcmp(clean, s) != 0)
    return perr(c, v, field, "\"%s\" is not clean; expected \"%s\"", s, clean);
  return 0;
}

static int check_sha256(const struct parse_ctx *c, const struct json *v, const char *field) {
  size_t len;

  if (!json_is(v, JSON_STRING))
    return perr(c, v, field, "got %s; " SHA256_EXPECTED, json_type_name(v));
  len = strlen(v->str);
  if (len != 64)
    return perr(c, v, field, "\"%s\" has %zu characters; " SHA256_EXPECTED, v->str, len);
  if (strspn(v->str, "0123456789abcdef") != 64)
    return perr(c, v, field, "\"%s\" has a character other than 0-9 and a-f; " SHA256_EXPECTED, v->str);
  return 0;
}

/* One entry of exec.allow: "glob" or {"path": "glob", "sha256": "hex"}. */
static int parse_exec_rule(const struct parse_ctx *c, const struct json *v, size_t idx, struct profile *p) {
  struct profile_exec_rule *r = &p->exec_allow[idx];
  const struct json *path = v, *sha = NULL;
  char field[64], pfield[72];
  size_t i;

  snprintf(field, sizeof(field), "exec.allow[%zu]", idx);
  snprintf(pfield, sizeof(pfield), "%s", field);
  if (json_is(v, JSON_OBJECT)) {
    path = NULL;
    for (i = 0; i < v->n; i++) {
      if (strcmp(v->keys[i], "path") == 0)
        path = v->items[i];
      else if (strcmp(v->keys[i], "sha256") == 0)
        sha = v->items[i];
      else
        return unknown_key(c, v->items[i], field, v->keys[i], "path, sha256");
    }
    if (path == NULL)
      return perr(c, v, field,
                  "missing \"path\"; expected an object such as {\"path\": \"/usr/bin/python3\", \"sha256\": "
                  "\"<64 hex digits>\"}");
    snprintf(pfield, sizeof(pfield), "%s.path", field);
    if (!json_is(path, JSON_STRING))
      return perr(c, path, pfield, "got %s; " GLOB_EXPECTED, json_type_name(path));
  } else if (!json_is(v, JSON_STRING)) {
    return perr(c, v, field,
                "got %s; expected a path or glob such as \"/usr/bin/*\", or an object such as "
                "{\"path\": \"/usr/bin/python3\", \"sha256\": \"<64 hex digits>\"}",
                json_type_name(v));
  }
  if (check_glob(c, path, pfield) < 0)
    return -1;
  if (sha) {
    char sfield[72];
    snprintf(sfield, sizeof(sfield), "%s.sha256", field);
    if (check_sha256(c, sha, sfield) < 0)
      return -1;
  }

  /* The same path twice is a mistake, except with different hashes:
   * several accepted versions of one program. A path both with and
   * without a hash is a contradiction (the hash would pin nothing, or the
   * plain entry would be dead, depending on how one reads it). */
  for (i = 0; i < idx; i++) {
    const struct profile_exec_rule *o = &p->exec_allow[i];
    const char *h = sha ? sha->str : NULL;
    if (strcmp(o->glob, path->str) != 0)
      continue;
    if (h == NULL && o->sha256 == NULL)
      return perr(c, path, pfield, "duplicate path \"%s\" (also exec.allow[%zu]); expected each path once", path->str,
                  i);
    if (h && o->sha256 && strcmp(h, o->sha256) == 0)
      return perr(c, path, pfield,
                  "duplicate entry \"%s\" with the same sha256 (also exec.allow[%zu]); expected each path and sha256 "
                  "once",
                  path->str, i);
    if ((h == NULL) != (o->sha256 == NULL))
      return perr(c, path, pfield,
                  "\"%s\" is also exec.allow[%zu], %s a sha256; expected the path either with sha256 values or "
                  "without, not both",
                  path->str, i, o->sha256 ? "with" : "without");
  }

  r->glob = strdup(path->str);
  r->sha256 = sha ? strdup(sha->str) : NULL;
  if (r->glob == NULL || (sha && r->sha256 == NULL))
    return sk_error_set(c->err, ENOMEM, "%s: %s", c->origin, field);
  return 0;
}

static int parse_exec_allow(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  size_t i;

  if (!json_is(v, JSON_ARRAY))
    return perr(c, v, "exec.allow", "got %s; expected an array of paths or globs such as [\"/usr/bin/*\"]",
                json_type_name(v));
  /* An empty list would let no program run, not even the entrypoint: a
   * container under it could never start. That is always a mistake (the
   * list was emptied by a tool, or "allow" was meant to be left out). */
  if (v->n == 0)
    return perr(c, v, "exec.allow",
                "the list is empty, so no program could run, not even the container's entrypoint; expected at least "
                "one path or glob such as \"/usr/bin/*\" (leave \"allow\" out to let every program of the image run)");
  p->exec_allow = calloc(v->n, sizeof(*p->exec_allow));
  if (p->exec_allow == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: exec.allow", c->origin);
  p->has_exec_allow = true;
  for (i = 0; i < v->n; i++) {
    p->n_exec_allow = i + 1; /* counted first: profile_free releases a half-filled entry */
    if (parse_exec_rule(c, v->items[i], i, p) < 0)
      return -1;
  }
  return 0;
}

/* gcc 12's analyzer loses strings stored into an array of the profile being parsed; profile_free frees them */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int parse_exec_writable(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  size_t i, j;

  if (!json_is(v, JSON_ARRAY))
    return perr(c, v, "exec.allowWritable", "got %s; expected an array of paths or globs such as [\"/work/bin/*\"]",
                json_type_name(v));
  p->exec_writable = calloc(v->n ? v->n : 1, sizeof(*p->exec_writable));
  if (p->exec_writable == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: exec.allowWritable", c->origin);
  for (i = 0; i < v->n; i++) {
    const struct json *item = v->items[i];
    char field[48];

    snprintf(field, sizeof(field), "exec.allowWritable[%zu]", i);
    if (!json_is(item, JSON_STRING))
      return perr(c, item, field, "got %s; expected an absolute path or glob such as \"/work/bin/*\"",
                  json_type_name(item));
    if (check_glob(c, item, field) < 0)
      return -1;
    for (j = 0; j < p->n_exec_writable; j++)
      if (strcmp(p->exec_writable[j], item->str) == 0)
        return perr(c, item, field, "duplicate path \"%s\" (also exec.allowWritable[%zu]); expected each path once",
                    item->str, j);
    p->exec_writable[p->n_exec_writable] = strdup(item->str);
    if (p->exec_writable[p->n_exec_writable] == NULL)
      return sk_error_set(c->err, ENOMEM, "%s: %s", c->origin, field);
    p->n_exec_writable++;
  }
  return 0;
}
SK_ANALYZER_END

static int parse_exec(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  size_t i;

  if (!json_is(v, JSON_OBJECT))
    return perr(c, v, "exec", "got %s; " EXEC_EXPECTED, json_type_name(v));
  for (i = 0; i < v->n; i++) {
    int r;
    if (strcmp(v->keys[i], "allow") == 0)
      r = parse_exec_allow(c, v->items[i], p);
    else if (strcmp(v->keys[i], "allowWritable") == 0)
      r = parse_exec_writable(c, v->items[i], p);
    else if (strcmp(v->keys[i], "fdExec") == 0)
      r = parse_bool(c, v->items[i], "exec.fdExec", &p->exec_fd);
    else if (strcmp(v->keys[i], "memfdExec") == 0)
      r = parse_bool(c, v->items[i], "exec.memfdExec", &p->exec_memfd);
    else
      r = unknown_key(c, v->items[i], "exec", v->keys[i], "allow, allowWritable, fdExec, memfdExec");
    if (r < 0)
      return -1;
  }
  return 0;
}

/* gcc 12's analyzer loses strings stored into an array of the profile being parsed; profile_free frees them */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int parse_block_hashes(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  size_t i, j;

  if (!json_is(v, JSON_ARRAY))
    return perr(c, v, "blockHashes", "got %s; expected an array of SHA-256 values such as [\"<64 hex digits>\"]",
                json_type_name(v));
  p->block_hashes = calloc(v->n ? v->n : 1, sizeof(*p->block_hashes));
  if (p->block_hashes == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: blockHashes", c->origin);
  for (i = 0; i < v->n; i++) {
    const struct json *item = v->items[i];
    char field[40];

    snprintf(field, sizeof(field), "blockHashes[%zu]", i);
    if (check_sha256(c, item, field) < 0)
      return -1;
    for (j = 0; j < p->n_block_hashes; j++)
      if (strcmp(p->block_hashes[j], item->str) == 0)
        return perr(c, item, field, "duplicate hash (also blockHashes[%zu]); expected each hash once", j);
    p->block_hashes[p->n_block_hashes] = strdup(item->str);
    if (p->block_hashes[p->n_block_hashes] == NULL)
      return sk_error_set(c->err, ENOMEM, "%s: %s", c->origin, field);
    p->n_block_hashes++;
  }
  return 0;
}
SK_ANALYZER_END

static int parse_action(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  size_t i;

  if (!json_is(v, JSON_STRING))
    return perr(c, v, "action", "got %s; " ACTION_EXPECTED, json_type_name(v));
  for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
    if (strcmp(v->str, action_names[i]) == 0) {
      p->action = (enum profile_action)i;
      return 0;
    }
  }
  return perr(c, v, "action", "\"%s\" is not an action; " ACTION_EXPECTED, v->str);
}

/* A program pinned by exec.allow to a hash that blockHashes blocks can
 * never run: one of the two is wrong. Checked once both are read, at the
 * place of the pin. */
static int check_pins_not_blocked(const struct parse_ctx *c, const struct json *exec, const struct profile *p) {
  const struct json *allow = json_get(exec, "allow");
  size_t i, j;

  for (i = 0; i < p->n_exec_allow; i++) {
    const char *h = p->exec_allow[i].sha256;
    for (j = 0; h && j < p->n_block_hashes; j++) {
      if (strcmp(h, p->block_hashes[j]) == 0) {
        char field[48];
        snprintf(field, sizeof(field), "exec.allow[%zu].sha256", i);
        return perr(c, json_get(allow->items[i], "sha256"), field,
                    "\"%s\" is also blockHashes[%zu], so this program could never run; expected a hash that is not "
                    "blocked",
                    h, j);
      }
    }
  }
  return 0;
}

/* seccomp_validate() and seccomp_compile_check() name the field and its
 * position in the document they were given (none for what was not parsed).
 * Make that this file's "<file>:L:C: <field path>: <problem>", with the
 * field path below "seccomp" for an inline document; at is the place to
 * point at when the error has no position of its own. */
static int wrap_seccomp_error(const char *file, bool inline_doc, const struct json *at, struct sk_error **err) {
  if (err && *err == NULL)
    return sk_error_set_at(err, (struct sk_where){file, at->line, at->col, inline_doc ? "seccomp" : NULL},
                           "invalid seccomp document");
  return sk_error_locate(err, (struct sk_where){file, at->line, at->col, inline_doc ? "seccomp" : NULL});
}

static int check_seccomp_doc(const char *file, bool inline_doc, const struct json *at, const struct json *doc,
                             struct sk_error **err) {
  /* seccomp_compile_check() validates first, with seccomp_validate()'s
   * messages: each document is validated once. */
  if (seccomp_compile_check(doc, err) < 0)
    return wrap_seccomp_error(file, inline_doc, at, err);
  return 0;
}

/* Kubernetes' words for a seccomp profile are never file names here:
 * "runtime/default" and "docker/default" are the runtime's default
 * filter, which for stockade is "default" (the caller maps them); and
 * "unconfined" (no filter) and "localhost/<file>" (a file in the
 * kubelet's seccomp directory) are refused with what to write instead.
 * Returns -1 for a refused word, 0 otherwise. */
static int kube_seccomp(const struct parse_ctx *c, const struct json *v) {
  if (strcasecmp(v->str, "unconfined") == 0)
    return perr(c, v, "seccomp",
                "\"%s\" means no syscall filter in Kubernetes, which a stockade profile cannot ask for; expected "
                "\"default\" (or \"runtime/default\"), an inline OCI seccomp object, or a file, or run the workload "
                "under the stockade-off RuntimeClass",
                v->str);
  if (strncmp(v->str, "localhost/", 10) == 0)
    return perr(c, v, "seccomp",
                "\"%s\" is Kubernetes' name for a file in the kubelet's seccomp directory, which stockade does not "
                "read; expected the file's path, absolute or relative to this profile",
                v->str);
  return 0;
}

static bool is_runtime_default(const struct json *v) {
  return json_is(v, JSON_STRING) && (strcmp(v->str, "default") == 0 || strcmp(v->str, "runtime/default") == 0 ||
                                     strcmp(v->str, "docker/default") == 0);
}

static int resolve_seccomp(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  cleanup_free char *path = NULL;
  cleanup_free char *buf = NULL;
  cleanup_json struct json *doc = NULL;
  size_t len = 0;

  if (v == NULL || is_runtime_default(v)) {
    /* Validated like any other document (spec hardening relies on it, and
     * it costs well under a millisecond), but not built with libseccomp on
     * every load: that is about 2 ms on the path of every create, and the
     * compiled-in document is built by the unit tests of every profile that
     * ships with it. */
    if (seccomp_default_doc(&doc, c->err) < 0 || seccomp_validate(doc, c->err) < 0)
      return sk_error_wrap(c->err, "%s: seccomp \"default\"", c->origin);
    p->seccomp_source = strdup("default");
  } else if (json_is(v, JSON_OBJECT)) {
    doc = json_copy(v); /* keeps the positions, which are the profile's */
    if (doc == NULL)
      return sk_error_set(c->err, ENOMEM, "%s: seccomp", c->origin);
    if (check_seccomp_doc(c->origin, true, v, doc, c->err) < 0)
      return -1;
    p->seccomp_source = strdup("inline");
  } else if (json_is(v, JSON_STRING) && kube_seccomp(c, v) != 0) {
    return -1;
  } else if (json_is(v, JSON_STRING)) {
    if (v->str[0] == '\0')
      return perr(c, v, "seccomp", "the path is empty; " SECCOMP_EXPECTED);
    if (v->str[0] == '/')
      path = strdup(v->str);
    else if (c->base_dir == NULL)
      return perr(c, v, "seccomp",
                  "\"%s\" is relative but the profile was not read from a file; "
                  "expected \"default\", an inline OCI seccomp object, or an absolute path",
                  v->str);
    else if (asprintf(&path, "%s/%s", c->base_dir, v->str) < 0)
      path = NULL;
    if (path == NULL)
      return sk_error_set(c->err, ENOMEM, "%s: seccomp", c->origin);
    if (read_file(path, &buf, &len, c->err) < 0) {
      sk_error_locate(c->err, (struct sk_where){c->origin, v->line, v->col, "seccomp"});
      return sk_error_fix(c->err, SECCOMP_EXPECTED);
    }
    if (json_parse(buf, len, &doc, c->err) < 0)
      return locate_syntax_error(path, c->err);
    /* seccomp_validate() checks the type too (an array is "got an array"). */
    if (check_seccomp_doc(path, false, doc, doc, c->err) < 0)
      return -1;
    p->seccomp_source = steal_pointer(&path);
  } else {
    return perr(c, v, "seccomp", "got %s; " SECCOMP_EXPECTED, json_type_name(v));
  }
  if (p->seccomp_source == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: seccomp", c->origin);
  p->seccomp = steal_pointer(&doc);
  return 0;
}

static int parse_need(const struct parse_ctx *c, const struct json *v, const char *field, enum profile_need *out) {
  size_t i;

  if (!json_is(v, JSON_STRING))
    return perr(c, v, field, "got %s; " NEED_EXPECTED, json_type_name(v));
  for (i = 0; i < sizeof(need_names) / sizeof(need_names[0]); i++) {
    if (strcmp(v->str, need_names[i]) == 0) {
      *out = (enum profile_need)i;
      return 0;
    }
  }
  return perr(c, v, field, "\"%s\" is not a setting; " NEED_EXPECTED, v->str);
}

static int cmp_u16(const void *a, const void *b) { return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b; }

/* "bind" or "connect": an array of TCP ports, stored sorted and unique. */
static int parse_ports(const struct parse_ctx *c, const struct json *v, const char *field, uint16_t **out,
                       size_t *n_out) {
  uint16_t *ports;
  size_t i, n = 0;

  if (!json_is(v, JSON_ARRAY))
    return perr(c, v, field, "got %s; expected an array of TCP ports such as [80, 443]", json_type_name(v));
  ports = calloc(v->n ? v->n : 1, sizeof(*ports));
  if (ports == NULL)
    return sk_error_set(c->err, ENOMEM, "%s: %s", c->origin, field);
  for (i = 0; i < v->n; i++) {
    uint64_t port = 0;
    char f[64];
    snprintf(f, sizeof(f), "%s[%zu]", field, i);
    if (!json_uint64(v->items[i], &port) || port == 0 || port > 65535) {
      free(ports);
      return perr(c, v->items[i], f, "expected a port number from 1 to 65535");
    }
    ports[n++] = (uint16_t)port;
  }
  qsort(ports, n, sizeof(*ports), cmp_u16);
  for (i = 1; n > 0 && i < n;) {
    if (ports[i] == ports[i - 1]) {
      memmove(&ports[i], &ports[i + 1], (n - i - 1) * sizeof(*ports));
      n--;
    } else {
      i++;
    }
  }
  free(*out);
  *out = ports;
  *n_out = n;
  return 0;
}

static int parse_network(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  size_t i;

  if (!json_is(v, JSON_OBJECT))
    return perr(c, v, "network", "got %s; " NETWORK_EXPECTED, json_type_name(v));
  p->has_network = true;
  for (i = 0; i < v->n; i++) {
    int r;
    if (strcmp(v->keys[i], "bind") == 0)
      r = parse_ports(c, v->items[i], "network.bind", &p->net_bind, &p->n_net_bind);
    else if (strcmp(v->keys[i], "connect") == 0)
      r = parse_ports(c, v->items[i], "network.connect", &p->net_connect, &p->n_net_connect);
    else
      r = unknown_key(c, v->items[i], "network", v->keys[i], "bind, connect");
    if (r < 0)
      return -1;
  }
  return 0;
}

#define ADMIT_KEYS "hostNamespaces, hostMounts, allDevices, allCapabilities, newPrivileges, specSeccomp, unmaskedPaths"

static int parse_admit(const struct parse_ctx *c, const struct json *v, struct profile *p) {
  const struct {
    const char *key;
    bool *dst;
  } keys[] = {
      {"hostNamespaces", &p->admit.host_namespaces}, {"hostMounts", &p->admit.host_mounts},
      {"allDevices", &p->admit.all_devices},         {"allCapabilities", &p->admit.all_capabilities},
      {"newPrivileges", &p->admit.new_privileges},   {"specSeccomp", &p->admit.spec_seccomp},
      {"unmaskedPaths", &p->admit.unmasked_paths},
  };
  size_t i, k;

  if (!json_is(v, JSON_OBJECT))
    return perr(c, v, "admit", "got %s; expected an object such as {\"hostNamespaces\": true}", json_type_name(v));
  p->has_admit = true;
  for (i = 0; i < v->n; i++) {
    char field[64];
    for (k = 0; k < sizeof(keys) / sizeof(keys[0]) && strcmp(keys[k].key, v->keys[i]) != 0; k++)
      ;
    if (k == sizeof(keys) / sizeof(keys[0]))
      return unknown_key(c, v->items[i], "admit", v->keys[i], ADMIT_KEYS);
    snprintf(field, sizeof(field), "admit.%s", keys[k].key);
    if (parse_bool(c, v->items[i], field, keys[k].dst) < 0)
      return -1;
  }
  return 0;
}

/* After an error: stop (-1), or for lint keep its message and go on (0). */
static int again(const struct parse_ctx *c) {
  cleanup_free char *msg = NULL;
  char *all = NULL;
  if (c->collected == NULL)
    return -1;
  msg = c->err && *c->err && (*c->err)->msg ? strdup((*c->err)->msg) : NULL;
  sk_error_free(c->err);
  if (asprintf(&all, "%s%s%s", *c->collected ? *c->collected : "", *c->collected ? "\n" : "", msg ? msg : "?") < 0)
    return sk_error_set(c->err, ENOMEM, "%s", c->origin);
  free(*c->collected);
  *c->collected = all;
  return 0;
}

static int parse_root(const struct parse_ctx *c, const struct json *root, struct profile *p) {
  const struct json *name = NULL, *user = NULL, *allow_root = NULL, *seccomp = NULL, *exec = NULL;
  size_t i;
  int r;

  if (!json_is(root, JSON_OBJECT))
    return perr(c, root, "profile", "got %s; expected an object such as {\"name\": \"web\"}", json_type_name(root));

  /* Fields in the order the file has them, so the first mistake in the
   * file is the one reported. */
  for (i = 0; i < root->n; i++) {
    const char *key = root->keys[i];
    const struct json *v = root->items[i];

    if (strcmp(key, "name") == 0) {
      name = v;
      r = parse_name(c, v, p);
    } else if (strcmp(key, "description") == 0) {
      r = parse_string(c, v, "description", "a string", &p->description);
    } else if (strcmp(key, "user") == 0) {
      user = v;
      r = parse_user(c, v, p);
    } else if (strcmp(key, "allowRoot") == 0) {
      allow_root = v;
      r = parse_bool(c, v, "allowRoot", &p->allow_root);
    } else if (strcmp(key, "capabilities") == 0) {
      r = parse_capabilities(c, v, p);
    } else if (strcmp(key, "writableRootfs") == 0) {
      r = parse_bool(c, v, "writableRootfs", &p->writable_rootfs);
    } else if (strcmp(key, "writablePaths") == 0) {
      r = parse_writable_paths(c, v, p);
    } else if (strcmp(key, "seccomp") == 0) {
      seccomp = v; /* resolved last: it may read another file */
      r = 0;
    } else if (strcmp(key, "exec") == 0) {
      exec = v;
      r = parse_exec(c, v, p);
    } else if (strcmp(key, "blockHashes") == 0) {
      r = parse_block_hashes(c, v, p);
    } else if (strcmp(key, "action") == 0) {
      r = parse_action(c, v, p);
    } else if (strcmp(key, "lsm") == 0) {
      r = parse_need(c, v, "lsm", &p->lsm);
    } else if (strcmp(key, "landlock") == 0) {
      r = parse_need(c, v, "landlock", &p->landlock);
    } else if (strcmp(key, "network") == 0) {
      r = parse_network(c, v, p);
    } else if (strcmp(key, "admit") == 0) {
      r = parse_admit(c, v, p);
    } else {
      r = perr(c, v, key, "unknown field \"%s\"; expected one of " PROFILE_FIELDS, key);
    }
    if (r < 0 && again(c) < 0)
      return -1;
    if (r < 0 && v == exec)
      exec = NULL; /* its pins are not checked against a half-read list */
  }

  if (name == NULL && (perr(c, root, "name", "missing; expected the profile's name such as \"%s\"",
                            c->file_stem ? c->file_stem : "web"),
                       again(c) < 0))
    return -1;
  if (name && p->name && c->file_stem && strcmp(p->name, c->file_stem) != 0 &&
      (perr(c, name, "name", "\"%s\" does not match the file name \"%s\"; expected \"%s\"", p->name, c->file_base,
            c->file_stem),
       again(c) < 0))
    return -1;
  if (user && p->allow_root &&
      (perr(c, allow_root, "allowRoot",
            "true contradicts \"user\" (line %u); expected either \"user\" (images that would run as root run as "
            "that user) or \"allowRoot\": true (they may run as root), not both",
            user->line),
       again(c) < 0))
    return -1;
  if (exec && check_pins_not_blocked(c, exec, p) < 0 && again(c) < 0)
    return -1;
  if (resolve_seccomp(c, seccomp, p) < 0 && again(c) < 0)
    return -1;
  if (c->collected && *c->collected)
    return sk_error_set(c->err, 0, "%s", *c->collected);
  return 0;
}

static int parse_with(const struct parse_ctx *c, const char *file, const char *buf, size_t len, struct profile **out) {
  cleanup_json struct json *root = NULL;
  cleanup_profile struct profile *p = NULL;

  if (json_parse(buf, len, &root, c->err) < 0)
    return locate_syntax_error(c->origin, c->err);
  p = calloc(1, sizeof(*p));
  if (p == NULL)
    return sk_error_set(c->err, ENOMEM, "%s", c->origin);
  sha256_hex(buf, len, p->sha256);
  if ((p->raw = malloc(len + 1)) == NULL)
    return sk_error_set(c->err, ENOMEM, "%s", c->origin);
  memcpy(p->raw, buf, len);
  p->raw[len] = '\0';
  p->raw_len = len;
  if (file && (p->file = strdup(file)) == NULL)
    return sk_error_set(c->err, ENOMEM, "%s", c->origin);
  if (parse_root(c, root, p) < 0)
    return -1;
  *out = steal_pointer(&p);
  return 0;
}

int profile_parse(const char *origin, const char *buf, size_t len, struct profile **out, struct sk_error **err) {
  struct parse_ctx c = {.origin = origin ? origin : "<profile>", .err = err};
  return parse_with(&c, NULL, buf, len, out);
}

static int load_file(const char *path, char **collected, struct profile **out, struct sk_error **err) {
  cleanup_free char *buf = NULL;
  cleanup_free char *dir = NULL;
  cleanup_free char *stem = NULL;
  struct parse_ctx c = {.origin = path, .err = err, .collected = collected};
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t len = 0;

  if (read_file(path, &buf, &len, err) < 0)
    return -1;
  /* A relative seccomp path is relative to the directory of the profile
   * file, never to the working directory of whoever runs us. */
  dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  if (dir == NULL)
    return sk_error_set(err, ENOMEM, "%s", path);
  c.base_dir = dir;
  if (str_has_suffix(base, ".json") && strlen(base) > 5) {
    stem = strndup(base, strlen(base) - 5);
    if (stem == NULL)
      return sk_error_set(err, ENOMEM, "%s", path);
    c.file_base = base;
    c.file_stem = stem;
  }
  return parse_with(&c, path, buf, len, out);
}

int profile_load_file(const char *path, struct profile **out, struct sk_error **err) {
  return load_file(path, NULL, out, err);
}

int profile_lint_file(const char *path, struct profile **out, struct sk_error **err) {
  cleanup_free char *all = NULL;
  return load_file(path, &all, out, err);
}

int profile_load_named(const char *dir, const char *name, struct profile **out, struct sk_error **err) {
  cleanup_free char *path = NULL;
  struct stat st;

  if (!profile_name_valid(name))
    return sk_error_set(err, 0, "invalid profile name \"%s\"; " PROFILE_NAME_RULE, name ? name : "");
  if (asprintf(&path, "%s/%s.json", dir, name) < 0)
    return sk_error_set(err, ENOMEM, "cannot load profile \"%s\"", name);
  if (stat(path, &st) < 0 && errno == ENOENT) {
    sk_error_set(err, 0, "profile \"%s\" not found: %s does not exist", name, path);
    return sk_error_classify(err, ENOENT); /* callers may tell "missing" from "broken" */
  }
  return profile_load_file(path, out, err);
}

bool profile_has_cap(const struct profile *p, const char *canonical) {
  int n = caps_number(canonical);
  size_t i;

  if (p == NULL || canonical == NULL)
    return false;
  if (p->admit.all_capabilities)
    return true;
  for (i = 0; i < p->n_capabilities; i++)
    if (strcmp(p->capabilities[i], canonical) == 0 || (n >= 0 && caps_number(p->capabilities[i]) == n))
      return true;
  return false;
}

void profile_free(struct profile *p) {
  size_t i;

  if (p == NULL)
    return;
  free(p->name);
  free(p->raw);
  free(p->file);
  free(p->description);
  for (i = 0; i < p->n_capabilities; i++)
    free(p->capabilities[i]);
  free(p->capabilities);
  for (i = 0; i < p->n_writable_paths; i++) {
    free(p->writable_paths[i].path);
    free(p->writable_paths[i].size);
  }
  free(p->writable_paths);
  for (i = 0; i < p->n_exec_allow; i++) {
    free(p->exec_allow[i].glob);
    free(p->exec_allow[i].sha256);
  }
  free(p->exec_allow);
  for (i = 0; i < p->n_exec_writable; i++)
    free(p->exec_writable[i]);
  free(p->exec_writable);
  for (i = 0; i < p->n_block_hashes; i++)
    free(p->block_hashes[i]);
  free(p->block_hashes);
  free(p->net_bind);
  free(p->net_connect);
  json_free(p->seccomp);
  free(p->seccomp_source);
  free(p);
}

void profile_freep(struct profile **p) {
  profile_free(*p);
  *p = NULL;
}

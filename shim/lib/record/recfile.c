/* SPDX-License-Identifier: Apache-2.0 */
/* A recording's file format: writing, reading back, and where recordings
 * live (one file per container run under the state directory). */
#define _GNU_SOURCE
#include <ctype.h>
#include <seccomp.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "stockade/cleanup.h"
#include "stockade/str.h"
#include "stockade/sys.h"

#define LEARN_VERSION 1
#define LEARN_CONTAINER_MAX 200 /* leaves room for "-<time>-NN.json" in a 255-byte file name */
#define LEARN_PATH_TRIES 100    /* "-2" ... "-100" */

#define RECORDING_FIELDS                                                                                               \
  "version, container, profile, profileSha256, image, pod, namespace, started, updated, ended, notifications, "        \
  "syscalls, execs, writes, network, capabilities"
#include "stockade/recording.h"
#include "record_int.h"

/* ---- the file format ---------------------------------------------------------- */

static struct json *str_or_null(const char *s) { return s ? json_new_string(s) : json_new(JSON_NULL); }

static struct json *json_new_u64(unsigned long long v) {
  char buf[24];
  struct json *j = json_new(JSON_NUMBER);
  if (j == NULL)
    return NULL;
  snprintf(buf, sizeof(buf), "%llu", v);
  j->str = strdup(buf);
  if (j->str == NULL) {
    json_free(j);
    return NULL;
  }
  j->len = strlen(buf);
  return j;
}

struct json *learn_strset_json(const struct strset *s) {
  struct json *a = json_new(JSON_ARRAY);
  size_t i;
  for (i = 0; a && i < s->n; i++)
    if (json_append(a, json_new_string(s->v[i])) < 0) {
      json_free(a);
      return NULL;
    }
  return a;
}

int learn_to_json(const struct learn_rec *r, struct json **out, struct sk_error **err) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  struct json *sys, *execs, *nets, *caps;
  size_t i;

  if (o == NULL || json_set(o, "version", json_new_int(LEARN_VERSION)) < 0 ||
      json_set(o, "container", json_new_string(r->container)) < 0 ||
      json_set(o, "profile", json_new_string(r->profile)) < 0 ||
      json_set(o, "profileSha256", str_or_null(r->profile_sha256)) < 0 ||
      json_set(o, "image", str_or_null(r->image)) < 0 || json_set(o, "pod", str_or_null(r->pod)) < 0 ||
      json_set(o, "namespace", str_or_null(r->ns)) < 0 || json_set(o, "started", json_new_string(r->started)) < 0 ||
      json_set(o, "updated", json_new_string(r->updated)) < 0 || json_set(o, "ended", json_new_bool(r->ended)) < 0 ||
      json_set(o, "notifications", json_new_u64(r->notifications)) < 0)
    goto oom;
  if (json_set(o, "syscalls", sys = json_new(JSON_OBJECT)) < 0)
    goto oom;
  for (i = 0; i < r->n_arches; i++)
    if (json_set(sys, r->arches[i].name, learn_strset_json(&r->arches[i].calls)) < 0)
      goto oom;
  if (json_set(o, "execs", execs = json_new(JSON_ARRAY)) < 0)
    goto oom;
  for (i = 0; i < r->n_execs; i++) {
    struct json *e = json_new(JSON_OBJECT);
    if (json_append(execs, e) < 0 || json_set(e, "path", json_new_string(r->execs[i].path)) < 0 ||
        json_set(e, "sha256", str_or_null(r->execs[i].sha256)) < 0 ||
        json_set(e, "where", json_new_string(r->execs[i].where)) < 0)
      goto oom;
  }
  if (json_set(o, "writes", learn_strset_json(&r->writes)) < 0 ||
      json_set(o, "network", nets = json_new(JSON_ARRAY)) < 0)
    goto oom;
  for (i = 0; i < r->n_nets; i++) {
    struct json *e = json_new(JSON_OBJECT);
    if (json_append(nets, e) < 0 || json_set(e, "op", json_new_string(learn_net_ops[r->nets[i].op])) < 0 ||
        json_set(e, "family", json_new_string(learn_net_families[r->nets[i].family])) < 0 ||
        json_set(e, "port", json_new_int(r->nets[i].port)) < 0)
      goto oom;
  }
  if (json_set(o, "capabilities", caps = json_new(JSON_ARRAY)) < 0)
    goto oom;
  for (i = 0; i < r->n_caps; i++) {
    struct json *e = json_new(JSON_OBJECT);
    if (json_append(caps, e) < 0 || json_set(e, "name", json_new_string(r->caps[i].name)) < 0 ||
        json_set(e, "why", json_new_string(r->caps[i].why)) < 0)
      goto oom;
  }
  *out = steal_pointer(&o);
  return 0;
oom:
  return sk_error_set(err, ENOMEM, "recording of container %s", r->container);
}

int learn_write(struct learn_rec *r, const char *path, struct sk_error **err) {
  cleanup_json struct json *j = NULL;
  cleanup_free char *text = NULL;
  char prev[LEARN_TIME_SIZE];
  size_t len;

  memcpy(prev, r->updated, sizeof(prev));
  learn_utc_now(r->updated);
  /* The state directory is a tmpfs: a rename is enough for readers to
   * never see half a file, and an fsync would buy nothing. */
  if (learn_to_json(r, &j, err) < 0 || json_gen(j, &text, &len, err) < 0 ||
      write_file_replace(path, text, len, 0600, err) < 0) {
    memcpy(r->updated, prev, sizeof(prev));
    return -1;
  }
  r->dirty = false;
  return 0;
}

/* ---- reading a recording ---------------------------------------------------------- */

struct load_ctx {
  const char *file;
  struct sk_error **err;
};

__attribute__((format(printf, 4, 5))) static int lerr(const struct load_ctx *c, const struct json *at,
                                                      const char *field, const char *fmt, ...) {
  va_list ap;
  int r;
  va_start(ap, fmt);
  r = json_verror_at(c->err, c->file, at, field, fmt, ap);
  va_end(ap);
  return r;
}

static int load_oom(const struct load_ctx *c, const char *field) {
  return sk_error_set(c->err, ENOMEM, "%s: %s", c->file, field);
}

/* An optional string: null is "not known". */
static int load_opt_string(const struct load_ctx *c, const struct json *v, const char *field, char **slot) {
  if (v->type == JSON_NULL)
    return 0;
  if (!json_is(v, JSON_STRING))
    return lerr(c, v, field, "got %s; expected a string or null", json_type_name(v));
  return rec_set_str(slot, v->str) < 0 ? load_oom(c, field) : 0;
}

static int load_time(const struct load_ctx *c, const struct json *v, const char *field, char out[LEARN_TIME_SIZE]) {
  struct tm tm;
  const char *end;

  if (!json_is(v, JSON_STRING))
    return lerr(c, v, field, "got %s; expected a UTC time such as \"2024-05-01T10:00:00Z\"", json_type_name(v));
  memset(&tm, 0, sizeof(tm));
  end = strptime(v->str, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == NULL || *end != '\0' || strlen(v->str) != LEARN_TIME_SIZE - 1)
    return lerr(c, v, field, "\"%s\" is not a UTC time; expected one such as \"2024-05-01T10:00:00Z\"", v->str);
  memcpy(out, v->str, LEARN_TIME_SIZE);
  return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token (it names them "x86_64"). */
uint32_t learn_arch_token(const char *arch) {
  char lower[32];
  size_t i;
  if (!rec_arch_name_valid(arch) || strlen(arch + 10) >= sizeof(lower))
    return 0;
  for (i = 0; arch[10 + i]; i++)
    lower[i] = (char)tolower((unsigned char)arch[10 + i]);
  lower[i] = '\0';
  return seccomp_arch_resolve_name(lower);
}

/* Does the syscall exist on this architecture? libseccomp answers with its
 * number; with a pseudo number from -100 to -9999 for one reached through a
 * multiplexer (socketcall, ipc on x86), which a filter can still name; below
 * -10000 for a syscall of another architecture; __NR_SCMP_ERROR when it
 * knows no such name (the rule of shim/lib/policy/seccomp.c). */
bool learn_syscall_on_arch(uint32_t token, const char *name) {
  int nr = seccomp_syscall_resolve_name_arch(token, name);
  return nr >= 0 || (nr <= -100 && nr > -10000);
}

static int load_syscalls(const struct load_ctx *c, const struct json *v, struct learn_rec *r) {
  size_t i, k;

  if (!json_is(v, JSON_OBJECT))
    return lerr(c, v, "syscalls", "got %s; expected an object such as {\"SCMP_ARCH_X86_64\": [\"read\"]}",
                json_type_name(v));
  for (i = 0; i < v->n; i++) {
    const struct json *names = v->items[i];
    const char *arch = v->keys[i];
    cleanup_free char *field = NULL;
    uint32_t tok = learn_arch_token(arch);

    if (asprintf(&field, "syscalls.%s", arch) < 0)
      return load_oom(c, "syscalls");
    if (tok == 0)
      return lerr(c, names, field,
                  "\"%s\" is not an architecture libseccomp knows; expected a name such as \"SCMP_ARCH_X86_64\"", arch);
    if (!json_is(names, JSON_ARRAY))
      return lerr(c, names, field, "got %s; expected an array of syscall names", json_type_name(names));
    for (k = 0; k < names->n; k++) {
      const struct json *n = names->items[k];
      cleanup_free char *item = NULL;
      if (asprintf(&item, "%s[%zu]", field, k) < 0)
        return load_oom(c, field);
      if (!json_is(n, JSON_STRING))
        return lerr(c, n, item, "got %s; expected a syscall name", json_type_name(n));
      if (!rec_syscall_name_valid(n->str) || !learn_syscall_on_arch(tok, n->str))
        return lerr(c, n, item, "unknown syscall \"%s\" on %s", n->str, arch);
      if (learn_add_syscall(r, arch, n->str, NULL) < 0)
        return load_oom(c, item);
    }
  }
  return 0;
}

/* Check the keys of an object against a list; store the members found.
 * field is the object's own name, NULL for the top level. */
static int load_members(const struct load_ctx *c, const struct json *o, const char *field, const char *const *keys,
                        const struct json **vals, size_t nkeys, const char *expected) {
  size_t i, k;
  for (i = 0; i < o->n; i++) {
    cleanup_free char *sub = NULL;
    for (k = 0; k < nkeys; k++)
      if (strcmp(o->keys[i], keys[k]) == 0)
        break;
    if (k < nkeys) {
      vals[k] = o->items[i];
      continue;
    }
    if (field && asprintf(&sub, "%s.%s", field, o->keys[i]) < 0)
      return load_oom(c, field);
    return lerr(c, o->items[i], sub ? sub : o->keys[i], "unknown field \"%s\"; expected one of %s", o->keys[i],
                expected);
  }
  return 0;
}

/* A member of an object that is missing or wrong: "<field>: missing "<key>"; <why>" at the object, or
 * "<field>.<key>: <why>" at the member. why says what is expected. */
static int member_err(const struct load_ctx *c, const struct json *obj, const struct json *val, const char *field,
                      const char *key, const char *why) {
  char sub[80];
  if (val == NULL)
    return lerr(c, obj, field, "missing \"%s\"; %s", key, why);
  snprintf(sub, sizeof(sub), "%s.%s", field, key);
  return lerr(c, val, sub, "%s", why);
}

static int load_execs(const struct load_ctx *c, const struct json *v, struct learn_rec *r) {
  static const char *const keys[] = {"path", "sha256", "where"};
  size_t i;

  if (!json_is(v, JSON_ARRAY))
    return lerr(c, v, "execs", "got %s; expected an array of {\"path\", \"sha256\", \"where\"}", json_type_name(v));
  for (i = 0; i < v->n; i++) {
    const struct json *e = v->items[i], *vals[3] = {NULL, NULL, NULL};
    const char *sha = NULL;
    char field[48];

    snprintf(field, sizeof(field), "execs[%zu]", i);
    if (!json_is(e, JSON_OBJECT))
      return lerr(c, e, field, "got %s; expected an object {\"path\", \"sha256\", \"where\"}", json_type_name(e));
    if (load_members(c, e, field, keys, vals, 3, "path, sha256, where") < 0)
      return -1;
    if (!json_is(vals[0], JSON_STRING) || vals[0]->str[0] != '/')
      return member_err(c, e, vals[0], field, "path", "expected an absolute path");
    if (vals[1] && vals[1]->type != JSON_NULL) {
      if (!json_is(vals[1], JSON_STRING) || !rec_sha256_valid(vals[1]->str))
        return member_err(c, e, vals[1], field, "sha256", "expected 64 lowercase hex digits or null");
      sha = vals[1]->str;
    }
    if (!json_is(vals[2], JSON_STRING) || rec_where_static(vals[2]->str) == NULL)
      return member_err(c, e, vals[2], field, "where",
                        "expected one of \"image\", \"upper\", \"tmpfs\", \"volume\", \"memfd\", \"other\"");
    if (learn_add_exec(r, vals[0]->str, sha, vals[2]->str, NULL) < 0)
      return load_oom(c, field);
  }
  return 0;
}

static int load_writes(const struct load_ctx *c, const struct json *v, struct learn_rec *r) {
  size_t i;
  if (!json_is(v, JSON_ARRAY))
    return lerr(c, v, "writes", "got %s; expected an array of absolute paths", json_type_name(v));
  for (i = 0; i < v->n; i++) {
    const struct json *p = v->items[i];
    char field[40];
    snprintf(field, sizeof(field), "writes[%zu]", i);
    if (!json_is(p, JSON_STRING) || p->str[0] != '/' || strcmp(p->str, "/") == 0)
      return lerr(c, p, field, "expected an absolute path below \"/\"");
    if (learn_add_write(r, p->str, NULL) < 0)
      return load_oom(c, field);
  }
  return 0;
}

static int load_network(const struct load_ctx *c, const struct json *v, struct learn_rec *r) {
  static const char *const keys[] = {"op", "family", "port"};
  size_t i;

  if (!json_is(v, JSON_ARRAY))
    return lerr(c, v, "network", "got %s; expected an array of {\"op\", \"family\", \"port\"}", json_type_name(v));
  for (i = 0; i < v->n; i++) {
    const struct json *e = v->items[i], *vals[3] = {NULL, NULL, NULL};
    int64_t port;
    char field[40];

    snprintf(field, sizeof(field), "network[%zu]", i);
    if (!json_is(e, JSON_OBJECT))
      return lerr(c, e, field, "got %s; expected an object {\"op\", \"family\", \"port\"}", json_type_name(e));
    if (load_members(c, e, field, keys, vals, 3, "op, family, port") < 0)
      return -1;
    if (!json_is(vals[0], JSON_STRING) || rec_index_of(learn_net_ops, LEARN_N_OPS, vals[0]->str) < 0)
      return member_err(c, e, vals[0], field, "op", "expected \"bind\" or \"connect\"");
    if (!json_is(vals[1], JSON_STRING) || rec_index_of(learn_net_families, LEARN_N_FAMILIES, vals[1]->str) < 0)
      return member_err(c, e, vals[1], field, "family", "expected \"inet\", \"inet6\" or \"unix\"");
    if (!json_int64(vals[2], &port) || port < 0 || port > 65535)
      return member_err(c, e, vals[2], field, "port", "expected an integer from 0 to 65535");
    if (learn_add_net(r, vals[0]->str, vals[1]->str, (int)port, NULL) < 0)
      return load_oom(c, field);
  }
  return 0;
}

static int load_caps(const struct load_ctx *c, const struct json *v, struct learn_rec *r) {
  static const char *const keys[] = {"name", "why"};
  size_t i;

  if (!json_is(v, JSON_ARRAY))
    return lerr(c, v, "capabilities", "got %s; expected an array of {\"name\", \"why\"}", json_type_name(v));
  for (i = 0; i < v->n; i++) {
    const struct json *e = v->items[i], *vals[2] = {NULL, NULL};
    char field[48];

    snprintf(field, sizeof(field), "capabilities[%zu]", i);
    if (!json_is(e, JSON_OBJECT))
      return lerr(c, e, field, "got %s; expected an object {\"name\", \"why\"}", json_type_name(e));
    if (load_members(c, e, field, keys, vals, 2, "name, why") < 0)
      return -1;
    if (!json_is(vals[0], JSON_STRING) || !rec_cap_name_canonical(vals[0]->str))
      return member_err(c, e, vals[0], field, "name", "expected a capability such as \"CAP_NET_BIND_SERVICE\"");
    if (!json_is(vals[1], JSON_STRING))
      return member_err(c, e, vals[1], field, "why", "expected a string");
    if (learn_add_cap(r, vals[0]->str, vals[1]->str, NULL) < 0)
      return load_oom(c, field);
  }
  return 0;
}

static int load_root(const struct load_ctx *c, const struct json *root, struct learn_rec *r) {
  static const char *const keys[] = {"version",   "container", "profile", "profileSha256", "image",         "pod",
                                     "namespace", "started",   "updated", "ended",         "notifications", "syscalls",
                                     "execs",     "writes",    "network", "capabilities"};
  enum {
    K_VERSION,
    K_CONTAINER,
    K_PROFILE,
    K_SHA,
    K_IMAGE,
    K_POD,
    K_NS,
    K_STARTED,
    K_UPDATED,
    K_ENDED,
    K_NOTIF,
    K_SYSCALLS,
    K_EXECS,
    K_WRITES,
    K_NETWORK,
    K_CAPS,
    K_N
  };
  const struct json *v[K_N] = {0};
  int64_t version;
  uint64_t notif;

  if (!json_is(root, JSON_OBJECT))
    return lerr(c, root, "recording", "got %s; expected an object such as {\"version\": 1, ...}", json_type_name(root));
  if (load_members(c, root, NULL, keys, v, K_N, RECORDING_FIELDS) < 0)
    return -1;
  if (v[K_VERSION] == NULL)
    return lerr(c, root, "version", "missing; expected 1");
  if (!json_int64(v[K_VERSION], &version) || version != LEARN_VERSION)
    return lerr(c, v[K_VERSION], "version", "%s is not a version this stockade reads; expected 1",
                v[K_VERSION]->str ? v[K_VERSION]->str : json_type_name(v[K_VERSION]));
  if (v[K_CONTAINER] == NULL)
    return lerr(c, root, "container", "missing; expected the container's id");
  if (!json_is(v[K_CONTAINER], JSON_STRING) || !rec_container_id_valid(v[K_CONTAINER]->str))
    return lerr(c, v[K_CONTAINER], "container", "expected a container id ([A-Za-z0-9_+.-], up to %d characters)",
                LEARN_CONTAINER_MAX);
  if (v[K_PROFILE] == NULL)
    return lerr(c, root, "profile", "missing; expected the name of the profile the container ran under");
  if (!json_is(v[K_PROFILE], JSON_STRING) || !profile_name_valid(v[K_PROFILE]->str))
    return lerr(c, v[K_PROFILE], "profile", "expected a profile name such as \"web\"");
  if (rec_set_str(&r->container, v[K_CONTAINER]->str) < 0 || rec_set_str(&r->profile, v[K_PROFILE]->str) < 0)
    return load_oom(c, "container");
  if (v[K_SHA] && load_opt_string(c, v[K_SHA], "profileSha256", &r->profile_sha256) < 0)
    return -1;
  if (r->profile_sha256 && !rec_sha256_valid(r->profile_sha256))
    return lerr(c, v[K_SHA], "profileSha256", "expected 64 lowercase hex digits or null");
  if ((v[K_IMAGE] && load_opt_string(c, v[K_IMAGE], "image", &r->image) < 0) ||
      (v[K_POD] && load_opt_string(c, v[K_POD], "pod", &r->pod) < 0) ||
      (v[K_NS] && load_opt_string(c, v[K_NS], "namespace", &r->ns) < 0))
    return -1;
  if (v[K_STARTED] == NULL)
    return lerr(c, root, "started", "missing; expected a UTC time such as \"2024-05-01T10:00:00Z\"");
  if (load_time(c, v[K_STARTED], "started", r->started) < 0)
    return -1;
  memcpy(r->updated, r->started, sizeof(r->updated));
  if (v[K_UPDATED] && load_time(c, v[K_UPDATED], "updated", r->updated) < 0)
    return -1;
  if (v[K_ENDED] && !json_bool(v[K_ENDED], &r->ended))
    return lerr(c, v[K_ENDED], "ended", "got %s; expected true or false", json_type_name(v[K_ENDED]));
  if (v[K_NOTIF]) {
    if (!json_uint64(v[K_NOTIF], &notif))
      return lerr(c, v[K_NOTIF], "notifications", "expected a count (an integer from 0)");
    r->notifications = notif;
  }
  if ((v[K_SYSCALLS] && load_syscalls(c, v[K_SYSCALLS], r) < 0) || (v[K_EXECS] && load_execs(c, v[K_EXECS], r) < 0) ||
      (v[K_WRITES] && load_writes(c, v[K_WRITES], r) < 0) || (v[K_NETWORK] && load_network(c, v[K_NETWORK], r) < 0) ||
      (v[K_CAPS] && load_caps(c, v[K_CAPS], r) < 0))
    return -1;
  return 0;
}

int learn_load(const char *path, struct learn_rec **out, struct sk_error **err) {
  struct load_ctx c = {.file = path, .err = err};
  cleanup_free char *buf = NULL;
  cleanup_json struct json *root = NULL;
  cleanup_learn struct learn_rec *r = NULL;
  size_t len = 0;

  if (read_file(path, &buf, &len, err) < 0)
    return -1;
  if (json_parse(buf, len, &root, err) < 0)
    return sk_error_locate(err, (struct sk_where){.file = path}); /* "<file>:L:C: why" */
  r = calloc(1, sizeof(*r));
  if (r == NULL || (r->file = strdup(path)) == NULL)
    return sk_error_set(err, ENOMEM, "%s", path);
  if (load_root(&c, root, r) < 0)
    return -1;
  r->dirty = false;
  *out = steal_pointer(&r);
  return 0;
}

/* ---- where recordings live ------------------------------------------------------------ */

int learn_recording_path(const char *state_dir, const char *profile, const char *container, char **out,
                         struct sk_error **err) {
  cleanup_free char *dir = NULL;
  char stamp[20];
  time_t t = time(NULL);
  struct tm tm;
  int i;

  if (state_dir == NULL || state_dir[0] != '/')
    return sk_error_set(err, 0, "recording: state directory \"%s\" is not an absolute path",
                        state_dir ? state_dir : "");
  if (!profile_name_valid(profile))
    return sk_error_set(err, 0, "recording: invalid profile name \"%s\"", profile ? profile : "");
  if (!rec_container_id_valid(container))
    return sk_error_set(err, 0, "recording: invalid container id \"%s\"; expected [A-Za-z0-9_+.-], up to %d characters",
                        container ? container : "", LEARN_CONTAINER_MAX);
  if (asprintf(&dir, "%s/recordings/%s", state_dir, profile) < 0)
    return sk_error_set(err, ENOMEM, "recording path");
  /* Recordings say what a workload does: only root reads them. */
  if (mkdir_p(dir, 0700, err) < 0)
    return sk_error_wrap(err, "recording directory");
  gmtime_r(&t, &tm);
  strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
  for (i = 1; i <= LEARN_PATH_TRIES; i++) {
    char *path = NULL;
    struct stat st;
    int r = i == 1 ? asprintf(&path, "%s/%s-%s.json", dir, container, stamp)
                   : asprintf(&path, "%s/%s-%s-%d.json", dir, container, stamp, i);
    if (r < 0)
      return sk_error_set(err, ENOMEM, "recording path");
    if (lstat(path, &st) < 0 && errno == ENOENT) {
      *out = path;
      return 0;
    }
    free(path);
  }
  return sk_error_set(err, EEXIST, "recording: %s/%s-%s.json and %d more exist", dir, container, stamp,
                      LEARN_PATH_TRIES - 1);
}

/* The *.json file names of dir, sorted; ENOENT is no files. */
static int list_recordings(const char *dir, char ***names, size_t *n, struct sk_error **err) {
  cleanup_dir DIR *d = opendir(dir);
  struct strset s = {0};
  struct dirent *e;

  *names = NULL;
  *n = 0;
  if (d == NULL)
    return errno == ENOENT ? 0 : sk_error_set(err, errno, "cannot read recordings in %s", dir);
  /* Temporary files of write_file_replace() end in ".stockade-XXXXXX":
   * a recording being written is read in its previous, whole version. */
  for (errno = 0; (e = readdir(d)) != NULL; errno = 0) {
    if (e->d_name[0] == '.' || !str_has_suffix(e->d_name, ".json"))
      continue;
    if (strset_add(&s, e->d_name) < 0) {
      strset_clear(&s);
      return sk_error_set(err, ENOMEM, "recordings in %s", dir);
    }
  }
  if (errno != 0) {
    int saved = errno;
    strset_clear(&s);
    return sk_error_set(err, saved, "cannot read recordings in %s", dir);
  }
  *names = s.v; /* a strset: sorted */
  *n = s.n;
  return 0;
}

int learn_load_dir(const char *dir, struct learn_rec ***out, size_t *n, struct sk_error **err) {
  char **names = NULL;
  size_t count = 0, i;
  struct learn_rec **recs;
  int r = 0;

  if (list_recordings(dir, &names, &count, err) < 0)
    return -1;
  recs = calloc(count ? count : 1, sizeof(*recs));
  if (recs == NULL)
    r = sk_error_set(err, ENOMEM, "recordings in %s", dir);
  for (i = 0; r == 0 && i < count; i++) {
    cleanup_free char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
      r = sk_error_set(err, ENOMEM, "recordings in %s", dir);
    else if (learn_load(path, &recs[i], err) < 0)
      r = -1; /* the message names the file */
  }
  for (i = 0; i < count; i++)
    free(names[i]);
  free(names);
  if (r < 0) {
    learn_free_all(recs, count);
    return -1;
  }
  *out = recs;
  *n = count;
  return 0;
}

int learn_merge_syscalls(struct learn_rec *into, const struct learn_rec *from, struct sk_error **err) {
  size_t a, k;
  for (a = 0; a < from->n_arches; a++)
    for (k = 0; k < from->arches[a].calls.n; k++)
      if (learn_add_syscall(into, from->arches[a].name, from->arches[a].calls.v[k], err) < 0)
        return -1;
  return 0;
}

int learn_known_syscalls(const char *state_dir, const char *profile, struct json **out, struct sk_error **err) {
  cleanup_free char *dir = NULL;
  cleanup_json struct json *o = NULL;
  struct learn_rec **recs = NULL;
  struct learn_rec acc = {0};
  size_t n = 0, i;
  int r = 0;

  if (!profile_name_valid(profile))
    return sk_error_set(err, 0, "known syscalls: invalid profile name \"%s\"", profile ? profile : "");
  if (asprintf(&dir, "%s/recordings/%s", state_dir, profile) < 0)
    return sk_error_set(err, ENOMEM, "known syscalls");
  if (learn_load_dir(dir, &recs, &n, err) < 0)
    return sk_error_wrap(err, "known syscalls of profile \"%s\"", profile);
  for (i = 0; r == 0 && i < n; i++)
    if (learn_merge_syscalls(&acc, recs[i], err) < 0)
      r = sk_error_wrap(err, "known syscalls");
  learn_free_all(recs, n);
  o = json_new(JSON_OBJECT);
  if (r == 0 && o == NULL)
    r = sk_error_set(err, ENOMEM, "known syscalls");
  for (i = 0; r == 0 && i < acc.n_arches; i++)
    if (json_set(o, acc.arches[i].name, learn_strset_json(&acc.arches[i].calls)) < 0)
      r = sk_error_set(err, ENOMEM, "known syscalls");
  learn_rec_release(&acc);
  if (r < 0)
    return -1;
  *out = steal_pointer(&o);
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Learning mode: the recording a supervisor keeps of what its container
 * did (syscalls, programs, written paths, network, implied capabilities),
 * its file format, the syscalls the runtime itself needs inside the
 * filter, and the profile `stockadectl learn` makes from recordings.
 *
 * The recording lives in the supervisor for the whole life of the
 * container, whose RSS target is 2 MiB: every set is one sorted array
 * (binary search, one allocation per fact), and the sets that could grow
 * with the workload's data rather than its code are bounded (writes
 * collapse into their directory, reasons per capability are capped).
 * Network facts keep no addresses, for the same reason. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "stockade/caps.h"
#include "stockade/cleanup.h"
#include "stockade/decide.h"
#include "stockade/learn.h"
#include "stockade/profile_diff.h"
#include "stockade/seccomp.h"
#include "stockade/util.h"

#define LEARN_VERSION 1
#define LEARN_CONTAINER_MAX 200    /* leaves room for "-<time>-NN.json" in a 255-byte file name */
#define LEARN_WRITES_PER_DIR 64    /* written paths below one directory before they collapse */
#define LEARN_WHYS_PER_CAP 8       /* reasons kept per capability */
#define LEARN_TIME_SIZE 21         /* "2024-05-01T10:00:00Z" */
#define LEARN_PATH_TRIES 100       /* "-2" ... "-100" */
#define LEARN_DEFAULT_NOBODY 65534 /* the shipped default profile's user */

#define RECORDING_FIELDS                                                                                               \
  "version, container, profile, profileSha256, image, pod, namespace, started, updated, ended, notifications, "        \
  "syscalls, execs, writes, network, capabilities"

/* ---- sorted arrays --------------------------------------------------------- */

static int grow(void **v, size_t *cap, size_t n, size_t size) {
  size_t ncap;
  void *p;
  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 8;
  p = reallocarray(*v, ncap, size);
  if (p == NULL)
    return -1;
  *v = p;
  *cap = ncap;
  return 0;
}

/* Binary search in a sorted array: true when found; *at is where key is
 * or would go. */
static bool sorted_find(const void *base, size_t n, size_t size, const void *key,
                        int (*cmp)(const void *key, const void *elem), size_t *at) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmp(key, (const char *)base + mid * size);
    if (c == 0) {
      *at = mid;
      return true;
    }
    if (c > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *at = lo;
  return false;
}

/* Insert elem at position at; *v must have room (grow() first). */
static void sorted_insert_at(void *v, size_t *n, size_t size, size_t at, const void *elem) {
  char *b = v;
  memmove(b + (at + 1) * size, b + at * size, (*n - at) * size);
  memcpy(b + at * size, elem, size);
  (*n)++;
}

struct strset {
  char **v;
  size_t n, cap;
};

static int str_keycmp(const void *key, const void *elem) { return strcmp(key, *(char *const *)elem); }

static bool strset_has(const struct strset *s, const char *x) {
  size_t at;
  return sorted_find(s->v, s->n, sizeof(*s->v), x, str_keycmp, &at);
}

/* 1 added, 0 present, -1 ENOMEM. */
static int strset_add(struct strset *s, const char *x) {
  size_t at;
  char *c;
  if (sorted_find(s->v, s->n, sizeof(*s->v), x, str_keycmp, &at))
    return 0;
  if (grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v)) < 0 || (c = strdup(x)) == NULL) {
    errno = ENOMEM;
    return -1;
  }
  sorted_insert_at(s->v, &s->n, sizeof(*s->v), at, &c);
  return 1;
}

static void strset_remove(struct strset *s, size_t from, size_t to) {
  size_t i;
  if (from == to)
    return; /* s->v may be NULL: &s->v[0] and memmove(NULL, ...) are undefined */
  for (i = from; i < to; i++)
    free(s->v[i]);
  memmove(&s->v[from], &s->v[to], (s->n - to) * sizeof(*s->v));
  s->n -= to - from;
}

static void strset_clear(struct strset *s) {
  strset_remove(s, 0, s->n);
  free(s->v);
  memset(s, 0, sizeof(*s));
}

/* The entries that start with prefix: [*from, *to). */
static void strset_prefix_range(const struct strset *s, const char *prefix, size_t *from, size_t *to) {
  size_t len = strlen(prefix), i;
  sorted_find(s->v, s->n, sizeof(*s->v), prefix, str_keycmp, from);
  for (i = *from; i < s->n && strncmp(s->v[i], prefix, len) == 0; i++)
    ;
  *to = i;
}

/* ---- the recording ----------------------------------------------------------- */

struct learn_arch {
  char *name; /* "SCMP_ARCH_X86_64" */
  struct strset calls;
};

/* One allocation: path, then the sha256 (when known); where is static. */
struct learn_exec {
  char *path;
  const char *sha256;
  const char *where;
};

static const char *const net_ops[] = {"bind", "connect"};
static const char *const net_families[] = {"inet", "inet6", "unix"}; /* sorted: the index order is the JSON order */
#define N_OPS (sizeof(net_ops) / sizeof(net_ops[0]))
#define N_FAMILIES (sizeof(net_families) / sizeof(net_families[0]))

struct learn_net {
  unsigned char op, family; /* indexes into net_ops, net_families */
  unsigned short port;
};

/* One allocation: name, then why. */
struct learn_cap {
  char *name;
  const char *why;
};

struct learn_rec {
  char *file; /* the recording was read from it; NULL when made here */
  char *container, *profile, *profile_sha256, *image, *pod, *ns;
  char started[LEARN_TIME_SIZE], updated[LEARN_TIME_SIZE];
  bool ended, dirty;
  unsigned long long notifications;

  struct learn_arch *arches; /* sorted by name; few */
  size_t n_arches, cap_arches;
  struct learn_exec *execs;
  size_t n_execs, cap_execs;
  struct strset writes;
  struct learn_net *nets;
  size_t n_nets, cap_nets;
  struct learn_cap *caps;
  size_t n_caps, cap_caps;
};

static void utc_now(char out[LEARN_TIME_SIZE]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, LEARN_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* runc's rule for container ids, and short enough to name a file. */
static bool container_id_valid(const char *id) {
  size_t i;
  if (id == NULL || id[0] == '\0' || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return false;
  for (i = 0; id[i]; i++) {
    char ch = id[i];
    if (i >= LEARN_CONTAINER_MAX)
      return false;
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' ||
          ch == '.' || ch == '-'))
      return false;
  }
  return true;
}

static bool sha256_valid(const char *s) { return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64; }

/* Replace *slot with a copy of value (NULL clears). */
static int set_str(char **slot, const char *value) {
  char *c = NULL;
  if (value && (c = strdup(value)) == NULL) {
    errno = ENOMEM;
    return -1;
  }
  free(*slot);
  *slot = c;
  return 0;
}

struct learn_rec *learn_new(const char *container, const char *profile, const char *profile_sha256) {
  struct learn_rec *r;

  if (!container_id_valid(container) || !profile_name_valid(profile)) {
    errno = EINVAL;
    return NULL;
  }
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return NULL;
  if (set_str(&r->container, container) < 0 || set_str(&r->profile, profile) < 0 ||
      set_str(&r->profile_sha256, profile_sha256) < 0) {
    learn_free(r);
    errno = ENOMEM;
    return NULL;
  }
  utc_now(r->started);
  memcpy(r->updated, r->started, sizeof(r->updated));
  r->dirty = true;
  return r;
}

/* Free what r holds, not r. */
static void rec_release(struct learn_rec *r) {
  size_t i;
  free(r->file);
  free(r->container);
  free(r->profile);
  free(r->profile_sha256);
  free(r->image);
  free(r->pod);
  free(r->ns);
  for (i = 0; i < r->n_arches; i++) {
    free(r->arches[i].name);
    strset_clear(&r->arches[i].calls);
  }
  free(r->arches);
  for (i = 0; i < r->n_execs; i++)
    free(r->execs[i].path);
  free(r->execs);
  strset_clear(&r->writes);
  free(r->nets);
  for (i = 0; i < r->n_caps; i++)
    free(r->caps[i].name);
  free(r->caps);
  memset(r, 0, sizeof(*r));
}

void learn_free(struct learn_rec *r) {
  if (r == NULL)
    return;
  rec_release(r);
  free(r);
}

void learn_freep(struct learn_rec **r) {
  learn_free(*r);
  *r = NULL;
}

void learn_free_all(struct learn_rec **recs, size_t n) {
  size_t i;
  for (i = 0; recs && i < n; i++)
    learn_free(recs[i]);
  free(recs);
}

int learn_set_meta(struct learn_rec *r, const char *key, const char *value) {
  char **slot;
  if (key && strcmp(key, "image") == 0)
    slot = &r->image;
  else if (key && strcmp(key, "pod") == 0)
    slot = &r->pod;
  else if (key && strcmp(key, "namespace") == 0)
    slot = &r->ns;
  else {
    errno = EINVAL;
    return -1;
  }
  if ((*slot == NULL && value == NULL) || (*slot && value && strcmp(*slot, value) == 0))
    return 0;
  if (set_str(slot, value) < 0)
    return -1;
  r->dirty = true;
  return 0;
}

static bool syscall_name_valid(const char *name) {
  return name && name[0] && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(name);
}

static bool arch_name_valid(const char *name) {
  return name && str_has_prefix(name, "SCMP_ARCH_") && name[10] &&
         strspn(name + 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(name + 10);
}

static int arch_keycmp(const void *key, const void *elem) {
  return strcmp(key, ((const struct learn_arch *)elem)->name);
}

int learn_add_syscall(struct learn_rec *r, const char *arch, const char *name) {
  struct learn_arch *a;
  size_t at;
  int added;

  if (!arch_name_valid(arch) || !syscall_name_valid(name)) {
    errno = EINVAL;
    return -1;
  }
  if (!sorted_find(r->arches, r->n_arches, sizeof(*r->arches), arch, arch_keycmp, &at)) {
    struct learn_arch na = {0};
    if (grow((void **)&r->arches, &r->cap_arches, r->n_arches, sizeof(*r->arches)) < 0 ||
        (na.name = strdup(arch)) == NULL) {
      errno = ENOMEM;
      return -1;
    }
    sorted_insert_at(r->arches, &r->n_arches, sizeof(*r->arches), at, &na);
  }
  a = &r->arches[at];
  added = strset_add(&a->calls, name);
  if (added > 0)
    r->dirty = true;
  return added;
}

/* The static name exec_where_name() gives, or NULL. */
static const char *where_static(const char *where) {
  int w;
  for (w = WHERE_IMAGE; w <= WHERE_OTHER; w++)
    if (where && strcmp(exec_where_name((enum exec_where)w), where) == 0)
      return exec_where_name((enum exec_where)w);
  return NULL;
}

static int opt_strcmp(const char *a, const char *b) {
  if (a == NULL || b == NULL)
    return (a != NULL) - (b != NULL);
  return strcmp(a, b);
}

static int exec_cmp(const void *x, const void *y) {
  const struct learn_exec *a = x, *b = y;
  int c = strcmp(a->path, b->path);
  if (c == 0)
    c = opt_strcmp(a->sha256, b->sha256);
  return c ? c : strcmp(a->where, b->where);
}

int learn_add_exec(struct learn_rec *r, const char *path, const char *sha256, const char *where) {
  struct learn_exec e = {.where = where_static(where)};
  cleanup_free char *clean = NULL;
  size_t at, plen;

  if (path == NULL || path[0] != '/' || (sha256 && !sha256_valid(sha256)) || e.where == NULL) {
    errno = EINVAL;
    return -1;
  }
  /* The profile's exec.allow takes clean paths only. */
  if ((clean = path_clean(path)) == NULL) {
    errno = ENOMEM;
    return -1;
  }
  path = clean;
  e.path = (char *)path;
  e.sha256 = sha256;
  if (sorted_find(r->execs, r->n_execs, sizeof(*r->execs), &e, exec_cmp, &at))
    return 0;
  plen = strlen(path) + 1;
  if (grow((void **)&r->execs, &r->cap_execs, r->n_execs, sizeof(*r->execs)) < 0 ||
      (e.path = malloc(plen + (sha256 ? 65 : 0))) == NULL) {
    errno = ENOMEM;
    return -1;
  }
  memcpy(e.path, path, plen);
  if (sha256) {
    memcpy(e.path + plen, sha256, 65);
    e.sha256 = e.path + plen;
  }
  sorted_insert_at(r->execs, &r->n_execs, sizeof(*r->execs), at, &e);
  r->dirty = true;
  return 1;
}

/* dir + "/" + "*": the collapsed entry for many writes below dir. */
static char *collapsed_name(const char *dir, size_t dlen) {
  char *s = malloc(dlen + 3);
  if (s) {
    memcpy(s, dir, dlen);
    memcpy(s + dlen, "/*", 3);
  }
  return s;
}

/* Once more than LEARN_WRITES_PER_DIR entries lie below an ancestor of
 * path (never "/"), replace them with the ancestor's collapsed entry. */
static int collapse_writes(struct strset *w, const char *path) {
  size_t len = strlen(path), dlen;

  for (dlen = len; dlen > 0; dlen--) {
    cleanup_free char *prefix = NULL;
    cleanup_free char *entry = NULL;
    size_t from, to;

    if (path[dlen] != '/' || dlen == len)
      continue;
    /* path[0..dlen) is an ancestor directory, not "/" (dlen > 0). */
    prefix = strndup(path, dlen + 1); /* with its slash */
    if (prefix == NULL)
      return -1;
    strset_prefix_range(w, prefix, &from, &to);
    if (to - from <= LEARN_WRITES_PER_DIR)
      continue;
    entry = collapsed_name(path, dlen);
    if (entry == NULL)
      return -1;
    strset_remove(w, from, to);
    if (strset_add(w, entry) < 0)
      return -1;
  }
  return 0;
}

/* Is path below a collapsed entry? */
static bool write_covered(const struct strset *w, const char *path) {
  size_t len = strlen(path), dlen;
  char *probe;
  bool found = false;

  probe = malloc(len + 3);
  if (probe == NULL)
    return false;
  for (dlen = len; dlen > 0 && !found; dlen--) {
    if (path[dlen] != '/' || dlen == len)
      continue;
    memcpy(probe, path, dlen);
    memcpy(probe + dlen, "/*", 3);
    found = strset_has(w, probe);
  }
  free(probe);
  return found;
}

int learn_add_write(struct learn_rec *r, const char *path) {
  cleanup_free char *clean = NULL;
  int added;

  if (path == NULL || path[0] != '/') {
    errno = EINVAL;
    return -1;
  }
  clean = path_clean(path);
  if (clean == NULL) {
    errno = ENOMEM;
    return -1;
  }
  if (strcmp(clean, "/") == 0) {
    errno = EINVAL;
    return -1;
  }
  if (write_covered(&r->writes, clean))
    return 0;
  added = strset_add(&r->writes, clean);
  if (added <= 0)
    return added;
  r->dirty = true;
  if (collapse_writes(&r->writes, clean) < 0) {
    errno = ENOMEM;
    return -1;
  }
  return 1;
}

static int index_of(const char *const *names, size_t n, const char *s) {
  size_t i;
  for (i = 0; s && i < n; i++)
    if (strcmp(names[i], s) == 0)
      return (int)i;
  return -1;
}

static int net_cmp(const void *x, const void *y) {
  const struct learn_net *a = x, *b = y;
  if (a->op != b->op)
    return a->op < b->op ? -1 : 1;
  if (a->family != b->family)
    return a->family < b->family ? -1 : 1;
  return (a->port > b->port) - (a->port < b->port);
}

int learn_add_net(struct learn_rec *r, const char *op, const char *family, int port) {
  int o = index_of(net_ops, N_OPS, op), f = index_of(net_families, N_FAMILIES, family);
  struct learn_net n;
  size_t at;

  if (o < 0 || f < 0 || port < 0 || port > 65535) {
    errno = EINVAL;
    return -1;
  }
  n = (struct learn_net){.op = (unsigned char)o, .family = (unsigned char)f, .port = (unsigned short)port};
  if (sorted_find(r->nets, r->n_nets, sizeof(*r->nets), &n, net_cmp, &at))
    return 0;
  if (grow((void **)&r->nets, &r->cap_nets, r->n_nets, sizeof(*r->nets)) < 0) {
    errno = ENOMEM;
    return -1;
  }
  sorted_insert_at(r->nets, &r->n_nets, sizeof(*r->nets), at, &n);
  r->dirty = true;
  return 1;
}

static int cap_cmp(const void *x, const void *y) {
  const struct learn_cap *a = x, *b = y;
  int c = strcmp(a->name, b->name);
  return c ? c : strcmp(a->why, b->why);
}

static bool cap_name_canonical(const char *cap) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *canon = NULL;
  return cap && caps_canonical(cap, &canon, &err) == 0 && strcmp(canon, cap) == 0;
}

int learn_add_cap(struct learn_rec *r, const char *cap, const char *why) {
  struct learn_cap c = {.name = (char *)cap, .why = why ? why : ""};
  size_t at, i, same = 0, nlen, wlen;

  if (!cap_name_canonical(cap)) {
    errno = EINVAL;
    return -1;
  }
  if (sorted_find(r->caps, r->n_caps, sizeof(*r->caps), &c, cap_cmp, &at))
    return 0;
  /* The entries of this capability are next to at. */
  for (i = at; i > 0 && strcmp(r->caps[i - 1].name, cap) == 0; i--)
    same++;
  for (i = at; i < r->n_caps && strcmp(r->caps[i].name, cap) == 0; i++)
    same++;
  if (same >= LEARN_WHYS_PER_CAP)
    return 0;
  nlen = strlen(cap) + 1;
  wlen = strlen(c.why) + 1;
  if (grow((void **)&r->caps, &r->cap_caps, r->n_caps, sizeof(*r->caps)) < 0 ||
      (c.name = malloc(nlen + wlen)) == NULL) {
    errno = ENOMEM;
    return -1;
  }
  memcpy(c.name, cap, nlen);
  memcpy(c.name + nlen, why ? why : "", wlen);
  c.why = c.name + nlen;
  sorted_insert_at(r->caps, &r->n_caps, sizeof(*r->caps), at, &c);
  r->dirty = true;
  return 1;
}

void learn_count_notification(struct learn_rec *r) { r->notifications++; }

unsigned long long learn_notifications(const struct learn_rec *r) { return r->notifications; }

const char *learn_rec_container(const struct learn_rec *r) { return r->container; }

const char *learn_rec_profile(const struct learn_rec *r) { return r->profile; }

void learn_set_ended(struct learn_rec *r, bool ended) {
  if (r->ended != ended)
    r->dirty = true;
  r->ended = ended;
}

bool learn_dirty(const struct learn_rec *r) { return r->dirty; }

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

static struct json *strset_json(const struct strset *s) {
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
    if (json_set(sys, r->arches[i].name, strset_json(&r->arches[i].calls)) < 0)
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
  if (json_set(o, "writes", strset_json(&r->writes)) < 0 || json_set(o, "network", nets = json_new(JSON_ARRAY)) < 0)
    goto oom;
  for (i = 0; i < r->n_nets; i++) {
    struct json *e = json_new(JSON_OBJECT);
    if (json_append(nets, e) < 0 || json_set(e, "op", json_new_string(net_ops[r->nets[i].op])) < 0 ||
        json_set(e, "family", json_new_string(net_families[r->nets[i].family])) < 0 ||
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
  utc_now(r->updated);
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
  return set_str(slot, v->str) < 0 ? load_oom(c, field) : 0;
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
static uint32_t arch_token(const char *arch) {
  char lower[32];
  size_t i;
  if (!arch_name_valid(arch) || strlen(arch + 10) >= sizeof(lower))
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
static bool syscall_on_arch(uint32_t token, const char *name) {
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
    uint32_t tok = arch_token(arch);

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
      if (!syscall_name_valid(n->str) || !syscall_on_arch(tok, n->str))
        return lerr(c, n, item, "unknown syscall \"%s\" on %s", n->str, arch);
      if (learn_add_syscall(r, arch, n->str) < 0)
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
      if (!json_is(vals[1], JSON_STRING) || !sha256_valid(vals[1]->str))
        return member_err(c, e, vals[1], field, "sha256", "expected 64 lowercase hex digits or null");
      sha = vals[1]->str;
    }
    if (!json_is(vals[2], JSON_STRING) || where_static(vals[2]->str) == NULL)
      return member_err(c, e, vals[2], field, "where",
                        "expected one of \"image\", \"upper\", \"tmpfs\", \"volume\", \"memfd\", \"other\"");
    if (learn_add_exec(r, vals[0]->str, sha, vals[2]->str) < 0)
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
    if (learn_add_write(r, p->str) < 0)
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
    if (!json_is(vals[0], JSON_STRING) || index_of(net_ops, N_OPS, vals[0]->str) < 0)
      return member_err(c, e, vals[0], field, "op", "expected \"bind\" or \"connect\"");
    if (!json_is(vals[1], JSON_STRING) || index_of(net_families, N_FAMILIES, vals[1]->str) < 0)
      return member_err(c, e, vals[1], field, "family", "expected \"inet\", \"inet6\" or \"unix\"");
    if (!json_int64(vals[2], &port) || port < 0 || port > 65535)
      return member_err(c, e, vals[2], field, "port", "expected an integer from 0 to 65535");
    if (learn_add_net(r, vals[0]->str, vals[1]->str, (int)port) < 0)
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
    if (!json_is(vals[0], JSON_STRING) || !cap_name_canonical(vals[0]->str))
      return member_err(c, e, vals[0], field, "name", "expected a capability such as \"CAP_NET_BIND_SERVICE\"");
    if (!json_is(vals[1], JSON_STRING))
      return member_err(c, e, vals[1], field, "why", "expected a string");
    if (learn_add_cap(r, vals[0]->str, vals[1]->str) < 0)
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
  if (!json_is(v[K_CONTAINER], JSON_STRING) || !container_id_valid(v[K_CONTAINER]->str))
    return lerr(c, v[K_CONTAINER], "container", "expected a container id ([A-Za-z0-9_+.-], up to %d characters)",
                LEARN_CONTAINER_MAX);
  if (v[K_PROFILE] == NULL)
    return lerr(c, root, "profile", "missing; expected the name of the profile the container ran under");
  if (!json_is(v[K_PROFILE], JSON_STRING) || !profile_name_valid(v[K_PROFILE]->str))
    return lerr(c, v[K_PROFILE], "profile", "expected a profile name such as \"web\"");
  if (set_str(&r->container, v[K_CONTAINER]->str) < 0 || set_str(&r->profile, v[K_PROFILE]->str) < 0)
    return load_oom(c, "container");
  if (v[K_SHA] && load_opt_string(c, v[K_SHA], "profileSha256", &r->profile_sha256) < 0)
    return -1;
  if (r->profile_sha256 && !sha256_valid(r->profile_sha256))
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
  if (json_parse(buf, len, &root, err) < 0) {
    /* "line L, column C: why" -> "<file>:L:C: why" */
    cleanup_free char *msg = *err ? steal_pointer(&(*err)->msg) : NULL;
    unsigned line, col;
    int used = 0;
    if (msg && sscanf(msg, "line %u, column %u: %n", &line, &col, &used) == 2 && used > 0)
      return sk_error_set(err, 0, "%s:%u:%u: %s", path, line, col, msg + used);
    return sk_error_set(err, 0, "%s: %s", path, msg ? msg : "invalid JSON");
  }
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
  if (!container_id_valid(container))
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

static int merge_syscalls(struct learn_rec *into, const struct learn_rec *from) {
  size_t a, k;
  for (a = 0; a < from->n_arches; a++)
    for (k = 0; k < from->arches[a].calls.n; k++)
      if (learn_add_syscall(into, from->arches[a].name, from->arches[a].calls.v[k]) < 0)
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
    if (merge_syscalls(&acc, recs[i]) < 0)
      r = sk_error_set(err, ENOMEM, "known syscalls");
  learn_free_all(recs, n);
  o = json_new(JSON_OBJECT);
  if (r == 0 && o == NULL)
    r = sk_error_set(err, ENOMEM, "known syscalls");
  for (i = 0; r == 0 && i < acc.n_arches; i++)
    if (json_set(o, acc.arches[i].name, strset_json(&acc.arches[i].calls)) < 0)
      r = sk_error_set(err, ENOMEM, "known syscalls");
  rec_release(&acc);
  if (r < 0)
    return -1;
  *out = steal_pointer(&o);
  return 0;
}

/* ---- the runtime's own syscalls ------------------------------------------------------- */

/* Between installing the filter and handing its listener over, the
 * runtime runs inside the filter with nobody to answer a notification: a
 * notified syscall there hangs runc or crun for good. So a learning filter
 * allows these outright, and every learned profile allows them too (a
 * profile without them would stop the runtime before the workload's first
 * instruction, whatever the workload needs).
 *
 * runc 1.1 (runc init, Go) installs the filter as late as it can: with
 * noNewPrivileges, which stockade always sets, after switching user and
 * capabilities; without it, before, so the switch happens inside the
 * filter. It then passes the listener fd to its parent over the init
 * socket pair and waits for the parent's answer; meanwhile the Go runtime
 * keeps scheduling, collecting garbage and preempting its threads. crun
 * 1.8 likewise sends the fd over a socket pair and then finishes setting
 * up the process (file descriptors, capabilities) before its execve.
 *
 * The same list covers what the runtime does after the hand-over and
 * before the workload's first execve (runc opens and writes its exec
 * fifo, closes every descriptor it does not pass on): the supervisor does
 * not record that part, which is the runtime's and not the workload's, so
 * a learned profile allows it through this list or not at all.
 * Each name resolves on x86_64 (tests/unit/test_learn.c checks it). */
const char *const learn_runtime_baseline[] = {
    /* the sync pipe and socket pair, the exec fifo, the log pipe */
    "read",
    "write",
    "close",
    "close_range", /* crun closes inherited descriptors before exec */
    "fcntl",       /* FD_CLOEXEC on inherited descriptors (runc), F_GETFL/F_SETFL by Go's poller */
    "openat",      /* /proc/self/fd (descriptor walk), runc's exec fifo through /proc/self/fd/N */
    "getdents64",  /* reading /proc/self/fd */
    "fstatfs",     /* runc checks that /proc/self/fd is procfs before closing what it lists (CVE-2024-21626) */
    "newfstatat",  /* Go's os.Stat, crun's checks of paths */
    "fstat",       /* Go's os.File, crun's checks of descriptors */
    "dup3",        /* dup2() of stdio (Go and glibc implement it with dup3) */
    "pipe2",       /* Go's os/exec for runc's hooks */
    "sendmsg",     /* the listener fd travels as SCM_RIGHTS */
    "recvmsg",     /* ...and the answer comes back on the same socket pair */
    "sendto",      /* send() on the socket pair is sendto on x86_64 */
    "recvfrom",    /* recv(), likewise */
    "epoll_pwait", /* Go's poller waits for the parent's answer on the sync pipe */
    "epoll_wait",  /* ...older Go and glibc's epoll_wait */
    "epoll_ctl",   /* ...and registers descriptors with it */
    /* the Go runtime: scheduling, memory, threads, signals */
    "futex",           /* every lock and wakeup between Go's threads */
    "nanosleep",       /* usleep() in the scheduler's spin loops */
    "clock_nanosleep", /* glibc's nanosleep, Go's timers */
    "sched_yield",     /* osyield() in the scheduler */
    "mmap",            /* heap arenas, goroutine stacks, glibc malloc in crun and runc's nsexec */
    "munmap",          /* ...and their release */
    "madvise",         /* the garbage collector returns memory */
    "mprotect",        /* guard pages of new thread stacks */
    "brk",             /* glibc malloc */
    "rt_sigaction",    /* Go installs handlers on new threads; crun resets them */
    "rt_sigprocmask",  /* signal masks of new threads, around fork */
    "rt_sigreturn",    /* returning from Go's preemption signal handler */
    "sigaltstack",     /* every new Go thread gets a signal stack */
    "clone",           /* new Go threads; a learned profile still refuses namespace flags (its clone rule) */
    "arch_prctl",      /* thread-local storage on x86_64 */
    "tgkill",          /* Go preempts goroutines with SIGURG sent to its own threads */
    "tkill",           /* raise() of older glibc, Go's fallback */
    "getpid",          /* ...tgkill needs the caller's pid */
    "gettid",          /* ...and the thread's id */
    "getppid",         /* both runtimes check that their parent is still there */
    "restart_syscall", /* the kernel restarts an interrupted nanosleep or futex with it; filters see it */
    "getrandom",       /* Go's runtime seeds, crun's random names */
    "exit",            /* a Go thread ends */
    "exit_group",      /* runc init or crun gives up (after writing the error to its parent) */
    "wait4",           /* reaping the runtime's own children (hooks) */
    /* switching user and capabilities: inside the filter when runc installs
     * it early (a spec without noNewPrivileges), and crun's last steps */
    "prctl",     /* PR_SET_KEEPCAPS, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS */
    "capget",    /* reading the capability sets before changing them */
    "capset",    /* setting them */
    "setgroups", /* the supplementary groups of the process user (runc and crun) */
    "setresuid", /* crun switches to the process user with setresuid */
    "setresgid", /* ...and to its group with setresgid */
    NULL,
};

static bool in_list(const char *const *list, const char *name) {
  size_t i;
  for (i = 0; name && list[i]; i++)
    if (strcmp(list[i], name) == 0)
      return true;
  return false;
}

/* Syscalls whose arguments learn_infer reads. What is not here, because
 * the runtime makes it inside the filter before the listener is connected
 * (learn_runtime_baseline), is never notified, and so never inferred:
 *   setresuid, setresgid: CAP_SETUID/CAP_SETGID of a workload that
 *     switches user with them. glibc's setuid() and setgid() use setuid
 *     and setgid, which are notified, and so do su-exec and gosu; a
 *     program calling setresuid() directly is missed;
 *   setgroups: CAP_SETGID, usually seen anyway through the setgid that
 *     follows it;
 *   tgkill, tkill: CAP_KILL for a signal to another user's thread;
 *     programs signal other processes with kill, which is notified;
 *   capset: nothing is inferred from it (it only lowers or reshuffles
 *     what the process has).
 * setuid and setgid stay notified although runc 1.1 switches user with
 * them (its system.Setuid is the raw setuid syscall): with noNewPrivileges
 * runc does that before installing the filter. Without it, runc would make
 * them inside the filter before the hand-over and hang; harden_learn()
 * always sets noNewPrivileges, and this list relies on it.
 * The "32" names are 32-bit x86's: a 64-bit runtime never makes them,
 * so they are notified. socketpair is not: a pair of unix sockets implies
 * no capability and no network fact. Neither is socketcall, 32-bit x86's
 * multiplexer of socket calls (its arguments are behind a pointer, and
 * 32-bit programs rarely bind low ports): learn such workloads' network
 * needs by hand. */
static const char *const notify_names[] = {
    "bind",        "connect",  "socket",   "chown",    "fchown",     "lchown",     "fchownat",   "chown32",
    "fchown32",    "lchown32", "setuid",   "setuid32", "setreuid",   "setreuid32", "setfsuid",   "setfsuid32",
    "setresuid32", "setgid",   "setgid32", "setregid", "setregid32", "setfsgid",   "setfsgid32", "setresgid32",
    "setgroups32", "kill",     "mknod",    "mknodat",  "chroot",     NULL,
};

bool learn_always_notify(const char *name) {
  /* Never a baseline syscall, whatever the list above says. */
  return in_list(notify_names, name) && !in_list(learn_runtime_baseline, name);
}

/* ---- inference --------------------------------------------------------------------------- */

enum infer_kind { I_BIND, I_CONNECT, I_SOCKET, I_CHOWN, I_SETUID, I_SETGID, I_SETGROUPS, I_KILL, I_MKNOD, I_CHROOT };

struct infer_rule {
  const char *name;
  enum infer_kind kind;
  int a, b; /* argument positions: ids (first, count), the mode, the target */
};

static const struct infer_rule infer_rules[] = {
    {"bind", I_BIND, 0, 0},           {"connect", I_CONNECT, 0, 0},
    {"socket", I_SOCKET, 0, 0},       {"chown", I_CHOWN, 1, 2},
    {"fchown", I_CHOWN, 1, 2},        {"lchown", I_CHOWN, 1, 2},
    {"chown32", I_CHOWN, 1, 2},       {"fchown32", I_CHOWN, 1, 2},
    {"lchown32", I_CHOWN, 1, 2},      {"fchownat", I_CHOWN, 2, 3},
    {"setuid", I_SETUID, 0, 1},       {"setuid32", I_SETUID, 0, 1},
    {"setreuid", I_SETUID, 0, 2},     {"setreuid32", I_SETUID, 0, 2},
    {"setresuid", I_SETUID, 0, 3},    {"setresuid32", I_SETUID, 0, 3},
    {"setfsuid", I_SETUID, 0, 1},     {"setfsuid32", I_SETUID, 0, 1},
    {"setgid", I_SETGID, 0, 1},       {"setgid32", I_SETGID, 0, 1},
    {"setregid", I_SETGID, 0, 2},     {"setregid32", I_SETGID, 0, 2},
    {"setresgid", I_SETGID, 0, 3},    {"setresgid32", I_SETGID, 0, 3},
    {"setfsgid", I_SETGID, 0, 1},     {"setfsgid32", I_SETGID, 0, 1},
    {"setgroups", I_SETGROUPS, 0, 0}, {"setgroups32", I_SETGROUPS, 0, 0},
    {"kill", I_KILL, 0, 0},           {"tkill", I_KILL, 0, 0},
    {"tgkill", I_KILL, 1, 0},         {"mknod", I_MKNOD, 1, 0},
    {"mknodat", I_MKNOD, 2, 0},       {"chroot", I_CHROOT, 0, 0},
};

__attribute__((format(printf, 3, 4))) static int cap_why(struct learn_rec *r, const char *cap, const char *fmt, ...) {
  char why[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof(why), fmt, ap);
  va_end(ap);
  return learn_add_cap(r, cap, why) < 0 ? -1 : 0;
}

#define ID_UNCHANGED 0xffffffffu /* (uid_t)-1: "leave it" to chown(2) and set*id(2) */

/* bind and connect: the address family and port the caller names. */
static int infer_sockaddr(struct learn_rec *r, const struct learn_call *c, bool is_bind, learn_read_fn rd, void *ctx) {
  struct sockaddr_storage ss;
  uint64_t len = c->args[2];
  size_t n = len > sizeof(ss) ? sizeof(ss) : (size_t)len;
  const char *family;
  int port;

  if (rd == NULL || c->args[1] == 0 || n < sizeof(sa_family_t))
    return 0;
  memset(&ss, 0, sizeof(ss));
  /* Never more than the caller said its buffer holds: reading past it
   * could fault on the next page. */
  if (rd(ctx, c->pid, c->args[1], &ss, n) != 0)
    return 0;
  switch (ss.ss_family) {
  case AF_UNIX:
    /* No path: socket paths are often per run, and the set must stay small. */
    return learn_add_net(r, is_bind ? "bind" : "connect", "unix", 0) < 0 ? -1 : 0;
  case AF_INET:
  case AF_INET6:
    /* sin_port and sin6_port are both at offset 2. */
    if (n < offsetof(struct sockaddr_in, sin_port) + sizeof(in_port_t))
      return 0;
    family = ss.ss_family == AF_INET ? "inet" : "inet6";
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    break;
  default:
    return 0;
  }
  if (is_bind && port == 0)
    return 0; /* any free port: says nothing about the workload */
  if (learn_add_net(r, is_bind ? "bind" : "connect", family, port) < 0)
    return -1;
  /* Below net.ipv4.ip_unprivileged_port_start (1024 unless changed), a
   * bind needs the capability. Some engines lower that sysctl inside the
   * container; the profile must also work where they do not. */
  if (is_bind && port < 1024)
    return cap_why(r, "CAP_NET_BIND_SERVICE", "bind to port %d (%s)", port, family);
  return 0;
}

static int infer_socket(struct learn_rec *r, const struct learn_call *c) {
  int domain = (int)c->args[0], type = (int)(c->args[1] & 0xf); /* SOCK_TYPE_MASK: without NONBLOCK, CLOEXEC */

  if (domain == AF_PACKET)
    return cap_why(r, "CAP_NET_RAW", "socket(AF_PACKET)");
  /* Raw netlink sockets need no capability (netlink is SOCK_RAW or
   * SOCK_DGRAM alike); ping's SOCK_DGRAM ICMP sockets need none either. */
  if ((domain == AF_INET || domain == AF_INET6) && (type == SOCK_RAW || type == SOCK_PACKET))
    return cap_why(r, "CAP_NET_RAW", "socket(%s, %s)", domain == AF_INET ? "AF_INET" : "AF_INET6",
                   type == SOCK_RAW ? "SOCK_RAW" : "SOCK_PACKET");
  return 0;
}

/* The first of n ids from args[first] that is neither "unchanged" nor
 * mine; false when there is none. */
static bool other_id(const struct learn_call *c, int first, int n, uint32_t mine, uint32_t *id) {
  int i;
  for (i = first; i < first + n; i++) {
    uint32_t v = (uint32_t)c->args[i];
    if (v != ID_UNCHANGED && v != mine) {
      *id = v;
      return true;
    }
  }
  return false;
}

static int infer_kill(struct learn_rec *r, const struct learn_call *c, int arg, learn_uid_fn uid_of, void *ctx) {
  pid_t target = (pid_t)(int32_t)c->args[arg];
  uid_t owner;

  /* 0, -1 and -pgid signal groups: only the members the caller may signal
   * get it, so nothing is implied. */
  if (uid_of == NULL || target <= 0 || uid_of(ctx, c->pid, target, &owner) != 0)
    return 0;
  /* The kernel lets a signal through when the sender's real or effective
   * uid is the target's real or saved uid; effective against effective is
   * what a workload that does not juggle ids does. */
  if ((uint32_t)owner == (uint32_t)c->uid)
    return 0;
  return cap_why(r, "CAP_KILL", "%s of a process of uid %u by uid %u", c->name, (unsigned)owner, (unsigned)c->uid);
}

int learn_infer(struct learn_rec *r, const struct learn_call *c, learn_read_fn rd, learn_uid_fn uid_of, void *ctx) {
  const struct infer_rule *rule = NULL;
  uint32_t id;
  mode_t mode;
  size_t i;

  for (i = 0; c->name && i < sizeof(infer_rules) / sizeof(infer_rules[0]); i++)
    if (strcmp(infer_rules[i].name, c->name) == 0)
      rule = &infer_rules[i];
  if (rule == NULL)
    return 0;
  switch (rule->kind) {
  case I_BIND:
  case I_CONNECT:
    return infer_sockaddr(r, c, rule->kind == I_BIND, rd, ctx);
  case I_SOCKET:
    return infer_socket(r, c);
  case I_CHOWN:
    /* Giving a file away, or to a group that is not the caller's. (A
     * supplementary group of the caller needs no capability either; the
     * call does not say which groups those are, so that case is counted.) */
    if (other_id(c, rule->a, 1, (uint32_t)c->uid, &id))
      return cap_why(r, "CAP_CHOWN", "%s to uid %u by uid %u", c->name, id, (unsigned)c->uid);
    if (other_id(c, rule->b, 1, (uint32_t)c->gid, &id))
      return cap_why(r, "CAP_CHOWN", "%s to gid %u by gid %u", c->name, id, (unsigned)c->gid);
    return 0;
  case I_SETUID:
    if (other_id(c, rule->a, rule->b, (uint32_t)c->uid, &id))
      return cap_why(r, "CAP_SETUID", "%s to uid %u by uid %u", c->name, id, (unsigned)c->uid);
    return 0;
  case I_SETGID:
    if (other_id(c, rule->a, rule->b, (uint32_t)c->gid, &id))
      return cap_why(r, "CAP_SETGID", "%s to gid %u by gid %u", c->name, id, (unsigned)c->gid);
    return 0;
  case I_SETGROUPS:
    return cap_why(r, "CAP_SETGID", "%s", c->name);
  case I_KILL:
    return infer_kill(r, c, rule->a, uid_of, ctx);
  case I_MKNOD:
    mode = (mode_t)c->args[rule->a];
    if (S_ISCHR(mode) || S_ISBLK(mode))
      return cap_why(r, "CAP_MKNOD", "%s of a %s device", c->name, S_ISCHR(mode) ? "character" : "block");
    return 0; /* a fifo, socket or regular file needs no capability */
  case I_CHROOT:
    return cap_why(r, "CAP_SYS_CHROOT", "chroot");
  }
  return 0;
}

/* ---- making a profile ------------------------------------------------------------------ */

/* Directories whose subdirectories are scratch space made at run time
 * (mktemp -d): a write below them makes the whole directory writable, or
 * the next run, with another random name, would find a read-only root. */
static const char *const scratch_roots[] = {"/tmp", "/var/tmp", "/run", NULL};
/* Pseudo file systems the runtime mounts itself: never writable paths. */
static const char *const pseudo_roots[] = {"/proc", "/sys", "/dev", NULL};

/* Is the clean path p equal to the clean directory d, or below it? */
static bool under(const char *p, const char *d) {
  size_t l = strlen(d);
  if (strcmp(d, "/") == 0)
    return true;
  return strncmp(p, d, l) == 0 && (p[l] == '\0' || p[l] == '/');
}

static const char *under_any(const char *p, const char *const *roots) {
  size_t i;
  for (i = 0; roots[i]; i++)
    if (under(p, roots[i]))
      return roots[i];
  return NULL;
}

/* The union of recordings, in one recording that belongs to nobody. */
static int merge_all(struct learn_rec *const *recs, size_t n, struct learn_rec *m) {
  size_t i, k;
  for (i = 0; i < n; i++) {
    const struct learn_rec *r = recs[i];
    if (merge_syscalls(m, r) < 0)
      return -1;
    for (k = 0; k < r->n_execs; k++)
      if (learn_add_exec(m, r->execs[k].path, r->execs[k].sha256, r->execs[k].where) < 0)
        return -1;
    for (k = 0; k < r->writes.n; k++)
      if (learn_add_write(m, r->writes.v[k]) < 0)
        return -1;
    for (k = 0; k < r->n_nets; k++)
      if (learn_add_net(m, net_ops[r->nets[k].op], net_families[r->nets[k].family], r->nets[k].port) < 0)
        return -1;
    for (k = 0; k < r->n_caps; k++)
      if (learn_add_cap(m, r->caps[k].name, r->caps[k].why) < 0)
        return -1;
  }
  return 0;
}

/* What the seccomp part of the learned profile is made of. */
struct learned_seccomp {
  uint32_t tokens[32];
  size_t n_tokens;
  struct strset recorded; /* every recorded name, all architectures */
  struct strset allow;    /* the ALLOW rule's names */
  struct strset baseline; /* names the baseline added to what was recorded */
  bool clone3_recorded;
};

static void learned_seccomp_release(struct learned_seccomp *s) {
  strset_clear(&s->recorded);
  strset_clear(&s->allow);
  strset_clear(&s->baseline);
}

static bool on_any_arch(const struct learned_seccomp *s, const char *name) {
  size_t i;
  for (i = 0; i < s->n_tokens; i++)
    if (syscall_on_arch(s->tokens[i], name))
      return true;
  return false;
}

static struct json *names_json(const char *const *names) {
  struct json *a = json_new(JSON_ARRAY);
  size_t i;
  for (i = 0; a && names[i]; i++)
    if (json_append(a, json_new_string(names[i])) < 0) {
      json_free(a);
      return NULL;
    }
  return a;
}

/* {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": [recorded],
 *  "syscalls": [ALLOW recorded + baseline + execve/execveat,
 *               clone without namespace flags, clone3 -> ENOSYS]} */
static int build_seccomp(const struct learn_rec *m, struct learned_seccomp *s, struct json **out,
                         struct sk_error **err) {
  /* execve: every program starts with one. The rest are stockade-init's
   * (the Landlock layer, enforce mode only, so never recorded): without
   * them a learned profile would leave its containers unconfined, or
   * refused when "landlock" is "required". */
  static const char *const always[] = {"execve",
                                       "execveat",
                                       "landlock_create_ruleset",
                                       "landlock_add_rule",
                                       "landlock_restrict_self",
                                       "openat",
                                       "newfstatat",
                                       "fstat",
                                       "getdents64",
                                       "prctl",
                                       NULL};
  static const char *const clone_names[] = {"clone", NULL};
  static const char *const clone3_names[] = {"clone3", NULL};
  cleanup_json struct json *doc = json_new(JSON_OBJECT);
  struct json *arches, *rules, *rule, *args, *arg;
  size_t i, k;

  for (i = 0; i < m->n_arches; i++) {
    uint32_t tok = arch_token(m->arches[i].name);
    if (tok == 0 || s->n_tokens == sizeof(s->tokens) / sizeof(s->tokens[0]))
      return sk_error_set(err, 0, "architecture %s: unknown to libseccomp", m->arches[i].name);
    s->tokens[s->n_tokens++] = tok;
    for (k = 0; k < m->arches[i].calls.n; k++)
      if (strset_add(&s->recorded, m->arches[i].calls.v[k]) < 0 || strset_add(&s->allow, m->arches[i].calls.v[k]) < 0)
        goto oom;
  }
  /* Nothing recorded at all: the filter is for this machine's architecture. */
  if (s->n_tokens == 0)
    s->tokens[s->n_tokens++] = seccomp_arch_native();
  for (i = 0; learn_runtime_baseline[i]; i++) {
    int added;
    if (!on_any_arch(s, learn_runtime_baseline[i]))
      continue; /* arch_prctl on aarch64: no such syscall there */
    added = strset_add(&s->allow, learn_runtime_baseline[i]);
    if (added < 0 || (added > 0 && strset_add(&s->baseline, learn_runtime_baseline[i]) < 0))
      goto oom;
  }
  for (i = 0; always[i]; i++)
    if (on_any_arch(s, always[i]) && strset_add(&s->allow, always[i]) < 0)
      goto oom;
  /* clone and clone3 get their own rules below, never a plain allow. */
  s->clone3_recorded = strset_has(&s->recorded, "clone3");
  for (i = 0; i < s->allow.n;) {
    if (strcmp(s->allow.v[i], "clone") == 0 || strcmp(s->allow.v[i], "clone3") == 0)
      strset_remove(&s->allow, i, i + 1);
    else
      i++;
  }

  if (doc == NULL || json_set(doc, "defaultAction", json_new_string("SCMP_ACT_ERRNO")) < 0 ||
      json_set(doc, "defaultErrnoRet", json_new_int(1)) < 0)
    goto oom;
  if (m->n_arches > 0) {
    if (json_set(doc, "architectures", arches = json_new(JSON_ARRAY)) < 0)
      goto oom;
    for (i = 0; i < m->n_arches; i++)
      if (json_append(arches, json_new_string(m->arches[i].name)) < 0)
        goto oom;
  }
  if (json_set(doc, "syscalls", rules = json_new(JSON_ARRAY)) < 0)
    goto oom;
  /* 1. Everything recorded, the runtime's baseline, execve and execveat. */
  if (json_append(rules, rule = json_new(JSON_OBJECT)) < 0 || json_set(rule, "names", strset_json(&s->allow)) < 0 ||
      json_set(rule, "action", json_new_string("SCMP_ACT_ALLOW")) < 0)
    goto oom;
  /* 2. clone, but never with a namespace flag: CLONE_NEWNS, NEWCGROUP,
   * NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (0x7E020000) all clear, as in
   * profiles/seccomp/default.json. Threads and fork still work. (On s390x
   * the flags are the second argument; like the shipped default, this rule
   * is written for the other architectures.) */
  if (json_append(rules, rule = json_new(JSON_OBJECT)) < 0 || json_set(rule, "names", names_json(clone_names)) < 0 ||
      json_set(rule, "action", json_new_string("SCMP_ACT_ALLOW")) < 0 ||
      json_set(rule, "args", args = json_new(JSON_ARRAY)) < 0 || json_append(args, arg = json_new(JSON_OBJECT)) < 0 ||
      json_set(arg, "index", json_new_int(0)) < 0 || json_set(arg, "value", json_new_int(0x7E020000)) < 0 ||
      json_set(arg, "valueTwo", json_new_int(0)) < 0 || json_set(arg, "op", json_new_string("SCMP_CMP_MASKED_EQ")) < 0)
    goto oom;
  /* 3. clone3 passes its flags in memory a filter cannot read, so it
   * cannot be restricted like clone: answer ENOSYS, and glibc (2.34 and
   * later) and Go fall back to clone, which the rule above checks. */
  if (json_append(rules, rule = json_new(JSON_OBJECT)) < 0 || json_set(rule, "names", names_json(clone3_names)) < 0 ||
      json_set(rule, "action", json_new_string("SCMP_ACT_ERRNO")) < 0 ||
      json_set(rule, "errnoRet", json_new_int(ENOSYS)) < 0)
    goto oom;
  *out = steal_pointer(&doc);
  return 0;
oom:
  return sk_error_set(err, ENOMEM, "learned seccomp document");
}

/* The writable paths: the directory of every written file, collapsed. */
struct learned_paths {
  struct strset dirs;      /* the writablePaths */
  struct strset uncovered; /* files directly in "/" */
  size_t pseudo;           /* writes below /proc, /sys, /dev left out */
};

static void learned_paths_release(struct learned_paths *p) {
  strset_clear(&p->dirs);
  strset_clear(&p->uncovered);
}

static int build_paths(const struct learn_rec *m, const struct profile *base, struct learned_paths *p) {
  size_t i, k;

  for (i = 0; i < m->writes.n; i++) {
    const char *w = m->writes.v[i], *slash = strrchr(w, '/'), *root;
    cleanup_free char *dir = NULL;

    if (under_any(w, pseudo_roots)) {
      p->pseudo++;
      continue;
    }
    if (slash == w) { /* "/file": only a writable root covers it */
      if (strset_add(&p->uncovered, w) < 0)
        return -1;
      continue;
    }
    dir = strndup(w, (size_t)(slash - w)); /* also "/tmp" for the collapsed "/tmp/" "*" */
    if (dir == NULL)
      return -1;
    if ((root = under_any(dir, scratch_roots)) != NULL) {
      free(dir);
      if ((dir = strdup(root)) == NULL)
        return -1;
    }
    /* A writable path of the base that covers it is the operator's choice
     * of directory: keep it rather than a deeper one. */
    for (k = 0; base && k < base->n_writable_paths; k++) {
      if (under(dir, base->writable_paths[k].path)) {
        free(dir);
        if ((dir = strdup(base->writable_paths[k].path)) == NULL)
          return -1;
        break;
      }
    }
    if (strset_add(&p->dirs, dir) < 0)
      return -1;
  }
  /* Drop every directory below another one of the set. */
  for (i = 0; i < p->dirs.n;) {
    bool covered = false;
    for (k = 0; k < p->dirs.n && !covered; k++)
      covered = k != i && under(p->dirs.v[i], p->dirs.v[k]);
    if (covered)
      strset_remove(&p->dirs, i, i + 1);
    else
      i++;
  }
  return 0;
}

/* A path as an fnmatch(3) pattern that matches only itself. */
static char *glob_escape(const char *path) {
  size_t n = 0, i, o = 0;
  char *s;
  for (i = 0; path[i]; i++)
    n += strchr("*?[\\", path[i]) ? 2 : 1;
  s = malloc(n + 1);
  if (s == NULL)
    return NULL;
  for (i = 0; path[i]; i++) {
    if (strchr("*?[\\", path[i]))
      s[o++] = '\\';
    s[o++] = path[i];
  }
  s[o] = '\0';
  return s;
}

static bool base_blocks(const struct profile *base, const char *sha) {
  size_t i;
  for (i = 0; base && sha && i < base->n_block_hashes; i++)
    if (strcmp(base->block_hashes[i], sha) == 0)
      return true;
  return false;
}

static bool base_allows_writable(const struct profile *base, const char *path) {
  size_t i;
  for (i = 0; base && i < base->n_exec_writable; i++)
    if (decide_path_matches(base->exec_writable[i], path))
      return true;
  return false;
}

/* exec.allow, and what could not go into it, for the summary. */
struct learned_execs {
  struct json *allow; /* array; owned */
  size_t n_allow;
  struct strset drift;    /* "<path> (<where>)" ran from outside the image */
  struct strset blocked;  /* "<path> sha256 <hash>" that the base blocks */
  struct strset unhashed; /* paths seen without a hash next to pinned versions */
  struct strset several;  /* paths with several pinned versions */
};

static void learned_execs_release(struct learned_execs *e) {
  json_free(e->allow);
  strset_clear(&e->drift);
  strset_clear(&e->blocked);
  strset_clear(&e->unhashed);
  strset_clear(&e->several);
}

static int add_allow(struct learned_execs *e, const char *path, const char *sha) {
  cleanup_free char *glob = glob_escape(path);
  struct json *entry;

  if (glob == NULL)
    return -1;
  if (sha == NULL) {
    entry = json_new_string(glob);
  } else if ((entry = json_new(JSON_OBJECT)) != NULL && (json_set(entry, "path", json_new_string(glob)) < 0 ||
                                                         json_set(entry, "sha256", json_new_string(sha)) < 0)) {
    json_free(entry);
    entry = NULL;
  }
  if (json_append(e->allow, entry) < 0)
    return -1;
  e->n_allow++;
  return 0;
}

static int build_execs(const struct learn_rec *m, const struct profile *base, struct learned_execs *e) {
  size_t i, j, k;

  if ((e->allow = json_new(JSON_ARRAY)) == NULL)
    return -1;
  /* Execs are sorted by path: take them one path at a time. */
  for (i = 0; i < m->n_execs; i = j) {
    const char *path = m->execs[i].path;
    struct strset hashes = {0};
    bool plain = false;
    int r = 0;

    for (j = i; j < m->n_execs && strcmp(m->execs[j].path, path) == 0; j++) {
      const struct learn_exec *x = &m->execs[j];
      char *what = NULL;
      bool image = strcmp(x->where, "image") == 0;

      if (image && x->sha256 && base_blocks(base, x->sha256)) {
        if (asprintf(&what, "%s sha256 %s", path, x->sha256) < 0 || strset_add(&e->blocked, what) < 0)
          r = -1;
      } else if (image && x->sha256) {
        r = strset_add(&hashes, x->sha256);
      } else if (image || base_allows_writable(base, path)) {
        /* No hash (the supervisor could not compute it), or a program
         * the base lets run from outside the image: its content is not
         * fixed, so its path alone. */
        plain = true;
      } else if (asprintf(&what, "%s (%s)", path, x->where) < 0 || strset_add(&e->drift, what) < 0) {
        r = -1;
      }
      free(what);
      if (r < 0)
        break;
    }
    /* A path is pinned or not, never both (profile_parse refuses that):
     * pinned versions win. */
    if (r >= 0 && plain && hashes.n > 0)
      r = strset_add(&e->unhashed, path);
    if (r >= 0 && hashes.n > 1)
      r = strset_add(&e->several, path);
    for (k = 0; r >= 0 && k < hashes.n; k++)
      r = add_allow(e, path, hashes.v[k]);
    if (r >= 0 && plain && hashes.n == 0)
      r = add_allow(e, path, NULL);
    strset_clear(&hashes);
    if (r < 0)
      return -1;
  }
  return 0;
}

/* The profile's fields, in the order of profiles/README.md. */
static int build_profile(const char *name, const char *description, const struct profile *base,
                         const struct learn_rec *m, const struct learned_paths *lp, struct learned_execs *le,
                         struct json *seccomp, struct json *o) {
  struct json *caps, *paths, *user;
  const char *prev = NULL;
  size_t i, k;

  if (json_set(o, "name", json_new_string(name)) < 0 || json_set(o, "description", json_new_string(description)) < 0)
    return -1;
  if (base == NULL || base->has_user) {
    uint32_t uid = base ? base->uid : LEARN_DEFAULT_NOBODY, gid = base ? base->gid : LEARN_DEFAULT_NOBODY;
    if (json_set(o, "user", user = json_new(JSON_OBJECT)) < 0 || json_set(user, "uid", json_new_int(uid)) < 0 ||
        json_set(user, "gid", json_new_int(gid)) < 0)
      return -1;
  }
  if (json_set(o, "allowRoot", json_new_bool(base && base->allow_root)) < 0 ||
      json_set(o, "capabilities", caps = json_new(JSON_ARRAY)) < 0)
    return -1;
  for (i = 0; i < m->n_caps; i++) { /* sorted by name: one entry per capability */
    if (prev && strcmp(prev, m->caps[i].name) == 0)
      continue;
    prev = m->caps[i].name;
    if (json_append(caps, json_new_string(prev)) < 0)
      return -1;
  }
  if (json_set(o, "writableRootfs", json_new_bool(base && base->writable_rootfs)) < 0 ||
      json_set(o, "writablePaths", paths = json_new(JSON_ARRAY)) < 0)
    return -1;
  if (base && base->writable_rootfs) {
    /* The root is writable: the learned writes need nothing more, and a
     * tmpfs would hide what the image has there. */
    for (i = 0; i < base->n_writable_paths; i++) {
      struct json *wp = json_new(JSON_OBJECT);
      if (json_append(paths, wp) < 0 || json_set(wp, "path", json_new_string(base->writable_paths[i].path)) < 0 ||
          (base->writable_paths[i].size && json_set(wp, "size", json_new_string(base->writable_paths[i].size)) < 0))
        return -1;
    }
  } else {
    for (i = 0; i < lp->dirs.n; i++) {
      struct json *wp = json_new(JSON_OBJECT);
      const char *size = NULL;
      for (k = 0; base && k < base->n_writable_paths; k++)
        if (strcmp(base->writable_paths[k].path, lp->dirs.v[i]) == 0)
          size = base->writable_paths[k].size;
      if (json_append(paths, wp) < 0 || json_set(wp, "path", json_new_string(lp->dirs.v[i])) < 0 ||
          (size && json_set(wp, "size", json_new_string(size)) < 0))
        return -1;
    }
  }
  if (le->n_allow > 0 || (base && base->n_exec_writable > 0)) {
    struct json *exec = json_new(JSON_OBJECT);
    if (json_set(o, "exec", exec) < 0)
      return -1;
    if (le->n_allow > 0 && json_set(exec, "allow", steal_pointer(&le->allow)) < 0)
      return -1;
    if (base && base->n_exec_writable > 0) {
      struct json *w = json_new(JSON_ARRAY);
      if (json_set(exec, "allowWritable", w) < 0)
        return -1;
      for (i = 0; i < base->n_exec_writable; i++)
        if (json_append(w, json_new_string(base->exec_writable[i])) < 0)
          return -1;
    }
  }
  if (base && base->n_block_hashes > 0) {
    struct json *h = json_new(JSON_ARRAY);
    if (json_set(o, "blockHashes", h) < 0)
      return -1;
    for (i = 0; i < base->n_block_hashes; i++)
      if (json_append(h, json_new_string(base->block_hashes[i])) < 0)
        return -1;
  }
  if (json_set(o, "action", json_new_string(profile_action_name(base ? base->action : PROFILE_ACTION_DENY))) < 0)
    return -1;
  return json_set(o, "seccomp", seccomp);
}

/* "a, b, c" of a set. */
static void put_list(FILE *f, const struct strset *s) {
  size_t i;
  for (i = 0; i < s->n; i++)
    fprintf(f, "%s%s", i ? ", " : "", s->v[i]);
}

static void put_recordings(FILE *f, struct learn_rec *const *recs, size_t n) {
  size_t i, unfinished = 0;
  for (i = 0; i < n; i++) {
    const struct learn_rec *r = recs[i];
    fprintf(f, "  %s: container %s (profile %s%s%s), %s to %s, %s, %llu notifications\n",
            r->file ? r->file : "(in memory)", r->container, r->profile, r->image ? ", image " : "",
            r->image ? r->image : "", r->started, r->updated, r->ended ? "ended" : "NOT ENDED", r->notifications);
    unfinished += !r->ended;
  }
  if (unfinished)
    fprintf(f,
            "WARNING: %zu recording(s) did not end (the container was still running, or its supervisor stopped "
            "early): what the workload did after their last write is missing.\n",
            unfinished);
}

static void put_caps(FILE *f, const struct learn_rec *m) {
  size_t i, n = 0;
  const char *prev = NULL;

  for (i = 0; i < m->n_caps; i++) {
    if (prev == NULL || strcmp(prev, m->caps[i].name) != 0)
      n++;
    prev = m->caps[i].name;
  }
  fprintf(f, "Capabilities (%zu):%s\n", n, n ? "" : " none");
  for (i = 0, prev = NULL; i < m->n_caps; i++) {
    if (prev && strcmp(prev, m->caps[i].name) == 0) {
      fprintf(f, "; %s", m->caps[i].why);
      continue;
    }
    if (prev)
      fputc('\n', f);
    prev = m->caps[i].name;
    fprintf(f, "  %s: %s", prev, m->caps[i].why);
  }
  if (prev)
    fputc('\n', f);
  for (i = 0, prev = NULL; i < m->n_caps; i++) {
    if (prev && strcmp(prev, m->caps[i].name) == 0)
      continue;
    prev = m->caps[i].name;
    if (caps_is_dangerous(prev))
      fprintf(f, "WARNING: %s is a dangerous capability (profiles/README.md); check that the workload needs it.\n",
              prev);
  }
}

static void put_execs(FILE *f, const struct learned_execs *le, const struct json *profile) {
  const struct json *allow = json_get_path(profile, "exec", "allow", NULL);
  size_t i;

  fprintf(f, "Programs (exec.allow, %zu):%s\n", allow ? allow->n : 0, allow ? "" : " none");
  for (i = 0; allow && i < allow->n; i++) {
    const struct json *x = allow->items[i];
    if (json_is(x, JSON_STRING))
      fprintf(f, "  %s (any content)\n", x->str);
    else
      fprintf(f, "  %s sha256 %s\n", json_string(json_get(x, "path")), json_string(json_get(x, "sha256")));
  }
  if (allow == NULL)
    fprintf(f, "WARNING: no program of the image was recorded, so the profile has no exec allow-list: every "
               "program of the image may run.\n");
  if (le->several.n) {
    fprintf(f, "  several builds were recorded and all are allowed: ");
    put_list(f, &le->several);
    fputc('\n', f);
  }
  if (le->unhashed.n) {
    fprintf(f, "  also recorded without a hash, allowed only with the hashes above: ");
    put_list(f, &le->unhashed);
    fputc('\n', f);
  }
  if (le->drift.n) {
    fprintf(f, "Programs that ran from outside the image and stay denied as drift (to allow one, list it in the "
               "base profile's exec.allowWritable):\n");
    for (i = 0; i < le->drift.n; i++)
      fprintf(f, "  %s\n", le->drift.v[i]);
  }
  if (le->blocked.n) {
    fprintf(f, "WARNING: programs the base profile's blockHashes block ran during learning; they stay blocked:\n");
    for (i = 0; i < le->blocked.n; i++)
      fprintf(f, "  %s\n", le->blocked.v[i]);
  }
}

static void put_paths(FILE *f, const struct learn_rec *m, const struct learned_paths *lp, const struct profile *base) {
  size_t i, k;

  if (base && base->writable_rootfs) {
    fprintf(f,
            "Writable paths: the base profile's (the root is writable, so the %zu recorded writes need no "
            "more)\n",
            m->writes.n);
    return;
  }
  fprintf(f, "Writable paths (%zu; each an empty tmpfs, noexec: what the image has there is hidden):%s\n", lp->dirs.n,
          lp->dirs.n ? "" : " none");
  for (i = 0; i < lp->dirs.n; i++) {
    size_t count = 0;
    for (k = 0; k < m->writes.n; k++)
      count += under(m->writes.v[k], lp->dirs.v[i]);
    fprintf(f, "  %s (%zu recorded write%s below it)\n", lp->dirs.v[i], count, count == 1 ? "" : "s");
  }
  if (lp->uncovered.n) {
    fprintf(f, "WARNING: files written directly in / cannot get a writable path (they need writableRootfs or a "
               "volume): ");
    put_list(f, &lp->uncovered);
    fputc('\n', f);
  }
  if (lp->pseudo)
    fprintf(f, "  %zu write%s below /proc, /sys or /dev left out (the runtime mounts those)\n", lp->pseudo,
            lp->pseudo == 1 ? "" : "s");
}

static void put_network(FILE *f, const struct learn_rec *m) {
  size_t i;
  fprintf(f, "Network (for information: a profile does not restrict the network):%s\n", m->n_nets ? "" : " none");
  for (i = 0; i < m->n_nets; i++) {
    const struct learn_net *x = &m->nets[i];
    if (x->family == 2) /* unix */
      fprintf(f, "  %s unix socket\n", net_ops[x->op]);
    else
      fprintf(f, "  %s %s port %u\n", net_ops[x->op], net_families[x->family], (unsigned)x->port);
  }
}

static int put_syscalls(FILE *f, const struct learn_rec *m, const struct learned_seccomp *s, const struct profile *base,
                        struct sk_error **err) {
  struct seccomp_flat ref = {0}, def = {0};
  cleanup_json struct json *defdoc = NULL;
  struct strset added = {0}, outside = {0};
  size_t i, removed = 0;
  int r = -1;

  size_t total = s->allow.n + 1, from_rec = strset_has(&s->recorded, "clone"); /* + 1: clone's own rule */

  for (i = 0; i < s->allow.n; i++)
    from_rec += strset_has(&s->recorded, s->allow.v[i]);
  fprintf(f,
          "Syscalls: %zu allowed: %zu recorded, %zu more from the runtime baseline, %zu more always (execve, "
          "execveat); architectures ",
          total, from_rec, s->baseline.n, total - from_rec - s->baseline.n);
  for (i = 0; i < m->n_arches; i++)
    fprintf(f, "%s%s", i ? ", " : "", m->arches[i].name);
  fprintf(f, "%s; clone only without namespace flags; clone3 answered ENOSYS (callers fall back to clone)%s\n",
          m->n_arches ? "" : "none recorded (the filter takes the spec's)",
          s->clone3_recorded ? ", as it was recorded" : "");
  if (seccomp_default_doc(&defdoc, err) < 0 || seccomp_flatten(defdoc, &def, err) < 0)
    goto out;
  if (base && base->seccomp && seccomp_flatten(base->seccomp, &ref, err) < 0)
    goto out;
  for (i = 0; i < s->allow.n; i++) {
    const char *name = s->allow.v[i];
    if (!seccomp_flat_allows(base ? &ref : &def, name, false) && strset_add(&added, name) < 0)
      goto oom;
    if (strset_has(&s->recorded, name) && !seccomp_flat_allows(&def, name, false) && strset_add(&outside, name) < 0)
      goto oom;
  }
  {
    const struct seccomp_flat *cmp = base ? &ref : &def;
    const char *prev = NULL;
    for (i = 0; i < cmp->n; i++) {
      const char *name = cmp->v[i].name;
      if ((prev && strcmp(prev, name) == 0) || !seccomp_flat_allows(cmp, name, false))
        continue;
      prev = name;
      removed += !strset_has(&s->allow, name) && strcmp(name, "clone") != 0;
    }
  }
  if (base)
    fprintf(f, "  compared to profile \"%s\" (seccomp %s): ", base->name,
            base->seccomp_source ? base->seccomp_source : "none");
  else
    fprintf(f, "  compared to the default allow-list: ");
  fprintf(f, "%zu added%s", added.n, added.n ? ": " : "");
  put_list(f, &added);
  fprintf(f, "; %zu no longer allowed (stockadectl profile diff lists them)\n", removed);
  if (outside.n) {
    fprintf(f, "WARNING: the workload made syscalls that stockade's default allow-list refuses, and the learned "
               "profile allows them: ");
    put_list(f, &outside);
    fprintf(f, ". Check that it really needs them: mount, unshare, setns, ptrace and the like are how container "
               "escapes begin.\n");
  }
  r = 0;
  goto out;
oom:
  sk_error_set(err, ENOMEM, "summary");
out:
  strset_clear(&added);
  strset_clear(&outside);
  seccomp_flat_clear(&ref);
  seccomp_flat_clear(&def);
  return r;
}

static char *describe(struct learn_rec *const *recs, size_t n, const struct profile *base) {
  const char *first = recs[0]->started, *last = recs[0]->updated, *profile = recs[0]->profile;
  char now[LEARN_TIME_SIZE];
  char *s = NULL;
  size_t i;

  for (i = 1; i < n; i++) {
    if (strcmp(recs[i]->started, first) < 0)
      first = recs[i]->started;
    if (strcmp(recs[i]->updated, last) > 0)
      last = recs[i]->updated;
    if (strcmp(recs[i]->profile, profile) != 0)
      profile = NULL;
  }
  utc_now(now);
  if (asprintf(&s,
               "Learned by stockadectl learn on %s from %zu recording%s of containers under %s%s%s (%s to %s), "
               "with the user and settings of %s%s%s",
               now, n, n == 1 ? "" : "s", profile ? "profile \"" : "several profiles", profile ? profile : "",
               profile ? "\"" : "", first, last, base ? "profile \"" : "the default profile", base ? base->name : "",
               base ? "\"" : "") < 0)
    return NULL;
  return s;
}

int learn_make_profile(struct learn_rec *const *recs, size_t n, const struct profile *base, const char *name,
                       struct json **out, char **summary, struct sk_error **err) {
  struct learn_rec m = {0};
  struct learned_seccomp ls = {0};
  struct learned_paths lp = {0};
  struct learned_execs le = {0};
  cleanup_json struct json *profile = NULL;
  cleanup_json struct json *seccomp = NULL;
  cleanup_profile struct profile *check = NULL;
  cleanup_free char *description = NULL;
  cleanup_free char *text = NULL;
  cleanup_free char *sum = NULL;
  size_t len = 0, sumlen = 0;
  FILE *f = NULL;
  int r = -1;

  if (name == NULL && base)
    name = base->name;
  if (n == 0 || recs == NULL)
    return sk_error_set(err, 0, "no recordings to learn from");
  if (!profile_name_valid(name))
    return sk_error_set(err, 0,
                        "invalid profile name \"%s\"; profile names are [A-Za-z0-9][A-Za-z0-9._-]*, up to 64 "
                        "characters",
                        name ? name : "");
  if (merge_all(recs, n, &m) < 0) {
    sk_error_set(err, errno ? errno : ENOMEM, "merging %zu recordings", n);
    goto out;
  }
  if (build_seccomp(&m, &ls, &seccomp, err) < 0)
    goto out;
  if (build_paths(&m, base, &lp) < 0 || build_execs(&m, base, &le) < 0 ||
      (description = describe(recs, n, base)) == NULL || (profile = json_new(JSON_OBJECT)) == NULL) {
    sk_error_set(err, ENOMEM, "learned profile");
    goto out;
  }
  if (build_profile(name, description, base, &m, &lp, &le, steal_pointer(&seccomp), profile) < 0) {
    sk_error_set(err, ENOMEM, "learned profile");
    goto out;
  }
  /* What we hand out must load: the same checks as `profile lint`. */
  if (json_gen(profile, &text, &len, err) < 0)
    goto out;
  if (profile_parse("learned profile", text, len, &check, err) < 0) {
    sk_error_wrap(err, "the learned profile does not pass the profile checks (a bug in stockade; please report it)");
    goto out;
  }

  f = open_memstream(&sum, &sumlen);
  if (f == NULL) {
    sk_error_set(err, ENOMEM, "summary");
    goto out;
  }
  fprintf(f, "Learned profile \"%s\" from %zu recording%s:\n", name, n, n == 1 ? "" : "s");
  put_recordings(f, recs, n);
  if (base)
    fprintf(f,
            "Base: profile \"%s\"%s%s%s: its user, allowRoot, writableRootfs, exec.allowWritable, blockHashes and "
            "action are kept\n",
            base->name, base->file ? " (" : "", base->file ? base->file : "", base->file ? ")" : "");
  else
    fprintf(f, "Base: none: the default profile's choices (user 65534:65534, read-only root, action deny)\n");
  put_caps(f, &m);
  put_execs(f, &le, profile);
  put_paths(f, &m, &lp, base);
  put_network(f, &m);
  if (put_syscalls(f, &m, &ls, base, err) < 0) {
    fclose(f);
    goto out;
  }
  if (fclose(f) != 0 || sum == NULL) {
    sk_error_set(err, ENOMEM, "summary");
    goto out;
  }
  *out = steal_pointer(&profile);
  if (summary)
    *summary = steal_pointer(&sum);
  r = 0;
out:
  rec_release(&m);
  learned_seccomp_release(&ls);
  learned_paths_release(&lp);
  learned_execs_release(&le);
  return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The recording a supervisor keeps of what its container did in learn mode
 * (syscalls, programs, written paths, network, implied capabilities).
 *
 * The recording lives in the supervisor for the whole life of the
 * container, whose RSS target is 2 MiB: every set is one sorted array
 * (binary search, one allocation per fact), and the sets that could grow
 * with the workload's data rather than its code are bounded (writes
 * collapse into their directory, reasons per capability are capped).
 * Network facts keep no addresses, for the same reason. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "stockade/analyzer.h"
#include "stockade/caps.h"
#include "stockade/cleanup.h"
#include "stockade/decide.h"
#include "stockade/str.h"

#define LEARN_CONTAINER_MAX 200 /* leaves room for "-<time>-NN.json" in a 255-byte file name */
#define LEARN_WRITES_PER_DIR 64 /* written paths below one directory before they collapse */
#define LEARN_WHYS_PER_CAP 8    /* reasons kept per capability */

#include "stockade/recording.h"

const char *const learn_net_ops[LEARN_N_OPS] = {"bind", "connect"};
const char *const learn_net_families[LEARN_N_FAMILIES] = {"inet", "inet6", "unix"};

void learn_utc_now(char out[LEARN_TIME_SIZE]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, LEARN_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* runc's rule for container ids, and short enough to name a file. */
bool rec_container_id_valid(const char *id) {
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

bool rec_sha256_valid(const char *s) { return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64; }

/* Replace *slot with a copy of value (NULL clears). -1: out of memory. */
/* gcc 12's analyzer assumes freeing the old value may free the struct holding slot, so c "leaks" */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
int rec_set_str(char **slot, const char *value) {
  char *c = NULL;
  if (value && (c = strdup(value)) == NULL)
    return -1;
  free(*slot);
  *slot = c;
  return 0;
}
SK_ANALYZER_END

/* A fact the recording format cannot hold: EINVAL. Returns -1. */
__attribute__((format(printf, 2, 3))) static int invalid(struct sk_error **err, const char *fmt, ...) {
  cleanup_free char *what = NULL;
  va_list ap;
  int r;

  va_start(ap, fmt);
  r = vasprintf(&what, fmt, ap);
  va_end(ap);
  sk_error_set(err, 0, "%s", r < 0 ? "invalid fact for a recording" : what);
  return sk_error_classify(err, EINVAL);
}

static int out_of_memory(struct sk_error **err, const char *what) {
  return sk_error_set(err, ENOMEM, "recording %s", what);
}

int learn_new(const char *container, const char *profile, const char *profile_sha256, struct learn_rec **out,
              struct sk_error **err) {
  struct learn_rec *r;

  if (!rec_container_id_valid(container))
    return invalid(err, "\"%s\" is not a container id a recording can be named after", container ? container : "");
  if (!profile_name_valid(profile))
    return invalid(err, "invalid profile name \"%s\"", profile ? profile : "");
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return out_of_memory(err, container);
  if (rec_set_str(&r->container, container) < 0 || rec_set_str(&r->profile, profile) < 0 ||
      rec_set_str(&r->profile_sha256, profile_sha256) < 0) {
    learn_free(r);
    return out_of_memory(err, container);
  }
  learn_utc_now(r->started);
  memcpy(r->updated, r->started, sizeof(r->updated));
  r->dirty = true;
  *out = r;
  return 0;
}

/* Free what r holds, not r. */
void learn_rec_release(struct learn_rec *r) {
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
  learn_rec_release(r);
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

int learn_set_meta(struct learn_rec *r, const char *key, const char *value, struct sk_error **err) {
  char **slot;
  if (key && strcmp(key, "image") == 0)
    slot = &r->image;
  else if (key && strcmp(key, "pod") == 0)
    slot = &r->pod;
  else if (key && strcmp(key, "namespace") == 0)
    slot = &r->ns;
  else
    return invalid(err, "\"%s\" is not recorded; expected image, pod or namespace", key ? key : "");
  if ((*slot == NULL && value == NULL) || (*slot && value && strcmp(*slot, value) == 0))
    return 0;
  if (rec_set_str(slot, value) < 0)
    return out_of_memory(err, key);
  r->dirty = true;
  return 0;
}

bool rec_syscall_name_valid(const char *name) {
  return name && name[0] && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(name);
}

bool rec_arch_name_valid(const char *name) {
  return name && str_has_prefix(name, "SCMP_ARCH_") && name[10] &&
         strspn(name + 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(name + 10);
}

static int arch_keycmp(const void *key, const void *elem) {
  return strcmp(key, ((const struct learn_arch *)elem)->name);
}

int learn_add_syscall(struct learn_rec *r, const char *arch, const char *name, struct sk_error **err) {
  struct learn_arch *a;
  size_t at;
  int added;

  if (!rec_arch_name_valid(arch))
    return invalid(err, "\"%s\" is not an architecture name such as SCMP_ARCH_X86_64", arch ? arch : "");
  if (!rec_syscall_name_valid(name))
    return invalid(err, "\"%s\" is not a syscall name", name ? name : "");
  if (!sorted_find(r->arches, r->n_arches, sizeof(*r->arches), arch, arch_keycmp, &at)) {
    struct learn_arch na = {0};
    if (sorted_grow((void **)&r->arches, &r->cap_arches, r->n_arches, sizeof(*r->arches)) < 0 ||
        (na.name = strdup(arch)) == NULL)
      return out_of_memory(err, "syscalls");
    sorted_insert_at(r->arches, &r->n_arches, sizeof(*r->arches), at, &na);
  }
  a = &r->arches[at];
  added = strset_add(&a->calls, name);
  if (added < 0)
    return out_of_memory(err, "syscalls");
  if (added > 0)
    r->dirty = true;
  return added;
}

/* The static name exec_where_name() gives, or NULL. */
const char *rec_where_static(const char *where) {
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

int learn_add_exec(struct learn_rec *r, const char *path, const char *sha256, const char *where,
                   struct sk_error **err) {
  struct learn_exec e = {.where = rec_where_static(where)};
  cleanup_free char *clean = NULL;
  size_t at, plen;

  if (path == NULL || path[0] != '/')
    return invalid(err, "program \"%s\": expected an absolute path", path ? path : "");
  if (sha256 && !rec_sha256_valid(sha256))
    return invalid(err, "program %s: sha256 \"%s\" is not 64 lowercase hex digits", path, sha256);
  if (e.where == NULL)
    return invalid(err, "program %s: \"%s\" is not where a program can come from", path, where ? where : "");
  /* The profile's exec.allow takes clean paths only. */
  if ((clean = path_clean(path)) == NULL)
    return out_of_memory(err, "programs");
  path = clean;
  e.path = (char *)path;
  e.sha256 = sha256;
  if (sorted_find(r->execs, r->n_execs, sizeof(*r->execs), &e, exec_cmp, &at))
    return 0;
  plen = strlen(path) + 1;
  if (sorted_grow((void **)&r->execs, &r->cap_execs, r->n_execs, sizeof(*r->execs)) < 0 ||
      (e.path = malloc(plen + (sha256 ? 65 : 0))) == NULL)
    return out_of_memory(err, "programs");
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

int learn_add_write(struct learn_rec *r, const char *path, struct sk_error **err) {
  cleanup_free char *clean = NULL;
  int added;

  if (path == NULL || path[0] != '/')
    return invalid(err, "written path \"%s\": expected an absolute path", path ? path : "");
  clean = path_clean(path);
  if (clean == NULL)
    return out_of_memory(err, "written paths");
  if (strcmp(clean, "/") == 0)
    return invalid(err, "written path \"%s\": expected a path below \"/\"", path);
  if (write_covered(&r->writes, clean))
    return 0;
  added = strset_add(&r->writes, clean);
  if (added < 0)
    return out_of_memory(err, "written paths");
  if (added == 0)
    return 0;
  r->dirty = true;
  if (collapse_writes(&r->writes, clean) < 0)
    return out_of_memory(err, "written paths");
  return 1;
}

int rec_index_of(const char *const *names, size_t n, const char *s) {
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

int learn_add_net(struct learn_rec *r, const char *op, const char *family, int port, struct sk_error **err) {
  int o = rec_index_of(learn_net_ops, LEARN_N_OPS, op), f = rec_index_of(learn_net_families, LEARN_N_FAMILIES, family);
  struct learn_net n;
  size_t at;

  if (o < 0)
    return invalid(err, "network op \"%s\": expected \"bind\" or \"connect\"", op ? op : "");
  if (f < 0)
    return invalid(err, "network family \"%s\": expected \"inet\", \"inet6\" or \"unix\"", family ? family : "");
  if (port < 0 || port > 65535)
    return invalid(err, "network port %d: expected 0 to 65535", port);
  n = (struct learn_net){.op = (unsigned char)o, .family = (unsigned char)f, .port = (unsigned short)port};
  if (sorted_find(r->nets, r->n_nets, sizeof(*r->nets), &n, net_cmp, &at))
    return 0;
  if (sorted_grow((void **)&r->nets, &r->cap_nets, r->n_nets, sizeof(*r->nets)) < 0)
    return out_of_memory(err, "network");
  sorted_insert_at(r->nets, &r->n_nets, sizeof(*r->nets), at, &n);
  r->dirty = true;
  return 1;
}

static int cap_cmp(const void *x, const void *y) {
  const struct learn_cap *a = x, *b = y;
  int c = strcmp(a->name, b->name);
  return c ? c : strcmp(a->why, b->why);
}

bool rec_cap_name_canonical(const char *cap) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *canon = NULL;
  return cap && caps_canonical(cap, &canon, &err) == 0 && strcmp(canon, cap) == 0;
}

int learn_add_cap(struct learn_rec *r, const char *cap, const char *why, struct sk_error **err) {
  struct learn_cap c = {.name = (char *)cap, .why = why ? why : ""};
  size_t at, i, same = 0, nlen, wlen;

  if (!rec_cap_name_canonical(cap))
    return invalid(err, "capability \"%s\": expected a canonical name such as CAP_NET_BIND_SERVICE", cap ? cap : "");
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
  if (sorted_grow((void **)&r->caps, &r->cap_caps, r->n_caps, sizeof(*r->caps)) < 0 ||
      (c.name = malloc(nlen + wlen)) == NULL)
    return out_of_memory(err, "capabilities");
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

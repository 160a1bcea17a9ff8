/* SPDX-License-Identifier: Apache-2.0 */
/* Denied syscalls become notifications, so the supervisor can report them
 * (include/stockade/sysdeny.h says which stay silent and why). */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/analyzer.h"
#include "stockade/cleanup.h"
#include "stockade/learn.h"
#include "stockade/seccomp.h"
#include "stockade/sysdeny.h"

#define X32_SYSCALL_BIT 0x40000000

static int str_cmp(const void *x, const void *y) { return strcmp(*(const char *const *)x, *(const char *const *)y); }

/* A sorted set of names, searched with bsearch: the lookups below are made
 * for every syscall of an architecture, so a scan per lookup made this
 * quadratic. The strings are borrowed. */
struct name_set {
  const char **v;
  size_t n, cap;
};

static int set_add(struct name_set *s, const char *name) {
  if (s->n == s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 64;
    const char **nv = realloc(s->v, ncap * sizeof(*nv));
    if (nv == NULL)
      return -1;
    s->v = nv;
    s->cap = ncap;
  }
  s->v[s->n++] = name;
  return 0;
}

static void set_sort(struct name_set *s) {
  if (s->n > 1)
    qsort(s->v, s->n, sizeof(*s->v), str_cmp);
}

static bool set_has(const struct name_set *s, const char *name) {
  return s->n > 0 && bsearch(&name, s->v, s->n, sizeof(*s->v), str_cmp) != NULL;
}

/* What the runtime itself makes inside the filter before it hands the
 * listener over; write, which runc refuses to notify; and the execs: the
 * supervisor answers those by its exec rules, with CONTINUE when they
 * pass, which would undo a filter that denies them. */
static int never_notified_set(struct name_set *s) {
  size_t i;
  if (set_add(s, "write") < 0 || set_add(s, "execve") < 0 || set_add(s, "execveat") < 0)
    return -1;
  for (i = 0; learn_runtime_baseline[i]; i++)
    if (set_add(s, learn_runtime_baseline[i]) < 0)
      return -1;
  set_sort(s);
  return 0;
}

/* An ERRNO action's errno: errnoRet, or EPERM as runc and crun default. */
static int action_errno(const struct json *obj, const char *key) {
  int64_t v;
  if (json_int64(json_get(obj, key), &v) && v >= 0 && v <= 4095)
    return (int)v;
  return EPERM;
}

static bool is_errno_action(const struct json *j) {
  const char *a = json_string(j);
  return a && strcmp(a, "SCMP_ACT_ERRNO") == 0;
}

/* The names moved to the notify rule, each with its errno, in the order
 * taken; a name taken twice keeps its first errno. */
struct taken {
  struct taken_name {
    char *name; /* owned */
    int errno_;
    size_t seq;
  } * v;
  size_t n, cap;
};

static void taken_free(struct taken *t) {
  size_t i;
  for (i = 0; i < t->n; i++)
    free(t->v[i].name);
  free(t->v);
}

/* gcc 12's analyzer loses the string once it is stored in t->v (taken_clear frees it) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int take(struct taken *t, const char *name, int e) {
  if (t->n == t->cap) {
    size_t ncap = t->cap ? t->cap * 2 : 64;
    struct taken_name *nv = realloc(t->v, ncap * sizeof(*nv));
    if (nv == NULL)
      return -1;
    t->v = nv;
    t->cap = ncap;
  }
  t->v[t->n].name = strdup(name);
  if (t->v[t->n].name == NULL)
    return -1;
  t->v[t->n].errno_ = e;
  t->v[t->n].seq = t->n;
  t->n++;
  return 0;
}
SK_ANALYZER_END

static int taken_by_name(const void *x, const void *y) {
  const struct taken_name *a = x, *b = y;
  int c = strcmp(a->name, b->name);
  return c ? c : (a->seq < b->seq ? -1 : a->seq > b->seq);
}

static int taken_by_seq(const void *x, const void *y) {
  const struct taken_name *a = x, *b = y;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Each name once (its first errno), in the order first taken. */
static void taken_unique(struct taken *t) {
  size_t i, u = 0;
  if (t->n < 2)
    return;
  qsort(t->v, t->n, sizeof(*t->v), taken_by_name);
  for (i = 0; i < t->n; i++) {
    if (u > 0 && strcmp(t->v[u - 1].name, t->v[i].name) == 0) {
      free(t->v[i].name);
      continue;
    }
    t->v[u++] = t->v[i];
  }
  t->n = u;
  qsort(t->v, t->n, sizeof(*t->v), taken_by_seq);
}

/* Unconditional ERRNO rules (other than ENOSYS): their names are moved. */
static int take_rules(struct json *rules, struct taken *t, const struct name_set *never) {
  size_t i = 0, k;
  while (json_is(rules, JSON_ARRAY) && i < rules->n) {
    struct json *r = rules->items[i];
    struct json *rn = json_get(r, "names");
    const struct json *args = json_get(r, "args");
    int e = action_errno(r, "errnoRet");
    if (!is_errno_action(json_get(r, "action")) || (json_is(args, JSON_ARRAY) && args->n > 0) || e == ENOSYS ||
        !json_is(rn, JSON_ARRAY)) {
      i++;
      continue;
    }
    for (k = 0; k < rn->n;) {
      const char *name = json_string(rn->items[k]);
      if (name == NULL || set_has(never, name)) {
        k++;
        continue;
      }
      if (take(t, name, e) < 0)
        return -1;
      json_remove_at(rn, k);
    }
    if (rn->n == 0)
      json_remove_at(rules, i);
    else
      i++;
  }
  return 0;
}

/* The default's syscalls: every name libseccomp knows for the document's
 * architectures that no rule names (whatever its action or conditions). */
static int take_default(const struct json *doc, struct taken *t, const struct name_set *never, struct sk_error **err) {
  const struct json *arches = json_get(doc, "architectures");
  const struct json *rules = json_get(doc, "syscalls");
  struct name_set named = {0};
  int e = action_errno(doc, "defaultErrnoRet");
  size_t a, i, k;
  int r = 0;

  if (!is_errno_action(json_get(doc, "defaultAction")) || e == ENOSYS || !json_is(arches, JSON_ARRAY))
    return 0;
  for (i = 0; json_is(rules, JSON_ARRAY) && i < rules->n && r == 0; i++) {
    const struct json *rn = json_get(rules->items[i], "names");
    for (k = 0; json_is(rn, JSON_ARRAY) && k < rn->n && r == 0; k++)
      if (json_is(rn->items[k], JSON_STRING))
        r = set_add(&named, rn->items[k]->str);
  }
  set_sort(&named);
  for (a = 0; a < arches->n && r == 0; a++) {
    const char *arch = json_string(arches->items[a]);
    char **all = NULL;
    size_t n = 0;
    if (arch == NULL)
      break;
    if (seccomp_arch_syscalls(arch, &all, &n, err) < 0) {
      free(named.v);
      return -1;
    }
    for (i = 0; i < n && r == 0; i++)
      if (!set_has(never, all[i]) && !set_has(&named, all[i]))
        r = take(t, all[i], e);
    while (n > 0)
      free(all[--n]);
    free(all);
  }
  free(named.v);
  return r < 0 ? sk_error_set(err, ENOMEM, "seccomp notify rules") : 0;
}

static int entry_cmp(const void *x, const void *y) {
  const struct sysdeny_entry *a = x, *b = y;
  if (a->arch != b->arch)
    return a->arch < b->arch ? -1 : 1;
  return a->nr < b->nr ? -1 : a->nr > b->nr;
}

/* The table: each name resolved to its number on each architecture once,
 * here, so the supervisor never asks libseccomp per notification. */
static int build_table(const struct json *arches, const struct taken *names, struct sysdeny *out) {
  size_t a, i, cap = (json_is(arches, JSON_ARRAY) ? arches->n : 0) * names->n;
  struct sysdeny t = {0};

  if (cap == 0) {
    *out = t;
    return 0;
  }
  t.v = calloc(cap, sizeof(*t.v));
  if (t.v == NULL)
    return -1;
  for (a = 0; a < arches->n; a++) {
    const char *arch = json_string(arches->items[a]);
    uint32_t tok = arch ? seccomp_arch_token(arch) : 0;
    if (tok == 0)
      continue;
    for (i = 0; i < names->n; i++) {
      struct sysdeny_entry *e = &t.v[t.n];
      int nr = seccomp_syscall_resolve_name_arch(tok, names->v[i].name);
      if (nr < 0)
        continue; /* not on this architecture, or multiplexed (socketcall) */
      /* The kernel reports x32 calls as x86_64 with the x32 bit set. */
      e->arch = tok == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : tok;
      e->nr = nr;
      e->errno_ = names->v[i].errno_;
      e->arch_name = seccomp_arch_name(tok);
      snprintf(e->name, sizeof(e->name), "%s", names->v[i].name);
      t.n++;
    }
  }
  qsort(t.v, t.n, sizeof(*t.v), entry_cmp);
  *out = t;
  return 0;
}

static int notify_rule(struct json *rules, const struct taken *t) {
  struct json *rule = json_new(JSON_OBJECT), *names = json_new(JSON_ARRAY);
  size_t i;
  if (rule == NULL || names == NULL || json_append(rules, rule) < 0 || json_set(rule, "names", names) < 0) {
    json_free(names);
    return -1;
  }
  for (i = 0; i < t->n; i++)
    if (json_append(names, json_new_string(t->v[i].name)) < 0)
      return -1;
  return json_set(rule, "action", json_new_string("SCMP_ACT_NOTIFY"));
}

int sysdeny_notify(struct json *doc, struct sysdeny *out, struct sk_error **err) {
  struct json *rules = json_ensure(doc, "syscalls", JSON_ARRAY);
  struct name_set never = {0};
  struct taken t = {0};
  int ret = -1;

  out->v = NULL;
  out->n = 0;
  if (rules == NULL)
    return sk_error_set(err, 0, "linux.seccomp.syscalls: expected an array");
  if (never_notified_set(&never) < 0)
    goto oom;
  /* The default's names first: "no rule names it" is judged before the
   * ERRNO rules lose theirs. */
  if (take_default(doc, &t, &never, err) < 0)
    goto done;
  if (take_rules(rules, &t, &never) < 0)
    goto oom;
  taken_unique(&t);
  if (t.n == 0) {
    ret = 0;
    goto done;
  }
  if (build_table(json_get(doc, "architectures"), &t, out) < 0)
    goto oom;
  if (notify_rule(rules, &t) < 0) {
    sysdeny_free(out);
    goto oom;
  }
  ret = 0;
  goto done;
oom:
  sk_error_set(err, ENOMEM, "seccomp notify rules");
done:
  free(never.v);
  taken_free(&t);
  return ret;
}

int sysdeny_harden(struct json *spec, struct sysdeny *out, struct sk_error **err) {
  struct json *sc = json_get_path(spec, "linux", "seccomp", NULL);
  out->v = NULL;
  out->n = 0;
  if (!json_is(sc, JSON_OBJECT))
    return 0;
  if (sysdeny_notify(sc, out, err) < 0)
    return sk_error_wrap(err, "reporting the syscalls linux.seccomp denies");
  return 0;
}

struct sysdeny_entry *sysdeny_find(const struct sysdeny *t, uint32_t arch, int nr) {
  struct sysdeny_entry key = {.arch = arch, .nr = nr};
  if (t->n == 0)
    return NULL;
  return bsearch(&key, t->v, t->n, sizeof(*t->v), entry_cmp);
}

void sysdeny_free(struct sysdeny *t) {
  free(t->v);
  t->v = NULL;
  t->n = 0;
}

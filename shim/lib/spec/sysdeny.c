/* SPDX-License-Identifier: Apache-2.0 */
/* Denied syscalls become notifications, so the supervisor can report them
 * (include/stockade/sysdeny.h says which stay silent and why). */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/learn.h"
#include "stockade/seccomp.h"
#include "stockade/sysdeny.h"

#define X32_SYSCALL_BIT 0x40000000

/* What the runtime itself makes inside the filter before it hands the
 * listener over; write, which runc refuses to notify; and the execs: the
 * supervisor answers those by its exec rules, with CONTINUE when they
 * pass, which would undo a filter that denies them. */
static bool never_notified(const char *name) {
  size_t i;
  if (strcmp(name, "write") == 0 || strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0)
    return true;
  for (i = 0; learn_runtime_baseline[i]; i++)
    if (strcmp(learn_runtime_baseline[i], name) == 0)
      return true;
  return false;
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

/* Does any rule name it (whatever its action or conditions)? */
static bool named(const struct json *rules, const char *name) {
  size_t i;
  for (i = 0; json_is(rules, JSON_ARRAY) && i < rules->n; i++)
    if (json_array_has_string(json_get(rules->items[i], "names"), name))
      return true;
  return false;
}

/* Move name to the notify list, remembering its errno (errs: name -> errno). */
static int take(struct json *names, struct json *errs, const char *name, int e) {
  if (json_array_has_string(names, name))
    return 0;
  if (json_append(names, json_new_string(name)) < 0 || json_set(errs, name, json_new_int(e)) < 0)
    return -1;
  return 0;
}

/* Unconditional ERRNO rules (other than ENOSYS): their names are moved. */
static int take_rules(struct json *rules, struct json *names, struct json *errs) {
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
      if (name == NULL || never_notified(name)) {
        k++;
        continue;
      }
      if (take(names, errs, name, e) < 0)
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
 * architectures that no rule names. */
static int take_default(const struct json *doc, struct json *names, struct json *errs, struct sk_error **err) {
  const struct json *arches = json_get(doc, "architectures");
  const struct json *rules = json_get(doc, "syscalls");
  int e = action_errno(doc, "defaultErrnoRet");
  size_t a, i;

  if (!is_errno_action(json_get(doc, "defaultAction")) || e == ENOSYS || !json_is(arches, JSON_ARRAY))
    return 0;
  for (a = 0; a < arches->n; a++) {
    const char *arch = json_string(arches->items[a]);
    char **all = NULL;
    size_t n = 0;
    int r = 0;
    if (arch == NULL || seccomp_arch_syscalls(arch, &all, &n, err) < 0)
      return arch == NULL ? 0 : -1;
    for (i = 0; i < n && r == 0; i++)
      if (!never_notified(all[i]) && !named(rules, all[i]))
        r = take(names, errs, all[i], e);
    while (n > 0)
      free(all[--n]);
    free(all);
    if (r < 0)
      return sk_error_set(err, ENOMEM, "seccomp notify rules");
  }
  return 0;
}

static int entry_cmp(const void *x, const void *y) {
  const struct sysdeny_entry *a = x, *b = y;
  if (a->arch != b->arch)
    return a->arch < b->arch ? -1 : 1;
  return a->nr < b->nr ? -1 : a->nr > b->nr;
}

/* The table: each name resolved to its number on each architecture once,
 * here, so the supervisor never asks libseccomp per notification. */
static int build_table(const struct json *arches, const struct json *names, const struct json *errs,
                       struct sysdeny *out) {
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
      int64_t eno = EPERM;
      int nr = seccomp_syscall_resolve_name_arch(tok, names->items[i]->str);
      if (nr < 0)
        continue; /* not on this architecture, or multiplexed (socketcall) */
      json_int64(json_get(errs, names->items[i]->str), &eno);
      /* The kernel reports x32 calls as x86_64 with the x32 bit set. */
      e->arch = tok == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : tok;
      e->nr = nr;
      e->errno_ = (int)eno;
      e->arch_name = seccomp_arch_name(tok);
      snprintf(e->name, sizeof(e->name), "%s", names->items[i]->str);
      t.n++;
    }
  }
  qsort(t.v, t.n, sizeof(*t.v), entry_cmp);
  *out = t;
  return 0;
}

int sysdeny_notify(struct json *doc, struct sysdeny *out, struct sk_error **err) {
  cleanup_json struct json *names = json_new(JSON_ARRAY);
  cleanup_json struct json *errs = json_new(JSON_OBJECT);
  struct json *rules = json_ensure(doc, "syscalls", JSON_ARRAY);
  struct json *rule;

  out->v = NULL;
  out->n = 0;
  if (names == NULL || errs == NULL)
    return sk_error_set(err, ENOMEM, "seccomp notify rules");
  if (rules == NULL)
    return sk_error_set(err, 0, "linux.seccomp.syscalls: expected an array");
  /* The default's names first: "no rule names it" is judged before the
   * ERRNO rules lose theirs. */
  if (take_default(doc, names, errs, err) < 0)
    return -1;
  if (take_rules(rules, names, errs) < 0)
    return sk_error_set(err, ENOMEM, "seccomp notify rules");
  if (names->n == 0)
    return 0;
  if (build_table(json_get(doc, "architectures"), names, errs, out) < 0)
    return sk_error_set(err, ENOMEM, "seccomp notify rules");
  rule = json_new(JSON_OBJECT);
  if (rule == NULL || json_append(rules, rule) < 0 || json_set(rule, "names", steal_pointer(&names)) < 0 ||
      json_set(rule, "action", json_new_string("SCMP_ACT_NOTIFY")) < 0) {
    sysdeny_free(out);
    return sk_error_set(err, ENOMEM, "seccomp notify rules");
  }
  return 0;
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

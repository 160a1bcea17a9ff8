/* SPDX-License-Identifier: Apache-2.0 */
/* `stockadectl profile diff`: what two resolved profiles do differently,
 * down to the treatment of each syscall. Pure functions of the parsed
 * profiles, so every line format is unit-tested. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/analyzer.h"
#include "stockade/cleanup.h"
#include "stockade/profile_diff.h"

#define SC_MAX_ARGS 6

/* ---- a growing list of strings ------------------------------------------ */

struct strlist {
  char **v;
  size_t n, cap;
};

static void strlist_clear(struct strlist *l) {
  size_t i;
  for (i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof(*l));
}

/* Takes s (NULL is an allocation failure). */
static int strlist_push(struct strlist *l, char *s) {
  if (s == NULL)
    return -1;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **v = reallocarray(l->v, cap, sizeof(*v));
    if (v == NULL) {
      free(s);
      return -1;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = s;
  return 0;
}

__attribute__((format(printf, 2, 3))) static int strlist_pushf(struct strlist *l, const char *fmt, ...) {
  char *s = NULL;
  va_list ap;
  int r;
  va_start(ap, fmt);
  r = vasprintf(&s, fmt, ap);
  va_end(ap);
  return strlist_push(l, r < 0 ? NULL : s);
}

static int str_qcmp(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static int item_qcmp(const void *x, const void *y);

/* Sort (by key, see key_len) and drop duplicates. */
static void strlist_sort_unique(struct strlist *l) {
  size_t i, o = 0;
  if (l->n == 0)
    return;
  qsort(l->v, l->n, sizeof(*l->v), item_qcmp);
  for (i = 0; i < l->n; i++) {
    if (o > 0 && strcmp(l->v[o - 1], l->v[i]) == 0)
      free(l->v[i]);
    else
      l->v[o++] = l->v[i];
  }
  l->n = o;
}

/* ---- flattening a seccomp document --------------------------------------- */

static const char *const actions_with_ret[] = {"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"};
static const char *const actions_plain[] = {"SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",
                                            "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};

/* "SCMP_ACT_ERRNO(38)" for the action at obj[act_key] with obj[ret_key]. */
static int action_text(const struct json *obj, const char *act_key, const char *ret_key, const char *where, char **out,
                       struct sk_error **err) {
  const struct json *act = json_get(obj, act_key), *ret = json_get(obj, ret_key);
  const char *name = json_string(act);
  uint64_t rv = 1; /* EPERM: what runc and crun use when no errnoRet is given */
  size_t i;

  if (name == NULL)
    return sk_error_set(err, 0, "%s%s: got %s; expected an action such as \"SCMP_ACT_ALLOW\"", where, act_key,
                        json_type_name(act));
  if (strcmp(name, "SCMP_ACT_KILL") == 0)
    name = "SCMP_ACT_KILL_THREAD";
  for (i = 0; i < sizeof(actions_with_ret) / sizeof(actions_with_ret[0]); i++) {
    if (strcmp(name, actions_with_ret[i]) != 0)
      continue;
    if (ret && ret->type != JSON_NULL && !json_uint64(ret, &rv))
      return sk_error_set(err, 0, "%s%s: got %s; expected an errno number", where, ret_key, json_type_name(ret));
    if (asprintf(out, "%s(%" PRIu64 ")", name, rv) < 0)
      return sk_error_set(err, ENOMEM, "%s%s", where, act_key);
    return 0;
  }
  for (i = 0; i < sizeof(actions_plain) / sizeof(actions_plain[0]); i++) {
    if (strcmp(name, actions_plain[i]) == 0) {
      *out = strdup(name);
      return *out ? 0 : sk_error_set(err, ENOMEM, "%s%s", where, act_key);
    }
  }
  return sk_error_set(err, 0, "%s%s: \"%s\" is not a seccomp action", where, act_key, name);
}

static const struct {
  const char *op, *sym;
} ops[] = {
    {"SCMP_CMP_NE", "!="}, {"SCMP_CMP_LT", "<"}, {"SCMP_CMP_LE", "<="},        {"SCMP_CMP_EQ", "=="},
    {"SCMP_CMP_GE", ">="}, {"SCMP_CMP_GT", ">"}, {"SCMP_CMP_MASKED_EQ", NULL},
};

/* "arg0 & 0x7e020000 == 0 && arg1 != 3" */
static int conditions_text(const struct json *args, const char *where, char **out, struct sk_error **err) {
  cleanup_free char *buf = NULL;
  size_t len = 0, i, k;
  FILE *f;

  f = open_memstream(&buf, &len);
  if (f == NULL)
    return sk_error_set(err, ENOMEM, "%sargs", where);
  for (i = 0; i < args->n; i++) {
    const struct json *a = args->items[i];
    const char *op = json_string(json_get(a, "op"));
    uint64_t index, value, two = 0;
    const struct json *vt = json_get(a, "valueTwo");

    if (!json_uint64(json_get(a, "index"), &index) || index >= SC_MAX_ARGS ||
        !json_uint64(json_get(a, "value"), &value) || (vt && vt->type != JSON_NULL && !json_uint64(vt, &two)) ||
        op == NULL) {
      fclose(f);
      return sk_error_set(err, 0, "%sargs[%zu]: expected {\"index\": 0-5, \"value\": N, \"op\": \"SCMP_CMP_...\"}",
                          where, i);
    }
    for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
      if (strcmp(op, ops[k].op) == 0)
        break;
    if (k == sizeof(ops) / sizeof(ops[0])) {
      fclose(f);
      return sk_error_set(err, 0, "%sargs[%zu].op: \"%s\" is not a seccomp operator", where, i, op);
    }
    if (i > 0)
      fputs(" && ", f);
    /* In the OCI form MASKED_EQ's "value" is the mask and "valueTwo" what
     * the masked argument must equal. */
    if (ops[k].sym == NULL)
      fprintf(f, "arg%" PRIu64 " & 0x%" PRIx64 " == %" PRIu64, index, value, two);
    else
      fprintf(f, "arg%" PRIu64 " %s %" PRIu64, index, ops[k].sym, value);
  }
  if (fclose(f) != 0 || buf == NULL)
    return sk_error_set(err, ENOMEM, "%sargs", where);
  *out = steal_pointer(&buf);
  return 0;
}

static int entry_qcmp(const void *x, const void *y) {
  const struct seccomp_flat_entry *a = x, *b = y;
  int c = strcmp(a->name, b->name);
  return c ? c : strcmp(a->what, b->what);
}

/* gcc 12's analyzer loses strings stored in lists of the caller's struct (strlist_clear frees them) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int flat_push(struct seccomp_flat *f, size_t *cap, const char *name, const char *what) {
  if (f->n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 64;
    struct seccomp_flat_entry *v = reallocarray(f->v, ncap, sizeof(*v));
    if (v == NULL)
      return -1;
    f->v = v;
    *cap = ncap;
  }
  f->v[f->n].name = strdup(name);
  f->v[f->n].what = strdup(what);
  if (f->v[f->n].name == NULL || f->v[f->n].what == NULL) {
    free(f->v[f->n].name);
    free(f->v[f->n].what);
    return -1;
  }
  f->n++;
  return 0;
}
SK_ANALYZER_END

static int flatten_rule(const struct json *rule, size_t i, struct seccomp_flat *f, size_t *cap, struct sk_error **err) {
  const struct json *names = json_get(rule, "names"), *args = json_get(rule, "args");
  cleanup_free char *act = NULL;
  cleanup_free char *cond = NULL;
  cleanup_free char *what = NULL;
  char where[48];
  size_t k;

  snprintf(where, sizeof(where), "syscalls[%zu].", i);
  if (!json_is(rule, JSON_OBJECT))
    return sk_error_set(err, 0, "syscalls[%zu]: got %s; expected a rule object", i, json_type_name(rule));
  if (!json_is(names, JSON_ARRAY))
    return sk_error_set(err, 0, "%snames: got %s; expected an array of syscall names", where, json_type_name(names));
  if (action_text(rule, "action", "errnoRet", where, &act, err) < 0)
    return -1;
  /* The runtimes skip a rule whose action is the default action. */
  if (strcmp(act, f->default_action) == 0)
    return 0;
  if (args && args->type != JSON_NULL) {
    if (!json_is(args, JSON_ARRAY))
      return sk_error_set(err, 0, "%sargs: got %s; expected an array", where, json_type_name(args));
    if (args->n > 0 && conditions_text(args, where, &cond, err) < 0)
      return -1;
  }
  if (cond ? asprintf(&what, "%s, conditional: %s", act, cond) < 0 : (what = strdup(act)) == NULL) {
    what = NULL;
    return sk_error_set(err, ENOMEM, "syscalls[%zu]", i);
  }
  for (k = 0; k < names->n; k++) {
    const char *name = json_string(names->items[k]);
    if (name == NULL)
      return sk_error_set(err, 0, "%snames[%zu]: got %s; expected a syscall name", where, k,
                          json_type_name(names->items[k]));
    if (flat_push(f, cap, name, what) < 0)
      return sk_error_set(err, ENOMEM, "syscalls[%zu]", i);
  }
  return 0;
}

/* gcc 12's analyzer loses strings stored in lists of the caller's struct (strlist_clear frees them) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
int seccomp_flatten(const struct json *doc, struct seccomp_flat *out, struct sk_error **err) {
  struct seccomp_flat f = {0};
  const struct json *arches = json_get(doc, "architectures"), *rules = json_get(doc, "syscalls");
  size_t cap = 0, i, o;

  if (!json_is(doc, JSON_OBJECT))
    return sk_error_set(err, 0, "got %s; expected an OCI seccomp object", json_type_name(doc));
  if (action_text(doc, "defaultAction", "defaultErrnoRet", "", &f.default_action, err) < 0)
    return -1;
  if (arches && arches->type != JSON_NULL) {
    if (!json_is(arches, JSON_ARRAY))
      goto bad_arches;
    f.arches = calloc(arches->n ? arches->n : 1, sizeof(*f.arches));
    if (f.arches == NULL)
      goto oom;
    for (i = 0; i < arches->n; i++) {
      if (!json_is(arches->items[i], JSON_STRING))
        goto bad_arches;
      if ((f.arches[f.n_arches] = strdup(arches->items[i]->str)) == NULL)
        goto oom;
      f.n_arches++;
    }
    qsort(f.arches, f.n_arches, sizeof(*f.arches), str_qcmp);
  }
  if (rules && rules->type != JSON_NULL) {
    if (!json_is(rules, JSON_ARRAY)) {
      sk_error_set(err, 0, "syscalls: got %s; expected an array of rules", json_type_name(rules));
      goto fail;
    }
    for (i = 0; i < rules->n; i++)
      if (flatten_rule(rules->items[i], i, &f, &cap, err) < 0)
        goto fail;
  }
  if (f.n > 0)
    qsort(f.v, f.n, sizeof(*f.v), entry_qcmp);
  for (i = 0, o = 0; i < f.n; i++) {
    if (o > 0 && entry_qcmp(&f.v[o - 1], &f.v[i]) == 0) {
      free(f.v[i].name);
      free(f.v[i].what);
    } else {
      f.v[o++] = f.v[i];
    }
  }
  f.n = o;
  *out = f;
  return 0;
bad_arches:
  sk_error_set(err, 0, "architectures: expected an array of \"SCMP_ARCH_*\" names");
  goto fail;
oom:
  sk_error_set(err, ENOMEM, "flattening a seccomp document");
fail:
  seccomp_flat_clear(&f);
  return -1;
}
SK_ANALYZER_END

void seccomp_flat_clear(struct seccomp_flat *f) {
  size_t i;
  if (f == NULL)
    return;
  free(f->default_action);
  for (i = 0; i < f->n_arches; i++)
    free(f->arches[i]);
  free(f->arches);
  for (i = 0; i < f->n; i++) {
    free(f->v[i].name);
    free(f->v[i].what);
  }
  free(f->v);
  memset(f, 0, sizeof(*f));
}

bool seccomp_flat_allows(const struct seccomp_flat *f, const char *name, bool unconditionally) {
  size_t lo = 0, hi = f->n;

  /* The first entry of name: entries are sorted by name. */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(f->v[mid].name, name) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (; lo < f->n && strcmp(f->v[lo].name, name) == 0; lo++) {
    const char *w = f->v[lo].what;
    if (strcmp(w, "SCMP_ACT_ALLOW") == 0)
      return true;
    if (!unconditionally && strncmp(w, "SCMP_ACT_ALLOW, ", 16) == 0)
      return true;
  }
  return false;
}

/* ---- the diff ------------------------------------------------------------- */

static int line_push(struct profile_diff *d, char *s) {
  if (s == NULL)
    return -1;
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    char **v = reallocarray(d->lines, cap, sizeof(*v));
    if (v == NULL) {
      free(s);
      return -1;
    }
    d->lines = v;
    d->cap = cap;
  }
  d->lines[d->n++] = s;
  return 0;
}

static int line_add(struct profile_diff *d, char sign, const char *what, const char *item) {
  char *s = NULL;
  if (asprintf(&s, "%c %s %s", sign, what, item) < 0)
    s = NULL;
  return line_push(d, s);
}

/* One value each: "- what a" then "+ what b" when they differ. */
static int diff_scalar(struct profile_diff *d, const char *what, const char *a, const char *b) {
  if (strcmp(a, b) == 0)
    return 0;
  return line_add(d, '-', what, a) < 0 || line_add(d, '+', what, b) < 0 ? -1 : 0;
}

/* The length of an item's key: what comes before " (" or " sha256 ", so
 * that "/tmp (size 64m)" and "/tmp (size 128m)" are one path, and
 * "ptrace (SCMP_ACT_ALLOW)" and "ptrace (SCMP_ACT_ERRNO(1))" one syscall. */
static size_t key_len(const char *item) {
  const char *p = strstr(item, " ("), *h = strstr(item, " sha256 ");
  if (h && (p == NULL || h < p))
    p = h;
  return p ? (size_t)(p - item) : strlen(item);
}

static int key_cmp(const char *x, const char *y) {
  size_t lx = key_len(x), ly = key_len(y);
  int c = strncmp(x, y, lx < ly ? lx : ly);
  return c ? c : (lx > ly) - (lx < ly);
}

static bool has_item(const struct strlist *l, size_t from, size_t to, const char *item) {
  for (; from < to; from++)
    if (strcmp(l->v[from], item) == 0)
      return true;
  return false;
}

/* Two sets (sorted, unique): "-" for what only a has, "+" for only b's,
 * in the order of their keys; for one key, a's lines before b's. */
static int diff_sets(struct profile_diff *d, const char *what, const struct strlist *a, const struct strlist *b) {
  size_t i = 0, j = 0, ie, je, k;
  while (i < a->n || j < b->n) {
    const char *key = i == a->n ? b->v[j] : j == b->n ? a->v[i] : key_cmp(a->v[i], b->v[j]) <= 0 ? a->v[i] : b->v[j];
    for (ie = i; ie < a->n && key_cmp(a->v[ie], key) == 0; ie++)
      ;
    for (je = j; je < b->n && key_cmp(b->v[je], key) == 0; je++)
      ;
    for (k = i; k < ie; k++)
      if (!has_item(b, j, je, a->v[k]) && line_add(d, '-', what, a->v[k]) < 0)
        return -1;
    for (k = j; k < je; k++)
      if (!has_item(a, i, ie, b->v[k]) && line_add(d, '+', what, b->v[k]) < 0)
        return -1;
    i = ie;
    j = je;
  }
  return 0;
}

static int item_qcmp(const void *x, const void *y) {
  const char *a = *(char *const *)x, *b = *(char *const *)y;
  int c = key_cmp(a, b);
  return c ? c : strcmp(a, b);
}

struct side {
  struct strlist caps, paths, allow, writable, hashes, arches, syscalls;
  struct seccomp_flat flat;
  char user[32];
};

static void side_clear(struct side *s) {
  strlist_clear(&s->caps);
  strlist_clear(&s->paths);
  strlist_clear(&s->allow);
  strlist_clear(&s->writable);
  strlist_clear(&s->hashes);
  strlist_clear(&s->arches);
  strlist_clear(&s->syscalls);
  seccomp_flat_clear(&s->flat);
}

/* gcc 12's analyzer loses strings stored in lists of the caller's struct (strlist_clear frees them) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int side_fill(const struct profile *p, const char *label, struct side *s, struct sk_error **err) {
  size_t i;

  if (p->has_user)
    snprintf(s->user, sizeof(s->user), "%u:%u", (unsigned)p->uid, (unsigned)p->gid);
  else
    snprintf(s->user, sizeof(s->user), "none");
  for (i = 0; i < p->n_capabilities; i++)
    if (strlist_push(&s->caps, strdup(p->capabilities[i])) < 0)
      goto oom;
  for (i = 0; i < p->n_writable_paths; i++) {
    const struct profile_path *w = &p->writable_paths[i];
    if ((w->size ? strlist_pushf(&s->paths, "%s (size %s)", w->path, w->size)
                 : strlist_push(&s->paths, strdup(w->path))) < 0)
      goto oom;
  }
  if (!p->has_exec_allow && strlist_push(&s->allow, strdup("none (every program of the image may run)")) < 0)
    goto oom;
  for (i = 0; i < p->n_exec_allow; i++) {
    const struct profile_exec_rule *r = &p->exec_allow[i];
    if ((r->sha256 ? strlist_pushf(&s->allow, "%s sha256 %s", r->glob, r->sha256)
                   : strlist_push(&s->allow, strdup(r->glob))) < 0)
      goto oom;
  }
  for (i = 0; i < p->n_exec_writable; i++)
    if (strlist_push(&s->writable, strdup(p->exec_writable[i])) < 0)
      goto oom;
  for (i = 0; i < p->n_block_hashes; i++)
    if (strlist_push(&s->hashes, strdup(p->block_hashes[i])) < 0)
      goto oom;
  if (p->seccomp && seccomp_flatten(p->seccomp, &s->flat, err) < 0)
    return sk_error_wrap(err, "%s: seccomp", label);
  if (p->seccomp == NULL && (s->flat.default_action = strdup("none (no filter)")) == NULL)
    goto oom;
  for (i = 0; i < s->flat.n_arches; i++)
    if (strlist_push(&s->arches, strdup(s->flat.arches[i])) < 0)
      goto oom;
  for (i = 0; i < s->flat.n; i++)
    if (strlist_pushf(&s->syscalls, "%s (%s)", s->flat.v[i].name, s->flat.v[i].what) < 0)
      goto oom;
  strlist_sort_unique(&s->caps);
  strlist_sort_unique(&s->paths);
  strlist_sort_unique(&s->allow);
  strlist_sort_unique(&s->writable);
  strlist_sort_unique(&s->hashes);
  strlist_sort_unique(&s->arches);
  strlist_sort_unique(&s->syscalls);
  return 0;
oom:
  return sk_error_set(err, ENOMEM, "%s", label);
}
SK_ANALYZER_END

int profile_diff(const struct profile *a, const struct profile *b, struct profile_diff *out, struct sk_error **err) {
  struct side sa = {0}, sb = {0};
  struct profile_diff d = {0};
  int r = -1;

  if (side_fill(a, a->file ? a->file : a->name, &sa, err) < 0 ||
      side_fill(b, b->file ? b->file : b->name, &sb, err) < 0)
    goto out;
  if (diff_scalar(&d, "user", sa.user, sb.user) < 0 ||
      diff_scalar(&d, "allowRoot", a->allow_root ? "true" : "false", b->allow_root ? "true" : "false") < 0 ||
      diff_scalar(&d, "writableRootfs", a->writable_rootfs ? "true" : "false", b->writable_rootfs ? "true" : "false") <
          0 ||
      diff_sets(&d, "capability", &sa.caps, &sb.caps) < 0 || diff_sets(&d, "writablePath", &sa.paths, &sb.paths) < 0 ||
      diff_sets(&d, "exec.allow", &sa.allow, &sb.allow) < 0 ||
      diff_sets(&d, "exec.allowWritable", &sa.writable, &sb.writable) < 0 ||
      diff_sets(&d, "blockHash", &sa.hashes, &sb.hashes) < 0 ||
      diff_scalar(&d, "action", profile_action_name(a->action), profile_action_name(b->action)) < 0 ||
      diff_scalar(&d, "seccomp defaultAction", sa.flat.default_action, sb.flat.default_action) < 0 ||
      diff_sets(&d, "seccomp architecture", &sa.arches, &sb.arches) < 0 ||
      diff_sets(&d, "syscall", &sa.syscalls, &sb.syscalls) < 0) {
    sk_error_set(err, ENOMEM, "comparing profiles");
    goto out;
  }
  *out = d;
  memset(&d, 0, sizeof(d));
  r = 0;
out:
  profile_diff_clear(&d);
  side_clear(&sa);
  side_clear(&sb);
  return r;
}

void profile_diff_clear(struct profile_diff *d) {
  size_t i;
  if (d == NULL)
    return;
  for (i = 0; i < d->n; i++)
    free(d->lines[i]);
  free(d->lines);
  memset(d, 0, sizeof(*d));
}

/* SPDX-License-Identifier: Apache-2.0 */
/* OCI seccomp documents: the shipped default, validation, generation for a
 * spec's architectures, intersection of two documents, and a dry run of the
 * filter through libseccomp.
 *
 * What the runtimes do with a document decides what these functions accept,
 * so the rules below follow runc (libcontainer/seccomp) and crun
 * (src/libcrun/seccomp.c) with libseccomp 2.5:
 *   - a rule whose action equals the default action is skipped;
 *   - a rule whose conditions compare the same argument twice is split into
 *     one rule per condition (OR, not AND);
 *   - for one syscall, an unconditional rule overrides every conditional rule
 *     and the first unconditional rule wins over later ones (measured with
 *     libseccomp 2.5.4), so seccomp_validate() refuses documents that mix
 *     them with different actions (seccomp_intersect() reads them as
 *     libseccomp would);
 *   - when several conditional rules with different actions match one call,
 *     which one applies depends on how libseccomp lays out its decision tree,
 *     not on which is stricter. seccomp_intersect() never relies on that
 *     order: every rule it writes has an action that is safe for every call
 *     the rule matches. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/json.h"
#include "stockade/seccomp.h"
#include "stockade/str.h"

#include "seccomp_doc.h"

/* ---- intersection ------------------------------------------------------------ */

/* The conditions of one rule, sorted by (index, op, value, valueTwo). */
struct sc_cond {
  size_t n;
  struct sc_arg a[SC_MAX_ARGS];
};

static int arg_cmp(const struct sc_arg *x, const struct sc_arg *y) {
  if (x->index != y->index)
    return x->index < y->index ? -1 : 1;
  if (x->op != y->op)
    return x->op < y->op ? -1 : 1;
  if (x->value != y->value)
    return x->value < y->value ? -1 : 1;
  if (x->value_two != y->value_two)
    return x->value_two < y->value_two ? -1 : 1;
  return 0;
}

static int arg_qcmp(const void *x, const void *y) { return arg_cmp(x, y); }

static bool cond_eq(const struct sc_cond *x, const struct sc_cond *y) {
  size_t i;
  if (x->n != y->n)
    return false;
  for (i = 0; i < x->n; i++)
    if (arg_cmp(&x->a[i], &y->a[i]) != 0)
      return false;
  return true;
}

/* x AND y as one rule. False when both compare the same argument in
 * different ways: runc and crun would split such a rule into one rule per
 * condition, which ORs them. */
static bool cond_and(const struct sc_cond *x, const struct sc_cond *y, struct sc_cond *out) {
  size_t i = 0, j = 0;
  out->n = 0;
  while (i < x->n || j < y->n) {
    const struct sc_arg *next;
    if (j == y->n || (i < x->n && arg_cmp(&x->a[i], &y->a[j]) <= 0)) {
      next = &x->a[i++];
      if (j < y->n && arg_cmp(next, &y->a[j]) == 0)
        j++; /* the same condition on both sides */
    } else {
      next = &y->a[j++];
    }
    if (out->n > 0 && out->a[out->n - 1].index == next->index)
      return false;
    out->a[out->n++] = *next;
  }
  return true;
}

/* How one document treats one syscall. */
struct sc_treat {
  bool uncond;           /* the same action for every call */
  struct sc_action u;    /* that action, when uncond */
  struct sc_cond *rules; /* otherwise: conditional rules ... */
  struct sc_action *acts;
  size_t n;
  struct sc_action def; /* ... and the document's default for calls none matches */
};

static void treat_release(struct sc_treat *t) {
  free(t->rules);
  free(t->acts);
  t->rules = NULL;
  t->acts = NULL;
  t->n = 0;
}

static int treat_push(struct sc_treat *t, size_t *cap, const struct sc_cond *c, const struct sc_action *act) {
  if (t->n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 4;
    struct sc_cond *r = realloc(t->rules, ncap * sizeof(*r));
    struct sc_action *a;
    if (r == NULL)
      return -1;
    t->rules = r;
    a = realloc(t->acts, ncap * sizeof(*a));
    if (a == NULL)
      return -1;
    t->acts = a;
    *cap = ncap;
  }
  t->rules[t->n] = *c;
  t->acts[t->n++] = *act;
  return 0;
}

/* One name of a document's rules: which rule lists it. A document's refs
 * sorted by (name, rule) give every name's rules in document order with one
 * binary search, instead of a scan of every rule's names per name (which
 * made the intersection quadratic in the number of names). */
struct rule_ref {
  const char *name;
  size_t rule;
};

static int rule_ref_cmp(const void *x, const void *y) {
  const struct rule_ref *a = x, *b = y;
  int c = strcmp(a->name, b->name);
  if (c)
    return c;
  return a->rule < b->rule ? -1 : (a->rule > b->rule);
}

/* The refs of d's rules that the runtimes apply (not those with the
 * default action), sorted; NULL when out of memory. */
static struct rule_ref *rule_refs(const struct sc_doc *d, size_t *count) {
  struct rule_ref *v;
  size_t n = 0, cap = 0, i, k;
  for (i = 0; i < d->n; i++)
    cap += d->rules[i].names->n;
  v = calloc(cap ? cap : 1, sizeof(*v));
  if (v == NULL)
    return NULL;
  for (i = 0; i < d->n; i++) {
    if (act_eq(&d->rules[i].action, &d->def))
      continue; /* the runtimes skip a rule with the default action */
    for (k = 0; k < d->rules[i].names->n; k++)
      v[n++] = (struct rule_ref){d->rules[i].names->items[k]->str, i};
  }
  qsort(v, n, sizeof(*v), rule_ref_cmp);
  *count = n;
  return v;
}

/* The refs of name in refs[0..n): *len of them from the returned one. */
static const struct rule_ref *rule_refs_of(const struct rule_ref *refs, size_t n, const char *name, size_t *len) {
  size_t lo = 0, hi = n, end;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(refs[mid].name, name) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (end = lo; end < n && strcmp(refs[end].name, name) == 0; end++)
    ;
  *len = end - lo;
  return refs + lo;
}

/* What a runtime with libseccomp 2.5 makes of d's rules for one name: refs
 * are that name's, in document order (rule_refs_of). */
static int treat_build(const struct sc_doc *d, const struct rule_ref *refs, size_t nrefs, struct sc_treat *t) {
  size_t cap = 0, i, k;

  memset(t, 0, sizeof(*t));
  t->def = d->def;
  for (i = 0; i < nrefs; i++) {
    const struct sc_rule *r = &d->rules[refs[i].rule];
    if (i > 0 && refs[i - 1].rule == refs[i].rule)
      continue; /* the name twice in one rule: one rule all the same */
    if (r->nargs == 0) {
      if (!t->uncond) { /* the first unconditional rule wins */
        t->uncond = true;
        t->u = r->action;
      }
    } else if (r->repeated_index) {
      for (k = 0; k < r->nargs; k++) {
        struct sc_cond c = {.n = 1, .a = {r->args[k]}};
        if (treat_push(t, &cap, &c, &r->action) < 0)
          return -1;
      }
    } else {
      struct sc_cond c = {.n = r->nargs};
      memcpy(c.a, r->args, r->nargs * sizeof(c.a[0]));
      qsort(c.a, c.n, sizeof(c.a[0]), arg_qcmp);
      if (treat_push(t, &cap, &c, &r->action) < 0)
        return -1;
    }
  }
  if (t->uncond) {
    t->n = 0; /* an unconditional rule overrides the conditional ones */
  } else if (t->n == 0) {
    t->uncond = true; /* not listed: the default for every call */
    t->u = d->def;
  }
  return 0;
}

/* The strictest action t gives a call that matches one of its rules (any of
 * them may be the one libseccomp applies), and the strictest overall. */
static struct sc_action treat_rule_max(const struct sc_treat *t) {
  struct sc_action m;
  size_t i;
  if (t->uncond)
    return t->u;
  m = t->acts[0];
  for (i = 1; i < t->n; i++)
    m = act_max(m, t->acts[i]);
  return m;
}

/* Can no call satisfy both x and y? True when they compare one argument
 * in ways that exclude each other: two values for SCMP_CMP_EQ, two results
 * of the same SCMP_CMP_MASKED_EQ mask, or an EQ value whose masked bits
 * differ from a MASKED_EQ result. (Other pairs: assumed to overlap.) */
static bool arg_excludes(const struct sc_arg *x, const struct sc_arg *y) {
  if (x->index != y->index)
    return false;
  if (x->op == SCMP_CMP_EQ && y->op == SCMP_CMP_EQ)
    return x->value != y->value;
  if (x->op == SCMP_CMP_MASKED_EQ && y->op == SCMP_CMP_MASKED_EQ)
    return x->value == y->value && (x->value_two & x->value) != (y->value_two & y->value);
  if (x->op == SCMP_CMP_EQ && y->op == SCMP_CMP_MASKED_EQ)
    return (x->value & y->value) != (y->value_two & y->value);
  if (x->op == SCMP_CMP_MASKED_EQ && y->op == SCMP_CMP_EQ)
    return arg_excludes(y, x);
  return false;
}

static bool cond_disjoint(const struct sc_cond *x, const struct sc_cond *y) {
  size_t i, j;
  for (i = 0; i < x->n; i++)
    for (j = 0; j < y->n; j++)
      if (arg_excludes(&x->a[i], &y->a[j]))
        return true;
  return false;
}

/* The strictest action t gives a call matching its rule i: rule i's, or
 * that of any other rule such a call could also match (libseccomp may apply
 * either). Rules that exclude each other (flags with and without a bit)
 * keep their own actions. */
static struct sc_action treat_rule_max_for(const struct sc_treat *t, size_t i) {
  struct sc_action m = t->acts[i];
  size_t j;
  for (j = 0; j < t->n; j++)
    if (j != i && !cond_disjoint(&t->rules[i], &t->rules[j]))
      m = act_max(m, t->acts[j]);
  return m;
}

static struct sc_action treat_max(const struct sc_treat *t) {
  return t->uncond ? t->u : act_max(treat_rule_max(t), t->def);
}

/* The result being built: rules with their names, grouped. */
struct out_rule {
  struct sc_action action;
  bool cond;
  struct sc_cond c;
  struct json *names;
};

struct out_rules {
  struct out_rule *r;
  size_t n, cap;
};

static void out_release(struct out_rules *o) {
  size_t i;
  for (i = 0; i < o->n; i++)
    json_free(o->r[i].names);
  free(o->r);
}

static bool same_spelling(const struct sc_action *x, const struct sc_action *y) {
  return act_eq(x, y) && strcmp(x->name, y->name) == 0 && (x->ret >= 0) == (y->ret >= 0);
}

static int out_add(struct out_rules *o, const char *name, const struct sc_action *act, const struct sc_cond *c) {
  struct out_rule *r = NULL;
  size_t i;
  for (i = 0; i < o->n && r == NULL; i++)
    if (same_spelling(&o->r[i].action, act) && o->r[i].cond == (c != NULL) && (c == NULL || cond_eq(&o->r[i].c, c)))
      r = &o->r[i];
  if (r == NULL) {
    if (o->n == o->cap) {
      size_t ncap = o->cap ? o->cap * 2 : 16;
      struct out_rule *nr = realloc(o->r, ncap * sizeof(*nr));
      if (nr == NULL)
        return -1;
      o->r = nr;
      o->cap = ncap;
    }
    r = &o->r[o->n];
    memset(r, 0, sizeof(*r));
    r->names = json_new(JSON_ARRAY);
    if (r->names == NULL)
      return -1;
    o->n++;
    r->action = *act;
    r->cond = c != NULL;
    if (c)
      r->c = *c;
  }
  /* A name is handled by one intersect_name() call, whose regions have
   * distinct conditions: it can only repeat as the last name of a rule. */
  if (r->names->n > 0 && strcmp(r->names->items[r->names->n - 1]->str, name) == 0)
    return 0;
  return json_append(r->names, json_new_string(name));
}

/* One region of the result for one syscall: calls matching c get act. */
struct region {
  struct sc_cond c;
  struct sc_action act;
};

static int region_add(struct region **rs, size_t *n, size_t *cap, const struct sc_cond *c, struct sc_action act,
                      const struct sc_action *def) {
  size_t i;
  if (act_eq(&act, def))
    return 0; /* the same as no rule; the runtimes would skip it anyway */
  /* libseccomp refuses two rules with the same conditions and different
   * actions (EEXIST); keep the stricter, which is safe for both. */
  for (i = 0; i < *n; i++) {
    if (cond_eq(&(*rs)[i].c, c)) {
      (*rs)[i].act = act_max((*rs)[i].act, act);
      return 0;
    }
  }
  if (*n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 8;
    struct region *nr = realloc(*rs, ncap * sizeof(*nr));
    if (nr == NULL)
      return -1;
    *rs = nr;
    *cap = ncap;
  }
  (*rs)[(*n)++] = (struct region){*c, act};
  return 0;
}

/* The result for one syscall, never looser than either side for any call.
 *
 * Each side either treats every call alike (uncond) or has conditional rules
 * plus its default for calls none matches. Every rule written here carries
 * an action at least as strict as what either side could do to any call the
 * rule matches, whichever of several matching rules libseccomp applies; calls
 * no written rule matches get the result's default, which is checked to be
 * at least as strict as what either side does to them.
 *
 *   - both uncond: the stricter action; likewise when one side is uncond
 *     and at least as strict as anything the other side does;
 *   - otherwise, for each rule R of a conditional side: R's conditions with
 *     the stricter of R's action (or of any rule of that side a call could
 *     match together with R: rules that exclude each other, such as flags
 *     with and without a bit, keep their own) and the worst the other side
 *     can do; and for
 *     each pair of rules, one from each side, their conditions ANDed with the
 *     stricter of the two actions. A pair comparing the same argument in two
 *     ways cannot be one rule (runc would OR them) and is dropped: those
 *     calls then get the other regions' or the default's stricter action.
 *     With allow-rules on both sides and deny defaults this is the AND of
 *     each pair of allow-rules, and the single-side regions vanish because
 *     their action is the default;
 *   - if the calls no rule matches need something stricter than the result's
 *     default (an unconditional side stricter than both defaults), no
 *     conditional form expresses it: the syscall gets the strictest action
 *     either side has for it, unconditionally. */
/* Does every call that satisfies x satisfy y? (y's comparisons are all
 * among x's; both sorted.) */
static bool cond_implies(const struct sc_cond *x, const struct sc_cond *y) {
  size_t i = 0, j;
  for (j = 0; j < y->n; j++) {
    while (i < x->n && arg_cmp(&x->a[i], &y->a[j]) < 0)
      i++;
    if (i == x->n || arg_cmp(&x->a[i], &y->a[j]) != 0)
      return false;
  }
  return true;
}

/* Does every call matching c match one of t's rules, so that t's default
 * never applies to it? */
static bool covered_by(const struct sc_cond *c, const struct sc_treat *t) {
  size_t k;
  for (k = 0; k < t->n; k++)
    if (cond_implies(c, &t->rules[k]))
      return true;
  return false;
}

static int intersect_name(const char *name, const struct sc_treat *ta, const struct sc_treat *tb,
                          const struct sc_action *def, struct out_rules *o) {
  struct sc_action fall, worst;
  cleanup_free struct region *rs = NULL;
  size_t n = 0, cap = 0, i, j;

  if (ta->uncond && tb->uncond) {
    struct sc_action u = act_max(ta->u, tb->u);
    return act_eq(&u, def) ? 0 : out_add(o, name, &u, NULL);
  }
  /* one side treats every call at least as strictly as anything the other
   * side does to any call: that side's action, for every call */
  if (ta->uncond && ta->u.act >= treat_max(tb).act) {
    struct sc_action u = act_max(ta->u, treat_max(tb));
    return act_eq(&u, def) ? 0 : out_add(o, name, &u, NULL);
  }
  if (tb->uncond && tb->u.act >= treat_max(ta).act) {
    struct sc_action u = act_max(tb->u, treat_max(ta));
    return act_eq(&u, def) ? 0 : out_add(o, name, &u, NULL);
  }
  fall = act_max(ta->uncond ? ta->u : ta->def, tb->uncond ? tb->u : tb->def);
  if (fall.act > def->act) {
    worst = act_max(treat_max(ta), treat_max(tb));
    return act_eq(&worst, def) ? 0 : out_add(o, name, &worst, NULL);
  }
  /* A rule of one side alone: the other side may apply anything to its
   * calls, its default included; unless a rule of the other side matches
   * every one of them (the same condition, or fewer comparisons), and the
   * pair's region below says what both do. Without that, two sides
   * allowing personality(0) alike gave it the stricter default's errno. */
  for (i = 0; i < ta->n; i++)
    if (!covered_by(&ta->rules[i], tb) &&
        region_add(&rs, &n, &cap, &ta->rules[i], act_max(treat_rule_max_for(ta, i), treat_max(tb)), def) < 0)
      return -1;
  for (j = 0; j < tb->n; j++)
    if (!covered_by(&tb->rules[j], ta) &&
        region_add(&rs, &n, &cap, &tb->rules[j], act_max(treat_rule_max_for(tb, j), treat_max(ta)), def) < 0)
      return -1;
  for (i = 0; i < ta->n; i++) {
    for (j = 0; j < tb->n; j++) {
      struct sc_cond c;
      if (cond_disjoint(&ta->rules[i], &tb->rules[j]))
        continue; /* no call matches both */
      if (!cond_and(&ta->rules[i], &tb->rules[j], &c))
        continue; /* same argument compared twice: dropped, stricter */
      if (region_add(&rs, &n, &cap, &c, act_max(treat_rule_max_for(ta, i), treat_rule_max_for(tb, j)), def) < 0)
        return -1;
    }
  }
  for (i = 0; i < n; i++)
    if (out_add(o, name, &rs[i].act, &rs[i].c) < 0)
      return -1;
  return 0;
}

struct name_order {
  const char *name;
  size_t order;
};

static int name_order_by_name(const void *x, const void *y) {
  const struct name_order *a = x, *b = y;
  int c = strcmp(a->name, b->name);
  return c ? c : (a->order < b->order ? -1 : (a->order > b->order));
}

static int name_order_by_order(const void *x, const void *y) {
  const struct name_order *a = x, *b = y;
  return a->order < b->order ? -1 : (a->order > b->order);
}

/* Every name of a then of b, once, in the order they first appear. */
static struct name_order *all_names(const struct sc_doc *a, const struct sc_doc *b, size_t *count) {
  const struct sc_doc *docs[2] = {a, b};
  struct name_order *v;
  size_t n = 0, cap = 0, i, k, d, u;

  for (d = 0; d < 2; d++)
    for (i = 0; i < docs[d]->n; i++)
      cap += docs[d]->rules[i].names->n;
  v = calloc(cap ? cap : 1, sizeof(*v));
  if (v == NULL)
    return NULL;
  for (d = 0; d < 2; d++)
    for (i = 0; i < docs[d]->n; i++)
      for (k = 0; k < docs[d]->rules[i].names->n; k++, n++)
        v[n] = (struct name_order){docs[d]->rules[i].names->items[k]->str, n};
  qsort(v, n, sizeof(*v), name_order_by_name);
  for (i = 0, u = 0; i < n; i++)
    if (u == 0 || strcmp(v[u - 1].name, v[i].name) != 0)
      v[u++] = v[i];
  qsort(v, u, sizeof(*v), name_order_by_order);
  *count = u;
  return v;
}

static struct json *json_new_u64(uint64_t v) {
  struct json *j = json_new(JSON_NUMBER);
  if (j == NULL)
    return NULL;
  if (asprintf(&j->str, "%" PRIu64, v) < 0) {
    free(j);
    return NULL;
  }
  j->len = strlen(j->str);
  return j;
}

static int set_action(struct json *obj, const char *key, const char *ret_key, const struct sc_action *a) {
  if (json_set(obj, key, json_new_string(a->name)) < 0)
    return -1;
  if (act_has_ret(a->act) && a->ret >= 0 && json_set(obj, ret_key, json_new_int(a->ret)) < 0)
    return -1;
  return 0;
}

static struct json *out_rule_json(struct out_rule *r) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  size_t i;
  if (o == NULL || json_set(o, "names", steal_pointer(&r->names)) < 0 ||
      set_action(o, "action", "errnoRet", &r->action) < 0)
    return NULL;
  if (r->cond) {
    struct json *args = json_new(JSON_ARRAY);
    if (json_set(o, "args", args) < 0)
      return NULL;
    for (i = 0; i < r->c.n; i++) {
      struct json *a = json_new(JSON_OBJECT);
      if (json_append(args, a) < 0 || json_set(a, "index", json_new_int(r->c.a[i].index)) < 0 ||
          json_set(a, "value", json_new_u64(r->c.a[i].value)) < 0 ||
          (r->c.a[i].value_two && json_set(a, "valueTwo", json_new_u64(r->c.a[i].value_two)) < 0) ||
          json_set(a, "op", json_new_string(r->c.a[i].op_name)) < 0)
        return NULL;
    }
  }
  return steal_pointer(&o);
}

static bool arches_has(const struct sc_arches *a, uint32_t tok) {
  size_t i;
  for (i = 0; i < a->n; i++)
    if (a->tok[i] == tok)
      return true;
  return false;
}

/* Architectures: the intersection. An ABI a filter does not list is killed
 * outright (libseccomp's bad-arch action), the strictest answer there is,
 * so an ABI only one side lists is one the other side refuses: leaving it
 * out is what "never looser than either" means. Every ABI also costs the
 * runtime a third more filter to build at each start (runc 1.1: 24 ms with
 * x86_64 alone, 33 ms with x86 and x32 as well). When only one side lists
 * architectures the other means "native", which the listing side decides. */
static int intersect_arches(const struct sc_doc *da, const struct sc_doc *db, struct sc_arches *on,
                            struct sk_error **err) {
  size_t i;
  on->n = 0;
  if (da->lists_arches && db->lists_arches) {
    for (i = 0; i < da->arches.n; i++)
      if (arches_has(&db->arches, da->arches.tok[i]))
        arches_add(on, da->arches.tok[i], da->arches.name[i]);
    if (on->n == 0)
      return sk_error_set(err, 0, "architectures: the two filters have no architecture in common");
  } else {
    *on = da->lists_arches || !db->lists_arches ? da->arches : db->arches;
  }
  return 0;
}

static int set_arches(const struct sc_doc *da, const struct sc_doc *db, const struct sc_arches *on, struct json *out) {
  struct json *arr;
  size_t i;
  if (!da->lists_arches && !db->lists_arches)
    return 0;
  if (json_set(out, "architectures", json_new(JSON_ARRAY)) < 0)
    return -1;
  arr = json_get(out, "architectures");
  for (i = 0; i < on->n; i++)
    if (json_append(arr, json_new_string(on->name[i])) < 0)
      return -1;
  return 0;
}

static int copy_first(const struct json *a, const struct json *b, const char *key, struct json *out) {
  const struct json *v = json_get(a, key);
  if (is_absent(v))
    v = json_get(b, key);
  if (is_absent(v))
    return 0;
  return json_set(out, key, json_copy(v));
}

/* The filter flags of the intersection: every flag either side sets,
 * but SECCOMP_FILTER_FLAG_SPEC_ALLOW only when both do. It turns off the
 * kernel's speculative store bypass mitigation for the filtered tasks, so
 * it is the one flag that makes a filter looser (LOG adds logging, TSYNC
 * and WAIT_KILLABLE_RECV change how, not what, it filters). Order: a's,
 * then b's not in a. */
static int flags_meet(const struct json *a, const struct json *b, struct json *out) {
  static const char spec_allow[] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
  const struct json *fa = json_get(a, "flags"), *fb = json_get(b, "flags");
  const struct json *sides[2] = {fa, fb};
  struct json *res;
  size_t k, i;

  if (is_absent(fa) && is_absent(fb))
    return 0;
  res = json_new(JSON_ARRAY);
  if (res == NULL)
    return -1;
  for (k = 0; k < 2; k++) {
    for (i = 0; json_is(sides[k], JSON_ARRAY) && i < sides[k]->n; i++) {
      const char *f = json_string(sides[k]->items[i]);
      if (f == NULL || json_array_has_string(res, f))
        continue;
      if (strcmp(f, spec_allow) == 0 && !(json_array_has_string(fa, f) && json_array_has_string(fb, f)))
        continue;
      if (json_append(res, json_new_string(f)) < 0) {
        json_free(res);
        return -1;
      }
    }
  }
  if (res->n == 0) {
    json_free(res);
    return 0;
  }
  return json_set(out, "flags", res);
}

int seccomp_intersect(const struct json *a, const struct json *b, struct json **out, struct sk_error **err) {
  cleanup_sc_doc struct sc_doc da = {0};
  cleanup_sc_doc struct sc_doc db = {0};
  cleanup_free struct name_order *names = NULL;
  cleanup_free struct rule_ref *refs_a = NULL;
  cleanup_free struct rule_ref *refs_b = NULL;
  cleanup_json struct json *res = NULL;
  struct out_rules o = {0};
  struct sc_action def;
  struct sc_arches on;
  struct json *syscalls;
  size_t n_names = 0, n_refs_a = 0, n_refs_b = 0, i;
  int ret = -1;

  if (is_absent(a))
    a = NULL;
  if (is_absent(b))
    b = NULL;
  /* The structure is checked as strictly as by seccomp_validate(), the
   * names are not: the second document usually comes from the engine (a
   * newer Docker or podman profile names syscalls this libseccomp does not
   * know, which runc and crun skip), and the rules are read the way
   * libseccomp applies them even where validation would refuse the mix. */
  if (a && sc_doc_load(a, &da, err) < 0)
    return sk_error_wrap(err, "first document");
  if (b && sc_doc_load(b, &db, err) < 0)
    return sk_error_wrap(err, "second document");
  if (a == NULL || b == NULL) {
    /* "no filter" allows everything: the other document is the result */
    const struct json *only = a ? a : b;
    struct json *copy = NULL;
    if (only && (copy = json_copy(only)) == NULL)
      return sk_error_set(err, ENOMEM, "seccomp");
    *out = copy;
    return 0;
  }

  def = act_max(da.def, db.def);
  if (intersect_arches(&da, &db, &on, err) < 0)
    return -1;
  res = json_new(JSON_OBJECT);
  if (res == NULL || set_action(res, "defaultAction", "defaultErrnoRet", &def) < 0 ||
      set_arches(&da, &db, &on, res) < 0 || flags_meet(a, b, res) < 0 || copy_first(a, b, "listenerPath", res) < 0 ||
      copy_first(a, b, "listenerMetadata", res) < 0)
    goto oom;

  names = all_names(&da, &db, &n_names);
  refs_a = rule_refs(&da, &n_refs_a);
  refs_b = rule_refs(&db, &n_refs_b);
  if (names == NULL || refs_a == NULL || refs_b == NULL)
    goto oom;
  for (i = 0; i < n_names; i++) {
    struct sc_treat ta, tb;
    const struct rule_ref *ra, *rb;
    size_t la, lb;
    int r;
    /* unknown to libseccomp, or of other architectures: no syscall of this
     * filter, and the runtimes would skip it */
    if (!syscall_on_any(&on, names[i].name))
      continue;
    ra = rule_refs_of(refs_a, n_refs_a, names[i].name, &la);
    rb = rule_refs_of(refs_b, n_refs_b, names[i].name, &lb);
    r = treat_build(&da, ra, la, &ta);
    if (r == 0)
      r = treat_build(&db, rb, lb, &tb);
    else
      memset(&tb, 0, sizeof(tb));
    if (r == 0)
      r = intersect_name(names[i].name, &ta, &tb, &def, &o);
    treat_release(&ta);
    treat_release(&tb);
    if (r < 0)
      goto oom;
  }

  /* Rules in the order their first name appears, so that intersecting a
   * document with itself (or hardening a spec twice) changes nothing. */
  syscalls = json_new(JSON_ARRAY);
  if (json_set(res, "syscalls", syscalls) < 0)
    goto oom;
  for (i = 0; i < o.n; i++)
    if (json_append(syscalls, out_rule_json(&o.r[i])) < 0)
      goto oom;
  *out = steal_pointer(&res);
  ret = 0;
  goto done;
oom:
  sk_error_set(err, ENOMEM, "intersecting seccomp documents");
done:
  out_release(&o);
  return ret;
}

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
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/json.h"
#include "stockade/seccomp.h"
#include "stockade/util.h"

#include "seccomp_default.h"
#include "syscall_names.h"

#define SC_MAX_ARGS 6        /* a syscall has at most six arguments */
#define SC_MAX_ERRNO 4095    /* the kernel clamps SECCOMP_RET_ERRNO data to MAX_ERRNO */
#define SC_BPF_MAXINSNS 4096 /* the kernel refuses longer filters (BPF_MAXINSNS) */

/* ---- names ------------------------------------------------------------- */

/* The architecture names runc accepts (libcontainer/seccomp/config.go);
 * crun takes any name libseccomp resolves after dropping "SCMP_ARCH_" and
 * lowercasing, which covers these. LOONGARCH64 needs libseccomp >= 2.6. */
static const char *const arch_names[] = {
    "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",     "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",        "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",    "SCMP_ARCH_PPC64",       "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",  "SCMP_ARCH_LOONGARCH64",
};
#define N_ARCH_NAMES (sizeof(arch_names) / sizeof(arch_names[0]))

/* Filter flags of the runtime-spec. runc 1.1 refuses every flag ("seccomp
 * flags are not yet supported by runc"); crun knows all four. */
static const char *const flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/* Actions in increasing strictness: a later one never lets more through. */
enum sc_act { SC_ALLOW, SC_LOG, SC_NOTIFY, SC_TRACE, SC_ERRNO, SC_TRAP, SC_KILL_THREAD, SC_KILL_PROCESS };

static const struct {
  const char *name;
  enum sc_act act;
} action_names[] = {
    {"SCMP_ACT_KILL", SC_KILL_THREAD}, /* runc and crun: the same as KILL_THREAD */
    {"SCMP_ACT_KILL_PROCESS", SC_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SC_KILL_THREAD},
    {"SCMP_ACT_TRAP", SC_TRAP},
    {"SCMP_ACT_ERRNO", SC_ERRNO},
    {"SCMP_ACT_TRACE", SC_TRACE},
    {"SCMP_ACT_ALLOW", SC_ALLOW},
    {"SCMP_ACT_LOG", SC_LOG},
    {"SCMP_ACT_NOTIFY", SC_NOTIFY},
};

static const struct {
  const char *name;
  enum scmp_compare op;
} op_names[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* libseccomp's token for "SCMP_ARCH_X86_64" and friends, 0 if unknown. */
static uint32_t arch_token(const char *name) {
  char lower[32];
  size_t i;
  if (!str_has_prefix(name, "SCMP_ARCH_"))
    return 0;
  name += strlen("SCMP_ARCH_");
  for (i = 0; name[i] && i < sizeof(lower) - 1; i++)
    lower[i] = (char)tolower((unsigned char)name[i]);
  if (name[i])
    return 0;
  lower[i] = '\0';
  return seccomp_arch_resolve_name(lower);
}

static const char *arch_runc_name(const char *name) {
  size_t i;
  for (i = 0; i < N_ARCH_NAMES; i++)
    if (strcmp(arch_names[i], name) == 0)
      return arch_names[i];
  return NULL;
}

static const char *arch_name_of(uint32_t token) {
  size_t i;
  for (i = 0; i < N_ARCH_NAMES; i++)
    if (arch_token(arch_names[i]) == token)
      return arch_names[i];
  return NULL;
}

/* Does the syscall exist on this architecture? libseccomp answers with the
 * number, with a pseudo number between -100 and -9999 for calls it reaches
 * through a multiplexer (socketcall, ipc on x86), with one below -10000 for
 * a call of another architecture, and with __NR_SCMP_ERROR for a name it
 * does not know at all. */
static bool syscall_on_arch(uint32_t arch, const char *name) {
  int nr = seccomp_syscall_resolve_name_arch(arch, name);
  return nr >= 0 || (nr <= -100 && nr > -10000);
}

/* ---- architecture sets -------------------------------------------------- */

struct sc_arches {
  size_t n;
  uint32_t tok[N_ARCH_NAMES];
  const char *name[N_ARCH_NAMES];
};

static void arches_add(struct sc_arches *a, uint32_t tok, const char *name) {
  size_t i;
  for (i = 0; i < a->n; i++)
    if (a->tok[i] == tok)
      return;
  if (a->n < N_ARCH_NAMES) {
    a->tok[a->n] = tok;
    a->name[a->n++] = name;
  }
}

/* The native architecture and the ones whose binaries it also runs. */
static int arches_native(struct sc_arches *a, struct sk_error **err) {
  uint32_t native = seccomp_arch_native();
  const char *name = arch_name_of(native);
  a->n = 0;
  if (name == NULL)
    return sk_error_set(err, 0, "the native architecture (libseccomp token 0x%" PRIx32 ") is not one runc supports",
                        native);
  arches_add(a, native, name);
  if (native == SCMP_ARCH_X86_64) {
    arches_add(a, SCMP_ARCH_X86, "SCMP_ARCH_X86");
    arches_add(a, SCMP_ARCH_X32, "SCMP_ARCH_X32");
  } else if (native == SCMP_ARCH_AARCH64) {
    arches_add(a, SCMP_ARCH_ARM, "SCMP_ARCH_ARM");
  }
  return 0;
}

static bool syscall_on_any(const struct sc_arches *a, const char *name) {
  size_t i;
  for (i = 0; i < a->n; i++)
    if (syscall_on_arch(a->tok[i], name))
      return true;
  return false;
}

/* "SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32" */
static char *arches_list(const struct sc_arches *a) {
  char *s = NULL;
  size_t len = 0, i;
  FILE *f = open_memstream(&s, &len);
  if (f == NULL)
    return NULL;
  for (i = 0; i < a->n; i++)
    fprintf(f, "%s%s", i ? ", " : "", a->name[i]);
  if (fclose(f) != 0) {
    free(s);
    return NULL;
  }
  return s;
}

/* ---- errors ---------------------------------------------------------------- */

/* "<path>: <problem> (line L, column C)"; the position is left out for values
 * that were built rather than parsed. */
__attribute__((format(printf, 4, 5))) static int at_error(struct sk_error **err, const struct json *at,
                                                          const char *path, const char *fmt, ...) {
  cleanup_free char *msg = NULL;
  va_list ap;
  int r;

  va_start(ap, fmt);
  r = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (r < 0)
    return sk_error_set(err, ENOMEM, "%s", path);
  if (at && at->line > 0)
    return sk_error_set(err, 0, "%s%s%s (line %u, column %u)", path, *path ? ": " : "", msg, at->line, at->col);
  return sk_error_set(err, 0, "%s%s%s", path, *path ? ": " : "", msg);
}

/* ---- the document model ---------------------------------------------------- */

struct sc_action {
  enum sc_act act;
  const char *name; /* spelling, from action_names */
  int ret;          /* errnoRet as given, or -1 (EPERM for ERRNO and TRACE) */
  bool is_default;  /* came from defaultAction rather than a rule */
};

struct sc_arg {
  unsigned index;
  enum scmp_compare op;
  const char *op_name;
  uint64_t value, value_two;
};

struct sc_rule {
  struct sc_action action;
  size_t nargs;
  struct sc_arg args[SC_MAX_ARGS];
  bool repeated_index;      /* runc and crun add one rule per condition */
  const struct json *names; /* array of strings, in the document */
  size_t src;               /* index in syscalls[] */
};

struct sc_doc {
  struct sc_action def;
  struct sc_rule *rules;
  size_t n;
  struct sc_arches arches; /* the document's, or the native ones when it lists none */
  bool lists_arches;
};

static void sc_doc_release(struct sc_doc *d) {
  free(d->rules);
  d->rules = NULL;
  d->n = 0;
}
#define cleanup_sc_doc __attribute__((cleanup(sc_doc_release)))

static bool act_has_ret(enum sc_act act) { return act == SC_ERRNO || act == SC_TRACE; }

static int act_ret(const struct sc_action *a) { return a->ret >= 0 ? a->ret : EPERM; }

static bool act_eq(const struct sc_action *x, const struct sc_action *y) {
  return x->act == y->act && (!act_has_ret(x->act) || act_ret(x) == act_ret(y));
}

/* The stricter of x and y. Two ERRNO (or TRACE) actions with different
 * values are equally strict: prefer the one a rule asked for over one that
 * comes from a default (clone3's ENOSYS must survive an EPERM default, or
 * glibc will not fall back to clone), then x. */
static struct sc_action act_max(struct sc_action x, struct sc_action y) {
  if (x.act != y.act)
    return x.act > y.act ? x : y;
  if (x.is_default && !y.is_default)
    return y;
  return x;
}

static uint32_t act_scmp(const struct sc_action *a) {
  switch (a->act) {
  case SC_ALLOW:
    return SCMP_ACT_ALLOW;
  case SC_LOG:
    return SCMP_ACT_LOG;
  case SC_NOTIFY:
    return SCMP_ACT_NOTIFY;
  case SC_TRACE:
    return SCMP_ACT_TRACE(act_ret(a));
  case SC_ERRNO:
    return SCMP_ACT_ERRNO(act_ret(a));
  case SC_TRAP:
    return SCMP_ACT_TRAP;
  case SC_KILL_THREAD:
    return SCMP_ACT_KILL_THREAD;
  case SC_KILL_PROCESS:
    return SCMP_ACT_KILL_PROCESS;
  }
  return SCMP_ACT_KILL_PROCESS;
}

static bool is_absent(const struct json *j) { return j == NULL || j->type == JSON_NULL; }

static int check_fields(const struct json *obj, const char *path, const char *const *known, struct sk_error **err) {
  size_t i, k;
  for (i = 0; i < obj->n; i++) {
    for (k = 0; known[k]; k++)
      if (strcmp(obj->keys[i], known[k]) == 0)
        break;
    if (known[k] == NULL) {
      cleanup_free char *p = NULL;
      if (asprintf(&p, "%s%s%s", path, *path ? "." : "", obj->keys[i]) < 0)
        return sk_error_set(err, ENOMEM, "%s", path);
      return at_error(err, obj->items[i], p, "unknown field");
    }
  }
  return 0;
}

static int parse_action(const struct json *j, const char *path, struct sc_action *out, struct sk_error **err) {
  size_t i;
  if (!json_is(j, JSON_STRING))
    return at_error(err, j, path, "got %s; expected an action such as \"SCMP_ACT_ERRNO\"", json_type_name(j));
  for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
    if (strcmp(j->str, action_names[i].name) == 0) {
      out->act = action_names[i].act;
      out->name = action_names[i].name;
      out->ret = -1;
      out->is_default = false;
      return 0;
    }
  }
  return at_error(err, j, path,
                  "unknown action \"%s\"; expected one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, "
                  "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, SCMP_ACT_NOTIFY, SCMP_ACT_TRACE, "
                  "SCMP_ACT_TRAP",
                  j->str);
}

/* errnoRet: crun refuses it on actions that carry no value. */
static int parse_ret(const struct json *j, const char *path, struct sc_action *a, struct sk_error **err) {
  uint64_t v;
  if (is_absent(j))
    return 0;
  if (j->type == JSON_NUMBER && !json_uint64(j, &v))
    return at_error(err, j, path, "%s is not an errno number; expected an integer from 0 to %d", j->str, SC_MAX_ERRNO);
  if (!json_uint64(j, &v))
    return at_error(err, j, path, "got %s; expected an errno number from 0 to %d", json_type_name(j), SC_MAX_ERRNO);
  if (v > SC_MAX_ERRNO)
    return at_error(err, j, path, "%" PRIu64 " is not an errno number; expected 0 to %d", v, SC_MAX_ERRNO);
  if (!act_has_ret(a->act))
    return at_error(err, j, path, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno value, not %s", a->name);
  a->ret = (int)v;
  return 0;
}

/* An absent or null value is 0, as Go's decoder in runc reads it. */
static int parse_u64(const struct json *j, const char *path, uint64_t *out, struct sk_error **err) {
  *out = 0;
  if (is_absent(j))
    return 0;
  if (!json_uint64(j, out)) {
    if (j->type == JSON_NUMBER)
      return at_error(err, j, path, "%s is not an unsigned 64-bit integer", j->str);
    return at_error(err, j, path, "got %s; expected an unsigned 64-bit integer", json_type_name(j));
  }
  return 0;
}

static int parse_arg(const struct json *j, const char *path, struct sc_arg *out, struct sk_error **err) {
  static const char *const known[] = {"index", "value", "valueTwo", "op", NULL};
  const struct json *idx = json_get(j, "index"), *op = json_get(j, "op");
  char p[128];
  uint64_t v;
  size_t i;

  if (!json_is(j, JSON_OBJECT))
    return at_error(err, j, path, "got %s; expected an object with index, value and op", json_type_name(j));
  if (check_fields(j, path, known, err) < 0)
    return -1;
  snprintf(p, sizeof(p), "%s.index", path);
  if (is_absent(idx))
    return at_error(err, j, path, "missing \"index\"; expected the argument's number, 0 to 5");
  if (idx->type == JSON_NUMBER && (!json_uint64(idx, &v) || v >= SC_MAX_ARGS))
    return at_error(err, idx, p, "%s is not an argument number; expected 0 to 5", idx->str);
  if (!json_uint64(idx, &v))
    return at_error(err, idx, p, "got %s; expected an argument number from 0 to 5", json_type_name(idx));
  out->index = (unsigned)v;
  snprintf(p, sizeof(p), "%s.value", path);
  if (parse_u64(json_get(j, "value"), p, &out->value, err) < 0)
    return -1;
  if (json_get(j, "value") == NULL)
    return at_error(err, j, path, "missing \"value\"");
  snprintf(p, sizeof(p), "%s.valueTwo", path);
  if (parse_u64(json_get(j, "valueTwo"), p, &out->value_two, err) < 0)
    return -1;
  snprintf(p, sizeof(p), "%s.op", path);
  if (is_absent(op))
    return at_error(err, j, path, "missing \"op\"; expected an operator such as \"SCMP_CMP_EQ\"");
  if (!json_is(op, JSON_STRING))
    return at_error(err, op, p, "got %s; expected an operator such as \"SCMP_CMP_EQ\"", json_type_name(op));
  for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
    if (strcmp(op->str, op_names[i].name) == 0) {
      out->op = op_names[i].op;
      out->op_name = op_names[i].name;
      return 0;
    }
  }
  return at_error(err, op, p,
                  "unknown operator \"%s\"; expected one of SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, "
                  "SCMP_CMP_GT, SCMP_CMP_GE, SCMP_CMP_MASKED_EQ",
                  op->str);
}

static int parse_rule(const struct json *j, size_t i, struct sc_rule *r, struct sk_error **err) {
  static const char *const known[] = {"names", "action", "errnoRet", "args", NULL};
  const struct json *names = json_get(j, "names"), *args = json_get(j, "args");
  char path[64], p[96];
  unsigned seen = 0;
  size_t k;

  snprintf(path, sizeof(path), "syscalls[%zu]", i);
  memset(r, 0, sizeof(*r));
  r->src = i;
  if (!json_is(j, JSON_OBJECT))
    return at_error(err, j, path, "got %s; expected an object with names and action", json_type_name(j));
  if (check_fields(j, path, known, err) < 0)
    return -1;

  snprintf(p, sizeof(p), "%s.names", path);
  if (is_absent(names))
    return at_error(err, j, path, "missing \"names\"; expected an array of syscall names");
  if (!json_is(names, JSON_ARRAY))
    return at_error(err, names, p, "got %s; expected an array of syscall names", json_type_name(names));
  if (names->n == 0)
    return at_error(err, names, p, "is empty; expected at least one syscall name");
  for (k = 0; k < names->n; k++) {
    bool str = json_is(names->items[k], JSON_STRING);
    if (str && names->items[k]->str[0] != '\0')
      continue; /* the usual case: no path to format */
    snprintf(p, sizeof(p), "%s.names[%zu]", path, k);
    if (!str)
      return at_error(err, names->items[k], p, "got %s; expected a syscall name", json_type_name(names->items[k]));
    return at_error(err, names->items[k], p, "is empty; expected a syscall name");
  }
  r->names = names;

  snprintf(p, sizeof(p), "%s.action", path);
  if (is_absent(json_get(j, "action")))
    return at_error(err, j, path, "missing \"action\"");
  if (parse_action(json_get(j, "action"), p, &r->action, err) < 0)
    return -1;
  snprintf(p, sizeof(p), "%s.errnoRet", path);
  if (parse_ret(json_get(j, "errnoRet"), p, &r->action, err) < 0)
    return -1;

  if (is_absent(args))
    return 0;
  snprintf(p, sizeof(p), "%s.args", path);
  if (!json_is(args, JSON_ARRAY))
    return at_error(err, args, p, "got %s; expected an array of conditions", json_type_name(args));
  /* crun reads at most six conditions; six distinct arguments is all there is */
  if (args->n > SC_MAX_ARGS)
    return at_error(err, args, p, "has %zu conditions; at most %d are supported (split the rule)", args->n,
                    SC_MAX_ARGS);
  for (k = 0; k < args->n; k++) {
    snprintf(p, sizeof(p), "%s.args[%zu]", path, k);
    if (parse_arg(args->items[k], p, &r->args[k], err) < 0)
      return -1;
    if (seen & (1u << r->args[k].index))
      r->repeated_index = true;
    seen |= 1u << r->args[k].index;
  }
  r->nargs = args->n;
  return 0;
}

static int parse_string_array(const struct json *j, const char *path, struct sk_error **err) {
  size_t i;
  if (!json_is(j, JSON_ARRAY))
    return at_error(err, j, path, "got %s; expected an array of strings", json_type_name(j));
  for (i = 0; i < j->n; i++) {
    if (!json_is(j->items[i], JSON_STRING)) {
      char p[64];
      snprintf(p, sizeof(p), "%s[%zu]", path, i);
      return at_error(err, j->items[i], p, "got %s; expected a string", json_type_name(j->items[i]));
    }
  }
  return 0;
}

/* Check one architecture name (the value at arr[i]). */
static int check_arch(const struct json *arr, size_t i, const char *what, struct sc_arches *out,
                      struct sk_error **err) {
  const struct json *v = arr->items[i];
  const char *canon = arch_runc_name(v->str);
  uint32_t tok;
  char p[64];

  snprintf(p, sizeof(p), "%s[%zu]", what, i);
  if (canon == NULL && arch_token(v->str) != 0)
    return at_error(err, v, p, "architecture \"%s\" is not supported by runc", v->str);
  if (canon == NULL)
    return at_error(err, v, p, "unknown architecture \"%s\"; expected a name such as \"SCMP_ARCH_X86_64\"", v->str);
  tok = arch_token(canon);
  if (tok == 0)
    return at_error(err, v, p, "architecture \"%s\" is not supported by this libseccomp (%u.%u.%u)", v->str,
                    seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
  if (out)
    arches_add(out, tok, canon);
  return 0;
}

/* The fields of a document runc takes, in the order we write them. */
static const char *const doc_fields[] = {"defaultAction", "defaultErrnoRet",  "architectures", "flags",
                                         "listenerPath",  "listenerMetadata", "syscalls",      NULL};

/* Parse and check everything but the syscall names into d. */
static int sc_doc_load(const struct json *doc, struct sc_doc *d, struct sk_error **err) {
  const struct json *v, *syscalls;
  size_t i, k;

  memset(d, 0, sizeof(*d));
  if (!json_is(doc, JSON_OBJECT))
    return at_error(err, doc, "", "got %s; expected an OCI seccomp object such as {\"defaultAction\": ...}",
                    doc ? json_type_name(doc) : "nothing");
  if (check_fields(doc, "", doc_fields, err) < 0)
    return -1;

  v = json_get(doc, "defaultAction");
  if (is_absent(v))
    return at_error(err, doc, "defaultAction", "missing; expected an action such as \"SCMP_ACT_ERRNO\"");
  if (parse_action(v, "defaultAction", &d->def, err) < 0)
    return -1;
  /* runc: the runtime's own write() to its parent would wait for an agent
   * that has not been given the listener yet. */
  if (d->def.act == SC_NOTIFY)
    return at_error(err, v, "defaultAction", "SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)");
  d->def.is_default = true;
  if (parse_ret(json_get(doc, "defaultErrnoRet"), "defaultErrnoRet", &d->def, err) < 0)
    return -1;

  v = json_get(doc, "architectures");
  if (!is_absent(v)) {
    if (parse_string_array(v, "architectures", err) < 0)
      return -1;
    for (i = 0; i < v->n; i++)
      if (check_arch(v, i, "architectures", &d->arches, err) < 0)
        return -1;
  }
  d->lists_arches = d->arches.n > 0;
  if (!d->lists_arches && arches_native(&d->arches, err) < 0)
    return -1;

  v = json_get(doc, "flags");
  if (!is_absent(v)) {
    if (parse_string_array(v, "flags", err) < 0)
      return -1;
    for (i = 0; i < v->n; i++) {
      for (k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++)
        if (strcmp(v->items[i]->str, flag_names[k]) == 0)
          break;
      if (k == sizeof(flag_names) / sizeof(flag_names[0])) {
        char p[32];
        snprintf(p, sizeof(p), "flags[%zu]", i);
        return at_error(err, v->items[i], p,
                        "unknown flag \"%s\"; expected SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
                        "SECCOMP_FILTER_FLAG_SPEC_ALLOW or SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
                        v->items[i]->str);
      }
    }
  }

  v = json_get(doc, "listenerPath");
  if (!is_absent(v)) {
    if (!json_is(v, JSON_STRING))
      return at_error(err, v, "listenerPath", "got %s; expected the absolute path of a unix socket", json_type_name(v));
    if (v->str[0] != '/')
      return at_error(err, v, "listenerPath", "\"%s\" is not an absolute path", v->str);
  }
  v = json_get(doc, "listenerMetadata");
  if (!is_absent(v) && !json_is(v, JSON_STRING))
    return at_error(err, v, "listenerMetadata", "got %s; expected a string", json_type_name(v));

  syscalls = json_get(doc, "syscalls");
  if (is_absent(syscalls))
    return 0;
  if (!json_is(syscalls, JSON_ARRAY))
    return at_error(err, syscalls, "syscalls", "got %s; expected an array of rules", json_type_name(syscalls));
  d->rules = calloc(syscalls->n ? syscalls->n : 1, sizeof(*d->rules));
  if (d->rules == NULL)
    return sk_error_set(err, ENOMEM, "syscalls");
  for (i = 0; i < syscalls->n; i++) {
    if (parse_rule(syscalls->items[i], i, &d->rules[i], err) < 0)
      return -1;
    d->n = i + 1;
  }
  return 0;
}

/* ---- validation ------------------------------------------------------------ */

struct name_ref {
  const char *name;
  size_t rule, pos; /* syscalls[rule].names[pos] */
};

static int name_ref_cmp(const void *x, const void *y) {
  const struct name_ref *a = x, *b = y;
  int c = strcmp(a->name, b->name);
  if (c)
    return c;
  if (a->rule != b->rule)
    return a->rule < b->rule ? -1 : 1;
  return a->pos < b->pos ? -1 : (a->pos > b->pos);
}

static int check_name(const struct sc_doc *d, const struct sc_rule *r, size_t k, struct sk_error **err) {
  const struct json *v = r->names->items[k];
  cleanup_free char *list = NULL;
  char p[64];
  size_t i;

  /* runc, to pass the listener on, write()s to its parent after the filter
   * is in place; an agent cannot answer before it has the listener. */
  if (!(r->action.act == SC_NOTIFY && strcmp(v->str, "write") == 0) && syscall_on_any(&d->arches, v->str))
    return 0;
  snprintf(p, sizeof(p), "syscalls[%zu].names[%zu]", r->src, k);
  if (r->action.act == SC_NOTIFY && strcmp(v->str, "write") == 0)
    return at_error(err, v, p, "SCMP_ACT_NOTIFY cannot be used for write (runc would hang)");
  list = arches_list(&d->arches);
  if (list == NULL)
    return sk_error_set(err, ENOMEM, "%s", p);
  for (i = 0; i < N_ARCH_NAMES; i++) {
    uint32_t tok = arch_token(arch_names[i]);
    if (tok && syscall_on_arch(tok, v->str))
      return at_error(err, v, p, "syscall \"%s\" does not exist on any of %s (it is a syscall of %s)", v->str, list,
                      arch_names[i]);
  }
  return at_error(err, v, p, "unknown syscall \"%s\" on any of %s", v->str, list);
}

/* Rules that libseccomp would silently ignore: for one syscall, an
 * unconditional rule and another rule with a different action. Rules whose
 * action is the default are skipped by the runtimes and do not count. */
static int check_conflicts(const struct sc_doc *d, struct sk_error **err) {
  cleanup_free struct name_ref *refs = NULL;
  size_t n = 0, cap = 0, i, j, k;

  for (i = 0; i < d->n; i++)
    cap += d->rules[i].names->n;
  refs = calloc(cap ? cap : 1, sizeof(*refs));
  if (refs == NULL)
    return sk_error_set(err, ENOMEM, "syscalls");
  for (i = 0; i < d->n; i++) {
    if (act_eq(&d->rules[i].action, &d->def))
      continue;
    for (k = 0; k < d->rules[i].names->n; k++)
      refs[n++] = (struct name_ref){d->rules[i].names->items[k]->str, i, k};
  }
  qsort(refs, n, sizeof(*refs), name_ref_cmp);
  for (i = 0; i < n; i = j) {
    const struct name_ref *uncond = NULL;
    for (j = i; j < n && strcmp(refs[j].name, refs[i].name) == 0; j++)
      if (uncond == NULL && d->rules[refs[j].rule].nargs == 0)
        uncond = &refs[j];
    if (uncond == NULL)
      continue;
    for (k = i; k < j; k++) {
      const struct sc_rule *r = &d->rules[refs[k].rule];
      char p[64];
      if (act_eq(&r->action, &d->rules[uncond->rule].action))
        continue;
      snprintf(p, sizeof(p), "syscalls[%zu].names[%zu]", refs[k].rule, refs[k].pos);
      return at_error(err, r->names->items[refs[k].pos], p,
                      "\"%s\" also has an unconditional rule with another action (syscalls[%zu]); libseccomp would "
                      "apply only the unconditional one",
                      refs[k].name, uncond->rule);
    }
  }
  return 0;
}

static int sc_doc_load_valid(const struct json *doc, struct sc_doc *d, struct sk_error **err) {
  size_t i, k;
  if (sc_doc_load(doc, d, err) < 0)
    return -1;
  for (i = 0; i < d->n; i++)
    for (k = 0; k < d->rules[i].names->n; k++)
      if (check_name(d, &d->rules[i], k, err) < 0)
        return -1;
  return check_conflicts(d, err);
}

int seccomp_validate(const struct json *doc, struct sk_error **err) {
  cleanup_sc_doc struct sc_doc d = {0};
  return sc_doc_load_valid(doc, &d, err) < 0 ? -1 : 0;
}

/* ---- the default document ----------------------------------------------------- */

/* Remove names for which keep() is false; drop rules left without names. */
static void filter_names(struct json *doc, bool (*keep)(const void *ctx, const char *name), const void *ctx) {
  struct json *syscalls = json_get(doc, "syscalls");
  size_t i, k;
  if (!json_is(syscalls, JSON_ARRAY))
    return;
  for (i = syscalls->n; i-- > 0;) {
    struct json *names = json_get(syscalls->items[i], "names");
    if (!json_is(names, JSON_ARRAY))
      continue;
    for (k = names->n; k-- > 0;)
      if (json_is(names->items[k], JSON_STRING) && !keep(ctx, names->items[k]->str))
        json_remove_at(names, k);
    if (names->n == 0)
      json_remove_at(syscalls, i);
  }
}

static bool keep_if_on_any(const void *ctx, const char *name) { return syscall_on_any(ctx, name); }

/* The file is shared by every architecture: it names the private syscalls
 * of several (arch_prctl, set_tls, riscv_flush_icache). Keep those this
 * machine and its compat architectures have, so that the document validates
 * here. On s390 clone takes the stack first and the flags second. */
int seccomp_default_doc(struct json **out, struct sk_error **err) {
  cleanup_json struct json *doc = NULL;
  struct sc_arches native;
  uint32_t tok = seccomp_arch_native();

  if (json_parse(seccomp_default_json, strlen(seccomp_default_json), &doc, err) < 0)
    return sk_error_wrap(err, "the built-in default seccomp profile");
  if (arches_native(&native, err) < 0)
    return -1;
  filter_names(doc, keep_if_on_any, &native);
  if (tok == SCMP_ARCH_S390X || tok == SCMP_ARCH_S390) {
    struct json *syscalls = json_get(doc, "syscalls");
    size_t i, k;
    for (i = 0; syscalls && i < syscalls->n; i++) {
      struct json *args = json_get(syscalls->items[i], "args");
      if (!json_array_has_string(json_get(syscalls->items[i], "names"), "clone") || !json_is(args, JSON_ARRAY))
        continue;
      for (k = 0; k < args->n; k++) {
        uint64_t idx;
        if (json_uint64(json_get(args->items[k], "index"), &idx) && idx == 0 &&
            json_set(args->items[k], "index", json_new_int(1)) < 0)
          return sk_error_set(err, ENOMEM, "the built-in default seccomp profile");
      }
    }
  }
  *out = steal_pointer(&doc);
  return 0;
}

/* ---- architectures of a spec ------------------------------------------------ */

static struct json *arches_json(const struct sc_arches *a) {
  cleanup_json struct json *arr = json_new(JSON_ARRAY);
  size_t i;
  if (arr == NULL)
    return NULL;
  for (i = 0; i < a->n; i++)
    if (json_append(arr, json_new_string(a->name[i])) < 0)
      return NULL;
  return steal_pointer(&arr);
}

int seccomp_spec_arches(const struct json *spec, struct json **out, struct sk_error **err) {
  const struct json *v = json_get_path(spec, "linux", "seccomp", "architectures", NULL);
  struct sc_arches a = {0};
  struct json *arr;
  size_t i;

  if (!is_absent(v)) {
    if (parse_string_array(v, "linux.seccomp.architectures", err) < 0)
      return -1;
    for (i = 0; i < v->n; i++)
      if (check_arch(v, i, "linux.seccomp.architectures", &a, err) < 0)
        return -1;
  }
  /* No architectures in the spec: the native one only. 32-bit and x32
   * programs are then refused by the kernel (killed), which few containers
   * notice and which keeps their syscalls out of reach; a spec that needs
   * them lists them. */
  if (a.n == 0) {
    uint32_t native = seccomp_arch_native();
    if (arch_name_of(native) == NULL)
      return sk_error_set(err, 0, "the native architecture (libseccomp token 0x%" PRIx32 ") is not one runc supports",
                          native);
    arches_add(&a, native, arch_name_of(native));
  }
  arr = arches_json(&a);
  if (arr == NULL)
    return sk_error_set(err, ENOMEM, "architectures");
  *out = arr;
  return 0;
}

/* ---- generation ------------------------------------------------------------- */

int seccomp_generate(const struct json *profile_doc, const struct json *arches, struct json **out,
                     struct sk_error **err) {
  cleanup_json struct json *doc = NULL;
  struct sc_arches target = {0}, asked = {0}, mine = {0};
  const struct json *listed = json_get(profile_doc, "architectures");
  size_t i;

  /* profile_doc passed seccomp_validate() when its profile was loaded
   * (profile.c): it is not validated again on every create. */
  if (!json_is(profile_doc, JSON_OBJECT))
    return sk_error_set(err, 0, "seccomp: expected an OCI seccomp object");
  if (!json_is(arches, JSON_ARRAY))
    return sk_error_set(err, 0, "architectures: expected an array of \"SCMP_ARCH_*\" names");
  if (parse_string_array(arches, "architectures", err) < 0)
    return -1;
  for (i = 0; i < arches->n; i++)
    if (check_arch(arches, i, "architectures", &asked, err) < 0)
      return -1;
  if (asked.n == 0)
    return sk_error_set(err, 0, "architectures: is empty; expected the architectures the filter is for");
  /* The profile's document is for the architectures it lists, and one that
   * lists none (the shipped default) is for the native one only, as any OCI
   * document without "architectures" is. An ABI the profile does not vouch
   * for is left out, so the runtime kills its syscalls (stricter than any
   * rule), and does not build the filter for it at every start. */
  if (json_is(listed, JSON_ARRAY) && listed->n > 0) {
    for (i = 0; i < listed->n; i++)
      if (check_arch(listed, i, "seccomp.architectures", &mine, err) < 0)
        return -1;
  } else {
    uint32_t native = seccomp_arch_native();
    if (arch_name_of(native) == NULL)
      return sk_error_set(err, 0, "the native architecture (libseccomp token 0x%" PRIx32 ") is not one runc supports",
                          native);
    arches_add(&mine, native, arch_name_of(native));
  }
  for (i = 0; i < asked.n; i++) {
    size_t k;
    for (k = 0; k < mine.n; k++)
      if (mine.tok[k] == asked.tok[i])
        arches_add(&target, asked.tok[i], asked.name[i]);
  }
  if (target.n == 0) {
    cleanup_free char *a = arches_list(&asked);
    cleanup_free char *m = arches_list(&mine);
    return sk_error_set(err, 0,
                        "architectures: the container's (%s) and the profile's seccomp document's (%s%s) have none in "
                        "common; list the container's in the document's \"architectures\"",
                        a ? a : "?", m ? m : "?", listed ? "" : ": it lists none, which means the native one");
  }

  /* the fields in the runtime-spec's order, "syscalls" last, as
   * seccomp_intersect() writes them */
  doc = json_new(JSON_OBJECT);
  if (doc == NULL)
    return sk_error_set(err, ENOMEM, "seccomp");
  for (i = 0; doc_fields[i]; i++) {
    const struct json *v = json_get(profile_doc, doc_fields[i]);
    struct json *copy;
    if (strcmp(doc_fields[i], "architectures") == 0)
      copy = arches_json(&target);
    else if (v)
      copy = json_copy(v);
    else
      continue;
    if (json_set(doc, doc_fields[i], copy) < 0)
      return sk_error_set(err, ENOMEM, "seccomp");
  }
  /* Names of other architectures (validation proved each exists somewhere)
   * are dropped: for the target they are no syscall at all, so an allow rule
   * for them allows nothing and a deny rule denies nothing. */
  filter_names(doc, keep_if_on_any, &target);
  *out = steal_pointer(&doc);
  return 0;
}

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
  for (i = 0; i < ta->n; i++)
    if (region_add(&rs, &n, &cap, &ta->rules[i], act_max(treat_rule_max_for(ta, i), treat_max(tb)), def) < 0)
      return -1;
  for (j = 0; j < tb->n; j++)
    if (region_add(&rs, &n, &cap, &tb->rules[j], act_max(treat_rule_max_for(tb, j), treat_max(ta)), def) < 0)
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
      set_arches(&da, &db, &on, res) < 0 || copy_first(a, b, "flags", res) < 0 ||
      copy_first(a, b, "listenerPath", res) < 0 || copy_first(a, b, "listenerMetadata", res) < 0)
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

/* ---- the dry run ---------------------------------------------------------------- */

static void seccomp_releasep(scmp_filter_ctx *ctx) {
  if (*ctx)
    seccomp_release(*ctx);
}
#define cleanup_seccomp __attribute__((cleanup(seccomp_releasep)))

/* Length in instructions of the BPF program libseccomp makes of ctx. */
static int bpf_length(scmp_filter_ctx ctx, size_t *insns, struct sk_error **err) {
  cleanup_close int fd = memfd_create("stockade-seccomp-check", MFD_CLOEXEC);
  struct stat st;
  int rc;
  if (fd < 0)
    return sk_error_set(err, errno, "memfd_create for the seccomp dry run");
  rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0)
    return sk_error_set(err, -rc, "libseccomp could not generate the filter");
  if (fstat(fd, &st) < 0)
    return sk_error_set(err, errno, "fstat of the seccomp dry run");
  *insns = (size_t)st.st_size / 8; /* sizeof(struct sock_filter) */
  return 0;
}

/* Add rules the way runc and crun do: by the name's native number, which
 * libseccomp translates for every architecture of the filter. */
static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *r, size_t k, struct sk_error **err) {
  const struct json *v = r->names->items[k];
  struct scmp_arg_cmp cmp[SC_MAX_ARGS];
  int nr = seccomp_syscall_resolve_name(v->str), rc = 0;
  char p[64];
  size_t i;

  if (nr == __NR_SCMP_ERROR)
    return 0; /* runc and crun skip it with a warning; validation ruled it out */
  for (i = 0; i < r->nargs; i++)
    cmp[i] = (struct scmp_arg_cmp){r->args[i].index, r->args[i].op, r->args[i].value, r->args[i].value_two};
  if (r->repeated_index) {
    for (i = 0; i < r->nargs && rc == 0; i++)
      rc = seccomp_rule_add_array(ctx, act_scmp(&r->action), nr, 1, &cmp[i]);
  } else {
    rc = seccomp_rule_add_array(ctx, act_scmp(&r->action), nr, (unsigned)r->nargs, cmp);
  }
  if (rc == 0)
    return 0;
  snprintf(p, sizeof(p), "syscalls[%zu].names[%zu]", r->src, k);
  return at_error(err, v, p, "libseccomp refuses the rule for \"%s\" (%s): %s", v->str, r->action.name,
                  rc == -EEXIST ? "another rule for the same call and conditions has a different action"
                                : strerror(-rc));
}

int seccomp_compile_check(const struct json *doc, struct sk_error **err) {
  cleanup_sc_doc struct sc_doc d = {0};
  cleanup_seccomp scmp_filter_ctx ctx = NULL;
  size_t i, k, insns = 0, optimized = 0;
  int rc;

  if (sc_doc_load_valid(doc, &d, err) < 0)
    return -1;
  ctx = seccomp_init(act_scmp(&d.def));
  if (ctx == NULL)
    return at_error(err, json_get(doc, "defaultAction"), "defaultAction",
                    "libseccomp refuses %s as the default action (not supported by this kernel?)", d.def.name);
  /* runc and crun start from the native architecture and add the listed */
  for (i = 0; d.lists_arches && i < d.arches.n; i++) {
    rc = seccomp_arch_add(ctx, d.arches.tok[i]);
    if (rc < 0 && rc != -EEXIST)
      return sk_error_set(err, -rc, "architectures: libseccomp cannot add %s", d.arches.name[i]);
  }
  for (i = 0; i < d.n; i++) {
    if (act_eq(&d.rules[i].action, &d.def))
      continue; /* runc and crun skip these; libseccomp would refuse them */
    for (k = 0; k < d.rules[i].names->n; k++)
      if (add_rule(ctx, &d.rules[i], k, err) < 0)
        return -1;
  }
  /* crun loads libseccomp's default layout, runc its binary tree (for more
   * than 32 rules); both must fit in the kernel's limit. */
  if (bpf_length(ctx, &insns, err) < 0)
    return -1;
  rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc == 0 && bpf_length(ctx, &optimized, err) < 0)
    return -1;
  if (optimized > insns)
    insns = optimized;
  if (insns > SC_BPF_MAXINSNS)
    return sk_error_set(err, 0, "the filter has %zu BPF instructions, more than the kernel's limit of %d", insns,
                        SC_BPF_MAXINSNS);
  return 0;
}

const char *seccomp_arch_name(uint32_t token) { return arch_name_of(token); }

uint32_t seccomp_arch_token(const char *name) { return arch_runc_name(name) ? arch_token(name) : 0; }

struct nr_name {
  int nr;
  const char *name;
};

static int nr_name_cmp(const void *x, const void *y) {
  const struct nr_name *a = x, *b = y;
  return a->nr < b->nr ? -1 : a->nr > b->nr;
}

/* The names libseccomp resolves to a number of arch below 1024 (past
 * x32's bit), by number: syscall_names (generated at build time from the
 * same library) resolved one by one, each a hash lookup. */
int seccomp_arch_syscalls(const char *arch, char ***names, size_t *n, struct sk_error **err) {
  uint32_t tok = arch_token(arch);
  cleanup_free struct nr_name *found = NULL;
  char **v = NULL;
  size_t count = 0, i, total = 0;
  int base = 0;

  if (tok == 0)
    return sk_error_set(err, 0, "unknown architecture %s", arch);
  if (tok == SCMP_ARCH_X32)
    base = 0x40000000; /* __X32_SYSCALL_BIT */
  while (syscall_names[total])
    total++;
  found = calloc(total ? total : 1, sizeof(*found));
  if (found == NULL)
    goto oom;
  for (i = 0; i < total; i++) {
    int nr = seccomp_syscall_resolve_name_arch(tok, syscall_names[i]);
    if (nr >= base && nr < base + 1024)
      found[count++] = (struct nr_name){nr, syscall_names[i]};
  }
  qsort(found, count, sizeof(*found), nr_name_cmp);
  v = calloc(count ? count : 1, sizeof(*v));
  if (v == NULL)
    goto oom;
  for (i = 0; i < count; i++) {
    v[i] = strdup(found[i].name);
    if (v[i] == NULL) {
      while (i > 0)
        free(v[--i]);
      free(v);
      goto oom;
    }
  }
  *names = v;
  *n = count;
  return 0;
oom:
  return sk_error_set(err, ENOMEM, "syscall names");
}

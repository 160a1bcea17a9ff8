/* SPDX-License-Identifier: Apache-2.0 */
/* OCI seccomp documents: names, architectures, the parsed document model,
 * and validation (seccomp_validate). What the runtimes accept decides what
 * is accepted here; seccomp.c says which rules that follows. */
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

#include "stockade/cleanup.h"
#include "stockade/json.h"
#include "stockade/seccomp.h"
#include "stockade/str.h"

#include "seccomp_doc.h"

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
_Static_assert(sizeof(arch_names) / sizeof(arch_names[0]) == N_ARCH_NAMES, "N_ARCH_NAMES (seccomp_doc.h)");

/* Filter flags of the runtime-spec. runc 1.1 refuses every flag ("seccomp
 * flags are not yet supported by runc"); crun knows all four. */
static const char *const flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

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
uint32_t arch_token(const char *name) {
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

const char *arch_runc_name(const char *name) {
  size_t i;
  for (i = 0; i < N_ARCH_NAMES; i++)
    if (strcmp(arch_names[i], name) == 0)
      return arch_names[i];
  return NULL;
}

const char *arch_name_of(uint32_t token) {
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

void arches_add(struct sc_arches *a, uint32_t tok, const char *name) {
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
int arches_native(struct sc_arches *a, struct sk_error **err) {
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

bool syscall_on_any(const struct sc_arches *a, const char *name) {
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

/* An error about the value at path: "<path>: <problem> (line L, column C)",
 * the position left out for values that were built rather than parsed;
 * path and position are the error's fields (profile.c moves them into the
 * profile's file). */
__attribute__((format(printf, 4, 5))) int at_error(struct sk_error **err, const struct json *at, const char *path,
                                                   const char *fmt, ...) {
  cleanup_free char *msg = NULL;
  va_list ap;
  int r;

  va_start(ap, fmt);
  r = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (r < 0)
    return sk_error_set(err, ENOMEM, "%s", path);
  return sk_error_set_at(err, (struct sk_where){NULL, at ? at->line : 0, at ? at->col : 0, path}, "%s", msg);
}

/* ---- the document model ---------------------------------------------------- */

void sc_doc_release(struct sc_doc *d) {
  free(d->rules);
  d->rules = NULL;
  d->n = 0;
}

uint32_t act_scmp(const struct sc_action *a) {
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
    snprintf(p, sizeof(p), "%s.names[%zu]", path, k);
    if (!json_is(names->items[k], JSON_STRING))
      return at_error(err, names->items[k], p, "got %s; expected a syscall name", json_type_name(names->items[k]));
    if (names->items[k]->str[0] == '\0')
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

int parse_string_array(const struct json *j, const char *path, struct sk_error **err) {
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
int check_arch(const struct json *arr, size_t i, const char *what, struct sc_arches *out, struct sk_error **err) {
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
const char *const doc_fields[] = {"defaultAction", "defaultErrnoRet",  "architectures", "flags",
                                  "listenerPath",  "listenerMetadata", "syscalls",      NULL};

/* Parse and check everything but the syscall names into d. */
int sc_doc_load(const struct json *doc, struct sc_doc *d, struct sk_error **err) {
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

  snprintf(p, sizeof(p), "syscalls[%zu].names[%zu]", r->src, k);
  /* runc, to pass the listener on, write()s to its parent after the filter
   * is in place; an agent cannot answer before it has the listener. */
  if (r->action.act == SC_NOTIFY && strcmp(v->str, "write") == 0)
    return at_error(err, v, p, "SCMP_ACT_NOTIFY cannot be used for write (runc would hang)");
  if (syscall_on_any(&d->arches, v->str))
    return 0;
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

int sc_doc_load_valid(const struct json *doc, struct sc_doc *d, struct sk_error **err) {
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

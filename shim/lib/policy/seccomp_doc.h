/* SPDX-License-Identifier: Apache-2.0 */
/* Private to shim/lib/policy/seccomp*.c: the parsed form of an OCI seccomp
 * document and the helpers the three files share. seccomp_doc.c reads and
 * validates documents; seccomp.c intersects two; seccomp_gen.c makes the
 * default document, a spec's filter, and the libseccomp dry run. */
#ifndef STOCKADE_POLICY_SECCOMP_DOC_H
#define STOCKADE_POLICY_SECCOMP_DOC_H

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stockade/error.h"
#include "stockade/json.h"

#define SC_MAX_ARGS 6        /* a syscall has at most six arguments */
#define SC_MAX_ERRNO 4095    /* the kernel clamps SECCOMP_RET_ERRNO data to MAX_ERRNO */
#define SC_BPF_MAXINSNS 4096 /* the kernel refuses longer filters (BPF_MAXINSNS) */
#define N_ARCH_NAMES 18      /* entries of arch_names[] (seccomp_doc.c) */

/* Actions in increasing strictness: a later one never lets more through. */
enum sc_act { SC_ALLOW, SC_LOG, SC_NOTIFY, SC_TRACE, SC_ERRNO, SC_TRAP, SC_KILL_THREAD, SC_KILL_PROCESS };

struct sc_arches {
  size_t n;
  uint32_t tok[N_ARCH_NAMES];
  const char *name[N_ARCH_NAMES];
};

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

void sc_doc_release(struct sc_doc *d);
#define cleanup_sc_doc __attribute__((cleanup(sc_doc_release)))

static inline bool act_has_ret(enum sc_act act) { return act == SC_ERRNO || act == SC_TRACE; }

static inline int act_ret(const struct sc_action *a) { return a->ret >= 0 ? a->ret : EPERM; }

static inline bool act_eq(const struct sc_action *x, const struct sc_action *y) {
  return x->act == y->act && (!act_has_ret(x->act) || act_ret(x) == act_ret(y));
}

/* The stricter of x and y. Two ERRNO (or TRACE) actions with different
 * values are equally strict: prefer the one a rule asked for over one that
 * comes from a default (clone3's ENOSYS must survive an EPERM default, or
 * glibc will not fall back to clone), then x. */
static inline struct sc_action act_max(struct sc_action x, struct sc_action y) {
  if (x.act != y.act)
    return x.act > y.act ? x : y;
  if (x.is_default && !y.is_default)
    return y;
  return x;
}

static inline bool is_absent(const struct json *j) { return j == NULL || j->type == JSON_NULL; }

/* seccomp_doc.c: names and architectures */
uint32_t arch_token(const char *name);
const char *arch_runc_name(const char *name);
const char *arch_name_of(uint32_t token);
void arches_add(struct sc_arches *a, uint32_t tok, const char *name);
int arches_native(struct sc_arches *a, struct sk_error **err);
bool syscall_on_any(const struct sc_arches *a, const char *name);

/* seccomp_doc.c: errors, parsing, validation */
__attribute__((format(printf, 4, 5))) int at_error(struct sk_error **err, const struct json *at, const char *path,
                                                   const char *fmt, ...);
uint32_t act_scmp(const struct sc_action *a);
int parse_string_array(const struct json *j, const char *path, struct sk_error **err);
int check_arch(const struct json *arr, size_t i, const char *what, struct sc_arches *out, struct sk_error **err);
extern const char *const doc_fields[];
int sc_doc_load(const struct json *doc, struct sc_doc *d, struct sk_error **err);
int sc_doc_load_valid(const struct json *doc, struct sc_doc *d, struct sk_error **err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_JUDGE_H
#define STOCKADE_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "stockade/error.h"
#include "stockade/json.h"
#include "stockade/profile.h"

/* Judging a spec against a profile. A finding is either something the
 * hardening step fixes (FIX: a writable root becomes read-only) or
 * something it cannot fix without changing what the workload is (REFUSE:
 * a host PID namespace). Enforce mode refuses a spec with any REFUSE
 * finding and applies every FIX; complain mode reports both and changes
 * nothing; `stockadectl check` lists both. */

enum finding_kind { FINDING_FIX, FINDING_REFUSE };

struct finding {
  const char *rule; /* "SK-USER-ROOT" */
  enum finding_kind kind;
  char *what;            /* what is wrong, naming the spec field */
  char *fix;             /* what to do (refusals), or what hardening does (fixes) */
  const char *guide;     /* where the rule comes from: pss, cis and nsa in one line */
  const char *pss;       /* "PSS baseline: Host Namespaces", NULL when no control applies */
  const char *cis;       /* "CIS Docker Benchmark v1.6.0 5.16 (...)", NULL when none */
  const char *nsa;       /* "NSA/CISA Kubernetes Hardening Guide v1.2, <section>", NULL when none */
  const char *technique; /* MITRE ATT&CK technique the rule guards against */
};

/* The documents a rule id comes from (shim/lib/spec/rules.c); never NULL:
 * an unknown id has NULL fields and the guide "stockade". */
struct rule_ref {
  const char *rule, *pss, *cis, *nsa, *guide;
};
const struct rule_ref *rule_ref(const char *rule);
/* Fill f->guide, pss, cis and nsa from f->rule. */
void finding_set_refs(struct finding *f);

struct findings {
  struct finding *v;
  size_t n;
};

/* Where host namespaces are found, to recognise a spec that joins them by
 * path. Tests point it elsewhere; NULL means "/proc/1/ns". */
extern const char *judge_host_ns_dir;

int judge_spec(const struct json *spec, const struct profile *p, struct findings *out, struct sk_error **err);
/* The same for the spec of a bundle: relative bind sources are judged as
 * the runtime resolves them, beneath bundle (judge_spec: the working
 * directory). */
int judge_spec_in(const struct json *spec, const char *bundle, const struct profile *p, struct findings *out,
                  struct sk_error **err);
/* The process part alone (user, no_new_privs, capabilities): for exec. */
int judge_process(const struct json *process, const struct profile *p, struct findings *out, struct sk_error **err);
size_t findings_count(const struct findings *f, enum finding_kind kind);
const struct finding *findings_find(const struct findings *f, const char *rule);
void findings_clear(struct findings *f);

#endif

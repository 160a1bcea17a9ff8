/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl check: judge a bundle, an OCI config.json or a file of
 * Kubernetes manifests against a profile without running anything, with
 * the runtime's own judge (shim/lib/spec/judge.c). A CI gate: the exit
 * status is 0 when nothing would be refused, 1 when something would be
 * (or, with --strict, when anything would be hardened too), 2 on bad
 * input. Each finding names its rule id and where it comes from (Pod
 * Security Standards, CIS Docker Benchmark, NSA/CISA guide). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "manifest.h"
#include "stockade/apparmor.h"
#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/judge.h"
#include "stockade/lsm.h"
#include "stockade/profile.h"
#include "stockade/spec.h"

struct check_opts {
  const char *profile; /* --profile, else the annotation, else the default */
  bool as_json, strict;
  struct lsm_host lsm;
};

static void check_usage(FILE *f) {
  fprintf(f, "usage: stockadectl check [--profile NAME|FILE] [--strict] [--json] BUNDLE|CONFIG|MANIFEST\n"
             "  judge a bundle, its config.json, or a file of Kubernetes manifests (YAML, one or more\n"
             "  documents: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob; every\n"
             "  container and initContainer) against a stockade profile, without running anything.\n"
             "  The profile: --profile, else the stockade.io/profile annotation, else the default.\n"
             "  REFUSE lines are what stockade would refuse to start, HARDEN lines what it would change;\n"
             "  REPORT lines (RuntimeClass stockade-complain, -learn) what enforce mode would refuse.\n"
             "  Each finding names its rule id, the Pod Security Standards control, the CIS Docker\n"
             "  Benchmark item and the NSA/CISA Kubernetes Hardening Guide section it comes from.\n"
             "  exit 0: nothing would be refused (hardening is informational); 1: something would be\n"
             "  refused, or with --strict hardened too; 2: bad input.\n");
}

/* The default profile's name, from the node's config (else "default"). */
static void default_profile(char *name, size_t size) {
  cleanup_config struct sk_config *cfg = NULL;
  cleanup_error struct sk_error *err = NULL;
  if (config_load(config_path(), &cfg, &err) < 0)
    snprintf(name, size, "default");
  else
    snprintf(name, size, "%s", cfg->default_profile);
}

/* LSM layer: what the profile gets on this host, one sentence. */
static void lsm_sentence(const struct profile *p, const struct lsm_host *h, char *buf, size_t size) {
  enum lsm_layer l = lsm_layer_for(p, h);
  char name[AA_NAME_MAX];
  if (p->lsm == PROFILE_NEED_OFF) {
    snprintf(buf, size, "none: the profile says \"lsm\": \"off\"");
  } else if (l == LSM_LAYER_APPARMOR) {
    aa_profile_name(p, name);
    snprintf(buf, size, "apparmor: profile %s (stockadectl profile show --apparmor %s)", name, p->name);
  } else if (l == LSM_LAYER_SELINUX) {
    snprintf(buf, size, "selinux: the host's container contexts with a category pair of its own");
  } else {
    char why[512];
    lsm_missing_reason(p, h, why, sizeof(why));
    snprintf(buf, size, "none: %s; %s", why,
             p->lsm == PROFILE_NEED_REQUIRED ? "enforce mode refuses its containers"
                                             : "its containers run without one");
  }
}

static struct json *str_or_null(const char *s) { return s ? json_new_string(s) : json_new(JSON_NULL); }

static int finding_json(const struct finding *x, const char *kind, const char *field, struct json *arr) {
  struct json *e = json_new(JSON_OBJECT);
  if (e == NULL || json_set(e, "rule", json_new_string(x->rule)) < 0 ||
      json_set(e, "kind", json_new_string(kind)) < 0 || (field && json_set(e, "field", json_new_string(field)) < 0) ||
      json_set(e, "message", json_new_string(x->what)) < 0 || json_set(e, "fix", json_new_string(x->fix)) < 0 ||
      json_set(e, "guide", json_new_string(x->guide)) < 0 || json_set(e, "pss", str_or_null(x->pss)) < 0 ||
      json_set(e, "cis", str_or_null(x->cis)) < 0 || json_set(e, "nsa", str_or_null(x->nsa)) < 0 ||
      json_set(e, "technique", json_new_string(x->technique)) < 0) {
    json_free(e);
    return -1;
  }
  return json_append(arr, e);
}

/* What a finding is in this mode: "refuse", "report" (complain and learn
 * report what enforce would refuse), "fix". */
static const char *kind_in(const struct finding *x, enum sk_mode mode) {
  if (x->kind == FINDING_FIX)
    return "fix";
  return mode == SK_MODE_ENFORCE ? "refuse" : "report";
}

static void print_finding(const struct finding *x, const char *kind, const char *field) {
  const char *label = strcmp(kind, "refuse") == 0 ? "REFUSE" : strcmp(kind, "report") == 0 ? "REPORT" : "HARDEN";
  printf("%-7s %s%s%s%s: %s\n", label, x->rule, field ? " (" : "", field ? field : "", field ? ")" : "", x->what);
  printf("        %s: %s\n", x->kind == FINDING_REFUSE ? "fix" : "stockade", x->fix);
  printf("        guide: %s\n", x->guide);
}

/* Counts of one judged spec: what fails the gate. */
struct tally {
  size_t refuse, report, fix;
};

static void count(const struct findings *f, enum sk_mode mode, struct tally *t) {
  size_t i;
  for (i = 0; i < f->n; i++) {
    const char *k = kind_in(&f->v[i], mode);
    if (strcmp(k, "refuse") == 0)
      t->refuse++;
    else if (strcmp(k, "report") == 0)
      t->report++;
    else
      t->fix++;
  }
}

static int gate(const struct tally *t, bool strict) {
  return t->refuse > 0 || (strict && (t->fix > 0 || t->report > 0)) ? CTL_EXIT_FINDINGS : 0;
}

/* The profile a spec gets and its findings. */
static int judge_one(const struct check_opts *o, const struct json *spec, const char *bundle, struct profile **p,
                     struct findings *f, struct sk_error **err) {
  const char *name = o->profile ? o->profile : spec_annotation(spec, "stockade.io/profile");
  char dflt[80];
  if (name == NULL) {
    default_profile(dflt, sizeof(dflt));
    name = dflt;
  }
  if (ctl_load_profile(name, p, err) < 0)
    return -1;
  if (judge_spec_in(spec, bundle, *p, f, err) < 0 || lsm_judge(*p, &o->lsm, f, err) < 0 ||
      lsm_judge_spec(spec, *p, &o->lsm, f, err) < 0) {
    findings_clear(f);
    return -1;
  }
  return 0;
}

/* ---- an OCI config.json or bundle ---- */

static int check_spec_json(const char *file, const struct profile *p, const struct findings *f,
                           const struct lsm_host *h) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  cleanup_free char *txt = NULL;
  cleanup_error struct sk_error *err = NULL;
  struct json *arr = json_new(JSON_ARRAY);
  struct json *lsm = json_new(JSON_OBJECT);
  struct tally t = {0};
  char line[1024];
  size_t i, len;
  if (o == NULL || arr == NULL || lsm == NULL) {
    json_free(arr);
    json_free(lsm);
    return -1;
  }
  count(f, SK_MODE_ENFORCE, &t);
  json_set(o, "config", json_new_string(file));
  json_set(o, "profile", json_new_string(p->name));
  json_set(o, "profileSha256", json_new_string(p->sha256));
  lsm_sentence(p, h, line, sizeof(line));
  json_set(lsm, "need", json_new_string(profile_need_name(p->lsm)));
  json_set(lsm, "layer",
           json_new_string(lsm_layer_name(p->lsm == PROFILE_NEED_OFF ? LSM_LAYER_NONE : lsm_layer_for(p, h))));
  json_set(lsm, "refuse", json_new_bool(findings_find(f, "SK-LSM-REQUIRED") != NULL));
  json_set(lsm, "detail", json_new_string(line));
  json_set(o, "lsm", lsm);
  json_set(o, "refusals", json_new_int((int64_t)t.refuse));
  json_set(o, "fixes", json_new_int((int64_t)t.fix));
  for (i = 0; i < f->n; i++)
    if (finding_json(&f->v[i], kind_in(&f->v[i], SK_MODE_ENFORCE), NULL, arr) < 0) {
      json_free(arr);
      return -1;
    }
  json_set(o, "findings", arr);
  if (json_gen(o, &txt, &len, &err) < 0)
    return -1;
  fwrite(txt, 1, len, stdout);
  return 0;
}

static int check_spec(const struct check_opts *o, const char *target, struct sk_error **err) {
  cleanup_free char *file = NULL;
  cleanup_json struct json *spec = NULL;
  cleanup_profile struct profile *p = NULL;
  struct findings f = {0};
  struct tally t = {0};
  struct stat st;
  char lsm_line[1024];
  bool is_dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
  size_t i;
  int status;

  if (is_dir ? asprintf(&file, "%s/config.json", target) < 0 : (file = strdup(target)) == NULL)
    return sk_error_set(err, ENOMEM, "%s", target);
  if (spec_load(file, &spec, NULL, NULL, err) < 0 || spec_check(spec, file, err) < 0)
    return -1;
  /* Relative bind sources are the bundle's, as the runtime reads them. */
  if (judge_one(o, spec, is_dir ? target : NULL, &p, &f, err) < 0)
    return -1;
  count(&f, SK_MODE_ENFORCE, &t);
  status = gate(&t, o->strict);
  if (o->as_json) {
    if (check_spec_json(file, p, &f, &o->lsm) < 0)
      status = sk_error_set(err, ENOMEM, "%s", file);
  } else {
    printf("%s: profile \"%s\": %zu to refuse, %zu to harden%s\n", file, p->name, t.refuse, t.fix,
           t.fix && !o->strict ? " (informational; --strict fails on them)" : "");
    for (i = 0; i < f.n; i++)
      print_finding(&f.v[i], kind_in(&f.v[i], SK_MODE_ENFORCE), NULL);
    lsm_sentence(p, &o->lsm, lsm_line, sizeof(lsm_line));
    printf("lsm (%s): %s\n", profile_need_name(p->lsm), lsm_line);
  }
  findings_clear(&f);
  return status;
}

/* ---- Kubernetes manifests ---- */

/* The stockade mode of a RuntimeClass (packaging/kubernetes/
 * runtimeclass.yaml): -1 for one that is not stockade's. */
static int class_mode(const char *rc) {
  if (rc == NULL || strcmp(rc, "stockade") == 0)
    return rc ? SK_MODE_ENFORCE : -1;
  if (strncmp(rc, "stockade-", 9) == 0)
    return mode_parse(rc + 9);
  return -1;
}

static void class_words(const struct manifest_workload *w, char *buf, size_t size) {
  int m = class_mode(w->runtime_class);
  if (w->runtime_class == NULL)
    snprintf(buf, size, "no runtimeClassName: the node's default handler; judged as stockade (enforce) would");
  else if (m < 0)
    snprintf(buf, size, "runtimeClassName %s is not a stockade handler; judged as stockade (enforce) would",
             w->runtime_class);
  else
    snprintf(buf, size, "runtimeClassName %s: %s mode", w->runtime_class, mode_name((enum sk_mode)m));
}

static int workload_json(const struct manifest_workload *w, const struct profile *p, const struct findings *f,
                         enum sk_mode mode, const struct tally *t, struct json *arr) {
  struct json *o = json_new(JSON_OBJECT);
  struct json *fa = json_new(JSON_ARRAY);
  size_t i;
  if (o == NULL || fa == NULL || json_append(arr, o) < 0) {
    json_free(fa);
    return -1;
  }
  json_set(o, "document", json_new_int(w->doc));
  json_set(o, "line", json_new_int(w->line));
  json_set(o, "kind", json_new_string(w->kind));
  json_set(o, "name", json_new_string(w->name));
  json_set(o, "namespace", str_or_null(w->namespace_));
  json_set(o, "container", json_new_string(w->container));
  json_set(o, "init", json_new_bool(w->init));
  json_set(o, "runtimeClassName", str_or_null(w->runtime_class));
  json_set(o, "mode", json_new_string(mode_name(mode)));
  json_set(o, "seccompProfile", json_new_string(w->seccomp));
  json_set(o, "profile", json_new_string(p->name));
  json_set(o, "profileSha256", json_new_string(p->sha256));
  json_set(o, "refusals", json_new_int((int64_t)t->refuse));
  json_set(o, "reports", json_new_int((int64_t)t->report));
  json_set(o, "fixes", json_new_int((int64_t)t->fix));
  for (i = 0; i < f->n; i++)
    if (finding_json(&f->v[i], kind_in(&f->v[i], mode), manifest_field(w, f->v[i].rule), fa) < 0) {
      json_free(fa);
      return -1;
    }
  return json_set(o, "findings", fa);
}

static int check_workload(const struct check_opts *o, const char *file, const struct manifest_workload *w,
                          struct json *arr, struct tally *all, struct sk_error **err) {
  cleanup_profile struct profile *p = NULL;
  struct findings f = {0};
  struct tally t = {0};
  int m = class_mode(w->runtime_class);
  enum sk_mode mode = m < 0 || m == SK_MODE_OFF ? SK_MODE_ENFORCE : (enum sk_mode)m;
  char words[256];
  size_t i;

  if (m == SK_MODE_OFF) {
    /* stockade-off: nothing is judged or changed. */
    if (!o->as_json)
      printf("%s: document %u (%s %s), %scontainer \"%s\": runtimeClassName %s: stockade changes nothing\n", file,
             w->doc, w->kind, w->name, w->init ? "init " : "", w->container, w->runtime_class);
    return 0;
  }
  if (judge_one(o, w->spec, NULL, &p, &f, err) < 0)
    return sk_error_wrap(err, "%s: document %u (%s %s), container \"%s\"", file, w->doc, w->kind, w->name,
                         w->container);
  count(&f, mode, &t);
  all->refuse += t.refuse;
  all->report += t.report;
  all->fix += t.fix;
  if (o->as_json) {
    if (workload_json(w, p, &f, mode, &t, arr) < 0) {
      findings_clear(&f);
      return sk_error_set(err, ENOMEM, "%s", file);
    }
  } else {
    class_words(w, words, sizeof(words));
    printf("%s:%u: document %u (%s %s%s%s), %scontainer \"%s\": profile \"%s\", %s: %zu to %s, %zu to harden\n", file,
           w->line, w->doc, w->kind, w->namespace_ ? w->namespace_ : "", w->namespace_ ? "/" : "", w->name,
           w->init ? "init " : "", w->container, p->name, words, mode == SK_MODE_ENFORCE ? t.refuse : t.report,
           mode == SK_MODE_ENFORCE ? "refuse" : "report (enforce mode would refuse them)", t.fix);
    for (i = 0; i < f.n; i++)
      print_finding(&f.v[i], kind_in(&f.v[i], mode), manifest_field(w, f.v[i].rule));
  }
  findings_clear(&f);
  return 0;
}

static int check_manifest(const struct check_opts *o, const char *file, struct sk_error **err) {
  struct manifest m = {0};
  cleanup_json struct json *out = json_new(JSON_OBJECT);
  struct json *arr = json_new(JSON_ARRAY);
  struct json *sk = json_new(JSON_ARRAY);
  struct tally all = {0};
  size_t i;
  int status;

  if (out == NULL || arr == NULL || sk == NULL || json_set(out, "file", json_new_string(file)) < 0 ||
      json_set(out, "workloads", arr) < 0 || json_set(out, "skipped", sk) < 0) {
    if (json_get(out, "workloads") != arr)
      json_free(arr);
    if (json_get(out, "skipped") != sk)
      json_free(sk);
    return sk_error_set(err, ENOMEM, "%s", file);
  }
  if (manifest_load(file, &m, err) < 0)
    return -1;
  for (i = 0; i < m.n; i++)
    if (check_workload(o, file, &m.v[i], arr, &all, err) < 0) {
      manifest_clear(&m);
      return -1;
    }
  for (i = 0; i < m.n_skipped; i++) {
    if (o->as_json)
      json_append(sk, json_new_string(m.skipped[i]));
    else
      printf("%s: %s: skipped\n", file, m.skipped[i]);
  }
  status = gate(&all, o->strict);
  if (o->as_json) {
    cleanup_free char *txt = NULL;
    size_t len;
    json_set(out, "documents", json_new_int(m.docs));
    json_set(out, "refusals", json_new_int((int64_t)all.refuse));
    json_set(out, "reports", json_new_int((int64_t)all.report));
    json_set(out, "fixes", json_new_int((int64_t)all.fix));
    if (json_gen(out, &txt, &len, err) < 0) {
      manifest_clear(&m);
      return -1;
    }
    fwrite(txt, 1, len, stdout);
  } else {
    printf("%s: %u document%s, %zu container%s: %zu to refuse, %zu reported, %zu to harden%s\n", file, m.docs,
           m.docs == 1 ? "" : "s", m.n, m.n == 1 ? "" : "s", all.refuse, all.report, all.fix,
           (all.fix || all.report) && !o->strict ? " (informational; --strict fails on them)" : "");
  }
  manifest_clear(&m);
  return status;
}

int ctl_check(int argc, char **argv, struct sk_error **err) {
  static const struct option opts[] = {{"profile", required_argument, NULL, 'p'}, {"json", no_argument, NULL, 'j'},
                                       {"strict", no_argument, NULL, 's'},        {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0}};
  struct check_opts o = {0};
  const char *target;
  int c;

  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":p:jsh", opts, NULL)) != -1) {
    if (c == 'p')
      o.profile = optarg;
    else if (c == 'j')
      o.as_json = true;
    else if (c == 's')
      o.strict = true;
    else if (c == 'h')
      return check_usage(stdout), 0;
    else if (c == 'V')
      return ctl_version();
    else
      return ctl_bad_flag("check", c, argv, err);
  }
  if (optind + 1 != argc)
    return sk_error_set(err, 0, "expected one BUNDLE, CONFIG or MANIFEST; see stockadectl check --help");
  target = argv[optind];
  lsm_host_probe(&o.lsm);
  return manifest_looks_like(target) ? check_manifest(&o, target, err) : check_spec(&o, target, err);
}

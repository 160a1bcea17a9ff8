/* SPDX-License-Identifier: Apache-2.0 */
/* The LSM layer: which of AppArmor and SELinux a container gets, the
 * refusal when a profile requires one the host does not run, and the
 * create step that applies it and records it. */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stockade/apparmor.h"
#include "stockade/cleanup.h"
#include "stockade/events.h"
#include "stockade/log.h"
#include "stockade/lsm.h"
#include "stockade/selinux.h"
#include "stockade/state.h"
#include "stockade/str.h"
#include "stockade/sys.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#define LSM_LIST "/sys/kernel/security/lsm"

const char *lsm_layer_name(enum lsm_layer l) {
  switch (l) {
  case LSM_LAYER_APPARMOR:
    return "apparmor";
  case LSM_LAYER_SELINUX:
    return "selinux";
  default:
    return "none";
  }
}

void lsm_host_probe(struct lsm_host *h) {
  cleanup_fclose FILE *f = fopen(LSM_LIST, "re");
  memset(h, 0, sizeof(*h));
  h->apparmor = aa_host_active();
  sel_env_host(&h->selinux);
  h->aa_parser = AA_PARSER;
  if (f && fgets(h->active, sizeof(h->active), f)) {
    h->active[strcspn(h->active, "\n")] = '\0';
    return;
  }
  /* No securityfs: name what answers. */
  snprintf(h->active, sizeof(h->active), "%s%s%s", h->apparmor ? "apparmor," : "", h->selinux.enabled ? "selinux," : "",
           syscall(SYS_landlock_create_ruleset, NULL, 0, 1U) > 0 ? "landlock," : "");
  if (h->active[0])
    h->active[strlen(h->active) - 1] = '\0';
  else
    snprintf(h->active, sizeof(h->active), "none found");
}

enum lsm_layer lsm_layer_for(const struct profile *p, const struct lsm_host *h) {
  if (p->lsm == PROFILE_NEED_OFF)
    return LSM_LAYER_NONE;
  if (h->apparmor)
    return LSM_LAYER_APPARMOR;
  if (h->selinux.enabled)
    return LSM_LAYER_SELINUX;
  return LSM_LAYER_NONE;
}

void lsm_missing_reason(const struct profile *p, const struct lsm_host *h, char *buf, size_t size) {
  snprintf(buf, size, "profile %s %s an LSM but neither AppArmor nor SELinux is active on this host (active: %s)",
           p->name, p->lsm == PROFILE_NEED_REQUIRED ? "requires" : "asks for", h->active[0] ? h->active : "unknown");
}

static int add_refusal(struct findings *f, const char *rule, const char *what, const char *fix, struct sk_error **err) {
  struct finding *v = reallocarray(f->v, f->n + 1, sizeof(*v));
  if (v == NULL)
    return sk_error_set(err, ENOMEM, "lsm");
  f->v = v;
  v = &f->v[f->n];
  v->rule = rule;
  v->kind = FINDING_REFUSE;
  v->what = strdup(what);
  v->fix = strdup(fix);
  finding_set_refs(v);
  v->technique = "T1611";
  if (v->what == NULL || v->fix == NULL) {
    free(v->what);
    free(v->fix);
    return sk_error_set(err, ENOMEM, "lsm");
  }
  f->n++;
  return 0;
}

int lsm_judge(const struct profile *p, const struct lsm_host *h, struct findings *f, struct sk_error **err) {
  char why[512];
  if (p->lsm != PROFILE_NEED_REQUIRED || lsm_layer_for(p, h) != LSM_LAYER_NONE)
    return 0;
  lsm_missing_reason(p, h, why, sizeof(why));
  return add_refusal(f, "SK-LSM-REQUIRED", why,
                     "run it on a node with AppArmor or SELinux active (stockadectl verify shows them), or set "
                     "\"lsm\": \"optional\" in the profile",
                     err);
}

/* The SELinux types a container may run as (Pod Security Standards,
 * baseline): a label of another type (spc_t, unconfined_t) is outside
 * the confinement, and a label that is not user:role:type:level cannot be
 * classified. */
static bool sel_container_type(const char *label) {
  static const char *const ok[] = {"container_t", "container_init_t", "container_kvm_t", "container_engine_t", NULL};
  const char *t = strchr(label, ':');
  size_t n, i;
  if (t == NULL || (t = strchr(t + 1, ':')) == NULL)
    return false;
  t++;
  n = strcspn(t, ":");
  if (t[n] != ':')
    return false;
  for (i = 0; ok[i]; i++)
    if (strlen(ok[i]) == n && strncmp(t, ok[i], n) == 0)
      return true;
  return false;
}

int lsm_judge_spec(const struct json *spec, const struct profile *p, const struct lsm_host *h, struct findings *f,
                   struct sk_error **err) {
  const struct json *process = json_get(spec, "process");
  const char *aa = json_string(json_get(process, "apparmorProfile"));
  const char *sel = json_string(json_get(process, "selinuxLabel"));
  char what[512];

  switch (lsm_layer_for(p, h)) {
  case LSM_LAYER_APPARMOR:
    if (aa == NULL || strcmp(aa, "unconfined") != 0)
      return 0;
    snprintf(what, sizeof(what),
             "process.apparmorProfile is \"unconfined\": the container would run outside AppArmor, which profile %s "
             "applies on this host",
             p->name);
    return add_refusal(f, "SK-LSM-UNCONFINED", what,
                       "remove process.apparmorProfile (stockade loads the profile's own) or name a confining profile",
                       err);
  case LSM_LAYER_SELINUX:
    if (sel == NULL || *sel == '\0' || sel_container_type(sel))
      return 0;
    snprintf(what, sizeof(what),
             "process.selinuxLabel \"%.200s\" is not of a container type (container_t, container_init_t, "
             "container_kvm_t, container_engine_t): the container would run outside the confinement profile %s applies",
             sel, p->name);
    return add_refusal(f, "SK-LSM-UNCONFINED", what,
                       "remove process.selinuxLabel (stockade gives it the container type) or set a container type",
                       err);
  default:
    return 0;
  }
}

void lsm_applied_clear(struct lsm_applied *a) {
  free(a->apparmor_profile);
  free(a->selinux_label);
  free(a->mount_label);
  free(a->engine_value);
  memset(a, 0, sizeof(*a));
}

static int apply_apparmor(struct json *spec, const struct profile *p, const struct lsm_host *h, const char *state_root,
                          const char *key, struct lsm_applied *out, struct sk_error **err) {
  struct json *process = json_ensure(spec, "process", JSON_OBJECT);
  const char *cur = json_string(json_get(process, "apparmorProfile"));
  cleanup_free char *text = NULL;
  char name[AA_NAME_MAX];

  if (process == NULL)
    return sk_error_set(err, 0, "process: expected an object");
  /* The engine's own profile (docker-default, a localhost profile) is
   * kept; one of ours from an earlier run of this bundle is replaced. */
  if (cur && *cur && !str_has_prefix(cur, "stockade-")) {
    out->engine_value = strdup(cur);
    return out->engine_value ? 0 : sk_error_set(err, ENOMEM, "lsm");
  }
  aa_profile_name(p, name);
  if (aa_profile_generate(p, &text, err) < 0)
    return -1;
  if (aa_profile_load(h->aa_parser, state_root, key, name, text, err) < 0) {
    cleanup_error struct sk_error *e2 = NULL;
    aa_profile_release(h->aa_parser, state_root, key, NULL, &e2);
    return sk_error_wrap(err, "cannot load AppArmor profile %s", name);
  }
  out->apparmor_profile = strdup(name);
  if (out->apparmor_profile == NULL || json_set(process, "apparmorProfile", json_new_string(name)) < 0) {
    cleanup_error struct sk_error *e2 = NULL;
    aa_profile_release(h->aa_parser, state_root, key, NULL, &e2);
    return sk_error_set(err, ENOMEM, "lsm");
  }
  return 0;
}

static int apply_selinux(struct json *spec, const struct lsm_host *h, const char *state_root, const char *key,
                         struct lsm_applied *out, struct sk_error **err) {
  struct json *process = json_ensure(spec, "process", JSON_OBJECT);
  struct json *linux_ = json_ensure(spec, "linux", JSON_OBJECT);
  const char *cur = json_string(json_get(process, "selinuxLabel"));
  cleanup_free char *buf = NULL;
  cleanup_free char *pctx = NULL;
  cleanup_free char *fctx = NULL;
  cleanup_error struct sk_error *e2 = NULL;
  size_t len;
  int a, b;

  if (process == NULL || linux_ == NULL)
    return sk_error_set(err, 0, "process, linux: expected objects");
  if (cur && *cur) {
    out->engine_value = strdup(cur);
    return out->engine_value ? 0 : sk_error_set(err, ENOMEM, "lsm");
  }
  if (h->selinux.contexts_path == NULL)
    return sk_error_set(
        err, 0, "SELinux is enabled but libselinux (libselinux.so.1) cannot be loaded or names no lxc_contexts file");
  if (read_file(h->selinux.contexts_path, &buf, &len, err) < 0 ||
      sel_contexts_parse(h->selinux.contexts_path, buf, &pctx, &fctx, err) < 0)
    return sk_error_wrap(err, "SELinux container contexts");
  if (sel_mcs_alloc(state_root, key, &a, &b, err) < 0)
    return -1;
  snprintf(out->mcs, sizeof(out->mcs), "c%d,c%d", a, b);
  if (sel_context_with_mcs(pctx, a, b, &out->selinux_label, err) < 0 ||
      sel_context_with_mcs(fctx, a, b, &out->mount_label, err) < 0)
    goto fail;
  if (json_set(process, "selinuxLabel", json_new_string(out->selinux_label)) < 0 ||
      json_set(linux_, "mountLabel", json_new_string(out->mount_label)) < 0) {
    sk_error_set(err, ENOMEM, "lsm");
    goto fail;
  }
  return 0;
fail:
  sel_mcs_release(state_root, key, NULL, &e2);
  return -1;
}

int harden_lsm(struct json *spec, const struct profile *p, const struct lsm_host *h, const char *state_root,
               const char *key, struct lsm_applied *out, struct sk_error **err) {
  memset(out, 0, sizeof(*out));
  out->layer = lsm_layer_for(p, h);
  switch (out->layer) {
  case LSM_LAYER_APPARMOR:
    return apply_apparmor(spec, p, h, state_root, key, out, err);
  case LSM_LAYER_SELINUX:
    return apply_selinux(spec, h, state_root, key, out, err);
  default:
    return 0;
  }
}

int lsm_save_state(const char *dir, const struct lsm_applied *a, struct sk_error **err) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  cleanup_free char *txt = NULL;
  size_t len;
  if (o == NULL || json_set(o, "layer", json_new_string(lsm_layer_name(a->layer))) < 0 ||
      (a->apparmor_profile && json_set(o, "apparmorProfile", json_new_string(a->apparmor_profile)) < 0) ||
      (a->selinux_label && json_set(o, "selinuxLabel", json_new_string(a->selinux_label)) < 0) ||
      (a->mount_label && json_set(o, "mountLabel", json_new_string(a->mount_label)) < 0) ||
      (a->mcs[0] && json_set(o, "mcs", json_new_string(a->mcs)) < 0) ||
      (a->engine_value && json_set(o, "engineValue", json_new_string(a->engine_value)) < 0))
    return sk_error_set(err, ENOMEM, "lsm state");
  if (json_gen(o, &txt, &len, err) < 0)
    return -1;
  return state_write(dir, "lsm.json", txt, len, err);
}

int lsm_exec_process(const char *dir, struct json *process, struct sk_error **err) {
  cleanup_free char *txt = NULL;
  cleanup_json struct json *st = NULL;
  size_t len;
  static const char *const keys[][2] = {{"apparmorProfile", "apparmorProfile"}, {"selinuxLabel", "selinuxLabel"}};
  size_t i;

  if (state_read(dir, "lsm.json", &txt, &len, err) < 0) {
    /* A container created before the LSM layer existed has none. */
    if ((*err)->code == ENOENT) {
      sk_error_free(err);
      return 0;
    }
    return -1;
  }
  if (json_parse(txt, len, &st, err) < 0)
    return sk_error_wrap(err, "%s/lsm.json", dir);
  for (i = 0; i < 2; i++) {
    const char *ours = json_string(json_get(st, keys[i][0]));
    const char *cur = json_string(json_get(process, keys[i][1]));
    if (ours == NULL || (cur && *cur))
      continue;
    if (json_set(process, keys[i][1], json_new_string(ours)) < 0)
      return sk_error_set(err, ENOMEM, "exec");
  }
  return 0;
}

void lsm_release(const char *dir) {
  cleanup_free char *d1 = strdup(dir);
  cleanup_free char *d2 = strdup(dir);
  cleanup_error struct sk_error *err = NULL;
  const char *root, *key;
  if (d1 == NULL || d2 == NULL)
    return;
  root = dirname(d1);
  key = basename(d2);
  if (sel_mcs_release(root, key, NULL, &err) < 0) {
    log_msg(LOG_WARNING, "%s", err->msg);
    sk_error_free(&err);
  }
  if (aa_profile_release(AA_PARSER, root, key, NULL, &err) < 0)
    log_msg(LOG_WARNING, "%s", err->msg);
}

/* What the LSM layer is for this container. decision: "harden" when
 * stockade's profile or label is applied, "info" when none is (no LSM on
 * the host: the message says so; or the engine's own is kept). */
static void lsm_event(const struct sk_config *cfg, const char *id, const struct json *spec, const struct profile *p,
                      enum sk_mode mode, const struct lsm_applied *a, const char *detail, const char *decision,
                      const char *message) {
  struct event_subject subj = {
      .container = id, .spec = spec, .profile = p->name, .profile_sha256 = p->sha256, .mode = mode_name(mode)};
  struct event_what w = {.type = "lsm", .decision = decision, .mechanism = "lsm", .message = message};
  cleanup_json struct json *ev = event_build(&subj, &w, NULL);
  cleanup_error struct sk_error *err = NULL;
  if (ev == NULL || event_detail_str(ev, "layer", lsm_layer_name(a->layer)) < 0 ||
      event_detail_str(ev, "detail", detail) < 0 || event_detail_str(ev, "lsm", profile_need_name(p->lsm)) < 0 ||
      event_detail_str(ev, "apparmorProfile", a->apparmor_profile) < 0 ||
      event_detail_str(ev, "selinuxLabel", a->selinux_label) < 0 || event_detail_str(ev, "kept", a->engine_value) < 0) {
    log_msg(LOG_WARNING, "container \"%s\": cannot build the lsm event: out of memory", id);
    return;
  }
  if (event_emit(cfg, ev, &err) < 0)
    log_msg(LOG_WARNING, "%s", err->msg);
}

int lsm_create_step(const struct sk_config *cfg, const char *id, struct json *spec, const struct profile *p,
                    enum sk_mode mode, const struct lsm_host *h, const char *dir, struct lsm_applied *out,
                    struct sk_error **err) {
  cleanup_free char *d1 = strdup(dir);
  cleanup_free char *d2 = strdup(dir);
  char msg[768];

  memset(out, 0, sizeof(*out));
  /* Only enforce mode changes what the workload may do; "off" asks for
   * nothing. */
  if (mode != SK_MODE_ENFORCE || p->lsm == PROFILE_NEED_OFF)
    return 0;
  if (d1 == NULL || d2 == NULL)
    return sk_error_set(err, ENOMEM, "lsm");
  if (harden_lsm(spec, p, h, dirname(d1), basename(d2), out, err) < 0)
    return sk_error_wrap(err, "refusing container \"%s\": its %s layer cannot be applied", id,
                         lsm_layer_name(lsm_layer_for(p, h)));
  if (out->layer == LSM_LAYER_NONE) {
    /* lsm "required" was refused by lsm_judge already. */
    lsm_missing_reason(p, h, msg, sizeof(msg));
    snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "; lsm is %s: running container \"%s\" without one",
             profile_need_name(p->lsm), id);
    log_file_only(LOG_WARNING, "%s", msg);
    lsm_event(cfg, id, spec, p, mode, out, "not-active", "info", msg);
  } else if (out->engine_value) {
    snprintf(msg, sizeof(msg), "container \"%s\": the engine's %s %s is kept; stockade's is not applied", id,
             out->layer == LSM_LAYER_APPARMOR ? "AppArmor profile" : "SELinux label", out->engine_value);
    log_msg(LOG_INFO, "%s", msg);
    lsm_event(cfg, id, spec, p, mode, out, "engine-kept", "info", msg);
  } else {
    snprintf(msg, sizeof(msg), "container \"%s\": %s %s", id,
             out->layer == LSM_LAYER_APPARMOR ? "AppArmor profile" : "SELinux label",
             out->layer == LSM_LAYER_APPARMOR ? out->apparmor_profile : out->selinux_label);
    log_msg(LOG_DEBUG, "%s", msg);
    lsm_event(cfg, id, spec, p, mode, out, "applied", "harden", msg);
  }
  return 0;
}

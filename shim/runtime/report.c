/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/events.h"
#include "stockade/harden.h"
#include "stockade/log.h"

#include "commands.h"

static void emit(const struct sk_ctx *ctx, const char *id, const struct json *spec, const struct profile *p,
                 enum sk_mode mode, const struct finding *fd, const char *decision) {
  struct event_subject subj = {
      .container = id, .spec = spec, .profile = p->name, .profile_sha256 = p->sha256, .mode = mode_name(mode)};
  struct event_what w = {.type = "spec-finding",
                         .decision = decision,
                         .mechanism = "spec",
                         .rule = fd->rule,
                         .message = fd->what,
                         .technique = fd->technique};
  cleanup_json struct json *ev = event_build(&subj, &w, NULL);
  cleanup_error struct sk_error *err = NULL;

  if (ev == NULL || event_detail_str(ev, "kind", fd->kind == FINDING_REFUSE ? "refuse" : "fix") < 0 ||
      event_detail_str(ev, "fix", fd->fix) < 0 || event_detail_str(ev, "guide", fd->guide) < 0) {
    log_msg(LOG_WARNING, "cannot build an event for %s: out of memory", fd->rule);
    return;
  }
  /* An event that cannot be written is reported, never fatal: the
   * decision itself has been taken already. */
  if (event_emit(ctx->cfg, ev, &err) < 0)
    log_msg(LOG_WARNING, "%s", err->msg);
}

void report_findings(const struct sk_ctx *ctx, const char *id, const struct json *spec, const struct profile *p,
                     enum sk_mode mode, const struct findings *f, bool refused) {
  size_t i;

  if (refused) {
    log_msg(LOG_ERROR,
            "refusing container \"%s\": profile \"%s\" (%s mode) does not allow %zu thing%s in this spec:", id, p->name,
            mode_name(mode), findings_count(f, FINDING_REFUSE), findings_count(f, FINDING_REFUSE) == 1 ? "" : "s");
    for (i = 0; i < f->n; i++) {
      if (f->v[i].kind != FINDING_REFUSE)
        continue;
      log_msg(LOG_ERROR, "  %s: %s; fix: %s", f->v[i].rule, f->v[i].what, f->v[i].fix);
    }
  } else if (mode == SK_MODE_COMPLAIN || mode == SK_MODE_LEARN) {
    for (i = 0; i < f->n; i++)
      log_msg(LOG_INFO, "%s: %s: %s (%s)", mode_name(mode), f->v[i].rule, f->v[i].what,
              f->v[i].kind == FINDING_REFUSE ? "enforce mode would refuse the container"
              : mode == SK_MODE_LEARN        ? "learn mode fixes what does not change behaviour, enforce mode all"
                                             : "enforce mode would fix it");
  } else {
    for (i = 0; i < f->n; i++)
      log_msg(LOG_DEBUG, "hardened: %s: %s: %s", f->v[i].rule, f->v[i].what, f->v[i].fix);
  }
  for (i = 0; i < f->n; i++) {
    /* deny: this finding refused the container; report: enforce mode
     * would refuse or fix it; harden: fixed in the spec. */
    const char *decision;
    if (refused)
      decision = "deny";
    else if (mode == SK_MODE_COMPLAIN || mode == SK_MODE_LEARN)
      decision = "report";
    else
      decision = "harden";
    if (refused && f->v[i].kind != FINDING_REFUSE)
      continue;
    emit(ctx, id, spec, p, mode, &f->v[i], decision);
  }
}

/* One "refused" event per refused create, whatever refused it: the rule
 * ids of every reason, so a SIEM needs no join over "spec-finding"s. */
static void emit_refused(const struct sk_ctx *ctx, const struct json *spec, const char *profile, const char *sha256,
                         const char *mode, const struct json *rules, const char *reason) {
  struct event_subject subj = {
      .container = ctx->cli.id, .spec = spec, .profile = profile, .profile_sha256 = sha256, .mode = mode};
  struct event_what w = {.type = "refused",
                         .decision = "deny",
                         .mechanism = "spec",
                         .rule = json_string(rules->n > 0 ? rules->items[0] : NULL),
                         .message = reason,
                         .technique = "T1610"};
  cleanup_json struct json *ev = NULL;
  cleanup_error struct sk_error *err = NULL;

  ev = event_build(&subj, &w, NULL);
  if (ev == NULL || event_detail_str(ev, "action", "refuse") < 0 || event_detail_str(ev, "command", ctx->cli.cmd) < 0 ||
      event_detail(ev, "rules", json_copy(rules)) < 0) {
    log_msg(LOG_WARNING, "cannot build the refusal event of container \"%s\": out of memory", ctx->cli.id);
    return;
  }
  if (event_emit(ctx->cfg, ev, &err) < 0)
    log_msg(LOG_WARNING, "%s", err->msg);
}

void report_refused(const struct sk_ctx *ctx, const struct json *spec, const struct profile *p, enum sk_mode mode,
                    const struct findings *f) {
  cleanup_json struct json *rules = json_new(JSON_ARRAY);
  char reason[512];
  size_t i, n = 0;
  int off;

  off = snprintf(reason, sizeof(reason), "profile \"%s\" does not allow:", p->name);
  for (i = 0; rules && i < f->n; i++) {
    if (f->v[i].kind != FINDING_REFUSE || json_array_has_string(rules, f->v[i].rule))
      continue;
    if (json_append(rules, json_new_string(f->v[i].rule)) < 0)
      return;
    if (off > 0 && (size_t)off < sizeof(reason))
      off += snprintf(reason + off, sizeof(reason) - (size_t)off, "%s %s", n++ ? ";" : "", f->v[i].what);
  }
  if (rules)
    emit_refused(ctx, spec, p->name, p->sha256, mode_name(mode), rules, reason);
}

/* Which choice failed: a mode the annotation may not pick, or a profile
 * that is missing or broken. */
static const char *choice_rule(const struct sk_config *cfg, const struct json *ann, const struct sk_error *e) {
  const char *want = json_string(json_get(ann, SK_ANN_MODE));
  int m = want ? mode_parse(want) : -1;
  if (want && (m < 0 || !cfg->annotation_mode[m]))
    return "SK-ANNOTATION-MODE";
  return e && e->code == ENOENT ? "SK-PROFILE-UNKNOWN" : "SK-PROFILE-INVALID";
}

void report_choice_refused(const struct sk_ctx *ctx, const struct json *spec, const struct sk_error *e) {
  const struct json *ann = json_get(spec, "annotations");
  const char *name = json_string(json_get(ann, SK_ANN_PROFILE));
  const char *want = json_string(json_get(ann, SK_ANN_MODE));
  int m = want ? mode_parse(want) : (int)ctx->mode;
  /* A mode the annotation names but that is none is not the event's. */
  const char *mode = m >= 0 ? mode_name((enum sk_mode)m) : NULL;
  cleanup_json struct json *rules = json_new(JSON_ARRAY);
  if (rules == NULL || json_append(rules, json_new_string(choice_rule(ctx->cfg, ann, e))) < 0)
    return;
  emit_refused(ctx, spec, name ? name : ctx->cfg->default_profile, NULL, mode, rules,
               e ? e->msg : "the profile or mode cannot be chosen");
}

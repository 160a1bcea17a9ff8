/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/commands.h"
#include "stockade/events.h"
#include "stockade/log.h"

static void emit(const struct sk_ctx *ctx, const char *id, const struct json *spec, const struct profile *p,
                 enum sk_mode mode, const struct finding *fd, const char *decision) {
  struct json *ev = event_new("spec-finding");
  cleanup_error struct sk_error *err = NULL;

  if (ev == NULL || event_set_str(ev, "container", id) < 0 || event_add_workload(ev, spec) < 0 ||
      event_set_str(ev, "profile", p->name) < 0 || event_set_str(ev, "profileSha256", p->sha256) < 0 ||
      event_set_str(ev, "mode", mode_name(mode)) < 0 || event_set_str(ev, "rule", fd->rule) < 0 ||
      event_set_str(ev, "kind", fd->kind == FINDING_REFUSE ? "refuse" : "fix") < 0 ||
      event_set_str(ev, "decision", decision) < 0 || event_set_str(ev, "mechanism", "spec") < 0 ||
      event_set_str(ev, "message", fd->what) < 0 || event_set_str(ev, "fix", fd->fix) < 0 ||
      event_set_str(ev, "guide", fd->guide) < 0 || event_set_str(ev, "technique", fd->technique) < 0) {
    json_free(ev);
    log_msg(LOG_WARNING, "cannot build an event for %s: out of memory", fd->rule);
    return;
  }
  /* An event that cannot be written is reported, never fatal: the
   * decision itself has been taken already. */
  if (event_emit(ctx->cfg, ev, &err) < 0)
    log_msg(LOG_WARNING, "%s", err->msg);
  json_free(ev);
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
    const char *decision;
    if (refused)
      decision = f->v[i].kind == FINDING_REFUSE ? "refuse" : "none";
    else if (mode == SK_MODE_COMPLAIN || mode == SK_MODE_LEARN)
      decision = "allow";
    else
      decision = "harden";
    if (refused && f->v[i].kind != FINDING_REFUSE)
      continue;
    emit(ctx, id, spec, p, mode, &f->v[i], decision);
  }
}

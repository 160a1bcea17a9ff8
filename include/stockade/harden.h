/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_HARDEN_H
#define STOCKADE_HARDEN_H

#include "stockade/config.h"
#include "stockade/error.h"
#include "stockade/json.h"
#include "stockade/profile.h"

/* Annotations stockade writes into the hardened spec. */
#define SK_ANN_PROFILE "stockade.io/profile"
#define SK_ANN_MODE "stockade.io/mode"
#define SK_ANN_APPLIED "stockade.io/applied-profile"
#define SK_ANN_APPLIED_MODE "stockade.io/applied-mode"
#define SK_ANN_SHA256 "stockade.io/profile-sha256"

/* Apply every hardening step of the profile to spec, in place. The result
 * is never looser than the spec or the profile. It does not judge:
 * callers refuse specs with REFUSE findings first. Idempotent. */
int harden_spec(struct json *spec, const struct profile *p, struct sk_error **err);

/* Send the container's execve and execveat to the supervisor listening on
 * listener_path (an absolute path): SCMP_ACT_NOTIFY for them unless the
 * filter denies them already, and linux.seccomp.listenerPath. Used in
 * enforce and complain modes; a spec without a filter gets one that allows
 * everything else. plan (enforce mode; NULL: none) adds the syscalls that
 * fail because of what hardening took away (include/stockade/diagnose.h). */
struct diag_plan;
int harden_supervise(struct json *spec, const char *listener_path, const struct diag_plan *plan, struct sk_error **err);

/* Learning mode: the hardening that does not change what the workload can
 * do (read-only root with the profile's writable paths as tmpfs, no new
 * privileges, the profile's user for uid 0, masked paths; capabilities,
 * mount flags and the profile's seccomp left as the spec has them), and a
 * learning filter: every syscall allowed, those not in known (the union of
 * earlier recordings: {"SCMP_ARCH_X86_64": [names]}) and those whose
 * arguments matter notified, the runtime's own baseline never notified;
 * intersected with the spec's filter. */
int harden_learn(struct json *spec, const struct profile *p, const struct json *known, struct sk_error **err);

/* Complain mode that records ("complainRecords"): only the learning filter
 * of harden_learn (and noNewPrivileges, which its baseline needs); the
 * rest of the spec stays as the engine wrote it. */
int harden_record(struct json *spec, const struct json *known, struct sk_error **err);

/* Record profile, mode and the profile's SHA-256 as annotations. */
int harden_annotate(struct json *spec, const struct profile *p, enum sk_mode mode, struct sk_error **err);

/* Harden a process object (config.json's "process", or an exec --process
 * file): no new privileges, the profile's user for uid 0, capabilities cut
 * to the profile. remapped reports whether uid 0 was replaced. */
int harden_process(struct json *process, const struct profile *p, bool *remapped, struct sk_error **err);

#endif

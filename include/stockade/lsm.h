/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_LSM_H
#define STOCKADE_LSM_H

#include <stdbool.h>
#include <time.h>

#include "stockade/config.h"
#include "stockade/error.h"
#include "stockade/judge.h"
#include "stockade/json.h"
#include "stockade/profile.h"
#include "stockade/selinux.h"

/* The LSM layer of a container: an AppArmor profile generated from its
 * workload profile when AppArmor is active, else an SELinux label with its
 * own MCS categories when SELinux is, else nothing (refused in enforce
 * mode when the profile says "lsm": "required"). See docs/security.md. */

enum lsm_layer { LSM_LAYER_NONE, LSM_LAYER_APPARMOR, LSM_LAYER_SELINUX };
const char *lsm_layer_name(enum lsm_layer l);

/* What the host offers. lsm_host_probe fills it from the running kernel;
 * tests fill it themselves. */
struct lsm_host {
  bool apparmor;          /* libapparmor aa_is_enabled() */
  struct sel_env selinux; /* libselinux */
  const char *aa_parser;  /* AA_PARSER */
  char active[256];       /* the active LSMs ("landlock,bpf"), for messages */
};
void lsm_host_probe(struct lsm_host *h);

/* The layer a container under p gets on host h ("off" gives NONE). */
enum lsm_layer lsm_layer_for(const struct profile *p, const struct lsm_host *h);

/* The reason "required" cannot be met on h, in words ("profile web requires
 * an LSM but neither AppArmor nor SELinux is active on this host (active:
 * landlock,bpf)"). */
void lsm_missing_reason(const struct profile *p, const struct lsm_host *h, char *buf, size_t size);

/* Add the REFUSE finding SK-LSM-REQUIRED to f when p requires an LSM layer
 * and h has none. Enforce mode then refuses the container with the other
 * refusals; complain mode reports it. */
int lsm_judge(const struct profile *p, const struct lsm_host *h, struct findings *f, struct sk_error **err);
/* Add the REFUSE finding SK-LSM-UNCONFINED to f when the layer p gets on h
 * would be undone by the spec's own value: AppArmor "unconfined", or an
 * SELinux label whose type is not a container type (spc_t, unconfined_t;
 * one that is not user:role:type:level). A host without the layer: none
 * (the runtime ignores the value there). */
int lsm_judge_spec(const struct json *spec, const struct profile *p, const struct lsm_host *h, struct findings *f,
                   struct sk_error **err);

/* What harden_lsm did, for the container's state (<dir>/lsm.json) and
 * the event. */
struct lsm_applied {
  enum lsm_layer layer;
  char *apparmor_profile; /* the profile stockade loaded */
  char *selinux_label;    /* process.selinuxLabel stockade set */
  char *mount_label;      /* linux.mountLabel stockade set */
  char *engine_value;     /* the engine's own profile or label, kept */
  char mcs[24];           /* "c12,c345" */
};
void lsm_applied_clear(struct lsm_applied *a);
#define cleanup_lsm_applied __attribute__((cleanup(lsm_applied_clear)))

/* Enforce mode: apply the layer lsm_layer_for chooses to spec. AppArmor:
 * generate, load (apparmor_parser -r), process.apparmorProfile. SELinux:
 * allocate an MCS pair, process.selinuxLabel and linux.mountLabel. A
 * label or profile the engine set is kept (engine_value). key is the
 * container's state key, state_root the config's stateDir. On failure
 * nothing stays allocated or loaded. */
int harden_lsm(struct json *spec, const struct profile *p, const struct lsm_host *h, const char *state_root,
               const char *key, struct lsm_applied *out, struct sk_error **err);

/* Write <dir>/lsm.json: what was applied. */
int lsm_save_state(const char *dir, const struct lsm_applied *a, struct sk_error **err);

/* exec --process: give the process the container's AppArmor profile and
 * SELinux label from <dir>/lsm.json where it names none (runc and crun run
 * an exec whose process file has none unconfined by the LSM). */
int lsm_exec_process(const char *dir, struct json *process, struct sk_error **err);

/* Release what the container whose state directory is dir holds: its MCS
 * pair, its use of an AppArmor profile (unloaded when nobody else uses
 * it). Problems are logged as warnings. */
void lsm_release(const char *dir);

/* An allocation mark of key (an MCS pair, an AppArmor user) made at mtime
 * is stale: <state_root>/<key> does not exist and the mark is older than
 * LSM_MARK_GRACE seconds (a create between its allocation and its state
 * directory is younger than that). */
#define LSM_MARK_GRACE 60
bool lsm_owner_gone(const char *state_root, const char *key, time_t mtime);

/* The create step (shim/runtime/cmd_create.c): in enforce mode harden_lsm, then one
 * log line and one event ("lsm") saying what the container got, or that
 * there is no LSM layer on this host. */
int lsm_create_step(const struct sk_config *cfg, const char *id, struct json *spec, const struct profile *p,
                    enum sk_mode mode, const struct lsm_host *h, const char *dir, struct lsm_applied *out,
                    struct sk_error **err);

#endif

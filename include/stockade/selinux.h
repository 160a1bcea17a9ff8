/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_SELINUX_H
#define STOCKADE_SELINUX_H

#include <stdbool.h>

#include "stockade/error.h"

/* SELinux: each container gets the host's container process and file
 * contexts (selinux_lxc_contexts_path(): the "process" and "file" lines)
 * with its own MCS category pair "s0:cA,cB", so two running containers
 * never share one and cannot reach each other's files. The pairs are
 * allocated as files <stateRoot>/mcs/cA,cB (created O_EXCL, holding the
 * container's state key) and released on delete. */

/* What the host says; tests fill it in themselves. */
struct sel_env {
  bool enabled;              /* libselinux is_selinux_enabled() == 1 */
  const char *contexts_path; /* selinux_lxc_contexts_path() */
};

void sel_env_host(struct sel_env *env);

/* Parse a lxc_contexts file: `key = "value"` lines (quotes optional, "#"
 * comments). *process and *file (malloc'd) are the "process" and "file"
 * values; a missing one is an error naming the file and the key. */
int sel_contexts_parse(const char *path, const char *buf, char **process, char **file, struct sk_error **err);

/* "user:role:type:level" with the level replaced by "s0:cA,cB". */
int sel_context_with_mcs(const char *ctx, int a, int b, char **out, struct sk_error **err);

#define SEL_MCS_MAX 1024 /* categories c0..c1023 */

/* Allocate a pair A<B for the container key; reclaims pairs whose
 * container state is gone (and that are older than a minute). */
int sel_mcs_alloc(const char *state_root, const char *key, int *a, int *b, struct sk_error **err);

/* Take the pair (a, b) for key: 0 when taken (reclaimed from a stale
 * holder if need be), 1 when a live container holds it. */
int sel_mcs_take(const char *state_root, const char *key, int a, int b, struct sk_error **err);

/* Release every pair key holds. *released (may be NULL) counts them. */
int sel_mcs_release(const char *state_root, const char *key, int *released, struct sk_error **err);

#endif

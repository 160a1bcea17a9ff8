/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_LANDLOCK_H
#define STOCKADE_LANDLOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include "stockade/config.h"
#include "stockade/error.h"
#include "stockade/json.h"
#include "stockade/profile.h"

/* The Landlock layer, create side. stockade-init (shim/init/) does the
 * confining inside the container; this module decides what it is told,
 * puts it in front of the entrypoint, and says what the container gets. */

/* Where stockade-init is mounted in the container. /dev is the runtime's
 * own tmpfs in every engine's spec, so the mount target is made there and
 * nothing is created in the image. */
#define SK_INIT_DEST "/dev/.stockade-init"
#define SK_INIT_NAME "stockade-init"
/* The most masked paths the init is told about (-m); its lists hold 256. */
#define SK_INIT_MAX_MASKED 64

/* The newest ABI this stockade knows. */
#define SK_LANDLOCK_ABI_KNOWN 7

/* The kernel's Landlock ABI (0 when it has none), with why in *why when 0
 * ("not built into this kernel", ...). */
int landlock_kernel_abi(const char **why);

/* The ABI stockade uses: the kernel's, capped by the config's
 * landlockAbi when set. */
int landlock_abi(const struct sk_config *cfg, int *kernel_abi, const char **why);

/* What a profile gets at an ABI: the features applied and the ones it
 * would use that the ABI lacks, as comma-separated names (filesystem,
 * refer, truncate, tcp, ioctl-dev, scope). blocking is true when
 * "landlock": "required" cannot be met (ABI 0, or TCP rules without
 * ABI 4). */
struct landlock_report {
  int abi;
  char applied[160];
  char missing[160];
  bool blocking;
};
void landlock_describe(const struct profile *p, int abi, struct landlock_report *r);

/* Where stockade-init is: the config's initPath, else beside the running
 * binary (/proc/self/exe's directory), else ../libexec/stockade/ from
 * there. */
int landlock_init_path(const struct sk_config *cfg, char **out, struct sk_error **err);

/* Mount init_path read-only at SK_INIT_DEST and rewrite process.args to
 * [SK_INIT_DEST, rules..., "--", original args...]. Idempotent: a spec
 * hardened before gets its original args back first. */
int landlock_harden(struct json *spec, const struct profile *p, int abi, const char *init_path, struct sk_error **err);

/* Does the spec's seccomp filter let a process call name (a rule without
 * argument conditions that allows it, else an allowing default)? */
bool landlock_filter_allows(const struct json *spec, const char *name);

/* create/run/restore in enforce mode: decide, refuse or harden, and
 * write the "landlock" event. On success *init_dev and *init_ino name
 * the init file on the host (the supervisor lets that one file run),
 * both 0 when Landlock is not used for this container. A refusal is -1
 * with *err saying why. */
int landlock_create(const struct sk_config *cfg, const char *id, struct json *spec, const struct profile *p,
                    dev_t *init_dev, ino_t *init_ino, struct sk_error **err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_RUNTIME_H
#define STOCKADE_RUNTIME_H

#include <stdbool.h>

#include "stockade/config.h"
#include "stockade/error.h"

/* Running the real runtime (runc or crun). */

/* Is cfg->runtime an executable file? The error names the config field. */
int runtime_check(const struct sk_config *cfg, struct sk_error **err);

/* Replace this process with the runtime, argv[0] swapped for its path.
 * Returns only on failure. */
int runtime_exec(const struct sk_config *cfg, char **argv, struct sk_error **err);

/* Run the runtime as a child with the same stdio, forwarding every signal
 * this process receives to it, and wait. *status is the exit status the
 * caller should exit with (128+N when the runtime died of signal N). */
int runtime_run(const struct sk_config *cfg, char **argv, int *status, struct sk_error **err);

/* Run the runtime with argv and its stdio on /dev/null; *status as above. */
int runtime_quiet(const struct sk_config *cfg, char **argv, int *status, struct sk_error **err);

/* Run the runtime with argv, capturing its stdout (at most 1 MiB). */
int runtime_capture(const struct sk_config *cfg, char **argv, char **out, size_t *len, int *status,
                    struct sk_error **err);

/* The runtime's --root: root when given, else its default (/run/crun
 * for crun, /run/runc otherwise). */
const char *runtime_root(const struct sk_config *cfg, const char *root);

/* Does the runtime know container id (its state directory <root>/<id>
 * exists)? false for an id that is no single path component. */
bool runtime_knows(const struct sk_config *cfg, const char *root, const char *id);

/* Would runc refuse this container id? Its rule (validateID in runc 1.1):
 * only [0-9A-Za-z_+,.-], and not "." or "..". */
bool runtime_runc_refuses_id(const char *id);

/* Is the runtime runc (by the name of its binary)? */
bool runtime_is_runc(const struct sk_config *cfg);

#endif

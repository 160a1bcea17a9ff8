/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_SPEC_H
#define STOCKADE_SPEC_H

#include <stddef.h>

#include "stockade/error.h"
#include "stockade/json.h"

/* The OCI runtime spec (config.json) as stockade reads it. */

/* Read and parse path. *raw receives the exact bytes (kept as the original
 * beside stockade's state). Errors: "<path>:<line>:<col>: <why>". */
int spec_load(const char *path, struct json **out, char **raw, size_t *raw_len, struct sk_error **err);

/* Check the fields stockade judges have the types the OCI spec gives them,
 * and that none of them is spelled in another case: runc's Go decoder
 * matches JSON keys case-insensitively ("Process" fills process), crun's
 * does not, so such a spec would be judged as one thing and run as
 * another. Errors name the file, position and field. */
int spec_check(const struct json *spec, const char *path, struct sk_error **err);

/* process.user.uid (0 when absent). */
uint32_t spec_uid(const struct json *spec);

/* Is the OCI mount writable (no "ro" option)? Is it a bind mount? */
bool spec_mount_writable(const struct json *mount);
bool spec_mount_is_bind(const struct json *mount);

/* Annotation value or NULL. */
const char *spec_annotation(const struct json *spec, const char *key);

/* The five capability set names in process.capabilities. */
extern const char *const spec_cap_sets[5];

/* The masked and read-only paths every container gets (runc's defaults). */
extern const char *const spec_masked_paths[];
extern const char *const spec_readonly_paths[];

#endif

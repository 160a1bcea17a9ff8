/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_STATE_H
#define STOCKADE_STATE_H

#include <stddef.h>

#include "stockade/config.h"
#include "stockade/error.h"
#include "stockade/json.h"

/* stockade's own per-container state, outside the runtime's --root:
 *   <stateDir>/<key>/config.orig.json   the spec as the engine wrote it
 *   <stateDir>/<key>/profile.json       the profile's bytes at create
 *   <stateDir>/<key>/meta.json          id, root, bundle, profile, mode
 * key is 32 hex digits of SHA-256(runtime, root, id): the same id under two
 * roots (two containerd namespaces) never collides, and the directory stays
 * short enough for a unix socket path inside it (108 bytes). */

#define STATE_KEY_LEN 32
/* Longest file name stockade will put in a state directory ("sup.sock"
 * and friends), counted so socket paths always fit. */
#define STATE_LONGEST_NAME 16

int state_key(const char *runtime, const char *root, const char *id, char key[STATE_KEY_LEN + 1]);

/* <stateDir>/<key>; checks the length limit. */
int state_dir(const struct sk_config *cfg, const char *root, const char *id, char **out, struct sk_error **err);

/* Create the directory (0700) and write name inside it atomically. */
int state_prepare(const char *dir, struct sk_error **err);
int state_write(const char *dir, const char *name, const char *data, size_t len, struct sk_error **err);
int state_read(const char *dir, const char *name, char **out, size_t *len, struct sk_error **err);
int state_remove(const char *dir, struct sk_error **err);

/* The state directory of container id under --root (NULL: the runtime's
 * default), and the runtime recorded in it: first where cfg's runtime puts
 * it, else the one of stateDir's directories whose meta.json names this
 * id and root (the config's runtime changed since create, or the config
 * is broken and its runtime unknown). Returns 1 when found, 0 when there
 * is none (nothing set), -1 on error. *runtime may be NULL (an old meta.json). */
int state_find(const struct sk_config *cfg, const char *root, const char *id, char **dir, char **runtime,
               struct sk_error **err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CAPS_H
#define STOCKADE_CAPS_H

#include <stdbool.h>

#include "stockade/error.h"

/* Capability names, resolved and checked with libcap-ng. */

/* Canonical form "CAP_NET_BIND_SERVICE" of a name given with or without
 * the CAP_ prefix, in any case. Returns -1 with *err set for a name the
 * kernel headers and libcap-ng do not know. *out is malloc'd. */
int caps_canonical(const char *name, char **out, struct sk_error **err);

/* The capability's number, or -1 if unknown. */
int caps_number(const char *name);

/* Capabilities that make a container privileged-like: never cut silently,
 * refused in enforce mode unless the profile grants them. */
bool caps_is_dangerous(const char *canonical);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_EVENTS_H
#define STOCKADE_EVENTS_H

#include "stockade/error.h"
#include "stockade/json.h"

/* Events: one JSON object per line per decision, appended to the event
 * file named in the config. Each record is written with a single write()
 * on an O_APPEND descriptor, so concurrent writers never interleave. */

/* A new event with "time" (RFC 3339, UTC, milliseconds) and "type". */
struct json *event_new(const char *type);

/* Copy the workload's identity from a spec's annotations into ev: pod,
 * namespace and image from the CRI annotations (containerd's
 * io.kubernetes.cri.*, CRI-O's io.kubernetes.pod.* and
 * io.kubernetes.cri-o.ImageName) when present. */
int event_add_workload(struct json *ev, const struct json *spec);

int event_set_str(struct json *ev, const char *key, const char *value);

/* Append ev to path. Takes ownership of nothing. */
int event_write(const char *path, const struct json *ev, struct sk_error **err);

#endif

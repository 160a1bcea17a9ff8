/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_EVENTS_H
#define STOCKADE_EVENTS_H

#include <stdbool.h>
#include <time.h>

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

/* Token bucket per container so a flood of decisions cannot fill a disk:
 * rate events a second on average, bursts of up to burst. What is dropped
 * is counted, in all and by event type, and reported by a "dropped" event
 * (event_dropped_new): the supervisor writes one at least once per
 * interval while there are drops, and at its stop, so the deny events
 * written plus the dropped counts are every denial. */
#define EVENT_LIMITER_TYPES 16 /* distinct types counted by name; more: "other" */
struct event_limiter {
  double rate, burst, tokens;
  struct timespec last;
  unsigned long long dropped;
  struct {
    char name[24];
    unsigned long long n;
  } types[EVENT_LIMITER_TYPES];
};

void event_limiter_init(struct event_limiter *l, double rate, double burst);
/* true: write it now; false: drop it (counted). now is CLOCK_MONOTONIC. */
bool event_limiter_take(struct event_limiter *l, const struct timespec *now);
/* The same, counting a drop under the event's type (NULL: "other"). */
bool event_limiter_take_type(struct event_limiter *l, const struct timespec *now, const char *type);
/* The count of dropped events since the last call, reset to 0 (the counts
 * by type too). */
unsigned long long event_limiter_dropped(struct event_limiter *l);
/* A "dropped" event for what l dropped since the last report ("dropped":
 * N, "types": {"drift": n, ...}), resetting the counts; *ev NULL when
 * nothing was dropped. -1 only when out of memory (the counts are kept). */
int event_dropped_new(struct event_limiter *l, struct json **ev);

/* Send ev as an RFC 5424 message (facility authpriv, severity warning for
 * denials, notice otherwise; MSGID the event's type; the JSON object as
 * MSG) to the datagram socket at socket_path (usually /dev/log). */
int event_syslog(const char *socket_path, const struct json *ev, struct sk_error **err);

/* Append ev to path. Takes ownership of nothing. */
int event_write(const char *path, const struct json *ev, struct sk_error **err);

/* Write ev where the config says: the event file and, when configured,
 * syslog. Both are tried; the first error is returned. */
struct sk_config;
int event_emit(const struct sk_config *cfg, const struct json *ev, struct sk_error **err);

#endif

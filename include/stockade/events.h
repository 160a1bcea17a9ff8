/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_EVENTS_H
#define STOCKADE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "stockade/error.h"
#include "stockade/json.h"

/* Events: one JSON object per line per decision, appended to the event
 * file named in the config. Each record is written with a single write()
 * on an O_APPEND descriptor opened by path for each record, so concurrent
 * writers never interleave and a rotated file (renamed away) is never
 * written again: the next record creates a new file at the path.
 *
 * Every event has the envelope of schema v1 (docs/events.md,
 * docs/event.schema.json), built here and nowhere else:
 *   schema "stockade.event/v1", time, host, id, severity, type, decision,
 *   mechanism, rule, message,
 *   container {id, pod, namespace, image}, process {pid, path, argv,
 *   sha256, where}, profile {name, sha256, mode}, mitre {technique,
 *   tactic}, details {what only this type has}. */

#define EVENT_SCHEMA "stockade.event/v1"

/* Whose event it is: the same for every event of one container. */
struct event_subject {
  const char *container;      /* the container id (required) */
  const struct json *spec;    /* the spec or state whose annotations name pod, namespace, image; may be NULL */
  const char *profile;        /* profile name, or NULL */
  const char *profile_sha256; /* or NULL */
  const char *mode;           /* "enforce", "complain", "learn", or NULL */
};

/* The process an event is about (exec decisions, denied syscalls). */
struct event_process {
  int pid;                 /* 0: unknown */
  const char *path;        /* or NULL */
  const struct json *argv; /* an array of strings, or NULL */
  const char *sha256;      /* or NULL */
  const char *where;       /* "image", "upper", "tmpfs", "volume", "memfd", "other", or NULL */
};

/* What happened. type, decision, mechanism and message are required;
 * rule NULL takes the type's (event_type_rule); severity NULL is derived
 * from type, decision and technique (event_severity); technique NULL
 * leaves mitre empty, else its tactic is filled in (event_tactic). */
struct event_what {
  const char *type;      /* "drift", "syscall", "spec-finding", ... (docs/events.md) */
  const char *decision;  /* "allow", "deny", "report", "harden", "info" */
  const char *mechanism; /* "seccomp", "fanotify", "spec", "landlock", "lsm", "memfd_noexec", "supervisor" */
  const char *rule;
  const char *message;
  const char *technique;
  const char *severity;
};

/* The envelope, with an empty "details" for event_detail*. p may be NULL.
 * NULL only when out of memory. */
struct json *event_build(const struct event_subject *s, const struct event_what *w, const struct event_process *p);

/* A type-specific field, in "details". A NULL value sets nothing. */
int event_detail_str(struct json *ev, const char *key, const char *value);
int event_detail_int(struct json *ev, const char *key, int64_t value);
/* Takes ownership of val (freed on failure). */
int event_detail(struct json *ev, const char *key, struct json *val);

/* The rule id of a type's events when the emitter names none
 * ("SK-EXEC-DRIFT" for "drift"); NULL for an unknown type. */
const char *event_type_rule(const char *type);
/* The MITRE ATT&CK tactic id of a technique ("TA0011" for "T1105"); NULL
 * when unknown. name, when not NULL, gets the tactic's name. */
const char *event_tactic(const char *technique, const char **name);
/* "info", "notice", "warning", "error" or "critical" (the syslog names). */
const char *event_severity(const char *type, const char *decision, const char *technique);

/* Does ev follow schema v1? 0, or -1 with *err naming the first field
 * that does not (with the JSON path: "process.sha256: ..."). The rules
 * are those of docs/event.schema.json; tests check that they agree. */
int event_validate(const struct json *ev, struct sk_error **err);

/* Token bucket per container so a flood of decisions cannot fill a disk:
 * rate events a second on average, bursts of up to burst. What is dropped
 * is counted, in all and by event type, and reported by a "dropped" event
 * (event_dropped_details): the supervisor writes one at least once per
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
/* The details of a "dropped" event for what l dropped since the last
 * report ({"dropped": N, "types": {"drift": n, ...}}), resetting the
 * counts; *details NULL when nothing was dropped. -1 only when out of
 * memory (the counts are kept). */
int event_dropped_details(struct event_limiter *l, struct json **details);

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

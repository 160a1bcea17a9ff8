/* SPDX-License-Identifier: Apache-2.0 */
/* Is an event one of schema v1? The rules of docs/event.schema.json,
 * written out: the library may use no JSON Schema engine, and a test
 * (tests/integration/t_events.sh) runs good and bad samples through this
 * and through a JSON Schema validator and requires the same verdicts.
 * Change both together. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "stockade/events.h"

static const char *const top_keys[] = {"schema",   "time",      "host",    "id",      "severity",  "type",
                                       "decision", "mechanism", "rule",    "message", "container", "process",
                                       "profile",  "mitre",     "details", NULL};
static const char *const severities[] = {"info", "notice", "warning", "error", "critical", NULL};
static const char *const types[] = {"exec",    "drift",    "fileless",   "not-allowed", "blocked-hash",
                                    "error",   "syscall",  "supervisor", "dropped",     "spec-finding",
                                    "refused", "landlock", "lsm",        "memfd",       "capability",
                                    "write",   NULL};
static const char *const exec_types[] = {"exec", "drift", "fileless", "not-allowed", "blocked-hash", NULL};
static const char *const decisions[] = {"allow", "deny", "report", "harden", "info", NULL};
static const char *const mechanisms[] = {"seccomp", "fanotify",     "spec",       "landlock",
                                         "lsm",     "memfd_noexec", "supervisor", NULL};
static const char *const exec_mechanisms[] = {"seccomp", "fanotify", NULL};
static const char *const wheres[] = {"image", "upper", "tmpfs", "volume", "memfd", "other", NULL};
static const char *const modes[] = {"enforce", "complain", "learn", "off", NULL};
static const char *const container_keys[] = {"id", "pod", "namespace", "image", NULL};
static const char *const process_keys[] = {"pid", "path", "argv", "sha256", "where", NULL};
static const char *const profile_keys[] = {"name", "sha256", "mode", NULL};
static const char *const mitre_keys[] = {"technique", "tactic", NULL};

static bool in(const char *const *set, const char *s) {
  for (; s && *set; set++)
    if (strcmp(*set, s) == 0)
      return true;
  return false;
}

__attribute__((format(printf, 3, 4))) static int bad(struct sk_error **err, const char *field, const char *fmt, ...) {
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  return sk_error_set(err, EINVAL, "%s: %s (schema %s)", *field ? field : "the event", what, EVENT_SCHEMA);
}

/* Only digits where the pattern has 'd', lower hex where 'x', else the
 * same character. */
static bool shape(const char *s, const char *pat) {
  for (; *pat; s++, pat++) {
    if (*s == '\0')
      return false;
    if (*pat == 'd'   ? !isdigit((unsigned char)*s)
        : *pat == 'x' ? !(isdigit((unsigned char)*s) || (*s >= 'a' && *s <= 'f'))
                      : *s != *pat)
      return false;
  }
  return *s == '\0';
}

static bool is_sha256(const char *s) {
  return s && shape(s, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

/* ^SK-[A-Z0-9]+(-[A-Z0-9]+)*$ */
static bool is_rule(const char *s) {
  bool part = false;
  if (s == NULL || strncmp(s, "SK-", 3) != 0)
    return false;
  for (s += 3; *s; s++) {
    if (*s == '-') {
      if (!part)
        return false;
      part = false;
    } else if ((*s >= 'A' && *s <= 'Z') || isdigit((unsigned char)*s)) {
      part = true;
    } else {
      return false;
    }
  }
  return part;
}

/* A string member; absent is fine unless required. */
static int str_member(const struct json *obj, const char *key, const char *field, bool required, bool nonempty,
                      const char **out, struct sk_error **err) {
  const struct json *v = json_get(obj, key);
  *out = NULL;
  if (v == NULL)
    return required ? bad(err, field, "missing") : 0;
  if (!json_is(v, JSON_STRING))
    return bad(err, field, "%s; expected a string", json_type_name(v));
  if (nonempty && v->len == 0)
    return bad(err, field, "empty");
  *out = json_string(v);
  return 0;
}

static int enum_member(const struct json *obj, const char *key, const char *field, bool required,
                       const char *const *set, const char **out, struct sk_error **err) {
  const char *s;
  if (str_member(obj, key, field, required, false, &s, err) < 0)
    return -1;
  if (s && !in(set, s))
    return bad(err, field, "\"%s\" is not one of the values docs/events.md lists", s);
  if (out)
    *out = s;
  return 0;
}

/* An object with no member outside keys (NULL keys: any member). */
static int object(const struct json *v, const char *field, const char *const *keys, struct sk_error **err) {
  size_t i;
  if (v == NULL)
    return bad(err, field, "missing");
  if (!json_is(v, JSON_OBJECT))
    return bad(err, field, "%s; expected an object", json_type_name(v));
  for (i = 0; keys && i < v->n; i++)
    if (!in(keys, v->keys[i])) {
      char f[128];
      snprintf(f, sizeof(f), "%s%s%s", field, *field ? "." : "", v->keys[i]);
      return bad(err, f, "not a field of the schema; type-specific fields go in \"details\"");
    }
  return 0;
}

static int int_member(const struct json *obj, const char *key, const char *field, bool required, int64_t min,
                      struct sk_error **err) {
  const struct json *v = json_get(obj, key);
  int64_t n;
  char m[32];
  if (v == NULL)
    return required ? bad(err, field, "missing") : 0;
  if (!json_int64(v, &n))
    return bad(err, field, "%s; expected an integer", json_type_name(v));
  snprintf(m, sizeof(m), "%lld", (long long)min);
  if (n < min)
    return bad(err, field, "below the minimum %s", m);
  return 0;
}

static int check_container(const struct json *c, struct sk_error **err) {
  const char *s;
  if (object(c, "container", container_keys, err) < 0 || str_member(c, "id", "container.id", true, true, &s, err) < 0 ||
      str_member(c, "pod", "container.pod", false, true, &s, err) < 0 ||
      str_member(c, "namespace", "container.namespace", false, true, &s, err) < 0 ||
      str_member(c, "image", "container.image", false, true, &s, err) < 0)
    return -1;
  return 0;
}

static int check_process(const struct json *p, struct sk_error **err) {
  const struct json *argv = json_get(p, "argv");
  const char *s;
  size_t i;
  if (object(p, "process", process_keys, err) < 0 || int_member(p, "pid", "process.pid", false, 1, err) < 0 ||
      str_member(p, "path", "process.path", false, false, &s, err) < 0 ||
      str_member(p, "sha256", "process.sha256", false, false, &s, err) < 0)
    return -1;
  if (s && !is_sha256(s))
    return bad(err, "process.sha256", "\"%s\" is not 64 lower-case hex digits", s);
  if (enum_member(p, "where", "process.where", false, wheres, NULL, err) < 0)
    return -1;
  if (argv && !json_is(argv, JSON_ARRAY))
    return bad(err, "process.argv", "%s; expected an array of strings", json_type_name(argv));
  for (i = 0; argv && i < argv->n; i++)
    if (!json_is(argv->items[i], JSON_STRING))
      return bad(err, "process.argv", "an item is %s; expected strings", json_type_name(argv->items[i]));
  return 0;
}

static int check_profile(const struct json *p, struct sk_error **err) {
  const char *s;
  if (object(p, "profile", profile_keys, err) < 0 || str_member(p, "name", "profile.name", false, true, &s, err) < 0 ||
      str_member(p, "sha256", "profile.sha256", false, false, &s, err) < 0)
    return -1;
  if (s && !is_sha256(s))
    return bad(err, "profile.sha256", "\"%s\" is not 64 lower-case hex digits", s);
  return enum_member(p, "mode", "profile.mode", false, modes, NULL, err);
}

static int check_mitre(const struct json *m, struct sk_error **err) {
  const char *t, *ta;
  if (object(m, "mitre", mitre_keys, err) < 0 ||
      str_member(m, "technique", "mitre.technique", false, false, &t, err) < 0 ||
      str_member(m, "tactic", "mitre.tactic", false, false, &ta, err) < 0)
    return -1;
  if (t && !shape(t, "Tdddd") && !shape(t, "Tdddd.ddd"))
    return bad(err, "mitre.technique", "\"%s\" is not a technique id (T1234 or T1234.001)", t);
  if (ta && !shape(ta, "TAdddd"))
    return bad(err, "mitre.tactic", "\"%s\" is not a tactic id (TA0001)", ta);
  if ((t == NULL) != (ta == NULL))
    return bad(err, t ? "mitre.tactic" : "mitre.technique", "missing; technique and tactic go together");
  return 0;
}

/* What the schema's allOf adds for some types. */
static int check_type_rules(const struct json *ev, const char *type, const char *decision, const char *mechanism,
                            struct sk_error **err) {
  const struct json *d = json_get(ev, "details");
  const struct json *v;
  const char *s;
  size_t i;

  if (in(exec_types, type) && !in(exec_mechanisms, mechanism))
    return bad(err, "mechanism", "\"%s\"; an exec decision is seccomp's or fanotify's", mechanism);
  if (int_member(d, "lost", "details.lost", false, 1, err) < 0)
    return -1;
  if (strcmp(type, "syscall") == 0) {
    if (strcmp(decision, "deny") != 0)
      return bad(err, "decision", "\"%s\"; a syscall event is a denial", decision);
    if (strcmp(mechanism, "seccomp") != 0)
      return bad(err, "mechanism", "\"%s\"; a syscall event is seccomp's", mechanism);
    if (str_member(d, "syscall", "details.syscall", true, false, &s, err) < 0 ||
        int_member(d, "count", "details.count", true, 1, err) < 0)
      return -1;
  } else if (strcmp(type, "capability") == 0 || strcmp(type, "write") == 0) {
    /* A failure hardening caused, seen in a notified syscall. */
    if (strcmp(decision, "deny") != 0)
      return bad(err, "decision", "\"%s\"; a %s event is a denial", decision, type);
    if (strcmp(mechanism, "seccomp") != 0)
      return bad(err, "mechanism", "\"%s\"; a %s event is seccomp's", mechanism, type);
    if (str_member(d, "syscall", "details.syscall", true, false, &s, err) < 0 ||
        str_member(d, "fix", "details.fix", true, false, &s, err) < 0 ||
        str_member(d, type[0] == 'c' ? "capability" : "path", type[0] == 'c' ? "details.capability" : "details.path",
                   true, false, &s, err) < 0)
      return -1;
  } else if (strcmp(type, "dropped") == 0) {
    if (int_member(d, "dropped", "details.dropped", true, 1, err) < 0)
      return -1;
    v = json_get(d, "types");
    if (object(v, "details.types", NULL, err) < 0)
      return -1;
    for (i = 0; i < v->n; i++)
      if (int_member(v, v->keys[i], "details.types", true, 0, err) < 0)
        return -1;
  } else if (strcmp(type, "supervisor") == 0) {
    if (str_member(d, "event", "details.event", true, false, &s, err) < 0)
      return -1;
  } else if (strcmp(type, "refused") == 0) {
    if (strcmp(decision, "deny") != 0)
      return bad(err, "decision", "\"%s\"; a refusal is a denial", decision);
    v = json_get(d, "rules");
    if (v == NULL)
      return bad(err, "details.rules", "missing");
    if (!json_is(v, JSON_ARRAY) || v->n == 0)
      return bad(err, "details.rules", "%s; expected a non-empty array of rule ids", json_type_name(v));
    for (i = 0; i < v->n; i++)
      if (!json_is(v->items[i], JSON_STRING))
        return bad(err, "details.rules", "an item is %s; expected strings", json_type_name(v->items[i]));
  }
  return 0;
}

int event_validate(const struct json *ev, struct sk_error **err) {
  const char *s, *type, *decision, *mechanism;

  if (object(ev, "", top_keys, err) < 0)
    return -1;
  if (str_member(ev, "schema", "schema", true, false, &s, err) < 0)
    return -1;
  if (strcmp(s, EVENT_SCHEMA) != 0)
    return bad(err, "schema", "\"%s\"; this reader knows " EVENT_SCHEMA, s);
  if (str_member(ev, "time", "time", true, false, &s, err) < 0)
    return -1;
  if (!shape(s, "dddd-dd-ddTdd:dd:dd.dddZ"))
    return bad(err, "time", "\"%s\" is not RFC 3339 UTC with milliseconds (2026-01-02T03:04:05.678Z)", s);
  if (str_member(ev, "host", "host", true, true, &s, err) < 0 || str_member(ev, "id", "id", true, false, &s, err) < 0)
    return -1;
  if (!shape(s, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"))
    return bad(err, "id", "\"%s\" is not 32 lower-case hex digits", s);
  if (enum_member(ev, "severity", "severity", true, severities, NULL, err) < 0 ||
      enum_member(ev, "type", "type", true, types, &type, err) < 0 ||
      enum_member(ev, "decision", "decision", true, decisions, &decision, err) < 0 ||
      enum_member(ev, "mechanism", "mechanism", true, mechanisms, &mechanism, err) < 0 ||
      str_member(ev, "rule", "rule", true, false, &s, err) < 0)
    return -1;
  if (!is_rule(s))
    return bad(err, "rule", "\"%s\" is not a rule id (SK-WORD-WORD)", s);
  if (str_member(ev, "message", "message", true, true, &s, err) < 0 ||
      check_container(json_get(ev, "container"), err) < 0 || check_process(json_get(ev, "process"), err) < 0 ||
      check_profile(json_get(ev, "profile"), err) < 0 || check_mitre(json_get(ev, "mitre"), err) < 0 ||
      object(json_get(ev, "details"), "details", NULL, err) < 0)
    return -1;
  return check_type_rules(ev, type, decision, mechanism, err);
}

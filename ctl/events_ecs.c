/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl events --format ecs: an event of schema v1 as an Elastic
 * Common Schema (8.x) document, for shippers (Filebeat, Fluent Bit,
 * Vector) that index ECS as is. docs/events.md lists the mapping. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "ctl.h"
#include "stockade/events.h"
#include "stockade/json.h"

#define ECS_VERSION "8.11.0"

static const char *str_at(const struct json *ev, const char *block, const char *key) {
  return json_string(block ? json_get_path(ev, block, key, NULL) : json_get(ev, key));
}

static bool is(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static int set_str(struct json *o, const char *key, const char *v) {
  return v ? json_set(o, key, json_new_string(v)) : 0;
}

/* An array of one string, or nothing. */
static int set_list(struct json *o, const char *key, const char *a, const char *b) {
  struct json *arr;
  if (a == NULL)
    return 0;
  arr = json_new(JSON_ARRAY);
  if (arr == NULL || json_append(arr, json_new_string(a)) < 0 || (b && json_append(arr, json_new_string(b)) < 0)) {
    json_free(arr);
    return -1;
  }
  return json_set(o, key, arr);
}

/* event.category: what kind of thing happened. */
static const char *category(const char *type) {
  static const char *const process[] = {"exec",         "drift", "fileless", "not-allowed",
                                        "blocked-hash", "error", "syscall",  "supervisor",
                                        "capability",   "write", NULL};
  const char *const *p;
  for (p = process; *p; p++)
    if (is(*p, type))
      return "process";
  if (is(type, "dropped"))
    return "host";
  return "configuration"; /* spec-finding, refused, landlock, lsm, memfd */
}

/* event.type: allowed, denied, change, start, end, error, info. */
static const char *ecs_type(const struct json *ev) {
  const char *decision = str_at(ev, NULL, "decision"), *what = str_at(ev, "details", "event");
  if (is(str_at(ev, NULL, "type"), "supervisor"))
    return is(what, "started") ? "start" : is(what, "stopped") || is(what, "gone") ? "end" : "info";
  if (is(decision, "deny"))
    return "denied";
  if (is(decision, "allow") || is(decision, "report"))
    return "allowed";
  if (is(decision, "harden"))
    return "change";
  return "info";
}

static const char *outcome(const char *decision) {
  if (is(decision, "deny"))
    return "failure";
  if (is(decision, "allow") || is(decision, "harden"))
    return "success";
  return "unknown";
}

static int severity_code(const char *s) {
  static const char *const names[] = {"emergency", "alert", "critical", "error", "warning", "notice", "info", NULL};
  int i;
  for (i = 0; s && names[i]; i++)
    if (strcmp(names[i], s) == 0)
      return i;
  return 6;
}

static struct json *event_block(const struct json *ev) {
  cleanup_json struct json *e = json_new(JSON_OBJECT);
  const char *decision = str_at(ev, NULL, "decision"), *type = str_at(ev, NULL, "type");
  bool alert = is(decision, "deny") || is(decision, "report");
  if (e == NULL || set_str(e, "kind", alert ? "alert" : "event") < 0 ||
      set_list(e, "category", category(type), alert && !is(category(type), "host") ? "intrusion_detection" : NULL) <
          0 ||
      set_list(e, "type", ecs_type(ev),
               is(type, "error") || is(str_at(ev, "details", "event"), "gone") ? "error" : NULL) < 0 ||
      set_str(e, "action", type) < 0 || set_str(e, "outcome", outcome(decision)) < 0 ||
      set_str(e, "id", str_at(ev, NULL, "id")) < 0 ||
      json_set(e, "severity", json_new_int(severity_code(str_at(ev, NULL, "severity")))) < 0 ||
      set_str(e, "module", "stockade") < 0 || set_str(e, "dataset", "stockade.events") < 0 ||
      set_str(e, "provider", str_at(ev, NULL, "mechanism")) < 0 ||
      set_str(e, "reason", str_at(ev, NULL, "message")) < 0)
    return NULL;
  return steal_pointer(&e);
}

static struct json *process_block(const struct json *ev) {
  const struct json *p = json_get(ev, "process"), *argv = json_get(p, "argv");
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  const char *path = str_at(p, NULL, "path"), *sha = str_at(p, NULL, "sha256");
  const char *name = path ? strrchr(path, '/') : NULL;

  if (o == NULL)
    return NULL;
  if (json_get(p, "pid") && json_set(o, "pid", json_copy(json_get(p, "pid"))) < 0)
    return NULL;
  if (set_str(o, "executable", path) < 0 || set_str(o, "name", name ? name + 1 : path) < 0)
    return NULL;
  if (json_is(argv, JSON_ARRAY) &&
      (json_set(o, "args", json_copy(argv)) < 0 || json_set(o, "args_count", json_new_int((int64_t)argv->n)) < 0))
    return NULL;
  if (sha) {
    struct json *h = json_new(JSON_OBJECT);
    if (set_str(h, "sha256", sha) < 0 || json_set(o, "hash", h) < 0)
      return NULL;
  }
  return o->n ? steal_pointer(&o) : NULL;
}

static struct json *threat_block(const struct json *ev) {
  const char *tech = str_at(ev, "mitre", "technique"), *tactic = str_at(ev, "mitre", "tactic"), *tname = NULL;
  cleanup_json struct json *t = NULL;
  struct json *o;

  if (tech == NULL)
    return NULL;
  event_tactic(tech, &tname);
  t = json_new(JSON_OBJECT);
  if (t == NULL || set_str(t, "framework", "MITRE ATT&CK") < 0)
    return NULL;
  o = json_new(JSON_OBJECT);
  if (json_set(t, "technique", o) < 0 || set_list(o, "id", tech, NULL) < 0)
    return NULL;
  if (tactic) {
    o = json_new(JSON_OBJECT);
    if (json_set(t, "tactic", o) < 0 || set_list(o, "id", tactic, NULL) < 0 || set_list(o, "name", tname, NULL) < 0)
      return NULL;
  }
  return steal_pointer(&t);
}

/* The ECS blocks that have something to say, then stockade's own fields
 * (decision, mechanism, profile, where, details) under "stockade". */
static int build(const struct json *ev, struct json *d) {
  const struct json *c = json_get(ev, "container");
  const char *image = str_at(c, NULL, "image"), *pod = str_at(c, NULL, "pod"), *ns = str_at(c, NULL, "namespace");
  struct json *o, *st;

  if (set_str(d, "@timestamp", str_at(ev, NULL, "time")) < 0 || set_str(d, "message", str_at(ev, NULL, "message")) < 0)
    return -1;
  o = json_new(JSON_OBJECT);
  if (json_set(d, "ecs", o) < 0 || set_str(o, "version", ECS_VERSION) < 0)
    return -1;
  if (json_set(d, "event", event_block(ev)) < 0)
    return -1;
  o = json_new(JSON_OBJECT);
  if (json_set(d, "log", o) < 0 || set_str(o, "level", str_at(ev, NULL, "severity")) < 0)
    return -1;
  o = json_new(JSON_OBJECT);
  if (json_set(d, "host", o) < 0 || set_str(o, "name", str_at(ev, NULL, "host")) < 0)
    return -1;
  o = json_new(JSON_OBJECT);
  if (json_set(d, "container", o) < 0 || set_str(o, "id", str_at(c, NULL, "id")) < 0)
    return -1;
  if (image) {
    struct json *i = json_new(JSON_OBJECT);
    if (json_set(o, "image", i) < 0 || set_str(i, "name", image) < 0)
      return -1;
  }
  if (pod || ns) {
    struct json *r;
    o = json_new(JSON_OBJECT);
    if (json_set(d, "orchestrator", o) < 0 || set_str(o, "type", "kubernetes") < 0 || set_str(o, "namespace", ns) < 0)
      return -1;
    r = json_new(JSON_OBJECT);
    if (pod && (json_set(o, "resource", r) < 0 || set_str(r, "type", "pod") < 0 || set_str(r, "name", pod) < 0))
      return -1;
    if (!pod)
      json_free(r);
  }
  if ((o = process_block(ev)) && json_set(d, "process", o) < 0)
    return -1;
  o = json_new(JSON_OBJECT);
  if (json_set(d, "rule", o) < 0 || set_str(o, "id", str_at(ev, NULL, "rule")) < 0 ||
      set_str(o, "ruleset", str_at(ev, "profile", "name")) < 0)
    return -1;
  if ((o = threat_block(ev)) && json_set(d, "threat", o) < 0)
    return -1;
  st = json_new(JSON_OBJECT);
  if (json_set(d, "stockade", st) < 0 || set_str(st, "schema", str_at(ev, NULL, "schema")) < 0 ||
      set_str(st, "decision", str_at(ev, NULL, "decision")) < 0 ||
      set_str(st, "mechanism", str_at(ev, NULL, "mechanism")) < 0 ||
      set_str(st, "where", str_at(ev, "process", "where")) < 0 ||
      json_set(st, "profile", json_copy(json_get(ev, "profile"))) < 0 ||
      json_set(st, "details", json_copy(json_get(ev, "details"))) < 0)
    return -1;
  return 0;
}

int ecs_print(const struct json *ev, FILE *out, struct sk_error **err) {
  cleanup_json struct json *d = json_new(JSON_OBJECT);
  cleanup_free char *txt = NULL;
  size_t len;

  if (event_validate(ev, err) < 0)
    return -1;
  if (d == NULL || build(ev, d) < 0)
    return sk_error_set(err, ENOMEM, "out of memory");
  if (json_gen_compact(d, &txt, &len, err) < 0)
    return -1;
  fwrite(txt, 1, len, out);
  fputc('\n', out);
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/json.h"
#include "stockade/profile.h"
#include "stockade/harden.h"
#include "stockade/str.h"
#include "stockade/sys.h"

static const char *const mode_names[SK_N_MODES] = {"enforce", "complain", "off", "learn"};

const char *mode_name(enum sk_mode m) { return (unsigned)m < SK_N_MODES ? mode_names[m] : "unknown"; }

int mode_parse(const char *s) {
  int i;
  for (i = 0; s && i < SK_N_MODES; i++)
    if (strcmp(s, mode_names[i]) == 0)
      return i;
  return -1;
}

int mode_from_argv0(const char *argv0) {
  const char *base = argv0 ? strrchr(argv0, '/') : NULL;
  base = base ? base + 1 : argv0;
  if (base == NULL || !str_has_prefix(base, "stockade-"))
    return -1;
  return mode_parse(base + strlen("stockade-"));
}

const char *config_path(void) {
  const char *p = getenv("STOCKADE_CONFIG");
  return p && *p ? p : SK_CONFIG_DEFAULT;
}

void config_free(struct sk_config *c) {
  if (c == NULL)
    return;
  free(c->path);
  free(c->runtime);
  free(c->profile_dir);
  free(c->default_profile);
  free(c->state_dir);
  free(c->event_file);
  free(c->syslog);
  free(c->init_path);
  for (size_t i = 0; i < c->n_block_hashes; i++)
    free(c->block_hashes[i]);
  free(c->block_hashes);
  for (size_t i = 0; i < c->n_privileged_profiles; i++)
    free(c->privileged_profiles[i]);
  free(c->privileged_profiles);
  free(c);
}

void config_freep(struct sk_config **c) {
  config_free(*c);
  *c = NULL;
}

static int field_error(struct sk_error **err, const char *path, const struct json *at, const char *field,
                       const char *what) {
  if (at)
    return sk_error_set(err, 0, "%s:%u:%u: %s: %s", path, at->line, at->col, field, what);
  return sk_error_set(err, 0, "%s: %s: %s", path, field, what);
}

/* A string field that must be an absolute path. */
static int abs_path_field(const char *path, const struct json *doc, const char *field, const char *def, char **out,
                          struct sk_error **err) {
  const struct json *v = json_get(doc, field);
  const char *s = def;
  if (v) {
    if (!json_is(v, JSON_STRING) || v->str[0] == '\0')
      return field_error(err, path, v, field, "must be a non-empty string");
    s = v->str;
  }
  if (s == NULL)
    return field_error(err, path, NULL, field, "is required; set it to the absolute path of runc or crun");
  if (s[0] != '/')
    return field_error(err, path, v, field, "must be an absolute path");
  *out = strdup(s);
  return *out ? 0 : sk_error_set(err, ENOMEM, "%s", path);
}

/* A positive integer field (events a second, burst). */
static int number_field(const char *path, const struct json *doc, const char *field, double *out,
                        struct sk_error **err) {
  const struct json *v = json_get(doc, field);
  uint64_t n;
  if (v == NULL)
    return 0;
  if (!json_uint64(v, &n) || n == 0 || n > 1000000)
    return field_error(err, path, v, field, "must be a whole number from 1 to 1000000");
  *out = (double)n;
  return 0;
}

/* hashMaxBytes (1 KiB .. 1 TiB), hashMaxMillis (1 .. 60000) and
 * supervisorCpuPercent (0 .. 100000): the supervisor's bounds. */
static int hash_limits(const char *path, const struct json *doc, struct sk_config *c, struct sk_error **err) {
  const struct json *v;
  uint64_t n;
  c->hash_max_bytes = 256ULL << 20;
  c->hash_max_ms = 2000;
  if ((v = json_get(doc, "hashMaxBytes")) != NULL) {
    if (!json_uint64(v, &n) || n < 1024 || n > (1ULL << 40))
      return field_error(err, path, v, "hashMaxBytes",
                         "must be a whole number of bytes from 1024 to 1099511627776 (the largest file the "
                         "supervisor hashes)");
    c->hash_max_bytes = n;
  }
  if ((v = json_get(doc, "hashMaxMillis")) != NULL) {
    if (!json_uint64(v, &n) || n < 1 || n > 60000)
      return field_error(err, path, v, "hashMaxMillis",
                         "must be a whole number of milliseconds from 1 to 60000 (the longest the supervisor "
                         "spends hashing one file)");
    c->hash_max_ms = (unsigned)n;
  }
  c->supervisor_cpu_percent = 100;
  if ((v = json_get(doc, "supervisorCpuPercent")) != NULL) {
    if (!json_uint64(v, &n) || n > 100000)
      return field_error(err, path, v, "supervisorCpuPercent",
                         "must be a whole number from 0 to 100000: the share of one CPU each supervisor may use "
                         "(0 leaves it in its caller's cgroup)");
    c->supervisor_cpu_percent = (unsigned)n;
  }
  return 0;
}

/* "privilegedProfiles": an array of profile names. */
static int privileged_field(const char *path, const struct json *doc, struct sk_config *c, struct sk_error **err) {
  const struct json *v = json_get(doc, "privilegedProfiles");
  size_t i;
  if (v == NULL)
    return 0;
  if (!json_is(v, JSON_ARRAY))
    return field_error(err, path, v, "privilegedProfiles", "must be an array of profile names such as [\"system\"]");
  if (v->n == 0)
    return 0;
  c->privileged_profiles = calloc(v->n, sizeof(char *));
  if (c->privileged_profiles == NULL)
    return sk_error_set(err, ENOMEM, "%s", path);
  for (i = 0; i < v->n; i++) {
    const char *name = json_string(v->items[i]);
    if (name == NULL || !profile_name_valid(name))
      return field_error(err, path, v->items[i], "privilegedProfiles", "each entry must be a profile name");
    if ((c->privileged_profiles[c->n_privileged_profiles] = strdup(name)) == NULL)
      return sk_error_set(err, ENOMEM, "%s", path);
    c->n_privileged_profiles++;
  }
  return 0;
}

/* A profile that admits privileged containers runs only where the node's
 * operator said so: a workload owner cannot pick it by annotation, nor a
 * copied handler config by default, unless privilegedProfiles lists it. */
static int check_privileged(const struct sk_config *cfg, const struct profile *p, const char *from,
                            struct sk_error **err) {
  size_t i;
  if (!p->has_admit)
    return 0;
  for (i = 0; i < cfg->n_privileged_profiles; i++)
    if (strcmp(cfg->privileged_profiles[i], p->name) == 0)
      return 0;
  return sk_error_set(err, 0,
                      "%s names profile \"%s\", which admits privileged containers (field \"admit\"), and %s does "
                      "not list it in privilegedProfiles; use another profile, or have the node operator add it",
                      from, p->name, cfg->path);
}

int config_parse(const char *path, const char *buf, size_t len, struct sk_config **out, struct sk_error **err) {
  static const char *const known[] = {"runtime",
                                      "profileDir",
                                      "defaultProfile",
                                      "defaultMode",
                                      "stateDir",
                                      "eventFile",
                                      "annotationModes",
                                      "blockHashes",
                                      "eventRate",
                                      "eventBurst",
                                      "syslog",
                                      "initPath",
                                      "landlockAbi",
                                      "supervisor",
                                      "hashMaxBytes",
                                      "hashMaxMillis",
                                      "supervisorCpuPercent",
                                      "privilegedProfiles",
                                      "summaryInterval",
                                      "complainRecords",
                                      NULL};
  cleanup_json struct json *doc = NULL;
  struct sk_config *c;
  const struct json *v;
  size_t i;

  if (json_parse(buf, len, &doc, err) < 0)
    return sk_error_wrap(err, "%s", path);
  if (!json_is(doc, JSON_OBJECT))
    return sk_error_set(err, 0, "%s:%u:%u: expected a JSON object", path, doc->line, doc->col);
  for (i = 0; i < doc->n; i++) {
    size_t k;
    for (k = 0; known[k] && strcmp(known[k], doc->keys[i]) != 0; k++)
      ;
    if (known[k] == NULL)
      return sk_error_set(err, 0,
                          "%s:%u:%u: unknown field \"%s\"; expected runtime, profileDir, defaultProfile, defaultMode, "
                          "stateDir, eventFile, annotationModes, blockHashes, eventRate, eventBurst, syslog, initPath, "
                          "landlockAbi, supervisor, hashMaxBytes, hashMaxMillis, supervisorCpuPercent, "
                          "privilegedProfiles, summaryInterval or complainRecords",
                          path, doc->items[i]->line, doc->items[i]->col, doc->keys[i]);
  }

  c = calloc(1, sizeof(*c));
  if (c == NULL || (c->path = strdup(path)) == NULL) {
    config_free(c);
    return sk_error_set(err, ENOMEM, "%s", path);
  }
  c->annotation_mode[SK_MODE_ENFORCE] = true;
  if (abs_path_field(path, doc, "runtime", NULL, &c->runtime, err) < 0 ||
      abs_path_field(path, doc, "profileDir", SYSCONFDIR "/stockade/profiles", &c->profile_dir, err) < 0 ||
      abs_path_field(path, doc, "stateDir", "/run/stockade", &c->state_dir, err) < 0)
    goto fail;
  if (json_get(doc, "eventFile") && abs_path_field(path, doc, "eventFile", NULL, &c->event_file, err) < 0)
    goto fail;
  if (json_get(doc, "syslog") && abs_path_field(path, doc, "syslog", NULL, &c->syslog, err) < 0)
    goto fail;
  if (json_get(doc, "initPath") && abs_path_field(path, doc, "initPath", NULL, &c->init_path, err) < 0)
    goto fail;
  c->landlock_abi = -1;
  v = json_get(doc, "landlockAbi");
  if (v) {
    uint64_t n;
    if (!json_uint64(v, &n) || n > 1000) {
      field_error(err, path, v, "landlockAbi",
                  "must be a whole number: the highest Landlock ABI to use (0 turns Landlock off on this node)");
      goto fail;
    }
    c->landlock_abi = (int)n;
  }
  c->supervisor = true;
  v = json_get(doc, "supervisor");
  if (v) {
    if (!json_is(v, JSON_TRUE) && !json_is(v, JSON_FALSE)) {
      field_error(err, path, v, "supervisor", "must be true or false");
      goto fail;
    }
    c->supervisor = json_is(v, JSON_TRUE);
  }

  v = json_get(doc, "complainRecords");
  if (v) {
    if (!json_is(v, JSON_TRUE) && !json_is(v, JSON_FALSE)) {
      field_error(err, path, v, "complainRecords", "must be true or false");
      goto fail;
    }
    c->complain_records = json_is(v, JSON_TRUE);
  }

  v = json_get(doc, "defaultProfile");
  if (v && (!json_is(v, JSON_STRING) || v->str[0] == '\0')) {
    field_error(err, path, v, "defaultProfile", "must be a profile name");
    goto fail;
  }
  c->default_profile = strdup(v ? v->str : "default");

  v = json_get(doc, "defaultMode");
  c->default_mode = SK_MODE_ENFORCE;
  if (v) {
    int m = mode_parse(json_string(v));
    if (m < 0) {
      field_error(err, path, v, "defaultMode", "must be \"enforce\", \"complain\", \"off\" or \"learn\"");
      goto fail;
    }
    c->default_mode = (enum sk_mode)m;
  }

  v = json_get(doc, "annotationModes");
  if (v && !json_is(v, JSON_ARRAY)) {
    field_error(err, path, v, "annotationModes", "must be an array of mode names");
    goto fail;
  }
  for (i = 0; v && i < v->n; i++) {
    int m = mode_parse(json_string(v->items[i]));
    if (m < 0) {
      field_error(err, path, v->items[i], "annotationModes",
                  "each entry must be \"enforce\", \"complain\", \"off\" or \"learn\"");
      goto fail;
    }
    c->annotation_mode[m] = true;
  }
  v = json_get(doc, "blockHashes");
  if (v && !json_is(v, JSON_ARRAY)) {
    field_error(err, path, v, "blockHashes", "must be an array of SHA-256 hex strings");
    goto fail;
  }
  if (v && v->n > 0) {
    c->block_hashes = calloc(v->n, sizeof(char *));
    if (c->block_hashes == NULL)
      goto oom;
  }
  for (i = 0; v && i < v->n; i++) {
    const char *h = json_string(v->items[i]);
    size_t k;
    if (h == NULL || strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64) {
      field_error(err, path, v->items[i], "blockHashes", "each entry must be 64 lowercase hex digits (SHA-256)");
      goto fail;
    }
    for (k = 0; k < c->n_block_hashes; k++)
      if (strcmp(c->block_hashes[k], h) == 0)
        break;
    if (k < c->n_block_hashes)
      continue;
    if ((c->block_hashes[c->n_block_hashes] = strdup(h)) == NULL)
      goto oom;
    c->n_block_hashes++;
  }
  if (privileged_field(path, doc, c, err) < 0)
    goto fail;
  c->event_rate = 20;
  c->event_burst = 200;
  if (number_field(path, doc, "eventRate", &c->event_rate, err) < 0 ||
      number_field(path, doc, "eventBurst", &c->event_burst, err) < 0)
    goto fail;
  if (hash_limits(path, doc, c, err) < 0)
    goto fail;
  c->summary_interval = 60;
  if (number_field(path, doc, "summaryInterval", &c->summary_interval, err) < 0)
    goto fail;
  if (c->default_profile == NULL)
    goto oom;
  *out = c;
  return 0;
oom:
  sk_error_set(err, ENOMEM, "%s", path);
fail:
  config_free(c);
  return -1;
}

int config_load(const char *path, struct sk_config **out, struct sk_error **err) {
  cleanup_free char *buf = NULL;
  size_t len;
  if (read_file(path, &buf, &len, err) < 0)
    return sk_error_wrap(err, "cannot read the stockade config (set STOCKADE_CONFIG to use another file)");
  return config_parse(path, buf, len, out, err);
}

int config_choose(const struct sk_config *cfg, enum sk_mode base, const struct json *annotations, const char *specfile,
                  struct profile **p, enum sk_mode *mode, struct sk_error **err) {
  const char *want_mode = json_string(json_get(annotations, SK_ANN_MODE));
  const char *name = json_string(json_get(annotations, SK_ANN_PROFILE));
  const char *from = name ? "annotation " SK_ANN_PROFILE : "config field defaultProfile";

  *mode = base;
  if (want_mode) {
    int m = mode_parse(want_mode);
    if (m < 0)
      return sk_error_set(err, 0, "%s: annotation %s=\"%s\" is not a mode; use enforce, complain or off", specfile,
                          SK_ANN_MODE, want_mode);
    if (!cfg->annotation_mode[m])
      return sk_error_set(err, 0,
                          "%s: annotation %s=\"%s\" is not allowed on this node: %s field annotationModes does not "
                          "list it; remove the annotation or ask the node operator",
                          specfile, SK_ANN_MODE, want_mode, cfg->path);
    *mode = (enum sk_mode)m;
  }
  if (*mode == SK_MODE_OFF)
    return 0;
  if (name == NULL)
    name = cfg->default_profile;
  if (profile_load_named(cfg->profile_dir, name, p, err) < 0)
    return sk_error_wrap(err, "%s names a profile that cannot be used", from);
  if (check_privileged(cfg, *p, from, err) < 0) {
    profile_free(*p);
    *p = NULL;
    return -1;
  }
  return 0;
}

/* The string value of "key" in text that may not be valid JSON: the first
 * "key" : "VALUE" where VALUE has no escapes. */
static char *scan_string_field(const char *text, size_t len, const char *key) {
  cleanup_free char *quoted = NULL;
  const char *end = text + len, *p = text;
  size_t qlen;

  if (asprintf(&quoted, "\"%s\"", key) < 0)
    return NULL;
  qlen = strlen(quoted);
  while ((p = memmem(p, (size_t)(end - p), quoted, qlen)) != NULL) {
    const char *v = p + qlen, *close;
    p += qlen;
    while (v < end && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
      v++;
    if (v >= end || *v++ != ':')
      continue;
    while (v < end && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
      v++;
    if (v >= end || *v++ != '"')
      continue;
    close = memchr(v, '"', (size_t)(end - v));
    if (close == NULL || memchr(v, '\\', (size_t)(close - v)) || memchr(v, '\n', (size_t)(close - v)))
      continue;
    return strndup(v, (size_t)(close - v));
  }
  return NULL;
}

/* An absolute path from a field of a config that did not load: from the
 * JSON tree when it parses, else from the text. */
static char *salvage_path(const struct json *doc, const char *text, size_t len, const char *key) {
  char *v = NULL;
  if (doc) {
    const char *s = json_string(json_get(doc, key));
    v = s ? strdup(s) : NULL;
  } else if (text) {
    v = scan_string_field(text, len, key);
  }
  if (v && v[0] != '/') {
    free(v);
    v = NULL;
  }
  return v;
}

int config_fallback(const char *path, struct sk_config **out, struct sk_error **err) {
  cleanup_free char *text = NULL;
  cleanup_json struct json *doc = NULL;
  cleanup_error struct sk_error *e = NULL;
  cleanup_config struct sk_config *c = calloc(1, sizeof(*c));
  size_t len = 0;

  if (c == NULL)
    return sk_error_set(err, ENOMEM, "%s", path);
  if (read_file(path, &text, &len, &e) == 0 && (json_parse(text, len, &doc, &e) < 0 || !json_is(doc, JSON_OBJECT)))
    json_freep(&doc);
  c->runtime = salvage_path(doc, text, len, "runtime");
  c->state_dir = salvage_path(doc, text, len, "stateDir");
  if (c->state_dir == NULL)
    c->state_dir = strdup("/run/stockade");
  c->path = strdup(path);
  c->profile_dir = strdup(SYSCONFDIR "/stockade/profiles");
  c->default_profile = strdup("default");
  c->landlock_abi = -1;
  c->event_rate = 20;
  c->event_burst = 200;
  if (c->state_dir == NULL || c->path == NULL || c->profile_dir == NULL || c->default_profile == NULL)
    return sk_error_set(err, ENOMEM, "%s", path);
  *out = steal_pointer(&c);
  return 0;
}

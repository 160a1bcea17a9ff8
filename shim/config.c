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
#include "stockade/util.h"

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

int config_parse(const char *path, const char *buf, size_t len, struct sk_config **out, struct sk_error **err) {
  static const char *const known[] = {"runtime",     "profileDir", "defaultProfile",  "defaultMode",
                                      "stateDir",    "eventFile",  "annotationModes", "blockHashes",
                                      "eventRate",   "eventBurst", "syslog",          "initPath",
                                      "landlockAbi", "supervisor", "summaryInterval", NULL};
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
                          "landlockAbi, supervisor or summaryInterval",
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
  c->event_rate = 20;
  c->event_burst = 200;
  if (number_field(path, doc, "eventRate", &c->event_rate, err) < 0 ||
      number_field(path, doc, "eventBurst", &c->event_burst, err) < 0)
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
  return 0;
}

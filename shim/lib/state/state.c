/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "stockade/cleanup.h"
#include "stockade/state.h"
#include "stockade/str.h"
#include "stockade/sys.h"

#define UNIX_PATH_MAX_ 108

int state_key(const char *runtime, const char *root, const char *id, char key[STATE_KEY_LEN + 1]) {
  struct sha256_ctx c;
  unsigned char d[32];
  int i;
  sha256_init(&c);
  /* NUL separators keep ("a", "bc") and ("ab", "c") apart. */
  sha256_update(&c, runtime, strlen(runtime) + 1);
  sha256_update(&c, root ? root : "", strlen(root ? root : "") + 1);
  sha256_update(&c, id, strlen(id) + 1);
  sha256_final(&c, d);
  for (i = 0; i < STATE_KEY_LEN / 2; i++)
    snprintf(key + 2 * i, 3, "%02x", d[i]);
  return 0;
}

int state_dir(const struct sk_config *cfg, const char *root, const char *id, char **out, struct sk_error **err) {
  char key[STATE_KEY_LEN + 1];
  size_t need = strlen(cfg->state_dir) + 1 + STATE_KEY_LEN + 1 + STATE_LONGEST_NAME + 1;
  if (need > UNIX_PATH_MAX_)
    return sk_error_set(err, 0,
                        "%s: stateDir: \"%s\" is too long; socket paths inside it would exceed %d bytes; choose "
                        "a directory of at most %d characters",
                        cfg->path, cfg->state_dir, UNIX_PATH_MAX_,
                        UNIX_PATH_MAX_ - (int)(need - strlen(cfg->state_dir)));
  state_key(cfg->runtime, root, id, key);
  if (asprintf(out, "%s/%s", cfg->state_dir, key) < 0)
    return sk_error_set(err, ENOMEM, "state directory");
  return 0;
}

int state_prepare(const char *dir, struct sk_error **err) {
  if (mkdir_p(dir, 0700, err) < 0)
    return sk_error_wrap(err, "cannot create stockade's state directory (config field stateDir)");
  return 0;
}

int state_write(const char *dir, const char *name, const char *data, size_t len, struct sk_error **err) {
  cleanup_free char *p = NULL;
  if (asprintf(&p, "%s/%s", dir, name) < 0)
    return sk_error_set(err, ENOMEM, "state");
  return write_file_replace(p, data, len, 0600, err);
}

int state_read(const char *dir, const char *name, char **out, size_t *len, struct sk_error **err) {
  cleanup_free char *p = NULL;
  if (asprintf(&p, "%s/%s", dir, name) < 0)
    return sk_error_set(err, ENOMEM, "state");
  return read_file(p, out, len, err);
}

int state_remove(const char *dir, struct sk_error **err) { return remove_tree(dir, err); }

/* Does <dir>/meta.json name this id and root? Then *runtime is the
 * runtime it records (or NULL). */
static bool meta_matches(const char *dir, const char *root, const char *id, char **runtime) {
  cleanup_free char *txt = NULL;
  cleanup_json struct json *meta = NULL;
  cleanup_error struct sk_error *e = NULL;
  const char *mid, *mroot, *mrt;
  size_t len;

  if (state_read(dir, "meta.json", &txt, &len, &e) < 0 || json_parse(txt, len, &meta, &e) < 0)
    return false;
  mid = json_string(json_get(meta, "id"));
  mroot = json_string(json_get(meta, "root"));
  if (mid == NULL || strcmp(mid, id) != 0 || strcmp(mroot ? mroot : "", root ? root : "") != 0)
    return false;
  mrt = json_string(json_get(meta, "runtime"));
  *runtime = mrt && mrt[0] == '/' ? strdup(mrt) : NULL;
  return true;
}

static bool is_state_key(const char *name) {
  return strlen(name) == STATE_KEY_LEN && strspn(name, "0123456789abcdef") == STATE_KEY_LEN;
}

int state_find(const struct sk_config *cfg, const char *root, const char *id, char **dir, char **runtime,
               struct sk_error **err) {
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  char *rt = NULL;

  if (cfg->runtime) {
    cleanup_free char *guess = NULL;
    if (state_dir(cfg, root, id, &guess, err) < 0)
      return -1;
    if (meta_matches(guess, root, id, &rt)) {
      *dir = steal_pointer(&guess);
      *runtime = rt;
      return 1;
    }
  }
  d = opendir(cfg->state_dir);
  if (d == NULL)
    return 0;
  while ((de = readdir(d)) != NULL) {
    cleanup_free char *cand = NULL;
    if (!is_state_key(de->d_name))
      continue;
    if (asprintf(&cand, "%s/%s", cfg->state_dir, de->d_name) < 0)
      return sk_error_set(err, ENOMEM, "state directory");
    if (meta_matches(cand, root, id, &rt)) {
      *dir = steal_pointer(&cand);
      *runtime = rt;
      return 1;
    }
  }
  return 0;
}

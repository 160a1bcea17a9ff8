/* SPDX-License-Identifier: Apache-2.0 */
/* Whether the owner of an LSM allocation mark (an MCS pair, a user of an
 * AppArmor profile) is gone: below lsm.c, apparmor.c and selinux.c, which
 * all sweep such marks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "stockade/cleanup.h"
#include "stockade/lsm.h"

bool lsm_owner_gone(const char *state_root, const char *key, time_t mtime) {
  cleanup_free char *p = NULL;
  struct stat st;
  if (time(NULL) - mtime < LSM_MARK_GRACE)
    return false;
  if (key[0] == '\0' || strchr(key, '/') || key[0] == '.')
    return true;
  if (asprintf(&p, "%s/%s", state_root, key) < 0)
    return false;
  return stat(p, &st) < 0 && errno == ENOENT;
}

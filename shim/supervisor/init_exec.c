/* SPDX-License-Identifier: Apache-2.0 */
/* stockade-init, bind-mounted from the host, is the container's first
 * program when Landlock is used. It lives outside the image (a read-only
 * bind mount: "volume" to the exec rules, so drift, and on no allow-list),
 * so it is recognised by what it is, the host's file, not by its path. */
#include <sys/stat.h>

#include "stockade/supervisor.h"

#include "sup_int.h"

bool sup_is_init(const struct sup_ctx *ctx, int fd) {
  struct stat st;
  if (ctx->init_ino == 0 || fd < 0 || fstat(fd, &st) < 0)
    return false;
  return st.st_dev == ctx->init_dev && st.st_ino == ctx->init_ino && S_ISREG(st.st_mode);
}

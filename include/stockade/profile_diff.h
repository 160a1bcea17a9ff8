/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_PROFILE_DIFF_H
#define STOCKADE_PROFILE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "stockade/error.h"
#include "stockade/json.h"
#include "stockade/profile.h"

/* What two resolved profiles do differently (`stockadectl profile diff`),
 * and the flattened view of a seccomp document it compares. */

/* One way a syscall is treated: "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO(38)", or
 * for a rule with argument conditions
 * "SCMP_ACT_ALLOW, conditional: arg0 & 0x7e020000 == 0". */
struct seccomp_flat_entry {
  char *name;
  char *what;
};

/* An OCI seccomp document as name -> treatment. Rules whose action is the
 * default action are left out (runc and crun skip them); errno values are
 * written out (an ERRNO without errnoRet is ERRNO(1), EPERM, as in runc),
 * and SCMP_ACT_KILL is spelled SCMP_ACT_KILL_THREAD, its other name. */
struct seccomp_flat {
  char *default_action; /* "SCMP_ACT_ERRNO(1)" */
  char **arches;        /* sorted; none when the document lists none */
  size_t n_arches;
  struct seccomp_flat_entry *v; /* sorted by name, then treatment; unique */
  size_t n;
};

int seccomp_flatten(const struct json *doc, struct seccomp_flat *out, struct sk_error **err);
void seccomp_flat_clear(struct seccomp_flat *f);
/* Is name allowed by the document (SCMP_ACT_ALLOW), unconditionally, or
 * at all (also when only some argument values are)? */
bool seccomp_flat_allows(const struct seccomp_flat *f, const char *name, bool unconditionally);

/* The differences between a and b, one line each, "-" for what only a
 * has and "+" for what only b has, in a fixed order (user, allowRoot,
 * writableRootfs, capabilities, writablePaths, exec.allow,
 * exec.allowWritable, blockHashes, action, seccomp):
 *   "- user 101:101", "+ user 65534:65534", "+ capability CAP_NET_RAW",
 *   "+ writablePath /var/cache/nginx (size 256m)",
 *   "+ exec.allow /usr/bin/python3 sha256 <hex>",
 *   "- exec.allow none (every program of the image may run)",
 *   "+ blockHash <hex>", "- action deny", "+ action kill",
 *   "- seccomp defaultAction SCMP_ACT_ERRNO(1)",
 *   "+ seccomp architecture SCMP_ARCH_X86",
 *   "- syscall ptrace (SCMP_ACT_ALLOW)".
 * The name, description and file are not compared: a copy of a profile
 * under another name is the same profile. No lines: the profiles are
 * equal. */
struct profile_diff {
  char **lines;
  size_t n, cap;
};

int profile_diff(const struct profile *a, const struct profile *b, struct profile_diff *out, struct sk_error **err);
void profile_diff_clear(struct profile_diff *d);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_RECORDING_H
#define STOCKADE_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stockade/learn.h"
#include "stockade/sorted.h"

/* What a recording holds (shim/lib/record/record.c keeps it; the file
 * format is recfile.c). The supervisor adds to it only through learn.h;
 * stockadectl reads these fields when it makes a profile (ctl/synth.c). */

#define LEARN_TIME_SIZE 21 /* "2024-05-01T10:00:00Z" */

struct learn_arch {
  char *name; /* "SCMP_ARCH_X86_64" */
  struct strset calls;
};

/* One allocation: path, then the sha256 (when known); where is static. */
struct learn_exec {
  char *path;
  const char *sha256;
  const char *where;
};

/* The names of network operations and families, in index order (the
 * families sorted: the index order is the JSON order). */
extern const char *const learn_net_ops[];
extern const char *const learn_net_families[];
#define LEARN_N_OPS 2
#define LEARN_N_FAMILIES 3

struct learn_net {
  unsigned char op, family; /* indexes into learn_net_ops, learn_net_families */
  unsigned short port;
};

/* One allocation: name, then why. */
struct learn_cap {
  char *name;
  const char *why;
};

struct learn_rec {
  char *file; /* the recording was read from it; NULL when made here */
  char *container, *profile, *profile_sha256, *image, *pod, *ns;
  char started[LEARN_TIME_SIZE], updated[LEARN_TIME_SIZE];
  bool ended, dirty;
  unsigned long long notifications;

  struct learn_arch *arches; /* sorted by name; few */
  size_t n_arches, cap_arches;
  struct learn_exec *execs;
  size_t n_execs, cap_execs;
  struct strset writes;
  struct learn_net *nets;
  size_t n_nets, cap_nets;
  struct learn_cap *caps;
  size_t n_caps, cap_caps;
};

/* For stockadectl's profile making (ctl/synth.c) and the recording's own
 * files. */
struct json;
/* The current time, UTC, as "2024-05-01T10:00:00Z". */
void learn_utc_now(char out[LEARN_TIME_SIZE]);
/* Free what r holds, not r. */
void learn_rec_release(struct learn_rec *r);
/* libseccomp's token for an architecture name, 0 when unknown. */
uint32_t learn_arch_token(const char *arch);
/* Does libseccomp know name on the architecture token? */
bool learn_syscall_on_arch(uint32_t token, const char *name);
/* Add every syscall of from to into: 0, or -1 and *err. */
int learn_merge_syscalls(struct learn_rec *into, const struct learn_rec *from, struct sk_error **err);
/* A JSON array of s's strings, or NULL when out of memory. */
struct json *learn_strset_json(const struct strset *s);

#endif

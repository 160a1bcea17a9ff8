/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_DECIDE_H
#define STOCKADE_DECIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "stockade/profile.h"

/* The supervisor's exec decisions, free of system calls so that every rule
 * is unit-tested. The callers (seccomp notify, fanotify) gather the facts. */

enum exec_where {
  WHERE_IMAGE,  /* the container's root file system, unchanged since start */
  WHERE_UPPER,  /* the root file system, but written after start (overlay upper) */
  WHERE_TMPFS,  /* a tmpfs mount */
  WHERE_VOLUME, /* another writable mount (bind, volume) */
  WHERE_MEMFD,  /* an anonymous file (memfd_create) */
  WHERE_OTHER,  /* a read-only mount other than the root, a pseudo file system, or unknown */
};

/* "image", "upper", "tmpfs", "volume", "memfd", "other". */
const char *exec_where_name(enum exec_where w);

struct exec_fact {
  const char *path; /* as the container sees it; NULL if unknown */
  enum exec_where where;
  bool written_after_start;   /* ctime at or after the container started */
  bool fileless;              /* execveat of a descriptor, not a path; or a memfd */
  const char *sha256;         /* lowercase hex, or NULL when not (yet) computed */
  const char *sha256_skipped; /* why it was not hashed (over a bound), or NULL */
};

enum decide_kind { DECIDE_ALLOW, DECIDE_DENY };

#define DECISION_REASON_MAX 512

struct decision {
  enum decide_kind kind;
  /* "exec" (allowed), "blocked-hash", "fileless", "drift", "not-allowed";
   * the callers add their own: "error" (fanotify could not examine the
   * file, or the container's mounts cannot be watched). */
  const char *type;
  /* MITRE ATT&CK technique, or NULL (always NULL for "exec"):
   *   blocked-hash  T1620 when fileless (memfd), T1105 when written after
   *                 start, else T1204.003 (Malicious Image: it came with
   *                 the image or a volume). Known-bad content is the
   *                 finding; the technique says how it got there.
   *   fileless      T1620 Reflective Code Loading.
   *   drift         T1105 Ingress Tool Transfer.
   *   not-allowed   T1059 Command and Scripting Interpreter when the
   *                 program is a shell or interpreter (sh, bash, busybox,
   *                 python3.11, perl, node, ...); else NULL: an unlisted
   *                 program is a policy finding whose technique depends on
   *                 what it is, and a wrong label misleads more than none
   *                 (the event's path and sha256 let the SIEM classify).
   * Static strings. */
  const char *technique;
  /* One line for people that names the path and the rule: "/tmp/x was
   * written after the container started (tmpfs); ...". decide_exec points
   * it at a buffer of its own (per thread, DECISION_REASON_MAX bytes),
   * valid until the next decide_exec call in the same thread: report the
   * decision before deciding again. Callers that build their own decision
   * point it at their own string. */
  const char *reason;
};

/* A block-list from the config, merged with the profile's. */
struct blocklist {
  char **hashes;
  size_t n;
};

/* Would a hash change the decision? True when f->sha256 is NULL and there
 * is a block-list (the profile's or bl), or an allow-list rule that matches
 * f->path pins a sha256. The caller computes it only then, and calls
 * decide_exec with it. p and bl may be NULL. */
bool decide_needs_hash(const struct profile *p, const struct blocklist *bl, const struct exec_fact *f);

/* Could f->sha256, once known, turn this deny into an allow? Only for a
 * "not-allowed" decision on a path that an allow-list rule pinning a
 * sha256 matches. Every other deny stands without the hash (a block-list
 * only ever denies), so the seccomp side answers it at once and leaves to
 * fanotify only what a hash decides. */
bool decide_hash_may_allow(const struct profile *p, const struct exec_fact *f, const struct decision *d);

/* Decide; the first rule that applies wins:
 *  1. blocked-hash: f->sha256 is on the profile's or bl's block-list.
 *  2. fileless: f->fileless, or f->where is WHERE_MEMFD.
 *  3. drift: f->where is WHERE_UPPER, WHERE_TMPFS or WHERE_VOLUME, or
 *     f->written_after_start, unless f->path matches one of the profile's
 *     exec.allowWritable globs.
 *  4. not-allowed: the profile has an exec allow-list and no rule admits
 *     f->path. A rule admits a path its glob matches; when any matching
 *     rule pins a sha256, f->sha256 must equal one of the pinned values
 *     (pins are not overridden by a broader rule without a hash, and
 *     several pins for one path are several accepted versions).
 *  5. otherwise allowed: type "exec".
 * p may be NULL (no profile rules: only bl applies). */
void decide_exec(const struct profile *p, const struct blocklist *bl, const struct exec_fact *f, struct decision *d);

/* fnmatch(3) with FNM_PATHNAME: "*" does not cross "/" (the glob
 * "/usr/bin/" "*" does not match "/usr/bin/x/y"). False for a NULL path. */
bool decide_path_matches(const char *glob, const char *path);

#endif

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
  WHERE_OTHER,  /* a read-only mount other than the root, or unknown */
};

const char *exec_where_name(enum exec_where w);

struct exec_fact {
  const char *path;         /* as the container sees it; NULL if unknown */
  enum exec_where where;
  bool written_after_start; /* ctime at or after the container started */
  bool fileless;            /* execveat of a descriptor, not a path */
  const char *sha256;       /* hex, or NULL when not (yet) computed */
};

enum decide_kind { DECIDE_ALLOW, DECIDE_DENY };

struct decision {
  enum decide_kind kind;
  const char *type;      /* "exec" (allowed), "drift", "fileless", "not-allowed", "blocked-hash" */
  const char *technique; /* MITRE ATT&CK: T1105, T1620, T1059, ... or NULL */
  const char *reason;    /* one line for people */
};

/* A block-list from the config, merged with the profile's. */
struct blocklist {
  char **hashes;
  size_t n;
};

/* Would a hash change the decision (allow-list with hashes, block-list)?
 * The caller computes it only then, and calls decide_exec again. */
bool decide_needs_hash(const struct profile *p, const struct blocklist *bl, const struct exec_fact *f);

/* Decide. Order: block-listed hash, fileless, drift, allow-list. */
void decide_exec(const struct profile *p, const struct blocklist *bl, const struct exec_fact *f, struct decision *d);

/* fnmatch-based path match used by the allow-lists. */
bool decide_path_matches(const char *glob, const char *path);

#endif

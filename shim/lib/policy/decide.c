/* SPDX-License-Identifier: Apache-2.0 */
/* The exec decision: pure logic over facts the callers gathered (seccomp
 * notify from the path the program named, fanotify from the file the
 * kernel opened). No system calls, no allocation: a decision is made while
 * a process of the container waits for it. */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "stockade/decide.h"

const char *exec_where_name(enum exec_where w) {
  switch (w) {
  case WHERE_IMAGE:
    return "image";
  case WHERE_UPPER:
    return "upper";
  case WHERE_TMPFS:
    return "tmpfs";
  case WHERE_VOLUME:
    return "volume";
  case WHERE_MEMFD:
    return "memfd";
  case WHERE_OTHER:
    break;
  }
  return "other";
}

bool decide_path_matches(const char *glob, const char *path) {
  if (glob == NULL || path == NULL)
    return false;
  return fnmatch(glob, path, FNM_PATHNAME) == 0;
}

static bool hash_listed(char *const *hashes, size_t n, const char *sha) {
  for (size_t i = 0; i < n; i++)
    if (hashes[i] && strcasecmp(hashes[i], sha) == 0)
      return true;
  return false;
}

static bool has_blocklist(const struct profile *p, const struct blocklist *bl) {
  return (p && p->n_block_hashes > 0) || (bl && bl->n > 0);
}

static bool writable_exempt(const struct profile *p, const char *path) {
  for (size_t i = 0; p && i < p->n_exec_writable; i++)
    if (decide_path_matches(p->exec_writable[i], path))
      return true;
  return false;
}

/* Does any allow-list rule that matches path pin a hash? */
static bool allow_pins(const struct profile *p, const char *path) {
  for (size_t i = 0; p && i < p->n_exec_allow; i++)
    if (p->exec_allow[i].sha256 && decide_path_matches(p->exec_allow[i].glob, path))
      return true;
  return false;
}

bool decide_needs_hash(const struct profile *p, const struct blocklist *bl, const struct exec_fact *f) {
  if (f->sha256 != NULL)
    return false;
  if (has_blocklist(p, bl))
    return true;
  return p && p->has_exec_allow && allow_pins(p, f->path);
}

bool decide_hash_may_allow(const struct profile *p, const struct exec_fact *f, const struct decision *d) {
  return d->kind == DECIDE_DENY && d->type && strcmp(d->type, "not-allowed") == 0 && f->sha256 == NULL && p &&
         p->has_exec_allow && allow_pins(p, f->path);
}

/* A shell or an interpreter that runs code given as text: the program an
 * intruder reaches for first (ATT&CK T1059). By basename, with versioned
 * names: python3.11, perl5.36, php8.2, lua5.4, ruby3.1. */
static bool is_interpreter(const char *path) {
  static const char *const exact[] = {"sh",   "bash", "dash",    "ash",  "zsh",    "ksh",  "mksh",  "csh",
                                      "tcsh", "fish", "busybox", "node", "nodejs", "deno", "bun",   "luajit",
                                      "pwsh", "awk",  "gawk",    "mawk", "tclsh",  "wish", "expect"};
  static const char *const versioned[] = {"python", "perl", "ruby", "php", "lua", "tclsh"};
  const char *base;
  size_t i;

  if (path == NULL)
    return false;
  base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
    if (strcmp(base, exact[i]) == 0)
      return true;
  for (i = 0; i < sizeof(versioned) / sizeof(versioned[0]); i++) {
    size_t n = strlen(versioned[i]);
    if (strncmp(base, versioned[i], n) == 0 && strspn(base + n, "0123456789.") == strlen(base + n))
      return true;
  }
  return false;
}

/* The path for a line people read: "(unknown path)" when unknown, control
 * characters shown as '?' so that a crafted file name cannot forge a line. */
static void show_path(const char *path, char *out, size_t size) {
  size_t i;
  if (path == NULL) {
    snprintf(out, size, "(unknown path)");
    return;
  }
  for (i = 0; path[i] && i + 1 < size; i++)
    out[i] = (unsigned char)path[i] < 0x20 || path[i] == 0x7f ? '?' : path[i];
  out[i] = '\0';
}

/* The reason's text: one line, read before the next decision. */
static _Thread_local char reason_buf[DECISION_REASON_MAX];

static void set(struct decision *d, enum decide_kind kind, const char *type, const char *technique) {
  d->kind = kind;
  d->type = type;
  d->technique = technique;
  d->reason = reason_buf;
}

void decide_exec(const struct profile *p, const struct blocklist *bl, const struct exec_fact *f, struct decision *d) {
  char path[DECISION_REASON_MAX / 2];
  const char *where = exec_where_name(f->where);
  bool matched = false, pinned = false;
  size_t i, first_pin = 0;

  show_path(f->path, path, sizeof(path));

  /* 1. Known-bad content, wherever it lives. */
  if (f->sha256) {
    bool in_profile = p && hash_listed(p->block_hashes, p->n_block_hashes, f->sha256);
    if (in_profile || (bl && hash_listed(bl->hashes, bl->n, f->sha256))) {
      const char *technique = "T1204.003";
      if (f->fileless || f->where == WHERE_MEMFD)
        technique = "T1620";
      else if (f->written_after_start || f->where == WHERE_UPPER)
        technique = "T1105";
      set(d, DECIDE_DENY, "blocked-hash", technique);
      if (in_profile)
        snprintf(reason_buf, sizeof(reason_buf), "%s has SHA-256 %s, which profile \"%s\" blocks (blockHashes)", path,
                 f->sha256, p->name ? p->name : "");
      else
        snprintf(reason_buf, sizeof(reason_buf), "%s has SHA-256 %s, which the node's config blocks (blockHashes)",
                 path, f->sha256);
      return;
    }
  }

  /* 2. Fileless: nothing on any file system to inspect or allow-list. */
  if (f->fileless || f->where == WHERE_MEMFD) {
    set(d, DECIDE_DENY, "fileless", "T1620");
    snprintf(reason_buf, sizeof(reason_buf), "%s is executed from a descriptor, not a file on disk (%s)", path, where);
    return;
  }

  /* 3. Drift: a program that was not part of the image as it started. */
  if (f->where == WHERE_UPPER || f->where == WHERE_TMPFS || f->where == WHERE_VOLUME || f->written_after_start) {
    if (!writable_exempt(p, f->path)) {
      set(d, DECIDE_DENY, "drift", "T1105");
      if (f->written_after_start || f->where == WHERE_UPPER)
        snprintf(reason_buf, sizeof(reason_buf),
                 "%s was written after the container started (%s); exec.allowWritable does not list it", path, where);
      else
        snprintf(reason_buf, sizeof(reason_buf), "%s is on a writable mount (%s); exec.allowWritable does not list it",
                 path, where);
      return;
    }
  }

  /* 4. The allow-list. */
  if (p && p->has_exec_allow) {
    for (i = 0; i < p->n_exec_allow; i++) {
      const struct profile_exec_rule *r = &p->exec_allow[i];
      if (!decide_path_matches(r->glob, f->path))
        continue;
      if (r->sha256 == NULL) {
        matched = true;
        continue;
      }
      if (!pinned)
        first_pin = i;
      pinned = true;
      if (f->sha256 && strcasecmp(r->sha256, f->sha256) == 0) {
        set(d, DECIDE_ALLOW, "exec", NULL);
        snprintf(reason_buf, sizeof(reason_buf), "%s is allowed by exec.allow[%zu] \"%s\" with its sha256", path, i,
                 r->glob);
        return;
      }
    }
    if (pinned || !matched) {
      set(d, DECIDE_DENY, "not-allowed", is_interpreter(f->path) ? "T1059" : NULL);
      if (pinned && f->sha256)
        snprintf(reason_buf, sizeof(reason_buf), "%s has SHA-256 %s, not one that exec.allow[%zu] \"%s\" pins", path,
                 f->sha256, first_pin, p->exec_allow[first_pin].glob);
      else if (pinned)
        snprintf(reason_buf, sizeof(reason_buf),
                 "%s matches exec.allow[%zu] \"%s\", which pins a sha256, but the file's SHA-256 is not known", path,
                 first_pin, p->exec_allow[first_pin].glob);
      else
        snprintf(reason_buf, sizeof(reason_buf), "%s is not in profile \"%s\"'s exec.allow list", path,
                 p->name ? p->name : "");
      return;
    }
  }

  set(d, DECIDE_ALLOW, "exec", NULL);
  if (f->where == WHERE_IMAGE || f->where == WHERE_OTHER)
    snprintf(reason_buf, sizeof(reason_buf), "%s is allowed (%s)", path, where);
  else
    snprintf(reason_buf, sizeof(reason_buf), "%s is allowed (%s, exec.allowWritable)", path, where);
}

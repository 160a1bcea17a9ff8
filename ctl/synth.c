/* SPDX-License-Identifier: Apache-2.0 */
/* Making a profile from recordings (`stockadectl learn`): the union of
 * the recordings, its seccomp allow-list, writable paths, exec allow-list
 * and capabilities, written as a commented profile. */
#define _GNU_SOURCE
#include <seccomp.h>
#include <string.h>

#include "stockade/caps.h"
#include "stockade/cleanup.h"
#include "stockade/decide.h"
#include "stockade/profile_diff.h"
#include "stockade/seccomp.h"

#define LEARN_DEFAULT_NOBODY 65534 /* the shipped default profile's user */

#include "stockade/recording.h"

/* ---- making a profile ------------------------------------------------------------------ */

/* Directories whose subdirectories are scratch space made at run time
 * (mktemp -d): a write below them makes the whole directory writable, or
 * the next run, with another random name, would find a read-only root. */
static const char *const scratch_roots[] = {"/tmp", "/var/tmp", "/run", NULL};
/* Pseudo file systems the runtime mounts itself: never writable paths. */
static const char *const pseudo_roots[] = {"/proc", "/sys", "/dev", NULL};

/* Is the clean path p equal to the clean directory d, or below it? */
static bool under(const char *p, const char *d) {
  size_t l = strlen(d);
  if (strcmp(d, "/") == 0)
    return true;
  return strncmp(p, d, l) == 0 && (p[l] == '\0' || p[l] == '/');
}

static const char *under_any(const char *p, const char *const *roots) {
  size_t i;
  for (i = 0; roots[i]; i++)
    if (under(p, roots[i]))
      return roots[i];
  return NULL;
}

/* The union of recordings, in one recording that belongs to nobody. */
static int merge_all(struct learn_rec *const *recs, size_t n, struct learn_rec *m, struct sk_error **err) {
  size_t i, k;
  for (i = 0; i < n; i++) {
    const struct learn_rec *r = recs[i];
    if (learn_merge_syscalls(m, r, err) < 0)
      return -1;
    for (k = 0; k < r->n_execs; k++)
      if (learn_add_exec(m, r->execs[k].path, r->execs[k].sha256, r->execs[k].where, err) < 0)
        return -1;
    for (k = 0; k < r->writes.n; k++)
      if (learn_add_write(m, r->writes.v[k], err) < 0)
        return -1;
    for (k = 0; k < r->n_nets; k++)
      if (learn_add_net(m, learn_net_ops[r->nets[k].op], learn_net_families[r->nets[k].family], r->nets[k].port, err) <
          0)
        return -1;
    for (k = 0; k < r->n_caps; k++)
      if (learn_add_cap(m, r->caps[k].name, r->caps[k].why, err) < 0)
        return -1;
  }
  return 0;
}

/* What the seccomp part of the learned profile is made of. */
struct learned_seccomp {
  uint32_t tokens[32];
  size_t n_tokens;
  struct strset recorded; /* every recorded name, all architectures */
  struct strset allow;    /* the ALLOW rule's names */
  struct strset baseline; /* names the baseline added to what was recorded */
  bool clone3_recorded;
};

static void learned_seccomp_release(struct learned_seccomp *s) {
  strset_clear(&s->recorded);
  strset_clear(&s->allow);
  strset_clear(&s->baseline);
}

static bool on_any_arch(const struct learned_seccomp *s, const char *name) {
  size_t i;
  for (i = 0; i < s->n_tokens; i++)
    if (learn_syscall_on_arch(s->tokens[i], name))
      return true;
  return false;
}

static struct json *names_json(const char *const *names) {
  struct json *a = json_new(JSON_ARRAY);
  size_t i;
  for (i = 0; a && names[i]; i++)
    if (json_append(a, json_new_string(names[i])) < 0) {
      json_free(a);
      return NULL;
    }
  return a;
}

/* {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": [recorded],
 *  "syscalls": [ALLOW recorded + baseline + execve/execveat,
 *               clone without namespace flags, clone3 -> ENOSYS]} */
static int build_seccomp(const struct learn_rec *m, struct learned_seccomp *s, struct json **out,
                         struct sk_error **err) {
  /* execve: every program starts with one. The rest are stockade-init's
   * (the Landlock layer, enforce mode only, so never recorded): without
   * them a learned profile would leave its containers unconfined, or
   * refused when "landlock" is "required". readlink: its static glibc's
   * start-up reads /proc/self/exe (a workload that never makes it, nginx,
   * got a deny event at every start). */
  static const char *const always[] = {"execve",
                                       "execveat",
                                       "landlock_create_ruleset",
                                       "landlock_add_rule",
                                       "landlock_restrict_self",
                                       "openat",
                                       "newfstatat",
                                       "fstat",
                                       "getdents64",
                                       "prctl",
                                       "readlink",
                                       NULL};
  static const char *const clone_names[] = {"clone", NULL};
  static const char *const clone3_names[] = {"clone3", NULL};
  cleanup_json struct json *doc = json_new(JSON_OBJECT);
  struct json *arches, *rules, *rule, *args, *arg;
  size_t i, k;

  for (i = 0; i < m->n_arches; i++) {
    uint32_t tok = learn_arch_token(m->arches[i].name);
    if (tok == 0 || s->n_tokens == sizeof(s->tokens) / sizeof(s->tokens[0]))
      return sk_error_set(err, 0, "architecture %s: unknown to libseccomp", m->arches[i].name);
    s->tokens[s->n_tokens++] = tok;
    for (k = 0; k < m->arches[i].calls.n; k++)
      if (strset_add(&s->recorded, m->arches[i].calls.v[k]) < 0 || strset_add(&s->allow, m->arches[i].calls.v[k]) < 0)
        goto oom;
  }
  /* Nothing recorded at all: the filter is for this machine's architecture. */
  if (s->n_tokens == 0)
    s->tokens[s->n_tokens++] = seccomp_arch_native();
  for (i = 0; learn_runtime_baseline[i]; i++) {
    int added;
    if (!on_any_arch(s, learn_runtime_baseline[i]))
      continue; /* arch_prctl on aarch64: no such syscall there */
    added = strset_add(&s->allow, learn_runtime_baseline[i]);
    if (added < 0 || (added > 0 && strset_add(&s->baseline, learn_runtime_baseline[i]) < 0))
      goto oom;
  }
  for (i = 0; always[i]; i++)
    if (on_any_arch(s, always[i]) && strset_add(&s->allow, always[i]) < 0)
      goto oom;
  /* clone and clone3 get their own rules below, never a plain allow. */
  s->clone3_recorded = strset_has(&s->recorded, "clone3");
  for (i = 0; i < s->allow.n;) {
    if (strcmp(s->allow.v[i], "clone") == 0 || strcmp(s->allow.v[i], "clone3") == 0)
      strset_remove(&s->allow, i, i + 1);
    else
      i++;
  }

  if (doc == NULL || json_set(doc, "defaultAction", json_new_string("SCMP_ACT_ERRNO")) < 0 ||
      json_set(doc, "defaultErrnoRet", json_new_int(1)) < 0)
    goto oom;
  if (m->n_arches > 0) {
    if (json_set(doc, "architectures", arches = json_new(JSON_ARRAY)) < 0)
      goto oom;
    for (i = 0; i < m->n_arches; i++)
      if (json_append(arches, json_new_string(m->arches[i].name)) < 0)
        goto oom;
  }
  if (json_set(doc, "syscalls", rules = json_new(JSON_ARRAY)) < 0)
    goto oom;
  /* 1. Everything recorded, the runtime's baseline, execve and execveat. */
  if (json_append(rules, rule = json_new(JSON_OBJECT)) < 0 ||
      json_set(rule, "names", learn_strset_json(&s->allow)) < 0 ||
      json_set(rule, "action", json_new_string("SCMP_ACT_ALLOW")) < 0)
    goto oom;
  /* 2. clone, but never with a namespace flag: CLONE_NEWNS, NEWCGROUP,
   * NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (0x7E020000) all clear, as in
   * profiles/seccomp/default.json. Threads and fork still work. (On s390x
   * the flags are the second argument; like the shipped default, this rule
   * is written for the other architectures.) */
  if (json_append(rules, rule = json_new(JSON_OBJECT)) < 0 || json_set(rule, "names", names_json(clone_names)) < 0 ||
      json_set(rule, "action", json_new_string("SCMP_ACT_ALLOW")) < 0 ||
      json_set(rule, "args", args = json_new(JSON_ARRAY)) < 0 || json_append(args, arg = json_new(JSON_OBJECT)) < 0 ||
      json_set(arg, "index", json_new_int(0)) < 0 || json_set(arg, "value", json_new_int(0x7E020000)) < 0 ||
      json_set(arg, "valueTwo", json_new_int(0)) < 0 || json_set(arg, "op", json_new_string("SCMP_CMP_MASKED_EQ")) < 0)
    goto oom;
  /* 3. clone3 passes its flags in memory a filter cannot read, so it
   * cannot be restricted like clone: answer ENOSYS, and glibc (2.34 and
   * later) and Go fall back to clone, which the rule above checks. */
  if (json_append(rules, rule = json_new(JSON_OBJECT)) < 0 || json_set(rule, "names", names_json(clone3_names)) < 0 ||
      json_set(rule, "action", json_new_string("SCMP_ACT_ERRNO")) < 0 ||
      json_set(rule, "errnoRet", json_new_int(ENOSYS)) < 0)
    goto oom;
  *out = steal_pointer(&doc);
  return 0;
oom:
  return sk_error_set(err, ENOMEM, "learned seccomp document");
}

/* The writable paths: the directory of every written file, collapsed. */
struct learned_paths {
  struct strset dirs;      /* the writablePaths */
  struct strset uncovered; /* files directly in "/" */
  size_t pseudo;           /* writes below /proc, /sys, /dev left out */
};

static void learned_paths_release(struct learned_paths *p) {
  strset_clear(&p->dirs);
  strset_clear(&p->uncovered);
}

static int build_paths(const struct learn_rec *m, const struct profile *base, struct learned_paths *p) {
  size_t i, k;

  for (i = 0; i < m->writes.n; i++) {
    const char *w = m->writes.v[i], *slash = strrchr(w, '/'), *root;
    cleanup_free char *dir = NULL;

    if (under_any(w, pseudo_roots)) {
      p->pseudo++;
      continue;
    }
    if (slash == w) { /* "/file": only a writable root covers it */
      if (strset_add(&p->uncovered, w) < 0)
        return -1;
      continue;
    }
    dir = strndup(w, (size_t)(slash - w)); /* also "/tmp" for the collapsed "/tmp/" "*" */
    if (dir == NULL)
      return -1;
    if ((root = under_any(dir, scratch_roots)) != NULL) {
      free(dir);
      if ((dir = strdup(root)) == NULL)
        return -1;
    }
    /* A writable path of the base that covers it is the operator's choice
     * of directory: keep it rather than a deeper one. */
    for (k = 0; base && k < base->n_writable_paths; k++) {
      if (under(dir, base->writable_paths[k].path)) {
        free(dir);
        if ((dir = strdup(base->writable_paths[k].path)) == NULL)
          return -1;
        break;
      }
    }
    if (strset_add(&p->dirs, dir) < 0)
      return -1;
  }
  /* Drop every directory below another one of the set. */
  for (i = 0; i < p->dirs.n;) {
    bool covered = false;
    for (k = 0; k < p->dirs.n && !covered; k++)
      covered = k != i && under(p->dirs.v[i], p->dirs.v[k]);
    if (covered)
      strset_remove(&p->dirs, i, i + 1);
    else
      i++;
  }
  return 0;
}

/* A path as an fnmatch(3) pattern that matches only itself. */
static char *glob_escape(const char *path) {
  size_t n = 0, i, o = 0;
  char *s;
  for (i = 0; path[i]; i++)
    n += strchr("*?[\\", path[i]) ? 2 : 1;
  s = malloc(n + 1);
  if (s == NULL)
    return NULL;
  for (i = 0; path[i]; i++) {
    if (strchr("*?[\\", path[i]))
      s[o++] = '\\';
    s[o++] = path[i];
  }
  s[o] = '\0';
  return s;
}

static bool base_blocks(const struct profile *base, const char *sha) {
  size_t i;
  for (i = 0; base && sha && i < base->n_block_hashes; i++)
    if (strcmp(base->block_hashes[i], sha) == 0)
      return true;
  return false;
}

static bool base_allows_writable(const struct profile *base, const char *path) {
  size_t i;
  for (i = 0; base && i < base->n_exec_writable; i++)
    if (decide_path_matches(base->exec_writable[i], path))
      return true;
  return false;
}

/* exec.allow, and what could not go into it, for the summary. */
struct learned_execs {
  struct json *allow; /* array; owned */
  size_t n_allow;
  struct strset drift;    /* "<path> (<where>)" ran from outside the image */
  struct strset blocked;  /* "<path> sha256 <hash>" that the base blocks */
  struct strset unhashed; /* paths seen without a hash next to pinned versions */
  struct strset several;  /* paths with several pinned versions */
};

static void learned_execs_release(struct learned_execs *e) {
  json_free(e->allow);
  strset_clear(&e->drift);
  strset_clear(&e->blocked);
  strset_clear(&e->unhashed);
  strset_clear(&e->several);
}

static int add_allow(struct learned_execs *e, const char *path, const char *sha) {
  cleanup_free char *glob = glob_escape(path);
  struct json *entry;

  if (glob == NULL)
    return -1;
  if (sha == NULL) {
    entry = json_new_string(glob);
  } else if ((entry = json_new(JSON_OBJECT)) != NULL && (json_set(entry, "path", json_new_string(glob)) < 0 ||
                                                         json_set(entry, "sha256", json_new_string(sha)) < 0)) {
    json_free(entry);
    entry = NULL;
  }
  if (json_append(e->allow, entry) < 0)
    return -1;
  e->n_allow++;
  return 0;
}

static int build_execs(const struct learn_rec *m, const struct profile *base, enum learn_exec_pin pin,
                       struct learned_execs *e) {
  size_t i, j, k;

  if ((e->allow = json_new(JSON_ARRAY)) == NULL)
    return -1;
  /* Execs are sorted by path: take them one path at a time. */
  for (i = 0; i < m->n_execs; i = j) {
    const char *path = m->execs[i].path;
    struct strset hashes = {0};
    bool plain = false;
    int r = 0;

    for (j = i; j < m->n_execs && strcmp(m->execs[j].path, path) == 0; j++) {
      const struct learn_exec *x = &m->execs[j];
      char *what = NULL;
      bool image = strcmp(x->where, "image") == 0;

      if (image && x->sha256 && base_blocks(base, x->sha256)) {
        if (asprintf(&what, "%s sha256 %s", path, x->sha256) < 0 || strset_add(&e->blocked, what) < 0)
          r = -1;
      } else if (image && x->sha256 && pin == LEARN_PIN_HASHES) {
        r = strset_add(&hashes, x->sha256);
      } else if (image || base_allows_writable(base, path)) {
        /* No hash (the supervisor could not compute it), or a program
         * the base lets run from outside the image: its content is not
         * fixed, so its path alone. */
        plain = true;
      } else if (asprintf(&what, "%s (%s)", path, x->where) < 0 || strset_add(&e->drift, what) < 0) {
        r = -1;
      }
      free(what);
      if (r < 0)
        break;
    }
    /* A path is pinned or not, never both (profile_parse refuses that):
     * pinned versions win. */
    if (r >= 0 && plain && hashes.n > 0)
      r = strset_add(&e->unhashed, path);
    if (r >= 0 && hashes.n > 1)
      r = strset_add(&e->several, path);
    for (k = 0; r >= 0 && k < hashes.n; k++)
      r = add_allow(e, path, hashes.v[k]);
    if (r >= 0 && plain && hashes.n == 0)
      r = add_allow(e, path, NULL);
    strset_clear(&hashes);
    if (r < 0)
      return -1;
  }
  return 0;
}

/* The profile's fields, in the order of profiles/README.md. */
static int build_profile(const char *name, const char *description, const struct profile *base,
                         const struct learn_rec *m, const struct learned_paths *lp, struct learned_execs *le,
                         struct json *seccomp, struct json *o) {
  struct json *caps, *paths, *user;
  const char *prev = NULL;
  size_t i, k;

  if (json_set(o, "name", json_new_string(name)) < 0 || json_set(o, "description", json_new_string(description)) < 0)
    return -1;
  if (base == NULL || base->has_user) {
    uint32_t uid = base ? base->uid : LEARN_DEFAULT_NOBODY, gid = base ? base->gid : LEARN_DEFAULT_NOBODY;
    if (json_set(o, "user", user = json_new(JSON_OBJECT)) < 0 || json_set(user, "uid", json_new_int(uid)) < 0 ||
        json_set(user, "gid", json_new_int(gid)) < 0)
      return -1;
  }
  if (json_set(o, "allowRoot", json_new_bool(base && base->allow_root)) < 0 ||
      json_set(o, "capabilities", caps = json_new(JSON_ARRAY)) < 0)
    return -1;
  for (i = 0; i < m->n_caps; i++) { /* sorted by name: one entry per capability */
    if (prev && strcmp(prev, m->caps[i].name) == 0)
      continue;
    prev = m->caps[i].name;
    if (json_append(caps, json_new_string(prev)) < 0)
      return -1;
  }
  if (json_set(o, "writableRootfs", json_new_bool(base && base->writable_rootfs)) < 0 ||
      json_set(o, "writablePaths", paths = json_new(JSON_ARRAY)) < 0)
    return -1;
  if (base && base->writable_rootfs) {
    /* The root is writable: the learned writes need nothing more, and a
     * tmpfs would hide what the image has there. */
    for (i = 0; i < base->n_writable_paths; i++) {
      struct json *wp = json_new(JSON_OBJECT);
      if (json_append(paths, wp) < 0 || json_set(wp, "path", json_new_string(base->writable_paths[i].path)) < 0 ||
          (base->writable_paths[i].size && json_set(wp, "size", json_new_string(base->writable_paths[i].size)) < 0))
        return -1;
    }
  } else {
    for (i = 0; i < lp->dirs.n; i++) {
      struct json *wp = json_new(JSON_OBJECT);
      const char *size = NULL;
      for (k = 0; base && k < base->n_writable_paths; k++)
        if (strcmp(base->writable_paths[k].path, lp->dirs.v[i]) == 0)
          size = base->writable_paths[k].size;
      if (json_append(paths, wp) < 0 || json_set(wp, "path", json_new_string(lp->dirs.v[i])) < 0 ||
          (size && json_set(wp, "size", json_new_string(size)) < 0))
        return -1;
    }
  }
  if (le->n_allow > 0 || (base && base->n_exec_writable > 0)) {
    struct json *exec = json_new(JSON_OBJECT);
    if (json_set(o, "exec", exec) < 0)
      return -1;
    if (le->n_allow > 0 && json_set(exec, "allow", steal_pointer(&le->allow)) < 0)
      return -1;
    if (base && base->n_exec_writable > 0) {
      struct json *w = json_new(JSON_ARRAY);
      if (json_set(exec, "allowWritable", w) < 0)
        return -1;
      for (i = 0; i < base->n_exec_writable; i++)
        if (json_append(w, json_new_string(base->exec_writable[i])) < 0)
          return -1;
    }
  }
  if (base && base->n_block_hashes > 0) {
    struct json *h = json_new(JSON_ARRAY);
    if (json_set(o, "blockHashes", h) < 0)
      return -1;
    for (i = 0; i < base->n_block_hashes; i++)
      if (json_append(h, json_new_string(base->block_hashes[i])) < 0)
        return -1;
  }
  if (json_set(o, "action", json_new_string(profile_action_name(base ? base->action : PROFILE_ACTION_DENY))) < 0)
    return -1;
  return json_set(o, "seccomp", seccomp);
}

/* "a, b, c" of a set. */
static void put_list(FILE *f, const struct strset *s) {
  size_t i;
  for (i = 0; i < s->n; i++)
    fprintf(f, "%s%s", i ? ", " : "", s->v[i]);
}

static void put_recordings(FILE *f, struct learn_rec *const *recs, size_t n) {
  size_t i, unfinished = 0;
  for (i = 0; i < n; i++) {
    const struct learn_rec *r = recs[i];
    fprintf(f, "  %s: container %s (profile %s%s%s), %s to %s, %s, %llu notifications\n",
            r->file ? r->file : "(in memory)", r->container, r->profile, r->image ? ", image " : "",
            r->image ? r->image : "", r->started, r->updated, r->ended ? "ended" : "NOT ENDED", r->notifications);
    unfinished += !r->ended;
  }
  if (unfinished)
    fprintf(f,
            "WARNING: %zu recording(s) did not end (the container was still running, or its supervisor stopped "
            "early): what the workload did after their last write is missing.\n",
            unfinished);
}

static void put_caps(FILE *f, const struct learn_rec *m) {
  size_t i, n = 0;
  const char *prev = NULL;

  for (i = 0; i < m->n_caps; i++) {
    if (prev == NULL || strcmp(prev, m->caps[i].name) != 0)
      n++;
    prev = m->caps[i].name;
  }
  fprintf(f, "Capabilities (%zu):%s\n", n, n ? "" : " none");
  for (i = 0, prev = NULL; i < m->n_caps; i++) {
    if (prev && strcmp(prev, m->caps[i].name) == 0) {
      fprintf(f, "; %s", m->caps[i].why);
      continue;
    }
    if (prev)
      fputc('\n', f);
    prev = m->caps[i].name;
    fprintf(f, "  %s: %s", prev, m->caps[i].why);
  }
  if (prev)
    fputc('\n', f);
  for (i = 0, prev = NULL; i < m->n_caps; i++) {
    if (prev && strcmp(prev, m->caps[i].name) == 0)
      continue;
    prev = m->caps[i].name;
    if (caps_is_dangerous(prev))
      fprintf(f, "WARNING: %s is a dangerous capability (profiles/README.md); check that the workload needs it.\n",
              prev);
  }
}

static void put_execs(FILE *f, const struct learned_execs *le, const struct json *profile) {
  const struct json *allow = json_get_path(profile, "exec", "allow", NULL);
  size_t i;

  fprintf(f, "Programs (exec.allow, %zu):%s\n", allow ? allow->n : 0, allow ? "" : " none");
  for (i = 0; allow && i < allow->n; i++) {
    const struct json *x = allow->items[i];
    if (json_is(x, JSON_STRING))
      fprintf(f, "  %s (any content)\n", x->str);
    else
      fprintf(f, "  %s sha256 %s\n", json_string(json_get(x, "path")), json_string(json_get(x, "sha256")));
  }
  if (allow == NULL)
    fprintf(f, "WARNING: no program of the image was recorded, so the profile has no exec allow-list: every "
               "program of the image may run.\n");
  if (le->several.n) {
    fprintf(f, "  several builds were recorded and all are allowed: ");
    put_list(f, &le->several);
    fputc('\n', f);
  }
  if (le->unhashed.n) {
    fprintf(f, "  also recorded without a hash, allowed only with the hashes above: ");
    put_list(f, &le->unhashed);
    fputc('\n', f);
  }
  if (le->drift.n) {
    fprintf(f, "Programs that ran from outside the image and stay denied as drift (to allow one, list it in the "
               "base profile's exec.allowWritable):\n");
    for (i = 0; i < le->drift.n; i++)
      fprintf(f, "  %s\n", le->drift.v[i]);
  }
  if (le->blocked.n) {
    fprintf(f, "WARNING: programs the base profile's blockHashes block ran during learning; they stay blocked:\n");
    for (i = 0; i < le->blocked.n; i++)
      fprintf(f, "  %s\n", le->blocked.v[i]);
  }
}

static void put_paths(FILE *f, const struct learn_rec *m, const struct learned_paths *lp, const struct profile *base) {
  size_t i, k;

  if (base && base->writable_rootfs) {
    fprintf(f,
            "Writable paths: the base profile's (the root is writable, so the %zu recorded writes need no "
            "more)\n",
            m->writes.n);
    return;
  }
  fprintf(f, "Writable paths (%zu; each an empty tmpfs, noexec: what the image has there is hidden):%s\n", lp->dirs.n,
          lp->dirs.n ? "" : " none");
  for (i = 0; i < lp->dirs.n; i++) {
    size_t count = 0;
    for (k = 0; k < m->writes.n; k++)
      count += under(m->writes.v[k], lp->dirs.v[i]);
    fprintf(f, "  %s (%zu recorded write%s below it)\n", lp->dirs.v[i], count, count == 1 ? "" : "s");
  }
  if (lp->uncovered.n) {
    fprintf(f, "WARNING: files written directly in / cannot get a writable path (they need writableRootfs or a "
               "volume): ");
    put_list(f, &lp->uncovered);
    fputc('\n', f);
  }
  if (lp->pseudo)
    fprintf(f, "  %zu write%s below /proc, /sys or /dev left out (the runtime mounts those)\n", lp->pseudo,
            lp->pseudo == 1 ? "" : "s");
}

static void put_network(FILE *f, const struct learn_rec *m) {
  size_t i;
  fprintf(f, "Network (for information: a profile does not restrict the network):%s\n", m->n_nets ? "" : " none");
  for (i = 0; i < m->n_nets; i++) {
    const struct learn_net *x = &m->nets[i];
    if (x->family == 2) /* unix */
      fprintf(f, "  %s unix socket\n", learn_net_ops[x->op]);
    else
      fprintf(f, "  %s %s port %u\n", learn_net_ops[x->op], learn_net_families[x->family], (unsigned)x->port);
  }
}

static int put_syscalls(FILE *f, const struct learn_rec *m, const struct learned_seccomp *s, const struct profile *base,
                        struct sk_error **err) {
  struct seccomp_flat ref = {0}, def = {0};
  cleanup_json struct json *defdoc = NULL;
  struct strset added = {0}, outside = {0};
  size_t i, removed = 0;
  int r = -1;

  size_t total = s->allow.n + 1, from_rec = strset_has(&s->recorded, "clone"); /* + 1: clone's own rule */

  for (i = 0; i < s->allow.n; i++)
    from_rec += strset_has(&s->recorded, s->allow.v[i]);
  fprintf(f,
          "Syscalls: %zu allowed: %zu recorded, %zu more from the runtime baseline, %zu more always (execve, "
          "execveat); architectures ",
          total, from_rec, s->baseline.n, total - from_rec - s->baseline.n);
  for (i = 0; i < m->n_arches; i++)
    fprintf(f, "%s%s", i ? ", " : "", m->arches[i].name);
  fprintf(f, "%s; clone only without namespace flags; clone3 answered ENOSYS (callers fall back to clone)%s\n",
          m->n_arches ? "" : "none recorded (the filter takes the spec's)",
          s->clone3_recorded ? ", as it was recorded" : "");
  if (seccomp_default_doc(&defdoc, err) < 0 || seccomp_flatten(defdoc, &def, err) < 0)
    goto out;
  if (base && base->seccomp && seccomp_flatten(base->seccomp, &ref, err) < 0)
    goto out;
  for (i = 0; i < s->allow.n; i++) {
    const char *name = s->allow.v[i];
    if (!seccomp_flat_allows(base ? &ref : &def, name, false) && strset_add(&added, name) < 0)
      goto oom;
    if (strset_has(&s->recorded, name) && !seccomp_flat_allows(&def, name, false) && strset_add(&outside, name) < 0)
      goto oom;
  }
  {
    const struct seccomp_flat *cmp = base ? &ref : &def;
    const char *prev = NULL;
    for (i = 0; i < cmp->n; i++) {
      const char *name = cmp->v[i].name;
      if ((prev && strcmp(prev, name) == 0) || !seccomp_flat_allows(cmp, name, false))
        continue;
      prev = name;
      removed += !strset_has(&s->allow, name) && strcmp(name, "clone") != 0;
    }
  }
  if (base)
    fprintf(f, "  compared to profile \"%s\" (seccomp %s): ", base->name,
            base->seccomp_source ? base->seccomp_source : "none");
  else
    fprintf(f, "  compared to the default allow-list: ");
  fprintf(f, "%zu added%s", added.n, added.n ? ": " : "");
  put_list(f, &added);
  fprintf(f, "; %zu no longer allowed (stockadectl profile diff lists them)\n", removed);
  if (outside.n) {
    fprintf(f, "WARNING: the workload made syscalls that stockade's default allow-list refuses, and the learned "
               "profile allows them: ");
    put_list(f, &outside);
    fprintf(f, ". Check that it really needs them: mount, unshare, setns, ptrace and the like are how container "
               "escapes begin.\n");
  }
  r = 0;
  goto out;
oom:
  sk_error_set(err, ENOMEM, "summary");
out:
  strset_clear(&added);
  strset_clear(&outside);
  seccomp_flat_clear(&ref);
  seccomp_flat_clear(&def);
  return r;
}

static char *describe(struct learn_rec *const *recs, size_t n, const struct profile *base, enum learn_exec_pin pin) {
  const char *first = recs[0]->started, *last = recs[0]->updated, *profile = recs[0]->profile;
  char now[LEARN_TIME_SIZE];
  char *s = NULL;
  size_t i;

  for (i = 1; i < n; i++) {
    if (strcmp(recs[i]->started, first) < 0)
      first = recs[i]->started;
    if (strcmp(recs[i]->updated, last) > 0)
      last = recs[i]->updated;
    if (profile && strcmp(recs[i]->profile, profile) != 0)
      profile = NULL; /* "several profiles" (a third recording must not compare with NULL) */
  }
  learn_utc_now(now);
  if (asprintf(&s,
               "Learned by stockadectl learn on %s from %zu recording%s of containers under %s%s%s (%s to %s), "
               "with the user and settings of %s%s%s; %s",
               now, n, n == 1 ? "" : "s", profile ? "profile \"" : "several profiles", profile ? profile : "",
               profile ? "\"" : "", first, last, base ? "profile \"" : "the default profile", base ? base->name : "",
               base ? "\"" : "",
               pin == LEARN_PIN_HASHES
                   ? "programs pinned to their SHA-256 (an image rebuild that changes one needs relearning)"
                   : "programs allowed by path, not pinned to hashes (an image rebuilt with the same programs needs "
                     "no relearning; stockadectl learn --pin-hashes pins them)") < 0)
    return NULL;
  return s;
}

int learn_make_profile(struct learn_rec *const *recs, size_t n, const struct profile *base, const char *name,
                       struct json **out, char **summary, struct sk_error **err) {
  return learn_make_profile_pin(recs, n, base, name, LEARN_PIN_HASHES, out, summary, err);
}

int learn_make_profile_pin(struct learn_rec *const *recs, size_t n, const struct profile *base, const char *name,
                           enum learn_exec_pin pin, struct json **out, char **summary, struct sk_error **err) {
  struct learn_rec m = {0};
  struct learned_seccomp ls = {0};
  struct learned_paths lp = {0};
  struct learned_execs le = {0};
  cleanup_json struct json *profile = NULL;
  cleanup_json struct json *seccomp = NULL;
  cleanup_profile struct profile *check = NULL;
  cleanup_free char *description = NULL;
  cleanup_free char *text = NULL;
  cleanup_free char *sum = NULL;
  size_t len = 0, sumlen = 0;
  FILE *f = NULL;
  int r = -1;

  if (name == NULL && base)
    name = base->name;
  if (n == 0 || recs == NULL)
    return sk_error_set(err, 0, "no recordings to learn from");
  if (!profile_name_valid(name))
    return sk_error_set(err, 0,
                        "invalid profile name \"%s\"; profile names are [A-Za-z0-9][A-Za-z0-9._-]*, up to 64 "
                        "characters",
                        name ? name : "");
  if (merge_all(recs, n, &m, err) < 0) {
    sk_error_wrap(err, "merging %zu recordings", n);
    goto out;
  }
  if (build_seccomp(&m, &ls, &seccomp, err) < 0)
    goto out;
  if (build_paths(&m, base, &lp) < 0 || build_execs(&m, base, pin, &le) < 0 ||
      (description = describe(recs, n, base, pin)) == NULL || (profile = json_new(JSON_OBJECT)) == NULL) {
    sk_error_set(err, ENOMEM, "learned profile");
    goto out;
  }
  if (build_profile(name, description, base, &m, &lp, &le, steal_pointer(&seccomp), profile) < 0) {
    sk_error_set(err, ENOMEM, "learned profile");
    goto out;
  }
  /* What we hand out must load: the same checks as `profile lint`. */
  if (json_gen(profile, &text, &len, err) < 0)
    goto out;
  if (profile_parse("learned profile", text, len, &check, err) < 0) {
    sk_error_wrap(err, "the learned profile does not pass the profile checks (a bug in stockade; please report it)");
    goto out;
  }

  f = open_memstream(&sum, &sumlen);
  if (f == NULL) {
    sk_error_set(err, ENOMEM, "summary");
    goto out;
  }
  fprintf(f, "Learned profile \"%s\" from %zu recording%s:\n", name, n, n == 1 ? "" : "s");
  put_recordings(f, recs, n);
  if (base)
    fprintf(f,
            "Base: profile \"%s\"%s%s%s: its user, allowRoot, writableRootfs, exec.allowWritable, blockHashes and "
            "action are kept\n",
            base->name, base->file ? " (" : "", base->file ? base->file : "", base->file ? ")" : "");
  else
    fprintf(f, "Base: none: the default profile's choices (user 65534:65534, read-only root, action deny)\n");
  put_caps(f, &m);
  put_execs(f, &le, profile);
  fprintf(f, "%s\n",
          pin == LEARN_PIN_HASHES ? "  (pinned to SHA-256: a rebuilt image whose programs changed needs relearning)"
                                  : "  (by path: a rebuilt image with the same programs needs no relearning; "
                                    "--pin-hashes pins them)");
  put_paths(f, &m, &lp, base);
  put_network(f, &m);
  if (put_syscalls(f, &m, &ls, base, err) < 0) {
    fclose(f);
    goto out;
  }
  if (fclose(f) != 0 || sum == NULL) {
    sk_error_set(err, ENOMEM, "summary");
    goto out;
  }
  *out = steal_pointer(&profile);
  if (summary)
    *summary = steal_pointer(&sum);
  r = 0;
out:
  learn_rec_release(&m);
  learned_seccomp_release(&ls);
  learned_paths_release(&lp);
  learned_execs_release(&le);
  return r;
}

/* A glob of the profile as the one path it names, or NULL when it has a
 * wildcard (backslash escapes removed). */
static char *glob_literal(const char *glob) {
  char *out = malloc(strlen(glob) + 1), *o = out;
  const char *g;
  if (out == NULL)
    return NULL;
  for (g = glob; *g; g++) {
    if (*g == '\\' && g[1]) {
      *o++ = *++g;
      continue;
    }
    if (*g == '*' || *g == '?' || *g == '[') {
      free(out);
      errno = 0;
      return NULL;
    }
    *o++ = *g;
  }
  *o = '\0';
  return out;
}

int learn_rec_from_profile(const struct profile *p, struct learn_rec **out, size_t *skipped, struct sk_error **err) {
  struct learn_rec *r = NULL;
  const struct json *arches = json_get(p->seccomp, "architectures");
  const struct json *rules = json_get(p->seccomp, "syscalls");
  char why[128];
  size_t i, k, a;

  *skipped = 0;
  if (learn_new("profile", p->name, p->sha256, &r, err) < 0)
    return sk_error_wrap(err, "profile \"%s\" as a recording", p->name);
  snprintf(why, sizeof(why), "kept from profile \"%s\"", p->name);
  for (i = 0; i < p->n_capabilities; i++)
    if (learn_add_cap(r, p->capabilities[i], why, NULL) < 0)
      goto oom;
  for (i = 0; i < p->n_writable_paths; i++) {
    cleanup_free char *w = NULL;
    if (asprintf(&w, "%s/*", p->writable_paths[i].path) < 0 || learn_add_write(r, w, NULL) < 0)
      goto oom;
  }
  for (i = 0; i < p->n_exec_allow; i++) {
    cleanup_free char *path = glob_literal(p->exec_allow[i].glob);
    if (path == NULL && errno == ENOMEM)
      goto oom;
    if (path == NULL) {
      (*skipped)++;
      continue;
    }
    if (learn_add_exec(r, path, p->exec_allow[i].sha256, "image", NULL) < 0)
      goto oom;
  }
  for (i = 0; json_is(rules, JSON_ARRAY) && i < rules->n; i++) {
    const struct json *rule = rules->items[i], *names = json_get(rule, "names");
    const char *action = json_string(json_get(rule, "action"));
    const struct json *args = json_get(rule, "args");
    if (action == NULL || strcmp(action, "SCMP_ACT_ALLOW") != 0 || (json_is(args, JSON_ARRAY) && args->n > 0) ||
        !json_is(names, JSON_ARRAY))
      continue;
    for (k = 0; k < names->n; k++)
      for (a = 0; json_is(arches, JSON_ARRAY) && a < arches->n; a++)
        if (json_string(names->items[k]) && json_string(arches->items[a]) &&
            learn_add_syscall(r, json_string(arches->items[a]), json_string(names->items[k]), NULL) < 0)
          goto oom;
  }
  learn_set_ended(r, true);
  *out = r;
  return 0;
oom:
  learn_free(r);
  return sk_error_set(err, ENOMEM, "profile \"%s\" as a recording", p->name);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* SELinux: container contexts from the host's lxc_contexts, with a unique
 * MCS category pair per container allocated under the state directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <selinux/selinux.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "stockade/analyzer.h"
#include "stockade/cleanup.h"
#include "stockade/lsm.h"
#include "stockade/selinux.h"
#include "stockade/sys.h"

#define SELINUX_FS_MAGIC 0xf97cff8c /* linux/magic.h SELINUX_MAGIC */

/* libselinux is opened only where selinuxfs is mounted (SELinux enabled):
 * linked, it and its libpcre2 would be mapped into every stockade process
 * and supervisor, and its constructor would read /proc/mounts at each
 * start. */
void sel_env_host(struct sel_env *env) {
  __typeof__(is_selinux_enabled) *enabled;
  __typeof__(selinux_lxc_contexts_path) *contexts;
  struct statfs sfs;
  void *lib;

  env->enabled = false;
  env->contexts_path = NULL;
  if (statfs("/sys/fs/selinux", &sfs) < 0 || sfs.f_type != SELINUX_FS_MAGIC)
    return;
  lib = dlopen("libselinux.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    /* Enabled, and no library to name the contexts: labelling fails
     * (lsm.c says so) rather than a label being silently skipped. */
    env->enabled = true;
    return;
  }
  enabled = (__typeof__(is_selinux_enabled) *)dlsym(lib, "is_selinux_enabled");
  contexts = (__typeof__(selinux_lxc_contexts_path) *)dlsym(lib, "selinux_lxc_contexts_path");
  env->enabled = enabled == NULL || enabled() == 1;
  env->contexts_path = contexts ? contexts() : NULL;
}

static char *trim(char *s) {
  char *e;
  s += strspn(s, " \t\r");
  e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
    *--e = '\0';
  return s;
}

/* gcc 12's analyzer loses a string stored through a pointer to a cleanup_free local */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
int sel_contexts_parse(const char *path, const char *buf, char **process, char **file, struct sk_error **err) {
  cleanup_free char *copy = strdup(buf);
  cleanup_free char *proc = NULL;
  cleanup_free char *fil = NULL;
  char *line, *save = NULL;
  unsigned lineno = 0;

  if (copy == NULL)
    return sk_error_set(err, ENOMEM, "%s", path);
  for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *eq, *k, *v;
    size_t n;
    lineno++;
    line[strcspn(line, "#")] = '\0';
    line = trim(line);
    if (*line == '\0')
      continue;
    eq = strchr(line, '=');
    if (eq == NULL)
      return sk_error_set(err, 0, "%s: line %u: \"%s\" is not key = \"value\"", path, lineno, line);
    *eq = '\0';
    k = trim(line);
    v = trim(eq + 1);
    n = strlen(v);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
      v[n - 1] = '\0';
      v++;
    }
    if (strcmp(k, "process") == 0 || strcmp(k, "file") == 0) {
      char **dst = k[0] == 'p' ? &proc : &fil;
      /* user:role:type:level at least */
      if (strchr(v, ':') == NULL || strchr(strchr(v, ':') + 1, ':') == NULL ||
          strchr(strchr(strchr(v, ':') + 1, ':') + 1, ':') == NULL)
        return sk_error_set(err, 0, "%s: line %u: %s: \"%s\" is not a context user:role:type:level", path, lineno, k,
                            v);
      free(*dst);
      *dst = strdup(v);
      if (*dst == NULL)
        return sk_error_set(err, ENOMEM, "%s", path);
    }
  }
  if (proc == NULL || fil == NULL)
    return sk_error_set(err, 0, "%s: no \"%s\" line; the host's SELinux policy has no container contexts", path,
                        proc == NULL ? "process" : "file");
  *process = steal_pointer(&proc);
  *file = steal_pointer(&fil);
  return 0;
}
SK_ANALYZER_END

int sel_context_with_mcs(const char *ctx, int a, int b, char **out, struct sk_error **err) {
  const char *p = ctx;
  int i;
  for (i = 0; i < 3 && p; i++) {
    p = strchr(p, ':');
    if (p)
      p++;
  }
  if (p == NULL)
    return sk_error_set(err, 0, "SELinux context \"%s\" has no level", ctx);
  if (asprintf(out, "%.*ss0:c%d,c%d", (int)(p - ctx), ctx, a, b) < 0)
    return sk_error_set(err, ENOMEM, "SELinux label");
  return 0;
}

static int mcs_dir(const char *state_root, char **dir, struct sk_error **err) {
  if (asprintf(dir, "%s/mcs", state_root) < 0)
    return sk_error_set(err, ENOMEM, "MCS state");
  return 0;
}

/* The key a pair file holds, or "" when unreadable. */
static void read_owner(int dfd, const char *name, char *key, size_t size) {
  cleanup_close int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  ssize_t n = fd < 0 ? -1 : read(fd, key, size - 1);
  key[n > 0 ? n : 0] = '\0';
  key[strcspn(key, "\n")] = '\0';
}

/* Create the pair file; 1 when taken by a live container, 0 when ours. */
/* One attempt at taking the pair's file name: 0 taken, 1 held, 2 free
 * again (released meanwhile, or its owner was gone): try once more. */
static int mcs_try_once(int dfd, const char *state_root, const char *key, const char *name, struct sk_error **err) {
  char owner[128];
  struct stat st;
  cleanup_close int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd >= 0) {
    size_t len = strlen(key);
    if (write(fd, key, len) != (ssize_t)len) {
      int e = errno;
      unlinkat(dfd, name, 0);
      return sk_error_set(err, e ? e : ENOSPC, "cannot write the MCS allocation %s", name);
    }
    return 0;
  }
  if (errno != EEXIST)
    return sk_error_set(err, errno, "cannot create the MCS allocation %s", name);
  /* Held: by a container whose state is gone (a create killed before
   * it finished, a host that lost the runtime's state)? */
  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 2; /* released meanwhile: try again */
  read_owner(dfd, name, owner, sizeof(owner));
  if (!lsm_owner_gone(state_root, owner, st.st_mtime))
    return 1;
  unlinkat(dfd, name, 0);
  return 2;
}

static int mcs_try(int dfd, const char *state_root, const char *key, int a, int b, struct sk_error **err) {
  char name[32];
  int attempt, r;
  snprintf(name, sizeof(name), "c%d,c%d", a, b);
  for (attempt = 0; attempt < 2; attempt++)
    if ((r = mcs_try_once(dfd, state_root, key, name, err)) != 2)
      return r;
  return 1;
}

int sel_mcs_take(const char *state_root, const char *key, int a, int b, struct sk_error **err) {
  cleanup_free char *dir = NULL;
  cleanup_close int dfd = -1;
  if (a < 0 || b <= a || b >= SEL_MCS_MAX)
    return sk_error_set(err, EINVAL, "MCS pair c%d,c%d", a, b);
  if (mcs_dir(state_root, &dir, err) < 0 || mkdir_p(dir, 0700, err) < 0)
    return -1;
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return sk_error_set(err, errno, "cannot open %s", dir);
  return mcs_try(dfd, state_root, key, a, b, err);
}

int sel_mcs_alloc(const char *state_root, const char *key, int *a, int *b, struct sk_error **err) {
  cleanup_free char *dir = NULL;
  cleanup_close int dfd = -1;
  int i, x, y, r;

  if (mcs_dir(state_root, &dir, err) < 0 || mkdir_p(dir, 0700, err) < 0)
    return -1;
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return sk_error_set(err, errno, "cannot open %s", dir);
  /* Random pairs first (523776 of them: a collision is rare), then every
   * pair in order, so a nearly full space still finds the free ones. */
  for (i = 0; i < 64; i++) {
    unsigned short rnd[2];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
      break;
    x = rnd[0] % SEL_MCS_MAX;
    y = rnd[1] % SEL_MCS_MAX;
    if (x == y)
      continue;
    if (x > y) {
      int t = x;
      x = y;
      y = t;
    }
    r = mcs_try(dfd, state_root, key, x, y, err);
    if (r < 0)
      return -1;
    if (r == 0) {
      *a = x;
      *b = y;
      return 0;
    }
  }
  for (x = 0; x < SEL_MCS_MAX; x++)
    for (y = x + 1; y < SEL_MCS_MAX; y++) {
      r = mcs_try(dfd, state_root, key, x, y, err);
      if (r < 0)
        return -1;
      if (r == 0) {
        *a = x;
        *b = y;
        return 0;
      }
    }
  return sk_error_set(err, 0, "every MCS category pair under %s is in use", dir);
}

int sel_mcs_release(const char *state_root, const char *key, int *released, struct sk_error **err) {
  cleanup_free char *dir = NULL;
  cleanup_dir DIR *d = NULL;
  struct dirent *e;
  int n = 0;

  if (released)
    *released = 0;
  if (mcs_dir(state_root, &dir, err) < 0)
    return -1;
  d = opendir(dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : sk_error_set(err, errno, "cannot read %s", dir);
  while ((e = readdir(d))) {
    char owner[128];
    if (e->d_name[0] != 'c')
      continue;
    read_owner(dirfd(d), e->d_name, owner, sizeof(owner));
    if (strcmp(owner, key) != 0)
      continue;
    if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
      return sk_error_set(err, errno, "cannot release the MCS allocation %s/%s", dir, e->d_name);
    n++;
  }
  if (released)
    *released = n;
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor's own cgroup: where its CPU is charged, and how much it
 * may take (docs/operations.md, "Where the supervisor's CPU goes").
 *
 * Each supervisor runs in <cpu hierarchy>/stockade/<state key>, a cgroup
 * of its own under one parent for every supervisor of the node, limited to
 * the config's supervisorCpuPercent of one CPU. Not the container's
 * cgroup: runc and crun delete that one at `delete` and fail while a
 * process is still in it, and the container's limits would then also
 * throttle the process that judges it. Not the engine's: a flood of execs
 * would be charged to containerd.
 *
 * Who owns what: the supervisor makes its cgroup and opens its
 * cgroup.procs before it confines itself (sup_cgroup_prepare), moves itself
 * in once it has told create "ok" (sup_cgroup_join), moves itself out to the
 * hierarchy's root and removes it when it ends (sup_cgroup_leave); `stockade
 * delete` removes it once more after the supervisor is gone, for one that
 * was killed (sup_cgroup_remove). A cgroup of a supervisor still running
 * is busy (EBUSY) and stays. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/supervisor.h"

#include "sup_int.h"

#define V2_ROOT "/sys/fs/cgroup"
#define V1_CPU_ROOT "/sys/fs/cgroup/cpu"
#define PARENT "stockade"
#define PERIOD_US 100000

/* The hierarchy holding the cpu controller: v2 when the unified root
 * offers "cpu", else v1's cpu hierarchy; NULL when neither. */
static const char *cpu_root(bool *v2) {
  struct stat st;
  char buf[512];
  cleanup_close int fd = open(V2_ROOT "/cgroup.controllers", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
  if (n > 0) {
    char *tok, *save = NULL;
    buf[n] = '\0';
    for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
      if (strcmp(tok, "cpu") == 0) {
        *v2 = true;
        return V2_ROOT;
      }
    }
  }
  /* stat, not access: the confined supervisor's filter allows newfstatat */
  if (stat(V1_CPU_ROOT "/cgroup.procs", &st) == 0) {
    *v2 = false;
    return V1_CPU_ROOT;
  }
  return NULL;
}

static const char *state_key(const char *state_dir) {
  const char *k = strrchr(state_dir, '/');
  return k ? k + 1 : state_dir;
}

static int write_text(const char *path, const char *text) {
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  size_t n = strlen(text);
  if (fd < 0)
    return -1;
  return write(fd, text, n) == (ssize_t)n ? 0 : -1;
}

int sup_cgroup_path(const char *state_dir, char *out, size_t size) {
  bool v2;
  const char *root = cpu_root(&v2);
  if (root == NULL)
    return -1;
  return snprintf(out, size, "%s/%s/%s", root, PARENT, state_key(state_dir)) < (int)size ? 0 : -1;
}

int sup_cgroup_prepare(const char *state_dir, unsigned cpu_percent, int *procs_fd, char *where, size_t size,
                       struct sk_error **err) {
  char dir[PATH_MAX], file[PATH_MAX + 32], val[64];
  bool v2 = false;
  const char *root = cpu_root(&v2);

  *procs_fd = -1;
  if (cpu_percent == 0) {
    snprintf(where, size, "left in its caller's cgroup (supervisorCpuPercent 0)");
    return 0;
  }
  if (root == NULL)
    return sk_error_set(err, ENOENT, "no cgroup hierarchy with the cpu controller (%s/cgroup.controllers, %s)", V2_ROOT,
                        V1_CPU_ROOT);
  snprintf(dir, sizeof(dir), "%s/%s", root, PARENT);
  if (mkdir(dir, 0755) < 0 && errno != EEXIST)
    return sk_error_set(err, errno, "cannot create %s", dir);
  /* v2: the parent's children get the cpu controller (the root's too) */
  if (v2) {
    snprintf(file, sizeof(file), "%s/cgroup.subtree_control", dir);
    if (write_text(V2_ROOT "/cgroup.subtree_control", "+cpu") < 0 || write_text(file, "+cpu") < 0)
      return sk_error_set(err, errno, "cannot enable the cpu controller below %s", dir);
  }
  if (snprintf(dir, sizeof(dir), "%s/%s/%s", root, PARENT, state_key(state_dir)) >= (int)sizeof(dir))
    return sk_error_set(err, ENAMETOOLONG, "cgroup path");
  if (mkdir(dir, 0755) < 0 && errno != EEXIST)
    return sk_error_set(err, errno, "cannot create %s", dir);
  /* quota per period: percent of one CPU */
  if (v2) {
    snprintf(file, sizeof(file), "%s/cpu.max", dir);
    snprintf(val, sizeof(val), "%llu %d", (unsigned long long)cpu_percent * PERIOD_US / 100, PERIOD_US);
    if (write_text(file, val) < 0)
      return sk_error_set(err, errno, "cannot write \"%s\" to %s", val, file);
  } else {
    snprintf(file, sizeof(file), "%s/cpu.cfs_period_us", dir);
    snprintf(val, sizeof(val), "%d", PERIOD_US);
    if (write_text(file, val) < 0)
      return sk_error_set(err, errno, "cannot write %s to %s", val, file);
    snprintf(file, sizeof(file), "%s/cpu.cfs_quota_us", dir);
    snprintf(val, sizeof(val), "%llu", (unsigned long long)cpu_percent * PERIOD_US / 100);
    if (write_text(file, val) < 0)
      return sk_error_set(err, errno, "cannot write %s to %s", val, file);
  }
  snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
  *procs_fd = open(file, O_WRONLY | O_CLOEXEC);
  if (*procs_fd < 0)
    return sk_error_set(err, errno, "cannot open %s", file);
  snprintf(where, size, "cgroup %s (cpu%s, %u%% of one CPU)", dir + strlen(root), v2 ? "" : " v1", cpu_percent);
  return 0;
}

int sup_cgroup_join(int procs_fd, struct sk_error **err) {
  if (write(procs_fd, "0", 1) != 1)
    return sk_error_set(err, errno, "cannot move the supervisor into its cgroup");
  return 0;
}

void sup_cgroup_leave(const char *state_dir) {
  char dir[PATH_MAX], file[PATH_MAX + 16];
  bool v2;
  const char *root = cpu_root(&v2);
  struct stat st;
  if (root == NULL || sup_cgroup_path(state_dir, dir, sizeof(dir)) < 0 || stat(dir, &st) < 0)
    return;
  /* The root of the hierarchy takes any process (v2's no-internal-process
   * rule would refuse the parent). */
  snprintf(file, sizeof(file), "%s/cgroup.procs", root);
  if (write_text(file, "0") == 0)
    (void)unlinkat(AT_FDCWD, dir, AT_REMOVEDIR);
}

void sup_cgroup_remove(const char *state_dir) {
  char dir[PATH_MAX];
  if (sup_cgroup_path(state_dir, dir, sizeof(dir)) == 0)
    (void)unlinkat(AT_FDCWD, dir, AT_REMOVEDIR); /* EBUSY while a supervisor is in it; ENOENT when gone */
}

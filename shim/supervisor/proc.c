/* SPDX-License-Identifier: Apache-2.0 */
/* What /proc and process_vm_readv say of a thread of the container: its
 * memory, its ids, the owner of a pid it names. For learning's inference
 * and the watch on what hardening took away (diag.c). And this process's
 * own descriptors (sup_close_others), for the supervisor and its helper. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "stockade/cleanup.h"

#include "sup_int.h"

int proc_read(void *ctx, pid_t pid, uint64_t addr, void *buf, size_t len) {
  struct iovec local = {buf, len};
  struct iovec remote = {(void *)(uintptr_t)addr, len};
  (void)ctx;
  return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* A field of /proc/<pid>/status ("Uid:", "NSpid:"): the line after the key. */
bool proc_status_line(pid_t pid, const char *key, char *out, size_t size) {
  char p[64], line[512];
  cleanup_fclose FILE *f = NULL;
  snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
  f = fopen(p, "re");
  while (f && fgets(line, sizeof(line), f)) {
    if (strncmp(line, key, strlen(key)) == 0) {
      snprintf(out, size, "%s", line + strlen(key));
      return true;
    }
  }
  return false;
}

bool proc_effective_id(pid_t pid, const char *key, unsigned *id) {
  char v[256];
  unsigned r, e;
  if (!proc_status_line(pid, key, v, sizeof(v)) || sscanf(v, "%u %u", &r, &e) != 2)
    return false;
  *id = e;
  return true;
}

bool proc_euid(pid_t pid, uid_t *uid) {
  unsigned id;
  if (!proc_effective_id(pid, "Uid:", &id))
    return false;
  *uid = id;
  return true;
}

/* The effective uid of the process the caller calls `target` (a pid in the
 * caller's PID namespace): the host process in the same namespace whose
 * NSpid ends with target. */
int proc_uid_of_target(void *ctx, pid_t caller, pid_t target, uid_t *uid) {
  char ns_caller[64], link[64], ns[64], v[256];
  cleanup_dir DIR *d = opendir("/proc");
  struct dirent *de;
  ssize_t n;
  (void)ctx;
  snprintf(link, sizeof(link), "/proc/%d/ns/pid", (int)caller);
  n = readlink(link, ns_caller, sizeof(ns_caller) - 1);
  if (n < 0 || d == NULL)
    return -1;
  ns_caller[n] = '\0';
  while ((de = readdir(d))) {
    pid_t p = (pid_t)atoi(de->d_name);
    char *last;
    if (p <= 0)
      continue;
    snprintf(link, sizeof(link), "/proc/%d/ns/pid", (int)p);
    n = readlink(link, ns, sizeof(ns) - 1);
    if (n < 0)
      continue;
    ns[n] = '\0';
    if (strcmp(ns, ns_caller) != 0 || !proc_status_line(p, "NSpid:", v, sizeof(v)))
      continue;
    v[strcspn(v, "\n")] = '\0';
    last = strrchr(v, '\t');
    if (atoi(last ? last + 1 : v) == (int)target)
      return proc_euid(p, uid) ? 0 : -1;
  }
  return -1;
}

/* The old way, where close_range(2) is missing (before Linux 5.9): every
 * descriptor /proc/self/fd lists but the kept ones. */
static void close_listed(const int *keep, int n_keep) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *de;
  int i;
  if (d == NULL)
    return;
  while ((de = readdir(d))) {
    int fd = atoi(de->d_name);
    bool k = fd <= 2 || fd == dirfd(d) || de->d_name[0] == '.';
    for (i = 0; i < n_keep; i++)
      k = k || fd == keep[i];
    if (!k)
      close(fd);
  }
  closedir(d);
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* stdio to /dev/null, then every descriptor above 2 but the kept ones
 * (negative ones are none): close_range(2) over the gaps between them, a
 * few syscalls and no memory touched, where listing /proc/self/fd cost a
 * freshly forked supervisor 0.4 ms. */
int sup_close_others(const int *keep, int n_keep) {
  int devnull, k[16], n = 0, i;
  unsigned lo = 3;

  for (i = 0; i < n_keep; i++)
    if (keep[i] >= 0 && keep[i] <= 2)
      return -1;
  devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (devnull > 2)
      close(devnull);
  }
  if (n_keep > (int)(sizeof(k) / sizeof(k[0]))) {
    close_listed(keep, n_keep);
    return 0;
  }
  for (i = 0; i < n_keep; i++)
    if (keep[i] > 2)
      k[n++] = keep[i];
  qsort(k, (size_t)n, sizeof(k[0]), cmp_int);
  for (i = 0; i < n; i++) {
    if ((unsigned)k[i] > lo && close_range(lo, (unsigned)k[i] - 1, 0) < 0) {
      close_listed(keep, n_keep);
      return 0;
    }
    lo = (unsigned)k[i] + 1;
  }
  if (close_range(lo, ~0U, 0) < 0)
    close_listed(keep, n_keep);
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* A container's mounts and the facts about an executed file that can be
 * learned from its descriptor alone. Used on the supervisor's event path:
 * nothing here opens a file on a container mount (that would raise new
 * fanotify permission events while one is being answered). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/mounts.h"
#include "stockade/sys.h"

/* The fields of one mountinfo line we need (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
 * Fields 1-6 are fixed, 7 is zero or more optional fields ended by "-". */
#define MI_FIXED 6

/* Decode the octal escapes the kernel writes for space, tab, newline and
 * backslash (\040 \011 \012 \134) in place; other text is copied. */
static void unescape(char *s) {
  char *w = s;
  while (*s) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *w++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
      s += 4;
    } else {
      *w++ = *s++;
    }
  }
  *w = '\0';
}

/* "rw" or "ro" among the comma-separated per-mount options. */
static bool options_writable(const char *opts) {
  const char *p = opts;
  while (*p) {
    size_t n = strcspn(p, ",");
    if (n == 2 && strncmp(p, "ro", 2) == 0)
      return false;
    p += n;
    if (*p == ',')
      p++;
  }
  return true;
}

static void entry_free(struct mount_entry *e) {
  free(e->mountpoint);
  free(e->fstype);
}

void mounts_free(struct mount_table *t) {
  if (t == NULL)
    return;
  for (size_t i = 0; i < t->n; i++)
    entry_free(&t->v[i]);
  free(t->v);
  t->v = NULL;
  t->n = 0;
}

/* Parse one line (NUL-terminated, no newline) into e. */
static int parse_line(char *line, size_t lineno, struct mount_entry *e, struct sk_error **err) {
  char *field[MI_FIXED], *fstype = NULL, *save = NULL, *tok, *end;
  size_t n = 0;
  long id;

  for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    if (n < MI_FIXED) {
      field[n++] = tok;
    } else if (strcmp(tok, "-") == 0) {
      fstype = strtok_r(NULL, " ", &save);
      break;
    }
  }
  if (n < MI_FIXED || fstype == NULL)
    return sk_error_set(err, 0, "mountinfo line %zu: expected \"ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - TYPE\"",
                        lineno);
  errno = 0;
  id = strtol(field[0], &end, 10);
  if (errno || end == field[0] || *end != '\0' || id < 0 || id > INT32_MAX)
    return sk_error_set(err, 0, "mountinfo line %zu: mount id \"%s\" is not a number", lineno, field[0]);
  if (field[4][0] != '/')
    return sk_error_set(err, 0, "mountinfo line %zu: mount point \"%s\" is not absolute", lineno, field[4]);

  unescape(field[4]);
  unescape(fstype);
  e->id = (int)id;
  e->mountpoint = strdup(field[4]);
  e->fstype = strdup(fstype);
  e->writable = options_writable(field[5]);
  e->is_root = strcmp(e->mountpoint ? e->mountpoint : "", "/") == 0;
  if (e->mountpoint == NULL || e->fstype == NULL) {
    entry_free(e);
    return sk_error_set(err, ENOMEM, "mountinfo line %zu", lineno);
  }
  return 0;
}

int mounts_parse(const char *text, struct mount_table *t, struct sk_error **err) {
  cleanup_free char *copy = strdup(text ? text : "");
  struct mount_table out = {NULL, 0};
  size_t cap = 0, lineno = 0;
  char *line, *next;

  if (copy == NULL)
    return sk_error_set(err, ENOMEM, "mountinfo");
  for (line = copy; *line; line = next) {
    struct mount_entry e = {0};
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    else
      next = line + strlen(line);
    lineno++;
    if (*line == '\0')
      continue;
    if (parse_line(line, lineno, &e, err) < 0) {
      mounts_free(&out);
      return -1;
    }
    if (out.n == cap) {
      struct mount_entry *v = realloc(out.v, (cap ? cap * 2 : 32) * sizeof(*v));
      if (v == NULL) {
        entry_free(&e);
        mounts_free(&out);
        return sk_error_set(err, ENOMEM, "mountinfo");
      }
      out.v = v;
      cap = cap ? cap * 2 : 32;
    }
    out.v[out.n++] = e;
  }
  *t = out;
  return 0;
}

int mounts_load(pid_t pid, struct mount_table *t, struct sk_error **err) {
  cleanup_free char *text = NULL;
  char path[64];
  size_t len;

  snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
  if (read_file(path, &text, &len, err) < 0)
    return -1;
  if (strlen(text) != len)
    return sk_error_set(err, 0, "%s: unexpected NUL byte", path);
  if (mounts_parse(text, t, err) < 0)
    return sk_error_wrap(err, "%s", path);
  return 0;
}

const struct mount_entry *mounts_find(const struct mount_table *t, int mnt_id) {
  for (size_t i = 0; t && i < t->n; i++)
    if (t->v[i].id == mnt_id)
      return &t->v[i];
  return NULL;
}

/* devtmpfs is the host's /dev, never the container's own: not a place for
 * programs either way. */
bool mounts_pseudo_fs(const char *fstype) {
  static const char *const names[] = {"proc",      "sysfs",      "devtmpfs",   "devpts",      "mqueue",  "cgroup",
                                      "cgroup2",   "securityfs", "debugfs",    "tracefs",     "bpf",     "configfs",
                                      "pstore",    "efivarfs",   "selinuxfs",  "binfmt_misc", "fusectl", "nsfs",
                                      "hugetlbfs", "autofs",     "rpc_pipefs", "nfsd"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(fstype, names[i]) == 0)
      return true;
  return false;
}

enum exec_where mounts_where(const struct mount_entry *m, bool written_after_start, bool memfd) {
  if (memfd)
    return WHERE_MEMFD;
  if (m == NULL || m->fstype == NULL)
    return WHERE_OTHER;
  /* The root comes first: a root that is itself a tmpfs (a bundle on
   * tmpfs, an initramfs) is still the image the container started with;
   * what was written there after start is drift like an overlay upper. */
  if (m->is_root)
    return written_after_start ? WHERE_UPPER : WHERE_IMAGE;
  if (mounts_pseudo_fs(m->fstype))
    return WHERE_OTHER;
  /* tmpfs whether rw or ro: a read-only tmpfs still held whatever was put
   * there before it was made read-only, by the runtime or the container. */
  if (strcmp(m->fstype, "tmpfs") == 0 || strcmp(m->fstype, "ramfs") == 0)
    return WHERE_TMPFS;
  if (m->writable)
    return WHERE_VOLUME;
  return WHERE_OTHER;
}

/* ctime > started: written after the reference. `started` is a ctime the
 * kernel stamped itself (mounts_clock_stamp), so it comes from the clock
 * that stamps every other file: a file written before it carries a ctime
 * at or below it, whichever granularity (coarse tick or, since Linux 6.13,
 * a multigrain fine-grained stamp) each got. A file written in the same
 * tick after it could carry the same value: mounts_clock_settle closes
 * that gap before the container runs anything. */
static bool ctime_after(int64_t sec, uint32_t nsec, const struct timespec *started) {
  return sec > (int64_t)started->tv_sec || (sec == (int64_t)started->tv_sec && (long)nsec > started->tv_nsec);
}

int mounts_clock_stamp(int fd, struct timespec *out, struct sk_error **err) {
  struct statx stx;
  /* A change of mode, even to the same mode, makes the kernel stamp ctime
   * with the time it stamps every inode change with (current_time(), with
   * the multigrain floor since 6.13); nothing else about the file changes. */
  if (fchmod(fd, 0600) < 0)
    return sk_error_set(err, errno, "cannot stamp the reference file's ctime (fchmod)");
  memset(&stx, 0, sizeof(stx));
  if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_CTIME, &stx) < 0)
    return sk_error_set(err, errno, "cannot read the reference file's ctime (statx)");
  if (!(stx.stx_mask & STATX_CTIME))
    return sk_error_set(err, EOPNOTSUPP, "the reference file's file system reports no ctime");
  out->tv_sec = (time_t)stx.stx_ctime.tv_sec;
  out->tv_nsec = (long)stx.stx_ctime.tv_nsec;
  return 0;
}

static int64_t ts_ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec; }

bool mounts_clock_settle(const struct timespec *ref, int max_ms) {
  struct timespec res = {0, 1000000}, start, now, coarse, fine;
  /* The coarse clock reads the time of the last tick and moves on at the
   * next, one resolution later: sleep until then, not in steps of a
   * millisecond (the wait is on the container's first exec; polling
   * overshot it by 0.5 ms on average). */
  (void)clock_getres(CLOCK_REALTIME_COARSE, &res);
  if (clock_gettime(CLOCK_MONOTONIC, &start) < 0)
    return false;
  for (;;) {
    int64_t wait;
    if (clock_gettime(CLOCK_REALTIME_COARSE, &coarse) < 0 || clock_gettime(CLOCK_REALTIME, &fine) < 0 ||
        clock_gettime(CLOCK_MONOTONIC, &now) < 0)
      return false;
    if (coarse.tv_sec > ref->tv_sec || (coarse.tv_sec == ref->tv_sec && coarse.tv_nsec > ref->tv_nsec))
      return true;
    if (ts_ns(&now) - ts_ns(&start) >= (int64_t)max_ms * 1000000)
      return false;
    /* a little past the tick; at least 20 us (a tick the kernel skipped
     * while idle comes when this wakes it), at most one resolution */
    wait = ts_ns(&coarse) + ts_ns(&res) - ts_ns(&fine) + 20000;
    if (wait < 20000)
      wait = 20000;
    if (wait > ts_ns(&res))
      wait = ts_ns(&res);
    /* ppoll as a sleep: the supervisor's own filter allows it (confine_rules.c) */
    (void)ppoll(NULL, 0, &(struct timespec){.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000}, NULL);
  }
}

int mounts_container_path(const struct mount_table *t, int mnt_id, const char *path, char *out, size_t size) {
  const struct mount_entry *m = mounts_find(t, mnt_id);
  size_t mp;
  int n;

  if (m == NULL || m->is_root || m->mountpoint == NULL || strcmp(m->mountpoint, "/") == 0 || path[0] != '/' ||
      ((mp = strlen(m->mountpoint)), strncmp(path, m->mountpoint, mp) == 0 && (path[mp] == '/' || path[mp] == '\0')))
    n = snprintf(out, size, "%s", path);
  else if (strcmp(path, "/") == 0)
    n = snprintf(out, size, "%s", m->mountpoint);
  else
    n = snprintf(out, size, "%s%s", m->mountpoint, path);
  if (n < 0 || (size_t)n >= size) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

int mounts_fd_mount_id(int fd) {
  struct statx stx;
  char path[64], line[128];
  cleanup_fclose FILE *info = NULL;
  int id = -1;

  if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID))
    return (int)stx.stx_mnt_id;
  snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd); /* before Linux 5.8 */
  info = fopen(path, "re");
  while (info && fgets(line, sizeof(line), info))
    if (sscanf(line, "mnt_id: %d", &id) == 1)
      break;
  return id;
}

int mounts_fact_from_fd(int fd, const struct mount_table *t, const struct timespec *started, struct exec_fact *f,
                        char *path, struct sk_error **err) {
  struct statx stx;
  char link[64];
  ssize_t n;
  int mnt_id = -1;
  bool memfd, after;

  memset(&stx, 0, sizeof(stx));
  if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_MNT_ID | STATX_CTIME | STATX_INO | STATX_SIZE, &stx) <
      0)
    return sk_error_set(err, errno, "statx of descriptor %d", fd);
  if (stx.stx_mask & STATX_MNT_ID)
    mnt_id = (int)stx.stx_mnt_id;
  else
    mnt_id = mounts_fd_mount_id(fd);

  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = readlink(link, path, PATH_MAX - 1);
  if (n < 0)
    return sk_error_set(err, errno, "cannot read %s", link);
  path[n] = '\0';

  /* A memfd reads "/memfd:NAME (deleted)" and lives on the kernel's
   * internal shmem mount, which is never one of the container's: a file
   * named "memfd:x" in the container is found in the table. */
  memfd = strncmp(path, "/memfd:", 7) == 0 && mounts_find(t, mnt_id) == NULL;
  /* Without a ctime there is no telling when the file was written: count
   * it as written after start (fail closed). */
  after = !(stx.stx_mask & STATX_CTIME) || ctime_after(stx.stx_ctime.tv_sec, stx.stx_ctime.tv_nsec, started);

  f->path = path;
  f->written_after_start = after;
  f->fileless = memfd;
  f->where = mounts_where(mounts_find(t, mnt_id), after, memfd);
  f->sha256 = NULL;
  f->sha256_skipped = NULL;
  return 0;
}

void mounts_fact_on(const struct mount_entry *m, bool has_ctime, int64_t sec, uint32_t nsec,
                    const struct timespec *started, struct exec_fact *f) {
  bool after = !has_ctime || ctime_after(sec, nsec, started);
  f->written_after_start = after;
  f->fileless = false;
  f->where = mounts_where(m, after, false);
  f->sha256 = NULL;
  f->sha256_skipped = NULL;
}

int mounts_fact_path(int fd, char *path, struct exec_fact *f, struct sk_error **err) {
  char link[64];
  ssize_t n;
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = readlink(link, path, PATH_MAX - 1);
  if (n < 0)
    return sk_error_set(err, errno, "cannot read %s", link);
  path[n] = '\0';
  f->path = path;
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* fanotify: the final word on every exec of the container, taken on the
 * file the kernel actually opened for execution.
 *
 * Who owns what: struct fan owns the fanotify fd (created in `stockade
 * create`, inherited by the supervisor). Each event brings a descriptor of
 * the executed file, opened by the kernel for us without raising another
 * event; it is ours to read (pread only), to answer by, and to close, on
 * every path. While an event is unanswered, a process of the container is
 * blocked in execve: nothing on this path may wait for the container, and
 * nothing may open a file on a marked mount (that open would itself wait
 * for us: a deadlock). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "stockade/analyzer.h"
#include "stockade/cleanup.h"
#include "stockade/fan.h"
#include "stockade/log.h"
#include "stockade/str.h"

#include "fan_int.h"

int fan_open(struct fan **out, struct sk_error **err) {
  struct fan *f;
  int fd;

  /* FAN_REPORT_TID: an event names the thread that executes, whose own
   * root, cwd and descriptors resolve a script's interpreter (before Linux
   * 4.20, the process: its thread group leader's). */
  fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE | FAN_REPORT_TID,
                     O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0 && errno == EINVAL)
    fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
                       O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == EPERM)
      return sk_error_set(err, e, "fanotify_init: the supervisor needs CAP_SYS_ADMIN");
    return sk_error_set(err, e,
                        "fanotify_init(FAN_CLASS_CONTENT): the kernel needs CONFIG_FANOTIFY and "
                        "CONFIG_FANOTIFY_ACCESS_PERMISSIONS");
  }
  /* Does the kernel know FAN_OPEN_EXEC_PERM (Linux 5.0)? Ask with a mark on
   * a directory, which is never executed, and take it away again. */
  if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN_EXEC_PERM, AT_FDCWD, "/") < 0) {
    int e = errno;
    close(fd);
    if (e == EINVAL)
      return sk_error_set(err, e, "fanotify_mark(FAN_OPEN_EXEC_PERM): the kernel is older than Linux 5.0");
    return sk_error_set(err, e, "fanotify_mark(FAN_OPEN_EXEC_PERM) on /");
  }
  (void)fanotify_mark(fd, FAN_MARK_REMOVE | FAN_MARK_ONLYDIR, FAN_OPEN_EXEC_PERM, AT_FDCWD, "/");

  f = calloc(1, sizeof(*f));
  if (f == NULL) {
    close(fd);
    return sk_error_set(err, ENOMEM, "fanotify");
  }
  f->fd = fd;
  f->mask = FAN_OPEN_EXEC_PERM;
  f->hash_max_bytes = FAN_HASH_MAX_BYTES;
  f->hash_max_ms = FAN_HASH_MAX_MS;
  for (int i = 0; i < FAN_INTERRUPT_FDS; i++)
    f->interrupt[i] = -1;
  *out = f;
  return 0;
}

int fan_fd(const struct fan *f) { return f ? f->fd : -1; }

const struct mount_table *fan_mounts(const struct fan *f) { return f ? &f->mounts : NULL; }

void fan_stats(const struct fan *f, struct fan_stats *out) {
  if (f)
    *out = f->stats;
  else
    memset(out, 0, sizeof(*out));
}

void fan_close(struct fan *f) {
  if (f == NULL)
    return;
  if (f->fd >= 0)
    close(f->fd);
  mounts_free(&f->mounts);
  free(f);
}

/* --- marks --- */

/* Is mount i of t hidden by a mount made after it at the same place or
 * above it? (mountinfo lists a namespace's mounts in the order they were
 * made.) */
static bool covered(const struct mount_table *t, size_t i) {
  for (size_t j = i + 1; j < t->n; j++)
    if (path_is_under(t->v[i].mountpoint, t->v[j].mountpoint))
      return true;
  return false;
}

/* The mount point inside the container's root, O_PATH (no open event, no
 * device opened, nothing read). openat2 RESOLVE_IN_ROOT keeps the
 * container's symlinks (a mount target that is a link to a host path)
 * inside its root. Without openat2 (before Linux 5.6, or under valgrind,
 * which does not emulate it) the path goes through /proc/<pid>/root, where
 * an absolute link resolves against the host's root: the mount id check in
 * mark_one then refuses whatever mount that reaches, as it is not the
 * container's (mount ids are unique across namespaces). */
static int open_mountpoint(int rootfd, pid_t pid, const char *mountpoint) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  char path[PATH_MAX];
  int fd;

  fd = (int)syscall(SYS_openat2, rootfd, mountpoint, &how, sizeof(how));
  if (fd >= 0 || errno != ENOSYS)
    return fd;
  if (snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, mountpoint) >= (int)sizeof(path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return open(path, O_PATH | O_CLOEXEC);
}

/* Mark mount i of t. 0: marked; 1: skipped by design (why says why); -1:
 * failed (why says why). */
static int mark_one(struct fan *f, int rootfd, pid_t pid, const struct mount_table *t, size_t i, char *why,
                    size_t size) {
  const struct mount_entry *m = &t->v[i];
  cleanup_close int fd = -1;
  char self[64];
  int id, e;

  /* The kernel refuses permission events on proc (FS_DISALLOW_NOTIFY_PERM):
   * opening its files can take locks a waiting event would deadlock on.
   * Nothing on proc is a program: its exe and fd links lead to the file on
   * that file's own mount, which is marked. */
  if (strcmp(m->fstype, "proc") == 0) {
    snprintf(why, size, "proc: the kernel allows no permission events there, and it holds no programs");
    return 1;
  }
  fd = open_mountpoint(rootfd, pid, m->mountpoint);
  if (fd < 0) {
    e = errno;
    if ((e == ENOENT || e == ENOTDIR) && covered(t, i)) {
      snprintf(why, size, "covered by a later mount: no path reaches it");
      return 1;
    }
    snprintf(why, size, "cannot open it in the container's root: %s", strerror(e));
    return -1;
  }
  id = mounts_fd_mount_id(fd);
  if (id != m->id) {
    if (covered(t, i)) {
      snprintf(why, size, "covered by mount %d: no path reaches it", id);
      return 1;
    }
    snprintf(why, size, "its path leads to mount %d instead", id);
    return -1;
  }
  /* fanotify_mark takes no O_PATH descriptor; its /proc/self/fd link
   * resolves to exactly the mount just checked. */
  snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
  if (fanotify_mark(f->fd, FAN_MARK_ADD | FAN_MARK_MOUNT, f->mask, AT_FDCWD, self) < 0) {
    e = errno;
    snprintf(why, size, "fanotify_mark: %s", strerror(e));
    return -1;
  }
  return 0;
}

/* f's table becomes t, plus the mounts of the old table that t does not
 * list (those of another mount namespace). t is taken over. */
/* gcc 12's analyzer loses the array once it is stored in f->mounts (fan_close frees it) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int table_merge(struct fan *f, struct mount_table *t) {
  size_t i, n = t->n;
  struct mount_entry *v;

  for (i = 0; i < f->mounts.n; i++)
    if (mounts_find(t, f->mounts.v[i].id) == NULL)
      n++;
  v = realloc(t->v, (n ? n : 1) * sizeof(*v));
  if (v == NULL)
    return -1;
  t->v = v;
  for (i = 0; i < f->mounts.n; i++) {
    if (mounts_find(t, f->mounts.v[i].id) == NULL) {
      t->v[t->n++] = f->mounts.v[i];
    } else {
      free(f->mounts.v[i].mountpoint);
      free(f->mounts.v[i].fstype);
    }
  }
  free(f->mounts.v);
  f->mounts = *t;
  t->v = NULL;
  t->n = 0;
  return 0;
}
SK_ANALYZER_END

/* Keep the mounts at or below root (every mount when root is "/"). */
static void table_keep_under(struct mount_table *t, const char *root) {
  size_t i, n = 0;
  if (strcmp(root, "/") == 0)
    return;
  for (i = 0; i < t->n; i++) {
    if (path_is_under(t->v[i].mountpoint, root)) {
      t->v[n++] = t->v[i];
    } else {
      free(t->v[i].mountpoint);
      free(t->v[i].fstype);
    }
  }
  t->n = n;
}

/* Mount points as the container will see them once root is its "/". */
/* gcc 12's analyzer loses the string once it is stored in t->v[i] (mounts_free frees it) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int table_rebase(struct mount_table *t, const char *root) {
  size_t i, rlen = strlen(root);
  if (strcmp(root, "/") == 0)
    return 0;
  while (rlen > 1 && root[rlen - 1] == '/')
    rlen--;
  for (i = 0; i < t->n; i++) {
    const char *rest = t->v[i].mountpoint + rlen;
    char *mp = strdup(*rest ? rest : "/");
    if (mp == NULL)
      return -1;
    free(t->v[i].mountpoint);
    t->v[i].mountpoint = mp;
    t->v[i].is_root = strcmp(mp, "/") == 0;
  }
  return 0;
}
SK_ANALYZER_END

int fan_mark_container(struct fan *f, pid_t pid, struct sk_error **err) {
  return fan_mark_container_at(f, pid, "/", err);
}

int fan_mark_container_at(struct fan *f, pid_t pid, const char *croot, struct sk_error **err) {
  struct mount_table t = {NULL, 0};
  cleanup_close int rootfd = -1;
  cleanup_free char *failed = NULL;
  size_t i, nfailed = 0;
  char root[64];

  if (croot == NULL || croot[0] != '/')
    return sk_error_set(err, EINVAL, "the container's root \"%s\" is not an absolute path", croot ? croot : "");
  if (mounts_load(pid, &t, err) < 0)
    return sk_error_wrap(err, "cannot watch the mounts of process %d", (int)pid);
  table_keep_under(&t, croot);
  if (t.n == 0) {
    mounts_free(&t);
    return sk_error_set(err, ENOENT, "process %d has no mount at or below %s: is that the container's root?", (int)pid,
                        croot);
  }
  snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
  rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) {
    int e = errno;
    mounts_free(&t);
    return sk_error_set(err, e, "cannot watch the mounts of process %d: %s", (int)pid, root);
  }

  /* Every mount, every time: a mark that exists already is left as it is
   * (FAN_MARK_ADD of the same mask), and a mount id seen before may now be
   * another mount (ids are reused once a mount is gone, with its mark). */
  for (i = 0; i < t.n; i++) {
    const struct mount_entry *m = &t.v[i];
    char why[256];
    int r = mark_one(f, rootfd, pid, &t, i, why, sizeof(why));

    if (r < 0 && mounts_pseudo_fs(m->fstype)) {
      log_msg(LOG_DEBUG, "fanotify: mount %d %s (%s) not marked: %s; no program can be there", m->id, m->mountpoint,
              m->fstype, why);
      r = 1;
    } else if (r > 0) {
      log_msg(LOG_DEBUG, "fanotify: mount %d %s (%s) not marked: %s", m->id, m->mountpoint, m->fstype, why);
    }
    t.v[i].marked = r == 0;
    if (r == 0) {
      f->stats.marks++;
    } else if (r > 0) {
      f->stats.marks_skipped++;
    } else {
      char *more = NULL;
      if (asprintf(&more, "%s%s%s (%s): %s", failed ? failed : "", failed ? "; " : "", m->mountpoint, m->fstype, why) <
          0) {
        mounts_free(&t);
        return sk_error_set(err, ENOMEM, "fanotify");
      }
      free(failed);
      failed = more;
      nfailed++;
    }
  }
  if (table_rebase(&t, croot) < 0 || table_merge(f, &t) < 0) {
    mounts_free(&t);
    return sk_error_set(err, ENOMEM, "fanotify");
  }
  if (nfailed > 0)
    return sk_error_set(err, 0, "cannot watch %zu mount%s of process %d: %s", nfailed, nfailed == 1 ? "" : "s",
                        (int)pid, failed);
  return 0;
}

/* --- hashes --- */

/* The file's key, or false when the kernel did not give all of it. */
bool fan_file_key(int fd, struct cache_entry *k) {
  struct statx stx;
  const unsigned want = STATX_INO | STATX_CTIME | STATX_SIZE;
  if (statx(fd, "", AT_EMPTY_PATH, want, &stx) < 0 || (stx.stx_mask & want) != want)
    return false;
  memset(k, 0, sizeof(*k));
  k->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  k->ino = stx.stx_ino;
  k->size = stx.stx_size;
  k->ctime_sec = stx.stx_ctime.tv_sec;
  k->ctime_nsec = stx.stx_ctime.tv_nsec;
  k->used = 1;
  return true;
}

static void to_hex(const unsigned char d[32], char hex[65]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    hex[2 * i] = digits[d[i] >> 4];
    hex[2 * i + 1] = digits[d[i] & 15];
  }
  hex[64] = '\0';
}

void fan_set_hash_limits(struct fan *f, uint64_t max_bytes, unsigned max_ms) {
  f->hash_max_bytes = max_bytes;
  f->hash_max_ms = max_ms;
}

void fan_set_interrupt(struct fan *f, int slot, int fd) {
  if (slot >= 0 && slot < FAN_INTERRUPT_FDS)
    f->interrupt[slot] = fd;
}

static int64_t ms_since(const struct timespec *t0) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Has the supervisor something more urgent than this hash (a signal, its
 * container gone)? A poll with no wait on the fds the loop would wake for. */
static bool interrupted(const struct fan *f) {
  struct pollfd p[FAN_INTERRUPT_FDS];
  int n = 0;
  for (int i = 0; f && i < FAN_INTERRUPT_FDS; i++)
    if (f->interrupt[i] >= 0)
      p[n++] = (struct pollfd){.fd = f->interrupt[i], .events = POLLIN};
  return n > 0 && poll(p, (nfds_t)n, 0) > 0;
}

static struct cache_entry *cache_find(struct fan *f, const struct cache_entry *key, size_t base) {
  for (size_t p = 0; p < CACHE_PROBE; p++) {
    struct cache_entry *e = &f->cache[(base + p) & (CACHE_SIZE - 1)];
    if (same_key(e, key))
      return e;
  }
  return NULL;
}

static void cache_put(struct fan *f, const struct cache_entry *key, size_t base, const unsigned char *sha,
                      bool too_slow) {
  struct cache_entry *slot = NULL;
  for (size_t p = 0; p < CACHE_PROBE && slot == NULL; p++)
    if (!f->cache[(base + p) & (CACHE_SIZE - 1)].used)
      slot = &f->cache[(base + p) & (CACHE_SIZE - 1)];
  if (slot == NULL) /* evict: each of the probe slots in turn */
    slot = &f->cache[(base + f->evict++ % CACHE_PROBE) & (CACHE_SIZE - 1)];
  *slot = *key;
  slot->too_slow = too_slow;
  if (sha)
    memcpy(slot->sha, sha, 32);
}

int fan_hash_fd_bounded(struct fan *f, int fd, char hex[65], char *why, size_t why_size, struct sk_error **err) {
  struct cache_entry key, after;
  struct sha256_ctx c;
  struct timespec t0;
  struct stat st;
  cleanup_free unsigned char *own = f ? NULL : malloc(HASH_BUF);
  unsigned char *buf = f ? f->buf : own;
  unsigned char d[32];
  bool keyed = f && fan_file_key(fd, &key);
  size_t base = keyed ? slot_of(&key) : 0;
  uint64_t max_bytes = f ? f->hash_max_bytes : FAN_HASH_MAX_BYTES, size;
  unsigned max_ms = f ? f->hash_max_ms : FAN_HASH_MAX_MS, reads = 0;
  off_t off = 0;

  if (keyed) {
    struct cache_entry *e = cache_find(f, &key, base);
    if (e && e->too_slow) {
      snprintf(why, why_size, "reading it took over %u ms (an earlier exec of the same file)", max_ms);
      return 1;
    }
    if (e) {
      f->stats.hash_hits++;
      to_hex(e->sha, hex);
      return 0;
    }
    size = key.size;
  } else {
    if (fstat(fd, &st) < 0)
      return sk_error_set(err, errno, "cannot stat the executed file");
    size = (uint64_t)st.st_size;
  }
  /* The size bound first: a sparse 1 TiB file costs nothing to create
   * and would cost the supervisor hours to read. */
  if (size > max_bytes) {
    snprintf(why, why_size, "size %llu over %llu", (unsigned long long)size, (unsigned long long)max_bytes);
    return 1;
  }
  if (f)
    f->stats.hash_misses++;
  if (buf == NULL)
    return sk_error_set(err, ENOMEM, "cannot hash the executed file");

  clock_gettime(CLOCK_MONOTONIC, &t0);
  sha256_init(&c);
  for (;;) {
    ssize_t r;
    /* Bounded also when the file grows while it is read (size above was
     * its size then), when the file system is slow (FUSE, NFS), and when
     * the loop has a signal or its container's end to see to. */
    if ((uint64_t)off > max_bytes) {
      snprintf(why, why_size, "it grew over %llu bytes while it was read", (unsigned long long)max_bytes);
      return 1;
    }
    if (++reads % HASH_CHECK_EVERY == 0) {
      if (ms_since(&t0) > (int64_t)max_ms) {
        snprintf(why, why_size, "reading it took over %u ms (%lld bytes read)", max_ms, (long long)off);
        if (keyed && fan_file_key(fd, &after) && same_key(&after, &key))
          cache_put(f, &key, base, NULL, true);
        return 1;
      }
      if (interrupted(f)) {
        snprintf(why, why_size, "interrupted: the supervisor has a signal or its container ended");
        return 1;
      }
    }
    r = pread(fd, buf, HASH_BUF, off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return sk_error_set(err, errno, "cannot read the executed file");
    if (r == 0)
      break;
    sha256_update(&c, buf, (size_t)r);
    off += r;
    if (f)
      f->stats.hash_reads++;
  }
  sha256_final(&c, d);
  to_hex(d, hex);

  /* Cache only what did not change while it was read. */
  if (keyed && fan_file_key(fd, &after) && same_key(&after, &key) && (uint64_t)off == key.size)
    cache_put(f, &key, base, d, false);
  return 0;
}

int fan_hash_fd(struct fan *f, int fd, char hex[65], struct sk_error **err) {
  char why[160];
  int r = fan_hash_fd_bounded(f, fd, hex, why, sizeof(why), err);
  if (r == 1)
    return sk_error_set(err, EFBIG, "not hashed: %s", why);
  return r;
}

void fan_set_learning(struct fan *f, bool learning) { f->mask = FAN_OPEN_EXEC_PERM | (learning ? FAN_CLOSE_WRITE : 0); }

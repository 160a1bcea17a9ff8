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

#include "stockade/argv.h"
#include "stockade/cleanup.h"
#include "stockade/execcheck.h"
#include "stockade/execpath.h"
#include "stockade/fan.h"
#include "stockade/landlock.h"
#include "stockade/learn.h"
#include "stockade/log.h"
#include "stockade/supervisor.h"
#include "stockade/util.h"

#define CACHE_SIZE 1024 /* a power of two */
#define CACHE_PROBE 4
#define HASH_BUF (64 * 1024)
#define READS_PER_CALL 64   /* batches per fan_handle call: fair to the other fds */
#define HASH_CHECK_EVERY 16 /* reads (1 MiB) between looks at the clock and the interrupt fds */
#define INTERP_CACHE 256    /* a power of two */
#define INTERP_MAX 128      /* longer interpreter names are read again at every exec */

#ifndef FAN_REPORT_TID
#define FAN_REPORT_TID 0x00000100 /* Linux 4.20 */
#endif

struct cache_entry {
  uint64_t dev, ino, size;
  int64_t ctime_sec;
  uint32_t ctime_nsec;
  uint16_t used;
  uint16_t too_slow; /* not hashed: reading it took longer than the time bound */
  unsigned char sha[32];
};

/* A program's interpreter ("#!" or PT_INTERP), by the same key as a hash. */
struct interp_entry {
  struct cache_entry key; /* sha unused */
  bool has;               /* it names one */
  char name[INTERP_MAX];
};

/* An interpreter that passed exec_check for threads with this root, whose
 * resolution cannot change (interp_ok_keep): judged again without a walk. */
struct interp_ok {
  bool used;
  uint64_t root_dev, root_ino, root_mnt;
  char name[INTERP_MAX];
};
#define INTERP_OK 16

struct fan {
  int fd;
  uint64_t mask;             /* FAN_OPEN_EXEC_PERM, plus FAN_CLOSE_WRITE when learning */
  struct mount_table mounts; /* every mount seen, for classification */
  struct fan_stats stats;
  unsigned evict;
  uint64_t hash_max_bytes; /* fan_set_hash_limits */
  unsigned hash_max_ms;
  int interrupt[FAN_INTERRUPT_FDS]; /* readable: stop hashing (fan_set_interrupt) */
  struct cache_entry cache[CACHE_SIZE];
  struct interp_entry interp[INTERP_CACHE];
  struct interp_ok interp_ok[INTERP_OK];
  unsigned interp_ok_next;
  unsigned char buf[HASH_BUF];
};

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
  /* A new mount can change where a name leads: interpreters are judged
   * again. */
  memset(f->interp_ok, 0, sizeof(f->interp_ok));
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

static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static bool same_key(const struct cache_entry *c, const struct cache_entry *k) {
  return c->used && c->dev == k->dev && c->ino == k->ino && c->size == k->size && c->ctime_sec == k->ctime_sec &&
         c->ctime_nsec == k->ctime_nsec;
}

static size_t slot_of(const struct cache_entry *k) {
  return (size_t)mix(k->dev ^ mix(k->ino ^ mix((uint64_t)k->ctime_sec ^ ((uint64_t)k->ctime_nsec << 32) ^ k->size)));
}

/* The file's key, or false when the kernel did not give all of it. */
static bool file_key(int fd, struct cache_entry *k) {
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

/* The same key from a statx already made. */
static bool key_of(const struct execpath_file *info, struct cache_entry *k) {
  if (!info->has_ctime)
    return false;
  memset(k, 0, sizeof(*k));
  k->dev = info->dev;
  k->ino = info->ino;
  k->size = info->size;
  k->ctime_sec = info->ctime_sec;
  k->ctime_nsec = info->ctime_nsec;
  k->used = 1;
  return true;
}

/* One statx of an event's file: identity, mount, ctime, size. */
static bool stat_info(int fd, struct execpath_file *out) {
  struct statx stx;
  memset(&stx, 0, sizeof(stx));
  if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_MNT_ID | STATX_CTIME | STATX_SIZE, &stx) < 0 ||
      !(stx.stx_mask & STATX_MNT_ID))
    return false;
  memset(out, 0, sizeof(*out));
  out->regular = S_ISREG(stx.stx_mode);
  out->mnt_id = (int)stx.stx_mnt_id;
  out->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  out->ino = stx.stx_ino;
  out->has_ctime = (stx.stx_mask & (STATX_CTIME | STATX_SIZE)) == (STATX_CTIME | STATX_SIZE);
  out->ctime_sec = stx.stx_ctime.tv_sec;
  out->ctime_nsec = stx.stx_ctime.tv_nsec;
  out->size = stx.stx_size;
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
  bool keyed = f && file_key(fd, &key);
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
        if (keyed && file_key(fd, &after) && same_key(&after, &key))
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
  if (keyed && file_key(fd, &after) && same_key(&after, &key) && (uint64_t)off == key.size)
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

/* --- events --- */

static int respond(struct fan *f, int event_fd, bool allow) {
  struct fanotify_response r = {.fd = event_fd, .response = allow ? FAN_ALLOW : FAN_DENY};
  for (;;) {
    if (write(f->fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
      return 0;
    if (errno != EINTR)
      return -1;
  }
}

/* Why the last file examine() did not hash (over a bound); the event
 * written for its decision points at it. One supervisor, one thread. */
static char skipped_why[160];

/* The facts about the event's file, with its hash when the decision needs
 * it. A file over the hashing bounds (fan_hash_fd_bounded) cannot be
 * judged by a rule that needs its hash: an error, so the exec is denied in
 * enforce mode with the reason; when only learning wants the hash, the
 * fact says why there is none. */
static int examine(struct fan *f, struct sup_ctx *ctx, int fd, const struct execpath_file *info, struct exec_fact *fact,
                   char *path, char hex[65], struct sk_error **err) {
  const struct mount_entry *mnt = info ? mounts_find(&f->mounts, info->mnt_id) : NULL;
  bool needed;
  int r;
  if (mnt != NULL) {
    /* The usual case: the statx the caller made says it all; the path is
     * read for the rules that look at it and for learning (a denial's
     * event reads it later, fan_fact_path). */
    mounts_fact_on(mnt, info->has_ctime, info->ctime_sec, info->ctime_nsec, &ctx->started, fact);
    if ((ctx->learn || (ctx->profile && ctx->profile->has_exec_allow) || fact->written_after_start ||
         fact->where != WHERE_IMAGE) &&
        mounts_fact_path(fd, path, fact, err) < 0)
      return -1;
  } else if (mounts_fact_from_fd(fd, &f->mounts, &ctx->started, fact, path, err) < 0) {
    return -1;
  }
  needed = decide_needs_hash(ctx->profile, &ctx->blocklist, fact);
  /* Learning records every program with its hash. */
  if (ctx->learn || needed) {
    if (fact->path == NULL && mounts_fact_path(fd, path, fact, err) < 0)
      return -1;
    r = fan_hash_fd_bounded(f, fd, hex, skipped_why, sizeof(skipped_why), err);
    if (r < 0)
      return -1;
    if (r == 1 && needed)
      return sk_error_set(err, EFBIG,
                          "not hashed (%s), and the profile's block-list or pinned allow-list needs its SHA-256",
                          skipped_why);
    if (r == 1)
      fact->sha256_skipped = skipped_why;
    else
      fact->sha256 = hex;
  }
  return 0;
}

/* --- interpreters --- */

/* The interpreter the kernel will open for the program fd: "#!" name or
 * PT_INTERP, cached by device, inode, size and ctime. 1: out holds it; 0:
 * none; -1: unreadable. */
static int interp_of(struct fan *f, int fd, const struct execpath_file *info, char *out, size_t size) {
  struct cache_entry key;
  bool keyed = info ? key_of(info, &key) : file_key(fd, &key);
  struct interp_entry *slot = keyed ? &f->interp[slot_of(&key) & (INTERP_CACHE - 1)] : NULL;
  int r;

  if (slot && same_key(&slot->key, &key)) {
    if (slot->has)
      snprintf(out, size, "%s", slot->name);
    return slot->has ? 1 : 0;
  }
  r = execpath_interp(fd, f->buf, sizeof(f->buf), out, size);
  if (r >= 0 && slot && (r == 0 || strlen(out) < INTERP_MAX)) {
    slot->key = key;
    slot->has = r == 1;
    if (r == 1)
      snprintf(slot->name, sizeof(slot->name), "%s", out);
  }
  return r;
}

/* The identity of thread tid's root directory (its /proc link followed). */
static bool root_of(pid_t tid, uint64_t id[3]) {
  char p[64];
  struct statx stx;
  snprintf(p, sizeof(p), "/proc/%d/root", (int)tid);
  if (statx(AT_FDCWD, p, 0, STATX_INO | STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
    return false;
  id[0] = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  id[1] = stx.stx_ino;
  id[2] = stx.stx_mnt_id;
  return true;
}

static const struct interp_ok *interp_ok_find(const struct fan *f, const uint64_t root[3], const char *name) {
  for (size_t i = 0; i < INTERP_OK; i++) {
    const struct interp_ok *k = &f->interp_ok[i];
    if (k->used && k->root_dev == root[0] && k->root_ino == root[1] && k->root_mnt == root[2] &&
        strcmp(k->name, name) == 0)
      return k;
  }
  return NULL;
}

/* May an interpreter that passed (v, for thread tid) be taken as passing
 * again without its walk? Only when where the name leads cannot change
 * under the container: an absolute name without "..", which resolves
 * without any symlink (RESOLVE_NO_SYMLINKS) to the same file, a file of the
 * image written before start on the container's root file system mounted
 * read-only: then every directory on the way is on that read-only mount,
 * and nothing but a new mount (which marks again and empties this cache)
 * or CAP_SYS_ADMIN in the container could change it; a profile that keeps
 * CAP_SYS_ADMIN, or admits privileged settings, gets no cache. */
static bool interp_ok_keep(struct fan *f, struct sup_ctx *ctx, pid_t tid, const char *name,
                           const struct exec_verdict *v) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  const struct mount_entry *m;
  struct statx a, b;
  cleanup_close int root = -1;
  cleanup_close int fd = -1;
  char p[64];
  size_t len = strlen(name);

  if (v->answer != EXEC_CONTINUE || v->opath < 0 || name[0] != '/' || len >= INTERP_MAX ||
      strstr(name, "/../") != NULL || (len >= 3 && strcmp(name + len - 3, "/..") == 0))
    return false;
  if (v->f.where != WHERE_IMAGE || v->f.written_after_start || ctx->profile == NULL ||
      ctx->profile->admit.all_capabilities || ctx->profile->admit.host_mounts || ctx->profile->admit.host_namespaces ||
      ctx->profile->admit.spec_seccomp)
    return false;
  for (size_t i = 0; i < ctx->profile->n_capabilities; i++)
    if (strcmp(ctx->profile->capabilities[i], "CAP_SYS_ADMIN") == 0)
      return false;
  if (statx(v->opath, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &a) < 0 || !(a.stx_mask & STATX_MNT_ID))
    return false;
  m = mounts_find(&f->mounts, (int)a.stx_mnt_id);
  if (m == NULL || !m->is_root || m->writable || !m->marked)
    return false;
  snprintf(p, sizeof(p), "/proc/%d/root", (int)tid);
  root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return false;
  fd = (int)syscall(SYS_openat2, root, name, &how, sizeof(how));
  if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &b) < 0)
    return false;
  return a.stx_dev_major == b.stx_dev_major && a.stx_dev_minor == b.stx_dev_minor && a.stx_ino == b.stx_ino &&
         a.stx_mnt_id == b.stx_mnt_id;
}

/* A script's "#!" interpreter and a program's ELF interpreter are opened
 * by the kernel inside this exec: they must pass what the program's own
 * path passes on the seccomp side (no /proc, no memfd, a watched mount
 * that allows execution, exec.allow), resolved for the thread that
 * executes. Landlock would refuse an interpreter outside exec.allow
 * before fanotify saw it, without an event: the program is denied here
 * instead, with one. d stays as it is when the interpreter may run. */
static void judge_interp(struct fan *f, struct sup_ctx *ctx, const struct fanotify_event_metadata *m,
                         const struct execpath_file *info, const struct exec_fact *fact, struct decision *d,
                         char *reason) {
  char name[PATH_MAX];
  struct exec_call c = {.tid = m->pid, .by_fd = false, .dirfd = AT_FDCWD, .flags = 0, .path = name};
  struct exec_verdict v;
  uint64_t root[3];
  bool have_root;
  int r = interp_of(f, m->fd, info, name, sizeof(name));

  if (r == 0)
    return;
  if (r < 0) {
    d->kind = DECIDE_DENY;
    d->type = "error";
    d->technique = NULL;
    snprintf(reason, DECISION_REASON_MAX, "%s: cannot read which interpreter it needs: %s",
             fact->path ? fact->path : "(unknown path)", strerror(errno));
    d->reason = reason;
    return;
  }
  have_root = root_of(m->pid, root);
  if (have_root && interp_ok_find(f, root, name))
    return; /* passed before, and where it leads cannot have changed */
  exec_check(ctx, &c, &v);
  if (have_root && interp_ok_keep(f, ctx, m->pid, name, &v)) {
    struct interp_ok *k = &f->interp_ok[f->interp_ok_next++ % INTERP_OK];
    k->used = true;
    k->root_dev = root[0];
    k->root_ino = root[1];
    k->root_mnt = root[2];
    snprintf(k->name, sizeof(k->name), "%s", name);
  }
  if (v.answer == EXEC_DENY) {
    *d = v.d;
    /* Cut when too long (the reason names the program first). */
    if (snprintf(reason, DECISION_REASON_MAX, "%s needs interpreter %s: %s", fact->path ? fact->path : "(unknown path)",
                 v.f.path ? v.f.path : name, v.reason) >= DECISION_REASON_MAX)
      reason[DECISION_REASON_MAX - 1] = '\0';
    d->reason = reason;
  }
  exec_verdict_done(&v);
}

/* One FAN_OPEN_EXEC_PERM event: decide, answer, then act and report. */
static void handle_exec(struct fan *f, struct sup_ctx *ctx, const struct fanotify_event_metadata *m) {
  cleanup_error struct sk_error *e = NULL;
  struct exec_fact fact = {.path = NULL, .where = WHERE_OTHER};
  struct execpath_file info;
  struct decision d;
  cleanup_json struct json *argv = NULL;
  char path[PATH_MAX], hex[65], reason[DECISION_REASON_MAX];
  bool allow, have_info, reported;

  memset(&d, 0, sizeof(d));
  f->stats.events++;
  /* One statx of the event's file for all that follows. */
  have_info = stat_info(m->fd, &info);
  if (have_info ? sup_is_init_id(ctx, info.dev, info.ino, info.regular) : sup_is_init(ctx, m->fd)) {
    d.kind = DECIDE_ALLOW; /* stockade-init, the host's file (init_exec.c) */
    d.type = "exec";
    fact.path = SK_INIT_DEST;
  } else if (examine(f, ctx, m->fd, have_info ? &info : NULL, &fact, path, hex, &e) == 0) {
    decide_exec(ctx->profile, &ctx->blocklist, &fact, &d);
    if (d.kind != DECIDE_ALLOW && fact.path == NULL && mounts_fact_path(m->fd, path, &fact, NULL) == 0)
      decide_exec(ctx->profile, &ctx->blocklist, &fact, &d); /* its reason names the file */
    if (d.kind == DECIDE_ALLOW)
      judge_interp(f, ctx, m, have_info ? &info : NULL, &fact, &d, reason);
  } else {
    /* Fail closed: a file we cannot examine is not let run in enforce mode. */
    f->stats.errors++;
    d.kind = DECIDE_DENY;
    d.type = "error";
    d.technique = NULL;
    snprintf(reason, sizeof(reason), "%s: cannot examine the executed file: %s",
             fact.path ? fact.path : "(unknown path)", e && e->msg ? e->msg : "unknown error");
    d.reason = reason;
  }

  if (d.kind != DECIDE_ALLOW && fact.path == NULL)
    (void)mounts_fact_path(m->fd, path, &fact, NULL);
  /* An event will be written: the argv, while the thread still waits in
   * this exec (its old memory holds it until the point of no return). */
  reported = strcmp(d.type, "exec") != 0 && !(ctx->mode != SK_MODE_ENFORCE && exec_told_take(ctx, m->pid, m->fd));
  if (reported)
    argv = argv_of_waiting_exec(ctx, m->pid);
  allow = d.kind == DECIDE_ALLOW || ctx->mode != SK_MODE_ENFORCE;
  if (!allow)
    f->stats.denied++;
  if (respond(f, m->fd, allow) < 0)
    log_msg(LOG_ERROR, "container \"%s\": fanotify: cannot answer the exec of %s by pid %d: %s", ctx->id,
            fact.path ? fact.path : "(unknown path)", (int)m->pid, strerror(errno));
  /* One event per exec: not again what the seccomp side reported for this
   * thread and file and let go on (complain and learn modes). */
  if (reported)
    sup_event(ctx, &d, "fanotify", m->pid, &fact, argv, sup_act(ctx, &d, m->pid));
  if (ctx->learn && fact.path)
    learn_add_exec(ctx->learn, fact.path, fact.sha256, exec_where_name(fact.where));
}

/* Learning: a file the container wrote (FAN_CLOSE_WRITE, not a permission
 * event: nothing waits for us). */
static void handle_write(struct sup_ctx *ctx, const struct fanotify_event_metadata *m) {
  char link[64], path[PATH_MAX];
  ssize_t n;
  if (ctx->learn == NULL)
    return;
  snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
  n = readlink(link, path, sizeof(path) - 1);
  if (n <= 0)
    return;
  path[n] = '\0';
  if (path[0] == '/')
    learn_add_write(ctx->learn, path);
}

int fan_handle(struct fan *f, struct sup_ctx *ctx, struct sk_error **err) {
  union {
    struct fanotify_event_metadata m;
    char b[4096];
  } buf;
  uint64_t overflows = f->stats.overflows;
  int read_errno = 0, rounds;
  bool more;

  for (rounds = 0; rounds < READS_PER_CALL; rounds++) {
    const struct fanotify_event_metadata *m;
    ssize_t len = read(f->fd, buf.b, sizeof(buf.b));
    if (len < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      /* The kernel could not hand the event over (it could not open the
       * file for us: EMFILE, ENFILE, an LSM); it denied that exec itself. */
      read_errno = errno;
      f->stats.kernel_denied++;
      continue;
    }
    if (len == 0)
      break;
    more = (size_t)len + FAN_EVENT_METADATA_LEN * 8 > sizeof(buf.b);
    for (m = &buf.m; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
      if (m->vers != FANOTIFY_METADATA_VERSION)
        return sk_error_set(err, EPROTO, "fanotify metadata version %u, expected %u", m->vers,
                            FANOTIFY_METADATA_VERSION);
      if (m->mask & FAN_Q_OVERFLOW)
        f->stats.overflows++;
      if (m->fd < 0)
        continue;
      if (m->mask & FAN_OPEN_EXEC_PERM)
        handle_exec(f, ctx, m);
      if (m->mask & FAN_CLOSE_WRITE)
        handle_write(ctx, m);
      close(m->fd);
    }
    /* A read that left room in the buffer took every event queued: the
     * next one wakes epoll again (level-triggered), so no read is spent
     * finding EAGAIN. */
    if (!more)
      break;
  }
  if (f->stats.overflows != overflows)
    return sk_error_set(err, EOVERFLOW, "the fanotify queue overflowed: some executions may have run unchecked");
  if (read_errno)
    return sk_error_set(err, read_errno, "the kernel could not hand over an exec event and denied it");
  return 0;
}

void fan_set_learning(struct fan *f, bool learning) { f->mask = FAN_OPEN_EXEC_PERM | (learning ? FAN_CLOSE_WRITE : 0); }

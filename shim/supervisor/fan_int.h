/* SPDX-License-Identifier: Apache-2.0 */
/* Private to shim/supervisor/fan.c (the fanotify group: marks, hashes)
 * and fan_event.c (its events): struct fan and its caches. */
#ifndef STOCKADE_SUPERVISOR_FAN_INT_H
#define STOCKADE_SUPERVISOR_FAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stockade/fan.h"
#include "stockade/mounts.h"

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
  unsigned char buf[HASH_BUF];
};

static inline uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static inline bool same_key(const struct cache_entry *c, const struct cache_entry *k) {
  return c->used && c->dev == k->dev && c->ino == k->ino && c->size == k->size && c->ctime_sec == k->ctime_sec &&
         c->ctime_nsec == k->ctime_nsec;
}

static inline size_t slot_of(const struct cache_entry *k) {
  return (size_t)mix(k->dev ^ mix(k->ino ^ mix((uint64_t)k->ctime_sec ^ ((uint64_t)k->ctime_nsec << 32) ^ k->size)));
}

/* The file's key, or false when the kernel did not give all of it. */
bool fan_file_key(int fd, struct cache_entry *k);

#endif

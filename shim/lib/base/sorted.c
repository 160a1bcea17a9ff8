/* SPDX-License-Identifier: Apache-2.0 */
/* Sorted arrays and string sets (include/stockade/sorted.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "stockade/sorted.h"

/* ---- sorted arrays --------------------------------------------------------- */

int sorted_grow(void **v, size_t *cap, size_t n, size_t size) {
  size_t ncap;
  void *p;
  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 8;
  p = reallocarray(*v, ncap, size);
  if (p == NULL)
    return -1;
  *v = p;
  *cap = ncap;
  return 0;
}

/* Binary search in a sorted array: true when found; *at is where key is
 * or would go. */
bool sorted_find(const void *base, size_t n, size_t size, const void *key,
                 int (*cmp)(const void *key, const void *elem), size_t *at) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmp(key, (const char *)base + mid * size);
    if (c == 0) {
      *at = mid;
      return true;
    }
    if (c > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *at = lo;
  return false;
}

/* Insert elem at position at; *v must have room (sorted_grow() first). */
void sorted_insert_at(void *v, size_t *n, size_t size, size_t at, const void *elem) {
  char *b = v;
  memmove(b + (at + 1) * size, b + at * size, (*n - at) * size);
  memcpy(b + at * size, elem, size);
  (*n)++;
}

int str_keycmp(const void *key, const void *elem) { return strcmp(key, *(char *const *)elem); }

bool strset_has(const struct strset *s, const char *x) {
  size_t at;
  return sorted_find(s->v, s->n, sizeof(*s->v), x, str_keycmp, &at);
}

/* 1 added, 0 present, -1 ENOMEM. */
int strset_add(struct strset *s, const char *x) {
  size_t at;
  char *c;
  if (sorted_find(s->v, s->n, sizeof(*s->v), x, str_keycmp, &at))
    return 0;
  if (sorted_grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v)) < 0 || (c = strdup(x)) == NULL)
    return -1; /* out of memory */
  sorted_insert_at(s->v, &s->n, sizeof(*s->v), at, &c);
  return 1;
}

void strset_remove(struct strset *s, size_t from, size_t to) {
  size_t i;
  if (from == to)
    return; /* s->v may be NULL: &s->v[0] and memmove(NULL, ...) are undefined */
  for (i = from; i < to; i++)
    free(s->v[i]);
  memmove(&s->v[from], &s->v[to], (s->n - to) * sizeof(*s->v));
  s->n -= to - from;
}

void strset_clear(struct strset *s) {
  strset_remove(s, 0, s->n);
  free(s->v);
  memset(s, 0, sizeof(*s));
}

/* The entries that start with prefix: [*from, *to). */
void strset_prefix_range(const struct strset *s, const char *prefix, size_t *from, size_t *to) {
  size_t len = strlen(prefix), i;
  sorted_find(s->v, s->n, sizeof(*s->v), prefix, str_keycmp, from);
  for (i = *from; i < s->n && strncmp(s->v[i], prefix, len) == 0; i++)
    ;
  *to = i;
}

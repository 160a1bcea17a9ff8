/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_SORTED_H
#define STOCKADE_SORTED_H

#include <stdbool.h>
#include <stddef.h>

/* Sorted arrays: binary search, one allocation per element, amortised
 * doubling. The recording (shim/lib/record) keeps every set this way, so a
 * supervisor's memory grows with the facts, not with pointers between them. */

/* Make room for one more element of size in *v (n used of *cap): 0, or -1
 * when out of memory (*v unchanged). */
int sorted_grow(void **v, size_t *cap, size_t n, size_t size);

/* Binary search: true when found; *at is where key is or would go. */
bool sorted_find(const void *base, size_t n, size_t size, const void *key,
                 int (*cmp)(const void *key, const void *elem), size_t *at);

/* Insert elem at position at; *v must have room (sorted_grow() first). */
void sorted_insert_at(void *v, size_t *n, size_t size, size_t at, const void *elem);

/* A sorted set of strings it owns. */
struct strset {
  char **v;
  size_t n, cap;
};

/* strcmp of a string key against a char * element. */
int str_keycmp(const void *key, const void *elem);
bool strset_has(const struct strset *s, const char *x);
/* 1 added, 0 present, -1 out of memory. */
int strset_add(struct strset *s, const char *x);
/* Remove (and free) the entries [from, to). */
void strset_remove(struct strset *s, size_t from, size_t to);
void strset_clear(struct strset *s);
/* The entries that start with prefix: [*from, *to). */
void strset_prefix_range(const struct strset *s, const char *prefix, size_t *from, size_t *to);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_STR_H
#define STOCKADE_STR_H

/* Pure helpers (shim/lib/base/str.c): strings, lexical paths and SHA-256;
 * none touches the filesystem. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SHA-256 */
struct sha256_ctx {
  uint32_t h[8];
  uint64_t len;
  unsigned char buf[64];
  size_t used;
};
void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, unsigned char out[32]);
/* hex must hold 65 bytes */
void sha256_hex(const void *data, size_t len, char hex[65]);
/* Which block function is in use: "sha-ni" (the CPU's SHA instructions,
 * chosen at load where the CPU has them) or "portable". Setting one the
 * CPU lacks, or an unknown name, returns -1 and changes nothing (for
 * tests, which run every vector through each). */
const char *sha256_engine(void);
int sha256_engine_set(const char *name);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Is path equal to dir or below it? Both absolute, compared lexically after
 * removing duplicate and trailing slashes. */
bool path_is_under(const char *path, const char *dir);
/* Lexically clean an absolute path: collapse //, remove . and resolve ..
 * without touching the filesystem. Returns malloc'd string. */
char *path_clean(const char *path);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_UTIL_H
#define STOCKADE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stockade/error.h"

/* Largest JSON file (config.json, profile, process file) we read. */
#define SK_MAX_FILE_SIZE (16u << 20)

/* Read a whole regular file, NUL-terminated, at most SK_MAX_FILE_SIZE. */
int read_file(const char *path, char **out, size_t *len, struct sk_error **err);
/* The same, and also a pipe or a socket (bash's <(...) is /dev/fd/63),
 * read once to its end; *regular says which it was: a pipe cannot be
 * read again by whoever comes next. */
int read_file_or_pipe(const char *path, bool *regular, char **out, size_t *len, struct sk_error **err);

/* Write path atomically: a temporary file in the same directory, fsync,
 * rename, fsync of the directory. On failure path is untouched and the
 * temporary file is removed. mode is used for the new file. */
int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode, struct sk_error **err);
/* The same without the fsyncs: readers never see a partial file, but a
 * crash may lose it. For state under /run, which a reboot clears anyway. */
int write_file_replace(const char *path, const char *data, size_t len, unsigned mode, struct sk_error **err);

/* mkdir -p with mode for the directories it creates. */
int mkdir_p(const char *path, unsigned mode, struct sk_error **err);
/* rm -rf of a directory tree we own; ENOENT is not an error. */
int remove_tree(const char *path, struct sk_error **err);

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

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Is path equal to dir or below it? Both absolute, compared lexically after
 * removing duplicate and trailing slashes. */
bool path_is_under(const char *path, const char *dir);
/* Lexically clean an absolute path: collapse //, remove . and resolve ..
 * without touching the filesystem. Returns malloc'd string. */
char *path_clean(const char *path);

#endif

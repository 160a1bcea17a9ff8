/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_SYS_H
#define STOCKADE_SYS_H

/* Files and directories (shim/lib/base/sys.c): whole-file reads, atomic
 * writes, mkdir -p, rm -rf. Every failure is an sk_error naming the path. */

#include <stdbool.h>
#include <stddef.h>

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

/* Each of stdin, stdout and stderr that the caller left closed gets
 * /dev/null, close-on-exec, before anything else is opened: a descriptor
 * of ours could otherwise take 0, 1 or 2, where a message meant for
 * stderr would be written into it, or the supervisor's stdio going to
 * /dev/null would replace it. What this process execs (the runtime) still
 * finds them closed, as the caller left them. -1 with errno when
 * /dev/null cannot be opened. */
int stdio_hold(void);

/* mkdir -p with mode for the directories it creates. */
int mkdir_p(const char *path, unsigned mode, struct sk_error **err);
/* rm -rf of a directory tree we own; ENOENT is not an error. */
int remove_tree(const char *path, struct sk_error **err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_RECORD_INT_H
#define STOCKADE_RECORD_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Shared by the files of shim/lib/record only (record.c defines them). */

/* runc's rule for container ids, and short enough to name a file. */
bool rec_container_id_valid(const char *id);
bool rec_sha256_valid(const char *s);
bool rec_syscall_name_valid(const char *name);
bool rec_arch_name_valid(const char *name);
/* Replace *slot with a copy of value (NULL clears); -1 ENOMEM. */
int rec_set_str(char **slot, const char *value);
/* The static name exec_where_name() gives for where, or NULL. */
const char *rec_where_static(const char *where);
/* The index of s in names[0..n), or -1. */
int rec_index_of(const char *const *names, size_t n, const char *s);
bool rec_cap_name_canonical(const char *cap);

#endif

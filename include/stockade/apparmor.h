/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_APPARMOR_H
#define STOCKADE_APPARMOR_H

#include <stdbool.h>
#include <stddef.h>

#include "stockade/error.h"
#include "stockade/profile.h"

/* AppArmor: a profile generated from a workload profile, loaded with
 * apparmor_parser before the runtime runs and named in the spec's
 * process.apparmorProfile (runc and crun switch to it at the entrypoint's
 * execve). One AppArmor profile per workload profile version, shared by
 * every container that uses it, unloaded when the last one is deleted. */

/* Debian's apparmor package installs the parser here (a merged /usr makes
 * it /usr/sbin/apparmor_parser as well). */
#define AA_PARSER "/sbin/apparmor_parser"

/* "stockade-<name>-<first 12 hex digits of the profile's SHA-256>" */
#define AA_NAME_MAX (9 + 64 + 1 + 12 + 1)
void aa_profile_name(const struct profile *p, char name[AA_NAME_MAX]);

/* A path as an AppArmor quoted string with every glob character escaped:
 * the result matches exactly that path. Control characters become octal
 * escapes. Appends to *out (malloc'd, may start NULL). */
int aa_quote_literal(const char *path, char **out, struct sk_error **err);

/* An exec allow-list glob (fnmatch(3) with FNM_PATHNAME, as the supervisor
 * matches it) as an AppArmor quoted glob that matches the same paths:
 * "*" and "?" keep their meaning (neither crosses "/"), "[!a-z]" becomes
 * "[^/a-z]" (fnmatch's sets never match "/"), a backslash escapes the next
 * character, everything else is literal. A set with a named class
 * ("[[:alpha:]]") or a range across "/" has no AppArmor equivalent and is
 * an error naming the glob. */
int aa_glob_from_fnmatch(const char *glob, char **out, struct sk_error **err);

/* The AppArmor profile text for p (see docs/security.md, "LSM layer"). */
int aa_profile_generate(const struct profile *p, char **text, struct sk_error **err);

/* Is AppArmor enforcing on this host (libapparmor aa_is_enabled())? */
bool aa_host_active(void);

/* Load name (text) with `apparmor_parser -r` and record that the container
 * whose state key is key uses it: <stateRoot>/apparmor/<name>.profile
 * (the text, kept for the unload) and <stateRoot>/apparmor/<name>.users/<key>.
 * parser: AA_PARSER, or another program in tests. */
int aa_profile_load(const char *parser, const char *state_root, const char *key, const char *name, const char *text,
                    struct sk_error **err);

/* The container key no longer uses any profile: its marks are removed, and
 * a profile nobody else uses (a mark whose container state is gone and that
 * is older than a minute does not count) is unloaded with
 * `apparmor_parser -R`. *unloaded (may be NULL) counts the unloads. */
int aa_profile_release(const char *parser, const char *state_root, const char *key, int *unloaded,
                       struct sk_error **err);

#endif

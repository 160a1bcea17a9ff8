/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_SECCOMP_H
#define STOCKADE_SECCOMP_H

#include "stockade/error.h"
#include "stockade/json.h"

/* Seccomp documents in the OCI runtime-spec form (linux.seccomp):
 *   {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
 *    "architectures": ["SCMP_ARCH_X86_64", ...],
 *    "syscalls": [{"names": [...], "action": "SCMP_ACT_ALLOW",
 *                  "errnoRet": 1, "args": [{"index": 0, "value": 0,
 *                  "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}]}
 * libseccomp resolves every syscall name, action, architecture and
 * operator. */

/* The shipped default allow-list (profiles/seccomp/default.json, compiled in). */
int seccomp_default_doc(struct json **out, struct sk_error **err);

/* Check a document: known fields, actions, operators, architectures; each
 * syscall name must resolve on at least one of the document's (or, when it
 * lists none, the native) architectures. Errors name the field path and
 * line:column: "syscalls[3].names[0]: unknown syscall \"mknodat2\"". */
int seccomp_validate(const struct json *doc, struct sk_error **err);

/* The architectures a spec needs: its linux.seccomp.architectures if any,
 * else the native architecture and its compat ones (x86_64: X86_64, X86,
 * X32). Returns a JSON array of "SCMP_ARCH_*" strings. */
int seccomp_spec_arches(const struct json *spec, struct json **out, struct sk_error **err);

/* Generate linux.seccomp from a profile's document for the given
 * architectures (JSON array of strings). Names that do not exist on any of
 * them are an error; names that exist on some are kept. */
int seccomp_generate(const struct json *profile_doc, const struct json *arches, struct json **out, struct sk_error **err);

/* Intersection of two documents: for every syscall the result's action is
 * never looser than the action either document gives it (deny beats allow;
 * argument conditions of both sides are kept). Either may be NULL, meaning
 * "no filter" (everything allowed). flags and listenerPath of a are kept. */
int seccomp_intersect(const struct json *a, const struct json *b, struct json **out, struct sk_error **err);

/* Build the filter with libseccomp (without loading it) to prove runc and
 * crun will accept the document. */
int seccomp_compile_check(const struct json *doc, struct sk_error **err);

#endif

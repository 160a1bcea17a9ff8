/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_SECCOMP_H
#define STOCKADE_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

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

/* The shipped default allow-list (profiles/seccomp/default.json, compiled in).
 * The file serves every architecture; the names of syscalls that neither this
 * machine nor its compat architectures have (set_tls on x86_64) are left out,
 * so the document validates here. No "architectures": they come from the spec. */
int seccomp_default_doc(struct json **out, struct sk_error **err);

/* Check a document: known fields, actions, operators, architectures; each
 * syscall name must resolve on at least one of the document's (or, when it
 * lists none, the native and its compat) architectures; what runc refuses
 * (SCMP_ACT_NOTIFY as default or for write) and rule mixes libseccomp would
 * silently ignore are errors. Errors name the field path, then the position:
 * "syscalls[3].names[0]: unknown syscall \"mknodat2\" on any of
 * SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 (line 12, column 9)"
 * (no position for values that were built, not parsed). */
int seccomp_validate(const struct json *doc, struct sk_error **err);

/* The architectures a spec's filter is for: its linux.seccomp.architectures
 * if any, else the native architecture alone (32-bit and x32 programs are
 * then refused; a spec that needs them lists them). Returns a JSON array of
 * "SCMP_ARCH_*" strings. */
int seccomp_spec_arches(const struct json *spec, struct json **out, struct sk_error **err);

/* Generate linux.seccomp from a profile's document for the given
 * architectures (JSON array of strings): the validated document with
 * "architectures" set. Names that exist on at least one of them are kept;
 * names that exist on none are dropped (for this filter they are no syscall,
 * so allowing or denying them changes nothing); names libseccomp does not
 * know at all were refused by validation. */
int seccomp_generate(const struct json *profile_doc, const struct json *arches, struct json **out,
                     struct sk_error **err);

/* Intersection of two documents: for every syscall the result's action is
 * never looser than the action either document gives it (deny beats allow;
 * argument conditions of both sides are kept). Either may be NULL or a JSON
 * null, meaning "no filter" (everything allowed): the result is a copy of the
 * other (NULL when both are). flags, listenerPath and listenerMetadata of a
 * are kept (else b's); architectures are the intersection (an ABI one side does
 * not list is killed by it), an error when there is none in common; when
 * only one side lists them, its list. Names are not validated:
 * ones this libseccomp does not know are skipped, as runc and crun do. */
int seccomp_intersect(const struct json *a, const struct json *b, struct json **out, struct sk_error **err);

/* Build the filter with libseccomp (without loading it) to prove runc and
 * crun will accept the document: validation, then every rule added the way
 * they add it (errors name the rule and libseccomp's reason), and the BPF
 * program within the kernel's 4096 instructions. */
int seccomp_compile_check(const struct json *doc, struct sk_error **err);

/* libseccomp's token for "SCMP_ARCH_X86_64" and the other names runc
 * knows, 0 for any other. */
uint32_t seccomp_arch_token(const char *name);

/* "SCMP_ARCH_X86_64" for a libseccomp token, or NULL. */
const char *seccomp_arch_name(uint32_t token);

/* Every syscall name libseccomp knows for an architecture ("SCMP_ARCH_*").
 * *names and each entry are malloc'd. */
int seccomp_arch_syscalls(const char *arch, char ***names, size_t *n, struct sk_error **err);

#endif

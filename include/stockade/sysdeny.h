/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_SYSDENY_H
#define STOCKADE_SYSDENY_H

#include <stddef.h>
#include <stdint.h>

#include "stockade/error.h"
#include "stockade/json.h"

/* Denied syscalls, reported. The hardened filter hands the syscalls it
 * denies to the supervisor (SCMP_ACT_NOTIFY) instead of failing them
 * itself, so that each is answered with the same errno and also counted
 * and written as an event. Allowed syscalls keep their plain ALLOW: no
 * round trip.
 *
 * Left at their plain errno, never notified:
 * - the runtime's own syscalls between filter install and the
 *   entrypoint's execve (learn_runtime_baseline) and write, which runc
 *   refuses to notify: notifying them could hang runc or crun before the
 *   listener is handed over;
 * - ERRNO actions with ENOSYS: that answer pretends a syscall does not
 *   exist so that a library falls back (clone3 -> clone), it is no refusal;
 * - conditional denials (clone with namespace flags, socket(AF_VSOCK)):
 *   the default action cannot be NOTIFY (runc refuses it), and the
 *   complement of an argument condition is not one seccomp rule;
 * - names libseccomp does not know. */

/* One denied syscall on one architecture. */
struct sysdeny_entry {
  uint32_t arch; /* AUDIT_ARCH_* as the kernel reports it (x32 is x86_64) */
  int nr;        /* as the kernel reports it (x32 with __X32_SYSCALL_BIT) */
  int errno_;    /* the filter's answer */
  char name[32];
  const char *arch_name;       /* "SCMP_ARCH_X86_64" */
  unsigned long long count;    /* the workload's calls */
  unsigned long long reported; /* count as last written in an event */
};

/* Sorted by (arch, nr) for sysdeny_find. */
struct sysdeny {
  struct sysdeny_entry *v;
  size_t n;
};

/* Turn the denials of a filter document (linux.seccomp, as hardening
 * generated it: "architectures" listed) into SCMP_ACT_NOTIFY, as above,
 * and fill *out with what each notified syscall is answered. The
 * document is changed in place: moved names leave their ERRNO rules, and
 * one {"names": [...], "action": "SCMP_ACT_NOTIFY"} rule is appended. A
 * document without "architectures" or whose default is not ERRNO keeps
 * its default's syscalls unnotified. */
int sysdeny_notify(struct json *doc, struct sysdeny *out, struct sk_error **err);

/* The same on a spec's linux.seccomp (nothing when it has none). */
int sysdeny_harden(struct json *spec, struct sysdeny *out, struct sk_error **err);

/* The entry for a notification's (arch, nr), or NULL. */
struct sysdeny_entry *sysdeny_find(const struct sysdeny *t, uint32_t arch, int nr);

void sysdeny_free(struct sysdeny *t);
#define cleanup_sysdeny __attribute__((cleanup(sysdeny_free)))

#endif

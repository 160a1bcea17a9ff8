/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_MEMFD_NOEXEC_H
#define STOCKADE_MEMFD_NOEXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "stockade/config.h"
#include "stockade/error.h"
#include "stockade/json.h"
#include "stockade/profile.h"

/* vm.memfd_noexec (Linux 6.3): per PID namespace, only ever raised. At 2
 * the kernel refuses memfd_create(MFD_EXEC) (EACCES) and seals every other
 * memfd against execution, so execveat of a memfd fails whoever answers
 * the exec. The write applies to the writer's own PID namespace and needs
 * CAP_SYS_ADMIN over its user namespace: the container's processes cannot
 * do it, so a process of the host joins the namespace (setns, then fork:
 * only children enter it) and writes there. */

#define MEMFD_NOEXEC_LEVEL 2
#define MEMFD_NOEXEC_SYSCTL "/proc/sys/vm/memfd_noexec"
/* argv[1] of `stockade` when it runs as the createRuntime hook that
 * memfd_noexec_create put into the spec. */
#define MEMFD_NOEXEC_HOOK_ARG "--stockade-memfd-noexec-hook"

/* Does the running kernel have the per-PID-namespace sysctl? 1 yes, 0 no
 * (older than 6.3: the file is missing), with why saying so. */
int memfd_noexec_supported(char *why, size_t size);

/* Raise vm.memfd_noexec to level in the PID namespace of pid (a process
 * this one can see in /proc). 1: applied; 0: not applied, why says why
 * (pid shares this process's PID namespace: the host's, as far as we can
 * tell, never changed); -1: failed (err says which step and why). Forks a
 * child that joins the namespace and forks the writer; both are waited
 * for. */
int memfd_noexec_apply(pid_t pid, int level, char *why, size_t size, struct sk_error **err);

/* The create step (enforce mode, after harden_spec): unless the profile
 * sets exec.memfdExec, the kernel lacks the sysctl, or the spec keeps the
 * host's PID namespace, the sysctl is raised before the container's first
 * program runs: by the supervisor when to_supervisor is given (*it is set
 * true; the supervisor applies it when the runtime hands it the container's
 * init, before it answers any exec: shim/supervisor/memfd.c), else by a
 * hook: `<this binary> MEMFD_NOEXEC_HOOK_ARG` first in hooks.createRuntime
 * (it runs once the namespaces exist, before the entrypoint). When it is
 * not applied, write the "memfd" event saying why. Other modes only write
 * that event (complain) or nothing (learn). self is this program's path;
 * NULL: readlink /proc/self/exe. */
int memfd_noexec_create(const struct sk_config *cfg, const char *id, struct json *spec, const struct profile *p,
                        enum sk_mode mode, const char *self, bool *to_supervisor, struct sk_error **err);

/* The "memfd" event: applied at level (decision "harden"), or not, with
 * not_applied saying why (decision "info"). NULL when out of memory. */
struct event_subject;
struct json *memfd_noexec_event(const struct event_subject *s, int level, const char *not_applied, const char *message);

/* The message of the "memfd" event when the level is applied. */
#define MEMFD_NOEXEC_APPLIED_MESSAGE                                                                                   \
  "memfd_create(MFD_EXEC) is refused and every memfd is sealed against execution in the container's PID namespace"

/* The hook itself: the OCI state on stdin, then memfd_noexec_apply on its
 * pid, the "memfd" event, and 0; or -1 and *err, which stockade's main()
 * prints on stderr ("stockade: <message>"; the runtime shows it and fails
 * the create) before it exits 1. */
int memfd_noexec_hook(struct sk_error **err);

#endif

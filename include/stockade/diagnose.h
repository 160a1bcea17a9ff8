/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_DIAGNOSE_H
#define STOCKADE_DIAGNOSE_H

#include <stdbool.h>
#include <stdint.h>

#include "stockade/error.h"
#include "stockade/json.h"

/* Failures stockade causes, named. Hardening takes away what the engine's
 * spec gave: capabilities (cut from the profile, or lost with the switch
 * from root to the profile's user) and a writable root. A workload that
 * needs one of them fails with the kernel's EPERM, EACCES or EROFS, and the
 * operator sees only the application's own error. So, in enforce mode,
 * the hardened filter also hands the supervisor the syscalls that can fail
 * for those reasons (and only those: a capability nobody took away, or a
 * root the engine had made read-only, watches nothing). The supervisor
 * looks at each one's arguments, writes a "capability" or "write" event
 * when the call is bound to fail because of a change stockade made, and
 * lets the call go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE): the kernel, not
 * the supervisor, decides, so an answer read from memory the caller may
 * change decides nothing. */

/* What hardening took away. */
struct diag_plan {
  uint64_t cap_cut;  /* capabilities the engine gave and the profile does not grant (SK-CAP-EXTRA) */
  uint64_t cap_user; /* ...that the profile grants, lost with the user switch (SK-USER-ROOT) */
  bool root_ro;      /* the engine's root was writable; stockade made it read-only (SK-ROOTFS-WRITABLE) */
  bool nnp;          /* the hardened process has noNewPrivileges: runc installs the filter after its own
                      * setuid and setgid, so those may be notified */
};

/* The plan from the engine's process and root (before hardening) and the
 * hardened spec. The capabilities a process has after its execve are its
 * bounding set when it runs as uid 0, its ambient set otherwise. A spec
 * that lowers net.ipv4.ip_unprivileged_port_start watches no bind: a low
 * port may then need no capability. */
int diag_plan(const struct json *engine_process, const struct json *engine_root, const struct json *hardened,
              struct diag_plan *out, struct sk_error **err);

/* The capabilities (bit n: capability n) a spec's process has after its
 * execve: its bounding set as uid 0, its ambient set otherwise. */
uint64_t diag_caps_after_exec(const struct json *process);

/* Adds to a seccomp document's syscalls array the unconditional NOTIFY
 * rule the plan needs, to be intersected with the container's filter: the
 * capability syscalls (learn_always_notify's, minus setuid and setgid
 * families without noNewPrivileges) for each capability taken, and the
 * path syscalls without flags that write when the root was made
 * read-only. 0, or -1 on allocation failure. */
int diag_notify_rules(const struct diag_plan *plan, struct json *syscalls, struct sk_error **err);

/* Then, on the intersected filter doc: open and openat, when the filter
 * allows every call of them, are notified when their flags write (O_WRONLY,
 * O_RDWR or O_CREAT) and allowed otherwise, with conditions that exclude
 * each other (the intersection cannot express "allowed otherwise" under a
 * default that denies). A filter that treats them any other way keeps its
 * rules: they are not watched. */
int diag_flag_rules(const struct diag_plan *plan, struct json *doc, struct sk_error **err);

enum diag_kind { DIAG_NONE, DIAG_CAP, DIAG_WRITE };

/* How a watched path syscall names the place it writes. */
enum diag_target {
  DIAG_FILE,   /* the file itself (open without O_CREAT, truncate): a regular file (the kernel lets a
                * device, fifo or socket on a read-only file system be opened for writing) */
  DIAG_CREATE, /* the file when it exists (and the flags write or truncate), else its directory
                * (open with O_CREAT, creat) */
  DIAG_NEW,    /* the directory a new name is made in, when the name is free (mkdir, symlink and
                * link answer EEXIST before EROFS) */
  DIAG_PARENT, /* the directory a name is removed or renamed in (EROFS comes before the lookup) */
};

struct diag_call {
  enum diag_kind kind;
  int cap;              /* DIAG_CAP: the capability whose loss is watched (its number) */
  int dirfd_arg;        /* DIAG_WRITE: the argument with the directory descriptor, -1: AT_FDCWD */
  int path_arg;         /* DIAG_WRITE: the argument with the path */
  int flags_arg;        /* DIAG_WRITE: open's flags, -1: none */
  enum diag_target how; /* DIAG_WRITE, with the flags read: diag_target_of */
};

/* The watch a syscall name belongs to (kind DIAG_NONE: none). */
struct diag_call diag_classify(const char *name);

/* DIAG_CREATE or DIAG_FILE from open's flags; c->how otherwise. */
enum diag_target diag_target_of(const struct diag_call *c, uint64_t flags);

/* The rule id that took capability cap away ("SK-CAP-EXTRA",
 * "SK-USER-ROOT"), NULL when the plan did not take it. */
const char *diag_cap_rule(const struct diag_plan *plan, int cap);

#endif

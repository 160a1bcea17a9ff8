/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_LEARN_H
#define STOCKADE_LEARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stockade/error.h"
#include "stockade/json.h"
#include "stockade/profile.h"

/* Learning mode: what one container run did, recorded by its supervisor,
 * and turned into a profile by `stockadectl learn`.
 *
 * A recording file (JSON, one per container run):
 * {
 *   "version": 1,
 *   "container": "ID", "profile": "NAME", "profileSha256": "...",
 *   "image": "...", "pod": "...", "namespace": "...",
 *   "started": "RFC 3339", "updated": "RFC 3339", "ended": true|false,
 *   "notifications": N,
 *   "syscalls": {"SCMP_ARCH_X86_64": ["read", "write", ...]},   sorted, unique
 *   "execs": [{"path": "/bin/sh", "sha256": "...", "where": "image"}],
 *   "writes": ["/tmp/out.txt", ...],
 *   "network": [{"op": "bind", "family": "inet", "port": 80}, ...],
 *   "capabilities": [{"name": "CAP_NET_BIND_SERVICE", "why": "bind to port 80 (inet)"}]
 * }
 */

struct learn_rec;

/* A new, empty recording, started now, in *out. -1 and *err, code EINVAL,
 * when container is not a runc container id ([A-Za-z0-9_+.-], up to 200
 * characters) or profile not a profile name; ENOMEM otherwise.
 * profile_sha256 may be NULL. */
int learn_new(const char *container, const char *profile, const char *profile_sha256, struct learn_rec **out,
              struct sk_error **err);
void learn_free(struct learn_rec *r);
void learn_freep(struct learn_rec **r);
#define cleanup_learn __attribute__((cleanup(learn_freep)))

/* Metadata from the spec's CRI annotations: key is "image", "pod" or
 * "namespace" (-1 and *err, code EINVAL, for another key). */
int learn_set_meta(struct learn_rec *r, const char *key, const char *value, struct sk_error **err);

/* Each returns 1 when the fact is new, 0 when already recorded, -1 and
 * *err (err may be NULL) on allocation failure (code ENOMEM) or a fact the
 * format cannot hold (code EINVAL: a
 * relative path, a sha256 that is not 64 lowercase hex digits, a "where"
 * that is not one of exec_where_name()'s, an op other than "bind" and
 * "connect", a family other than "inet", "inet6" and "unix", a port outside
 * 0-65535, a capability name that is not canonical "CAP_*").
 * The recording's contents stay sorted and unique, and small:
 *   - writes: once more than 64 written paths lie below one directory
 *     (never "/"), they are replaced by one entry, the directory followed
 *     by "/" and "*" ("/tmp" + "/" + "*"), which stands for "files below
 *     the directory" and covers later writes there;
 *   - capabilities: at most 8 reasons ("why") are kept per capability.
 * Only a new fact marks the recording dirty; counting a notification
 * does not (the count is written with the next fact or at the end). */
int learn_add_syscall(struct learn_rec *r, const char *arch, const char *name, struct sk_error **err);
int learn_add_exec(struct learn_rec *r, const char *path, const char *sha256, const char *where, struct sk_error **err);
int learn_add_write(struct learn_rec *r, const char *path, struct sk_error **err);
int learn_add_net(struct learn_rec *r, const char *op, const char *family, int port, struct sk_error **err);
int learn_add_cap(struct learn_rec *r, const char *cap, const char *why, struct sk_error **err);
void learn_count_notification(struct learn_rec *r);
unsigned long long learn_notifications(const struct learn_rec *r);
/* The container and the profile it ran under. */
const char *learn_rec_container(const struct learn_rec *r);
const char *learn_rec_profile(const struct learn_rec *r);
void learn_set_ended(struct learn_rec *r, bool ended);
/* Has anything changed since the last learn_write? */
bool learn_dirty(const struct learn_rec *r);

int learn_to_json(const struct learn_rec *r, struct json **out, struct sk_error **err);
/* Write atomically (temporary file, rename; mode 0600: what a workload
 * does is for root to read), with "updated" set to now. Clears the dirty
 * flag. No fsync: the state directory is a tmpfs. */
int learn_write(struct learn_rec *r, const char *path, struct sk_error **err);
/* Read a recording; errors name the file, line and column. Unknown fields,
 * wrong types, another "version", syscall names libseccomp does not know
 * for their architecture are errors. */
int learn_load(const char *path, struct learn_rec **out, struct sk_error **err);
/* Every *.json recording of a directory, in file name order (files whose
 * name starts with "." are skipped). A malformed one is an error naming it.
 * A directory that does not exist holds none (*n = 0). Free with
 * learn_free_all. */
int learn_load_dir(const char *dir, struct learn_rec ***out, size_t *n, struct sk_error **err);
void learn_free_all(struct learn_rec **recs, size_t n);

/* Where recordings live: <stateDir>/recordings/<profile>/<container>-<UTC time>.json
 * (time as YYYYmmddTHHMMSSZ; "-2", "-3"... is added before ".json" when a
 * recording of that name exists). Creates the directories (0700). Refuses
 * container ids and profile names that could leave the directory. */
int learn_recording_path(const char *state_dir, const char *profile, const char *container, char **out,
                         struct sk_error **err);

/* The union of the syscalls of every recording in <stateDir>/recordings/<profile>/:
 * {"SCMP_ARCH_X86_64": [names...]} (an empty object when there are none).
 * A malformed recording is an error naming it, never skipped in silence. */
int learn_known_syscalls(const char *state_dir, const char *profile, struct json **out, struct sk_error **err);

/* Syscalls the runtime itself needs between installing the filter and
 * handing its listener to the supervisor (runc, crun and the Go runtime
 * inside runc init). A learning filter allows them without notifying (a
 * notification nobody can answer yet would hang the runtime), and every
 * learned profile allows them. NULL-terminated. */
extern const char *const learn_runtime_baseline[];

/* Syscalls whose arguments imply capabilities or network facts: a
 * learning filter notifies them even when already known. */
bool learn_always_notify(const char *name);

/* One notified syscall, for capability and network inference. */
struct learn_call {
  const char *name; /* resolved for the call's architecture */
  uint64_t args[6];
  pid_t pid; /* host pid of the caller */
  /* The caller's effective uid and gid. They are compared with the uids
   * and gids in the call's arguments, so they must be in the same view:
   * the container's. Without a user namespace that is the host's. */
  uid_t uid;
  gid_t gid;
};

/* Reads len bytes at addr in the caller's memory; 0 on success. */
typedef int (*learn_read_fn)(void *ctx, pid_t pid, uint64_t addr, void *buf, size_t len);
/* The effective uid of the process the caller names by its pid as seen in
 * the container (for kill); -1 if unknown. */
typedef int (*learn_uid_fn)(void *ctx, pid_t caller, pid_t target, uid_t *uid);

/* Record the capabilities and network facts one call implies:
 *   bind to a port below 1024 (inet, inet6)   -> CAP_NET_BIND_SERVICE, network bind
 *   connect (inet, inet6)                      -> network connect
 *   socket(AF_PACKET, ...) or SOCK_RAW         -> CAP_NET_RAW
 *   socket(AF_INET/AF_INET6, SOCK_RAW): not AF_NETLINK, whose raw sockets need no capability
 *   chown, fchown, lchown, fchownat            -> CAP_CHOWN (when changing to another uid,
 *                                                 or to a gid other than the caller's)
 *   setuid, setreuid, setresuid, setfsuid      -> CAP_SETUID (when changing to another uid)
 *   setgid, setregid, setresgid, setfsgid      -> CAP_SETGID (when changing to another gid)
 *   setgroups                                  -> CAP_SETGID (always)
 *   mkdir, mkdirat of an absolute path         -> a write there (a directory it makes is a
 *                                                 place it writes)
 *   kill, tkill, tgkill of another user's process    -> CAP_KILL
 *   mknod, mknodat of a device                 -> CAP_MKNOD
 *   chroot                                     -> CAP_SYS_CHROOT
 *   bind or connect (unix)                     -> network fact, family "unix", port 0
 * Names are also recognised with the "32" suffix of 32-bit x86 (chown32,
 * setuid32...). A bind to port 0 (any free port) is no fact. Each rule is
 * unit-tested. Returns -1 only on allocation failure. */
int learn_infer(struct learn_rec *r, const struct learn_call *c, learn_read_fn rd, learn_uid_fn uid_of, void *ctx);

/* A program of the container was executed by a process whose effective
 * ids are (uid, gid); the container's process started as (start_uid,
 * start_gid). A process that started as root and runs as another user now
 * switched user: CAP_SETUID, and CAP_SETGID when its group changed too.
 * This sees what the syscalls cannot show: setresuid, setresgid and
 * setgroups, which runtimes make inside the filter and a learning filter
 * therefore never notifies (setpriv, su-exec and gosu switch with them).
 * path names the program in the reason. -1 only on allocation failure. */
int learn_infer_ids(struct learn_rec *r, uid_t start_uid, gid_t start_gid, uid_t uid, gid_t gid, const char *path);

/* Turn recordings into a profile (JSON, in the profile format), starting
 * from base when given (its user, allowRoot, writableRootfs, allowWritable,
 * blockHashes and action; its capabilities, writable paths, exec allow-list
 * and seccomp are replaced by what was learned); without a base, the
 * shipped default profile's choices (user 65534:65534, read-only root).
 * name is the new profile's name (NULL: base's). The result passes
 * profile_parse (checked before returning). *summary gets a human-readable
 * account: what was learned, and why each capability is there.
 * profiles/README.md ("Learning") describes what goes into the profile. */
int learn_make_profile(struct learn_rec *const *recs, size_t n, const struct profile *base, const char *name,
                       struct json **out, char **summary, struct sk_error **err);

/* An existing profile as a recording (stockadectl learn --update): its
 * seccomp ALLOW names without argument conditions (per architecture of the
 * document), its exec allow-list entries that name one file (a glob with a
 * wildcard is skipped; *skipped counts them), its writable paths and its
 * capabilities (the reason: "kept from profile NAME"). Learned together
 * with new recordings (complain mode with complainRecords records only what
 * the profile did not allow already), it gives the profile that allows
 * both: an update. -1 on allocation failure. */
int learn_rec_from_profile(const struct profile *p, struct learn_rec **out, size_t *skipped, struct sk_error **err);

/* How the exec allow-list names the image's programs. */
enum learn_exec_pin {
  LEARN_PIN_HASHES, /* {"path", "sha256"}: a rebuilt image's changed program is denied until relearned */
  LEARN_PIN_PATHS,  /* "path": a rebuilt image with the same programs needs no relearning */
};

/* learn_make_profile with the choice of exec.allow entries (it pins
 * hashes). The profile's description says which was made. */
int learn_make_profile_pin(struct learn_rec *const *recs, size_t n, const struct profile *base, const char *name,
                           enum learn_exec_pin pin, struct json **out, char **summary, struct sk_error **err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_PROFILE_H
#define STOCKADE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stockade/error.h"
#include "stockade/json.h"

/* A workload profile: one JSON file per workload (see profiles/README.md). */

struct profile_path {
  char *path; /* absolute, clean */
  char *size; /* tmpfs size option ("64m"), or NULL for the default */
};

/* One entry of the exec allow-list: a path or glob (fnmatch(3) with
 * FNM_PATHNAME: "*" does not cross "/"), and optionally the SHA-256 the
 * file must have. */
struct profile_exec_rule {
  char *glob;
  char *sha256; /* 64 lowercase hex digits, or NULL */
};

/* What the supervisor does when it denies an exec. */
enum profile_action {
  PROFILE_ACTION_DENY,   /* the exec fails (EPERM) */
  PROFILE_ACTION_KILL,   /* and the whole container is killed */
  PROFILE_ACTION_FREEZE, /* and the container is frozen (cgroup freezer) */
};

/* How much a protection layer is wanted: "optional" (applied where the host
 * can, reported where it cannot), "required" (enforce mode refuses a
 * container when the host cannot apply it) or "off" (never applied). */
enum profile_need {
  PROFILE_NEED_OPTIONAL,
  PROFILE_NEED_REQUIRED,
  PROFILE_NEED_OFF,
};

/* "admit": what a profile for privileged system pods (CNI, CSI, kube-proxy)
 * lets through that every other profile refuses or overrides. Usable only
 * where the node's config lists the profile in "privilegedProfiles". */
struct profile_admit {
  bool host_namespaces;  /* "hostNamespaces": host PID/IPC/network/mount namespaces */
  bool host_mounts;      /* "hostMounts": binds of /dev, /proc, /sys, modules, kubelet and engine paths */
  bool all_devices;      /* "allDevices": a device cgroup rule allowing every device */
  bool all_capabilities; /* "allCapabilities": every capability the spec grants is kept */
  bool new_privileges;   /* "newPrivileges": process.noNewPrivileges false is kept */
  bool spec_seccomp;     /* "specSeccomp": the spec's own filter (or none), plus the supervisor's listener */
  bool unmasked_paths;   /* "unmaskedPaths": no masked or read-only /proc and /sys paths added */
};

struct profile {
  char *name;
  char *file;        /* the file it was read from, or NULL if built */
  char *description; /* or NULL */
  char sha256[65];   /* hex SHA-256 of the file's bytes */
  char *raw;         /* those bytes, as parsed (saved with a container's state) */
  size_t raw_len;

  bool has_user; /* run images that would run as root as this user */
  uint32_t uid, gid;
  bool allow_root; /* uid 0 is acceptable (discouraged) */
  bool writable_rootfs;

  char **capabilities; /* canonical "CAP_*" names, no duplicates */
  size_t n_capabilities;

  struct profile_path *writable_paths; /* tmpfs mounts, noexec */
  size_t n_writable_paths;

  struct json *seccomp; /* the resolved OCI seccomp document, owned */
  char *seccomp_source; /* "default", "inline" or the file it came from */

  /* "exec": {"allow": [...], "allowWritable": [...]} */
  bool has_exec_allow; /* an allow-list is given (even an empty one) */
  struct profile_exec_rule *exec_allow;
  size_t n_exec_allow;
  char **exec_writable; /* globs where programs written after start may run */
  size_t n_exec_writable;
  /* "exec.fdExec": execveat of a descriptor (fexecve) may run a file of
   * the image; /proc and /dev/fd links stay denied. Default false. */
  bool exec_fd;
  /* "exec.memfdExec": memfds may be executable (vm.memfd_noexec is not
   * raised, memfd_create(MFD_EXEC) is not refused). Default false. */
  bool exec_memfd;
  char **block_hashes; /* "blockHashes": SHA-256 hex of known-bad programs */
  size_t n_block_hashes;
  enum profile_action action; /* "action": "deny" (default), "kill", "freeze" */

  enum profile_need lsm;      /* "lsm": AppArmor or SELinux, whichever the host runs */
  enum profile_need landlock; /* "landlock": the in-container Landlock init */

  /* "network": {"bind": [ports], "connect": [ports]}: the TCP ports the
   * workload may bind and connect to. Absent means not restricted. Ports
   * are sorted, unique, 1..65535. */
  bool has_admit; /* "admit" is present: a privileged profile */
  struct profile_admit admit;

  bool has_network;
  uint16_t *net_bind;
  size_t n_net_bind;
  uint16_t *net_connect;
  size_t n_net_connect;
};

const char *profile_action_name(enum profile_action a);
const char *profile_need_name(enum profile_need n);

/* Is name acceptable as a profile name (and so as a file name in the
 * profile directory)? [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
bool profile_name_valid(const char *name);

/* Parse and validate a profile file. Every error names the file, the line
 * and column, the field, and what was expected:
 *   "/etc/stockade/profiles/web.json:12:5: capabilities[2]: unknown capability \"CAP_FOO\"" */
int profile_load_file(const char *path, struct profile **out, struct sk_error **err);
/* The same, for `profile lint`: it goes on after an error, and *err has
 * every error of the file, one per line (each "<file>:<line>:<col>: ..."). */
int profile_lint_file(const char *path, struct profile **out, struct sk_error **err);

/* Load <dir>/<name>.json after checking the name. A missing file is
 * "profile \"x\" not found: <dir>/x.json does not exist" with code ENOENT. */
int profile_load_named(const char *dir, const char *name, struct profile **out, struct sk_error **err);

/* Parse from memory; origin is the name used in messages. Unlike
 * profile_load_file, the name is not checked against a file name, file is
 * NULL, and a relative seccomp path is refused (there is no file for it to
 * be relative to). */
int profile_parse(const char *origin, const char *buf, size_t len, struct profile **out, struct sk_error **err);

/* The resolved profile as JSON (for `stockadectl profile show`). */
int profile_to_json(const struct profile *p, struct json **out, struct sk_error **err);

bool profile_has_cap(const struct profile *p, const char *canonical);

void profile_free(struct profile *p);
void profile_freep(struct profile **p);
#define cleanup_profile __attribute__((cleanup(profile_freep)))

#endif

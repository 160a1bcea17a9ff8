/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl verify: can this host enforce what stockade promises? One
 * line per item (ok, warn, fail) and, where something cannot be had, what
 * is lost. Exit 0 when nothing failed, that is when every protection
 * stockade enforces is available: fanotify permission events, seccomp
 * user-notify, a runtime that passes listenerPath, and what the supervisor
 * needs to run them (pidfd, openat2 RESOLVE_IN_ROOT, memfd, a writable
 * state directory). Everything else is a warning.
 *
 * The pure helpers (version, lsm list, cgroup layout, kernel release) are
 * static and tested by tests/unit/test_verify.c, which includes this file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/compat.h"
#include "stockade/config.h"
#include "ctl.h"
#include "stockade/fan.h"
#include "stockade/json.h"
#include "stockade/lsm.h"
#include "stockade/landlock.h"
#include "stockade/memfd_noexec.h"
#include "stockade/profile.h"
#include "stockade/runtime.h"

/* The build headers are Linux 6.1: what came later is defined here. */
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define SYSFS_CGROUP "/sys/fs/cgroup"
#define LSM_LIST "/sys/kernel/security/lsm"
#define AA_ENABLED "/sys/module/apparmor/parameters/enabled"
#define SELINUX_ENFORCE "/sys/fs/selinux/enforce"

/* ---- pure helpers (unit tested) ---- */

/* "runc version 1.1.5+ds1", "crun version 0.19.1.45-4cc7": the runtime's
 * name and the first three numbers of its version (missing ones are 0). */
static int verify_parse_version(const char *out, char name[16], int ver[3]) {
  const char *p, *v;
  size_t n;
  int i;
  if (out == NULL)
    return -1;
  p = out + strspn(out, " \t\n");
  n = strcspn(p, " \t\n");
  if (n == 0 || n >= 16)
    return -1;
  v = p + n;
  v += strspn(v, " \t");
  if (strncmp(v, "version", 7) != 0 || (v[7] != ' ' && v[7] != '\t'))
    return -1;
  v += 7;
  v += strspn(v, " \t");
  if (*v == 'v')
    v++;
  if (*v < '0' || *v > '9')
    return -1;
  memcpy(name, p, n);
  name[n] = '\0';
  for (i = 0; i < 3; i++) {
    char *end;
    long x = 0;
    if (*v >= '0' && *v <= '9') {
      x = strtol(v, &end, 10);
      v = end;
      if (*v == '.')
        v++;
      else
        v = "";
    }
    ver[i] = x > INT_MAX ? INT_MAX : (int)x;
  }
  return 0;
}

static int version_cmp(const int a[3], int x, int y, int z) {
  const int b[3] = {x, y, z};
  int i;
  for (i = 0; i < 3; i++)
    if (a[i] != b[i])
      return a[i] < b[i] ? -1 : 1;
  return 0;
}

/* Does this runtime pass linux.seccomp.listenerPath to a listener? runc
 * from 1.1.0, crun from 0.19. -1 for a runtime we do not know. A runc
 * "1.1.0-rc1" counts as 1.1.0: the release candidates had it too. */
static int verify_listener_capable(const char *name, const int ver[3]) {
  const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
  if (strcmp(base, "runc") == 0)
    return version_cmp(ver, 1, 1, 0) >= 0;
  if (strcmp(base, "crun") == 0)
    return version_cmp(ver, 0, 19, 0) >= 0;
  return -1;
}

/* Is name in the comma-separated list of /sys/kernel/security/lsm? */
static bool verify_lsm_listed(const char *list, const char *name) {
  size_t n = strlen(name);
  const char *p = list;
  while (p && *p) {
    size_t len = strcspn(p, ",\n");
    if (len == n && strncmp(p, name, n) == 0)
      return true;
    p += len;
    p += strspn(p, ",\n");
  }
  return false;
}

/* The cgroup layout from the file system types of /sys/fs/cgroup and of
 * /sys/fs/cgroup/unified (0 when that cannot be read), as systemd tells
 * them apart. */
static const char *verify_cgroup_layout(unsigned long root_type, unsigned long unified_type) {
  if (root_type == CGROUP2_SUPER_MAGIC)
    return "unified";
  if (root_type == TMPFS_MAGIC)
    return unified_type == CGROUP2_SUPER_MAGIC ? "hybrid" : "legacy";
  return "unknown";
}

/* Is the kernel release ("6.6.0-14-amd64") at least maj.min? */
static bool verify_kernel_at_least(const char *release, int maj, int min) {
  int a = 0, b = 0;
  if (sscanf(release, "%d.%d", &a, &b) < 1)
    return false;
  return a > maj || (a == maj && b >= min);
}

/* ---- the checks ---- */

enum vstatus { V_OK, V_WARN, V_FAIL };
static const char *const vstatus_name[] = {"ok", "warn", "fail"};

#define N_ITEMS 32
struct vitem {
  const char *id;
  enum vstatus status;
  char value[64];   /* the fact a script wants: "hybrid", "3", "1.1.5", "not active" */
  char detail[256]; /* what was found */
  char lost[256];   /* what stockade cannot do here; empty when ok */
};

struct verify {
  struct vitem v[N_ITEMS];
  size_t n;
  struct sk_config *cfg;
  const char *runtime_name;
};

__attribute__((format(printf, 5, 6))) static struct vitem *add(struct verify *vr, const char *id, enum vstatus st,
                                                               const char *value, const char *fmt, ...) {
  struct vitem *it = &vr->v[vr->n < N_ITEMS - 1 ? vr->n++ : N_ITEMS - 1];
  va_list ap;
  memset(it, 0, sizeof(*it));
  it->id = id;
  it->status = st;
  snprintf(it->value, sizeof(it->value), "%s", value ? value : "");
  va_start(ap, fmt);
  vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
  va_end(ap);
  return it;
}

static void lost(struct vitem *it, const char *what) { snprintf(it->lost, sizeof(it->lost), "%s", what); }

/* First line of a small file, without its newline; NULL when unreadable. */
static char *read_line(const char *path, char *buf, size_t size) {
  cleanup_fclose FILE *f = fopen(path, "re");
  if (f == NULL || fgets(buf, (int)size, f) == NULL)
    return NULL;
  buf[strcspn(buf, "\n")] = '\0';
  return buf;
}

static void check_fanotify(struct verify *vr) {
  struct fan *f = NULL;
  cleanup_error struct sk_error *err = NULL;
  struct vitem *it;
  if (fan_open(&f, &err) == 0) {
    fan_close(f);
    add(vr, "fanotify", V_OK, "available", "fanotify FAN_CLASS_CONTENT with FAN_OPEN_EXEC_PERM");
    return;
  }
  it = add(vr, "fanotify", V_FAIL, "unavailable", "%s", err->msg);
  lost(it, "no decision on the file actually executed: exec allow-list, hash block-list and drift are not enforced");
}

/* A child installs a filter whose only notifying syscall (acct) it never
 * makes, asks its listener for SYNC_WAKE_UP and exits with the answer;
 * the parent stays unfiltered. Exit 0: supported; 1: EINVAL (older than
 * 6.6); 2: the filter could not be installed. */
static int probe_sync_wakeup(void) {
  pid_t pid = fork();
  int ws;
  if (pid < 0)
    return -1;
  if (pid == 0) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    int fd;
    if (ctx == NULL || seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(acct), 0) < 0 || seccomp_load(ctx) < 0)
      _exit(2);
    fd = seccomp_notify_fd(ctx);
    if (fd < 0)
      _exit(2);
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
      _exit(errno == EINVAL ? 1 : 3);
    _exit(0);
  }
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void check_seccomp(struct verify *vr, const char *release) {
  struct seccomp_notif_sizes sizes;
  struct vitem *it;
  int r;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
    int e = errno;
    it = add(vr, "seccomp-notify", V_FAIL, "unavailable", "seccomp(SECCOMP_GET_NOTIF_SIZES): %s (needs Linux 5.0)",
             strerror(e));
    lost(it, "no supervisor: execve is not intercepted, fileless execution (execveat of a memfd) is not seen");
    add(vr, "seccomp-sync-wakeup", V_WARN, "unavailable", "no seccomp user-notify");
    return;
  }
  add(vr, "seccomp-notify", V_OK, "available", "seccomp user-notify (notification %u bytes, response %u bytes)",
      sizes.seccomp_notif, sizes.seccomp_notif_resp);
  r = probe_sync_wakeup();
  if (r == 0) {
    add(vr, "seccomp-sync-wakeup", V_OK, "available", "SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (kernel %s)", release);
    return;
  }
  if (r == 1)
    it = add(vr, "seccomp-sync-wakeup", V_WARN, "unavailable",
             "SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP refused (kernel %s; needs 6.6)", release);
  else
    it = add(vr, "seccomp-sync-wakeup", V_WARN, "unknown",
             "could not test SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP on a listener (probe status %d); kernel %s %s 6.6", r,
             release, verify_kernel_at_least(release, 6, 6) ? ">=" : "<");
  lost(it, "nothing is allowed that should not be; each intercepted exec costs a little more latency");
}

static void check_pidfd(struct verify *vr) {
  int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  struct vitem *it;
  if (fd >= 0) {
    close(fd);
    add(vr, "pidfd", V_OK, "available", "pidfd_open");
    return;
  }
  it = add(vr, "pidfd", V_FAIL, "unavailable", "pidfd_open: %s (needs Linux 5.3)", strerror(errno));
  lost(it, "the supervisor cannot follow the container's init reliably");
}

static void check_openat2(struct verify *vr) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
  struct vitem *it;
  if (fd >= 0) {
    close(fd);
    add(vr, "openat2", V_OK, "available", "openat2 RESOLVE_IN_ROOT");
    return;
  }
  it = add(vr, "openat2", V_FAIL, "unavailable", "openat2(RESOLVE_IN_ROOT): %s (needs Linux 5.6)", strerror(errno));
  lost(it, "container mounts cannot be marked safely for fanotify (a container's symlink could lead to a host path)");
}

static void check_memfd(struct verify *vr) {
  int fd = memfd_create("stockade-verify", MFD_CLOEXEC);
  struct vitem *it;
  if (fd >= 0) {
    close(fd);
    add(vr, "memfd", V_OK, "available", "memfd_create");
    return;
  }
  it = add(vr, "memfd", V_FAIL, "unavailable", "memfd_create: %s", strerror(errno));
  lost(it, "the seccomp filter cannot be dry-run before create, exec --process cannot be rewritten");
}

/* vm.memfd_noexec per PID namespace (Linux 6.3): what enforce mode sets
 * to 2 for each container (shim/lib/confine/memfd_noexec.c). */
static void check_memfd_noexec(struct verify *vr) {
  char why[300];
  struct vitem *it;
  if (memfd_noexec_supported(why, sizeof(why))) {
    add(vr, "memfd-noexec", V_OK, "per-pid-namespace",
        "vm.memfd_noexec per PID namespace: enforced containers get %d (memfd_create(MFD_EXEC) refused, no memfd "
        "executable)",
        MEMFD_NOEXEC_LEVEL);
    return;
  }
  it = add(vr, "memfd-noexec", V_WARN, "unavailable", "%s", why);
  lost(it, "the kernel does not refuse executable memfds itself; the seccomp filter still refuses "
           "memfd_create(MFD_EXEC) and the supervisor denies every memfd exec");
}

static void check_runtime(struct verify *vr) {
  char *argv[] = {NULL, "--version", NULL};
  cleanup_free char *out = NULL;
  cleanup_error struct sk_error *err = NULL;
  struct vitem *it;
  char name[16], value[64];
  int ver[3], status = 0, capable;
  size_t len;

  if (vr->cfg == NULL)
    return; /* said under "config" */
  if (runtime_check(vr->cfg, &err) < 0) {
    it = add(vr, "runtime", V_FAIL, "missing", "%s", err->msg);
    lost(it, "nothing runs: stockade hands every container to this runtime");
    return;
  }
  if (runtime_capture(vr->cfg, argv, &out, &len, &status, &err) < 0 || status != 0 ||
      verify_parse_version(out, name, ver) < 0) {
    it = add(vr, "runtime", V_FAIL, "unknown", "%s --version: %s", vr->cfg->runtime,
             err           ? err->msg
             : status != 0 ? "failed"
                           : "no \"NAME version X.Y.Z\" line");
    lost(it, "cannot tell whether the runtime passes listenerPath: the supervisor may never be connected");
    return;
  }
  vr->runtime_name = strcmp(name, "crun") == 0 ? "crun" : strcmp(name, "runc") == 0 ? "runc" : "other";
  snprintf(value, sizeof(value), "%s %d.%d.%d", name, ver[0], ver[1], ver[2]);
  capable = verify_listener_capable(name, ver);
  if (capable == 1) {
    add(vr, "runtime", V_OK, value, "%s: %s, passes listenerPath", vr->cfg->runtime, value);
    return;
  }
  it = add(vr, "runtime", V_FAIL, value, "%s: %s, %s", vr->cfg->runtime, value,
           capable == 0 ? "too old for listenerPath (runc >= 1.1.0, crun >= 0.19)" : "not runc or crun");
  lost(it, "no supervisor: the runtime does not hand it the seccomp listener (execve would fail with ENOSYS)");
}

/* The nearest existing directory at or above path; writable by us? */
static int writable_dir(const char *path, char *where, size_t size) {
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s", path);
  for (;;) {
    char *slash;
    if (access(p, F_OK) == 0) {
      snprintf(where, size, "%s", p);
      return access(p, W_OK | X_OK) == 0 ? 0 : -errno;
    }
    slash = strrchr(p, '/');
    if (slash == NULL || slash == p) {
      snprintf(where, size, "/");
      return access("/", W_OK | X_OK) == 0 ? 0 : -errno;
    }
    *slash = '\0';
  }
}

static void check_paths(struct verify *vr) {
  char where[PATH_MAX];
  struct vitem *it;
  int r;
  if (vr->cfg == NULL)
    return;
  r = writable_dir(vr->cfg->state_dir, where, sizeof(where));
  if (r == 0) {
    add(vr, "state-dir", V_OK, vr->cfg->state_dir, "%s is writable%s", vr->cfg->state_dir,
        strcmp(where, vr->cfg->state_dir) == 0 ? "" : " (will be created)");
  } else {
    it = add(vr, "state-dir", V_FAIL, vr->cfg->state_dir, "%s: %s not writable: %s", vr->cfg->state_dir, where,
             strerror(-r));
    lost(it, "no supervisor can start (its socket and state live there)");
  }

  if (vr->cfg->event_file == NULL) {
    it = add(vr, "event-file", vr->cfg->syslog ? V_OK : V_WARN, "", "no eventFile configured%s",
             vr->cfg->syslog ? "; events go to syslog" : "");
    if (!vr->cfg->syslog)
      lost(it, "events are not recorded anywhere (set eventFile or syslog)");
    return;
  }
  if (access(vr->cfg->event_file, F_OK) == 0) {
    r = access(vr->cfg->event_file, W_OK) == 0 ? 0 : -errno;
    snprintf(where, sizeof(where), "%s", vr->cfg->event_file);
  } else {
    char dir[PATH_MAX], *slash;
    snprintf(dir, sizeof(dir), "%s", vr->cfg->event_file);
    slash = strrchr(dir, '/');
    if (slash && slash != dir)
      *slash = '\0';
    r = writable_dir(dir, where, sizeof(where));
  }
  if (r == 0) {
    add(vr, "event-file", V_OK, vr->cfg->event_file, "%s is writable", vr->cfg->event_file);
    return;
  }
  it = add(vr, "event-file", V_WARN, vr->cfg->event_file, "%s: %s not writable: %s", vr->cfg->event_file, where,
           strerror(-r));
  lost(it, vr->cfg->syslog ? "events reach syslog only" : "events are lost (decisions are still enforced)");
}

/* AppArmor: built in (module parameter), enabled (Y), and in the active
 * lsm list. A kernel can have it built in and enabled and still not run
 * it, when another major LSM was chosen with lsm= at boot. */
static void check_apparmor(struct verify *vr, const char *lsm, bool *active) {
  char buf[64];
  const char *en = read_line(AA_ENABLED, buf, sizeof(buf));
  *active = false;
  if (en == NULL) {
    add(vr, "apparmor", V_OK, "not active", "not active (not built into this kernel)");
  } else if (en[0] != 'Y') {
    add(vr, "apparmor", V_OK, "not active", "not active (built in, disabled: apparmor=0 at boot)");
  } else if (lsm == NULL) {
    /* Probably active; counted as such so SELinux's line is not a warning. */
    *active = true;
    lost(add(vr, "apparmor", V_WARN, "unknown", "enabled, but %s cannot be read (securityfs not mounted?)", LSM_LIST),
         "cannot tell whether container profiles are enforced");
  } else if (!verify_lsm_listed(lsm, "apparmor")) {
    add(vr, "apparmor", V_OK, "not active", "built in but not active (not in %s: %s)", LSM_LIST, lsm);
  } else {
    *active = true;
    add(vr, "apparmor", V_OK, "active", "active");
  }
}

static void check_selinux(struct verify *vr, const char *lsm, bool *active) {
  char buf[16];
  const char *en = read_line(SELINUX_ENFORCE, buf, sizeof(buf));
  *active = false;
  if (en == NULL) {
    add(vr, "selinux", V_OK, "not active", "not active (%s)",
        lsm && verify_lsm_listed(lsm, "selinux") ? "listed in the lsm list but selinuxfs is not mounted"
                                                 : "no selinuxfs at /sys/fs/selinux");
    return;
  }
  *active = true;
  if (strcmp(en, "1") == 0) {
    add(vr, "selinux", V_OK, "active", "active, enforcing");
    return;
  }
  lost(add(vr, "selinux", V_WARN, "permissive", "active, permissive"),
       "container labels are set but not enforced by the kernel");
}

static void check_lsms(struct verify *vr) {
  char buf[512];
  const char *lsm = read_line(LSM_LIST, buf, sizeof(buf));
  size_t aa_i = vr->n, se_i;
  bool aa, se;
  check_apparmor(vr, lsm, &aa);
  se_i = vr->n;
  check_selinux(vr, lsm, &se);
  /* Neither MAC LSM runs: say so once on each line, as a warning. */
  if (!aa && !se) {
    if (vr->v[aa_i].status == V_OK) {
      vr->v[aa_i].status = V_WARN;
      lost(&vr->v[aa_i], "no AppArmor profile is applied to containers (seccomp, capabilities and the supervisor "
                         "still are)");
    }
    vr->v[se_i].status = V_WARN;
    lost(&vr->v[se_i], "no SELinux label is applied to containers");
  }
}

/* Landlock: the ABI stockade uses (the kernel's, capped by landlockAbi),
 * whether stockade-init is there to use it, and with --profile what that
 * profile's containers get. */
static void check_landlock(struct verify *vr, const struct profile *p) {
  static const char *const what[] = {"",
                                     "file access",
                                     "rename/link across dirs",
                                     "truncate",
                                     "TCP bind/connect",
                                     "device ioctl",
                                     "signal and abstract socket scoping",
                                     "audit"};
  const char *why = NULL;
  int kabi, abi = landlock_abi(vr->cfg, &kabi, &why);
  cleanup_free char *init = NULL;
  cleanup_error struct sk_error *err = NULL;
  char value[24];
  struct vitem *it;

  if (abi > 0) {
    snprintf(value, sizeof(value), "%d", abi);
    it = add(vr, "landlock", V_OK, value, "ABI %d%s (newest addition: %s)", abi,
             abi < kabi ? " (capped by landlockAbi)" : "",
             abi < (int)(sizeof(what) / sizeof(what[0])) ? what[abi] : "newer than this stockade knows");
    if (vr->cfg && landlock_init_path(vr->cfg, &init, &err) < 0) {
      it->status = V_WARN;
      lost(it, "no Landlock confinement: stockade-init is missing (profiles with \"landlock\": \"required\" are "
               "refused)");
    }
  } else {
    it = add(vr, "landlock", V_WARN, "unavailable", "%s", why ? why : "unavailable");
    lost(it, "no Landlock confinement of writes, execs and TCP ports; profiles with \"landlock\": \"required\" "
             "are refused");
  }
  if (p) {
    struct landlock_report r;
    landlock_describe(p, abi, &r);
    if (p->landlock == PROFILE_NEED_OFF) {
      add(vr, "landlock-profile", V_OK, "off", "profile \"%s\": \"landlock\": \"off\"", p->name);
      return;
    }
    it = add(vr, "landlock-profile", V_OK, r.applied[0] ? r.applied : "none", "profile \"%s\" (%s) gets %s%s%s",
             p->name, profile_need_name(p->landlock), r.applied[0] ? r.applied : "nothing",
             r.missing[0] ? "; not on this host: " : "", r.missing);
    if (r.missing[0]) {
      it->status = r.blocking && p->landlock == PROFILE_NEED_REQUIRED ? V_FAIL : V_WARN;
      lost(it, r.blocking && p->landlock == PROFILE_NEED_REQUIRED ? "its containers are refused"
                                                                  : "what this ABI lacks is not enforced");
    }
  }
}

/* LSM layer: what containers under one profile get here (--profile). A
 * profile that requires an LSM on a host without one fails: enforce mode
 * refuses every container of it. */
/* --profile NAME|FILE: a file when it looks like a path, else a name in
 * the config's profileDir. Loaded once for every per-profile item. */
static struct profile *load_profile(struct verify *vr, const char *what) {
  struct profile *p = NULL;
  cleanup_error struct sk_error *err = NULL;
  int r;

  if (strchr(what, '/') || strstr(what, ".json"))
    r = profile_load_file(what, &p, &err);
  else if (vr->cfg)
    r = profile_load_named(vr->cfg->profile_dir, what, &p, &err);
  else
    r = sk_error_set(&err, 0, "profile \"%s\": no config to find its directory in", what);
  if (r < 0) {
    lost(add(vr, "profile", V_FAIL, what, "%s", err->msg), "cannot tell what the profile gets here");
    return NULL;
  }
  return p;
}

static void check_lsm_layer(struct verify *vr, const struct profile *p) {
  struct lsm_host h;
  enum lsm_layer l;
  char why[512];

  lsm_host_probe(&h);
  l = lsm_layer_for(p, &h);
  if (p->lsm == PROFILE_NEED_OFF) {
    add(vr, "lsm-layer", V_OK, "none", "profile %s: \"lsm\": \"off\", no LSM layer wanted", p->name);
  } else if (l != LSM_LAYER_NONE) {
    add(vr, "lsm-layer", V_OK, lsm_layer_name(l), "profile %s (lsm %s): %s", p->name, profile_need_name(p->lsm),
        l == LSM_LAYER_APPARMOR ? "its generated AppArmor profile" : "an SELinux label with its own MCS categories");
  } else {
    lsm_missing_reason(p, &h, why, sizeof(why));
    if (p->lsm == PROFILE_NEED_REQUIRED)
      lost(add(vr, "lsm-layer", V_FAIL, "none", "%s; required: enforce mode refuses its containers", why),
           "containers of this profile do not start here");
    else
      lost(add(vr, "lsm-layer", V_WARN, "none", "%s; optional: its containers run without one", why),
           "no AppArmor or SELinux confinement for this profile's containers");
  }
}

static void check_cgroup(struct verify *vr) {
  struct statfs root, uni;
  const char *layout;
  struct vitem *it;
  if (statfs(SYSFS_CGROUP, &root) < 0) {
    lost(add(vr, "cgroup", V_WARN, "unknown", "statfs %s: %s", SYSFS_CGROUP, strerror(errno)),
         "the freeze action cannot find the container's cgroup");
    return;
  }
  layout = verify_cgroup_layout((unsigned long)root.f_type,
                                statfs(SYSFS_CGROUP "/unified", &uni) == 0 ? (unsigned long)uni.f_type : 0);
  if (strcmp(layout, "unified") == 0) {
    add(vr, "cgroup", V_OK, layout, "unified (cgroup v2)");
    return;
  }
  if (strcmp(layout, "unknown") == 0) {
    lost(add(vr, "cgroup", V_WARN, layout, "%s is neither cgroup2 nor tmpfs", SYSFS_CGROUP),
         "the freeze action cannot find the container's cgroup");
    return;
  }
  it = add(vr, "cgroup", V_OK, layout, "%s (cgroup v1 controllers%s); the freeze action uses the v1 freezer", layout,
           strcmp(layout, "hybrid") == 0 ? ", cgroup2 at " SYSFS_CGROUP "/unified" : " only");
  if (vr->runtime_name && strcmp(vr->runtime_name, "crun") == 0) {
    it->status = V_WARN;
    lost(it, "crun refuses this layout unless run with a cgroup2 view: prefer runc or boot with unified cgroups");
  }
}

static int print_json_report(const struct verify *vr, const char *release, bool ok, struct sk_error **err) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  struct json *arr = json_new(JSON_ARRAY);
  cleanup_free char *txt = NULL;
  size_t i, len;
  if (o == NULL || arr == NULL) {
    json_free(arr);
    return sk_error_set(err, ENOMEM, "the report");
  }
  json_set(o, "ok", json_new_bool(ok));
  json_set(o, "kernel", json_new_string(release));
  json_set(o, "config", json_new_string(vr->cfg ? vr->cfg->path : config_path()));
  for (i = 0; i < vr->n; i++) {
    const struct vitem *it = &vr->v[i];
    struct json *e = json_new(JSON_OBJECT);
    json_set(e, "id", json_new_string(it->id));
    json_set(e, "status", json_new_string(vstatus_name[it->status]));
    json_set(e, "value", json_new_string(it->value));
    json_set(e, "detail", json_new_string(it->detail));
    json_set(e, "lost", json_new_string(it->lost));
    json_append(arr, e);
  }
  json_set(o, "checks", arr);
  if (json_gen(o, &txt, &len, err) < 0)
    return -1;
  fwrite(txt, 1, len, stdout);
  putchar('\n');
  return 0;
}

/* The profile directory and the profiles in it: a container starts only
 * when its profile loads, so a missing directory or a broken default
 * profile fails (every container without a stockade.io/profile annotation
 * is refused), and a broken profile of another name is a warning (its
 * containers are refused). Each file is linted as `profile lint` does. */
static void check_profiles(struct verify *vr) {
  cleanup_dir DIR *d = NULL;
  cleanup_profile struct profile *dflt = NULL;
  cleanup_error struct sk_error *err = NULL;
  char broken[200] = "";
  const char *dir;
  struct dirent *e;
  size_t n = 0, bad = 0;
  struct vitem *it;

  if (vr->cfg == NULL)
    return;
  dir = vr->cfg->profile_dir;
  d = opendir(dir);
  if (d == NULL) {
    it = add(vr, "profile-dir", V_FAIL, dir, "%s: %s", dir, strerror(errno));
    lost(it, "no container can start: every profile, the default one too, is read from there");
    return;
  }
  add(vr, "profile-dir", V_OK, dir, "%s", dir);
  while ((e = readdir(d)) != NULL) {
    cleanup_free char *path = NULL;
    cleanup_profile struct profile *p = NULL;
    cleanup_error struct sk_error *perr = NULL;
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
      continue;
    if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
      continue;
    n++;
    if (profile_lint_file(path, &p, &perr) < 0) {
      size_t used = strlen(broken);
      bad++;
      fprintf(stderr, "stockadectl verify: %s\n", perr && perr->msg ? perr->msg : path);
      if (used + len + 3 < sizeof(broken)) {
        char *o = broken + used;
        if (used) {
          *o++ = ',';
          *o++ = ' ';
        }
        memcpy(o, e->d_name, len + 1);
      }
    }
  }
  if (bad == 0) {
    char value[32];
    snprintf(value, sizeof(value), "%zu", n);
    add(vr, "profiles", V_OK, value, "%zu profile%s in %s, each lints clean", n, n == 1 ? "" : "s", dir);
  } else {
    char value[64];
    snprintf(value, sizeof(value), "%zu of %zu broken", bad, n);
    it = add(vr, "profiles", V_WARN, value, "%zu of %zu profiles in %s do not load: %s (stockadectl profile lint)", bad,
             n, dir, broken);
    lost(it, "containers that ask for them are refused");
  }
  if (profile_load_named(dir, vr->cfg->default_profile, &dflt, &err) < 0) {
    it = add(vr, "default-profile", V_FAIL, vr->cfg->default_profile, "%s", err && err->msg ? err->msg : "?");
    lost(it, "no container without a stockade.io/profile annotation can start");
    return;
  }
  add(vr, "default-profile", V_OK, dflt->name, "profile \"%s\" (%s) loads", dflt->name, dflt->file);
}

int ctl_verify(int argc, char **argv, struct sk_error **err) {
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {"profile", required_argument, NULL, 'p'},
                                       {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'V'},
                                       {NULL, 0, NULL, 0}};
  const char *profile = NULL;
  cleanup_profile struct profile *prof = NULL;
  struct verify vr = {0};
  cleanup_config struct sk_config *cfg = NULL;
  cleanup_error struct sk_error *cfg_err = NULL;
  struct utsname u;
  bool as_json = false, ok = true;
  size_t i;
  int c;

  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":jp:h", opts, NULL)) != -1) {
    if (c == 'j') {
      as_json = true;
    } else if (c == 'p') {
      profile = optarg;
    } else if (c == 'h') {
      printf("usage: stockadectl verify [--json] [--profile NAME|FILE]\n"
             "  can this host enforce each protection? one line per item: ok, warn or fail, and what\n"
             "  is lost where it cannot; exit 0 when nothing fails, 1 otherwise. Run it as root, with\n"
             "  STOCKADE_CONFIG naming the node's config (default " SK_CONFIG_DEFAULT ").\n"
             "  --profile: also which LSM layer (AppArmor, SELinux, none) that profile's containers get\n"
             "  here, and whether its \"lsm\": \"required\" makes enforce mode refuse them; and what\n"
             "  it gets from Landlock here. It also lints every profile of the profile directory and\n"
             "  loads the default profile: a missing directory or a broken default profile fails.\n");
      return 0;
    } else if (c == 'V') {
      return ctl_version();
    } else {
      return ctl_bad_flag("verify", c, argv, err);
    }
  }
  if (optind != argc)
    return sk_error_set(err, 0, "unexpected argument \"%s\"; see stockadectl verify --help", argv[optind]);
  if (uname(&u) < 0)
    snprintf(u.release, sizeof(u.release), "unknown");

  if (config_load(config_path(), &cfg, &cfg_err) < 0)
    lost(add(&vr, "config", V_FAIL, config_path(), "%s", cfg_err->msg),
         "runtime, state directory and event file cannot be checked; stockade refuses to start");
  else
    add(&vr, "config", V_OK, cfg->path, "%s", cfg->path);
  vr.cfg = cfg;

  check_fanotify(&vr);
  check_seccomp(&vr, u.release);
  check_pidfd(&vr);
  check_openat2(&vr);
  check_memfd(&vr);
  check_memfd_noexec(&vr);
  check_runtime(&vr);
  check_lsms(&vr);
  if (profile)
    prof = load_profile(&vr, profile);
  check_landlock(&vr, prof);
  if (prof)
    check_lsm_layer(&vr, prof);
  check_cgroup(&vr);
  check_paths(&vr);
  check_profiles(&vr);

  for (i = 0; i < vr.n; i++)
    if (vr.v[i].status == V_FAIL)
      ok = false;
  if (as_json) {
    if (print_json_report(&vr, u.release, ok, err) < 0)
      return -1;
  } else {
    for (i = 0; i < vr.n; i++) {
      const struct vitem *it = &vr.v[i];
      printf("%-4s  %-19s %s%s%s\n", vstatus_name[it->status], it->id, it->detail, it->lost[0] ? "; lost: " : "",
             it->lost);
    }
    printf("%s\n", ok ? "verify: this host can enforce stockade's protections"
                      : "verify: this host cannot enforce every protection (see the fail lines)");
  }
  return ok ? 0 : CTL_EXIT_FINDINGS;
}

/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stockade/caps.h"
#include "stockade/cleanup.h"
#include "stockade/judge.h"
#include "stockade/spec.h"
#include "stockade/str.h"

const char *judge_host_ns_dir = NULL;

#define T_ESCAPE "T1611"

__attribute__((format(printf, 5, 6))) static int add(struct findings *f, const char *rule, enum finding_kind kind,
                                                     const char *fix, const char *fmt, ...) {
  struct finding *v;
  va_list ap;
  char *what = NULL;
  int r;

  va_start(ap, fmt);
  r = vasprintf(&what, fmt, ap);
  va_end(ap);
  if (r < 0)
    return -1;
  v = reallocarray(f->v, f->n + 1, sizeof(*v));
  if (v == NULL) {
    free(what);
    return -1;
  }
  f->v = v;
  v = &f->v[f->n++];
  v->rule = rule;
  v->kind = kind;
  v->what = what;
  v->fix = strdup(fix);
  finding_set_refs(v);
  v->technique = kind == FINDING_REFUSE ? T_ESCAPE : "T1610";
  return v->fix ? 0 : -1;
}

size_t findings_count(const struct findings *f, enum finding_kind kind) {
  size_t i, n = 0;
  for (i = 0; i < f->n; i++)
    n += f->v[i].kind == kind;
  return n;
}

const struct finding *findings_find(const struct findings *f, const char *rule) {
  size_t i;
  for (i = 0; i < f->n; i++)
    if (strcmp(f->v[i].rule, rule) == 0)
      return &f->v[i];
  return NULL;
}

void findings_clear(struct findings *f) {
  size_t i;
  for (i = 0; i < f->n; i++) {
    free(f->v[i].what);
    free(f->v[i].fix);
  }
  free(f->v);
  f->v = NULL;
  f->n = 0;
}

/* Host paths a container must never get by bind mount. Two kinds:
 * - kernel interfaces, device nodes, the host's configuration, credentials,
 *   home directories and logs: refused when the source is the path, below
 *   it (/etc/shadow, /var/log/pods), or above it (mounting / exposes /proc);
 * - container engines' sockets and state roots: refused when the source is
 *   the path or above it (mounting /run exposes /run/containerd's socket).
 *   Files below them are what engines bind on purpose: containerd's CRI
 *   binds /etc/hosts and /dev/shm from its sandbox directory under
 *   /run/containerd and /var/lib/containerd, CRI-O and podman from
 *   /var/run/containers/storage. */
static const char *const sensitive_trees[] = {
    "/proc",
    "/dev",
    "/boot",
    "/etc",
    "/root",
    "/home",
    "/var/log",
    "/lib/modules",
    "/usr/lib/modules",
    "/var/lib/kubelet/pki",
    "/run/stockade",
    NULL,
};

static const char *const sensitive_points[] = {
    "/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock.ttrpc",
    "/run/docker.sock",
    "/run/docker",
    "/run/dockershim.sock",
    "/run/crio/crio.sock",
    "/run/podman/podman.sock",
    "/run/buildkit",
    "/run/runc",
    "/run/crun",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/containers",
    "/var/lib/kubelet",
    "/run/containers",
    NULL,
};

static bool judge_sensitive_source(const char *source, bool writable) {
  cleanup_free char *src = path_clean(source);
  cleanup_free char *real = NULL;
  cleanup_free char *run = NULL;
  const char *cands[3];
  size_t i, c;

  if (src == NULL)
    return true;
  /* Symlinks on the host: judge where it really points as well as what it
   * says, and /var/run as the /run it is on every current distribution
   * even when the path does not exist here (stockadectl check). */
  real = realpath(src, NULL);
  if (path_is_under(src, "/var/run") && asprintf(&run, "/run%s", src + strlen("/var/run")) < 0)
    return true;
  cands[0] = src;
  cands[1] = real;
  cands[2] = run;
  for (c = 0; c < 3; c++) {
    if (cands[c] == NULL)
      continue;
    if (strcmp(cands[c], "/") == 0)
      return true;
    /* sysfs read-only is what every container has; writable, it is the
     * host's kernel and devices. */
    if (writable && (path_is_under(cands[c], "/sys") || path_is_under("/sys", cands[c])))
      return true;
    for (i = 0; sensitive_trees[i]; i++)
      if (path_is_under(cands[c], sensitive_trees[i]) || path_is_under(sensitive_trees[i], cands[c]))
        return true;
    for (i = 0; sensitive_points[i]; i++)
      if (path_is_under(sensitive_points[i], cands[c]))
        return true;
  }
  return false;
}

static bool same_ns(const char *path, const char *type) {
  char host[256];
  struct stat a, b;
  static const struct {
    const char *oci, *proc;
  } names[] = {{"pid", "pid"},   {"ipc", "ipc"}, {"network", "net"},  {"user", "user"},
               {"mount", "mnt"}, {"uts", "uts"}, {"cgroup", "cgroup"}};
  const char *proc = NULL;
  size_t i;

  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(names[i].oci, type) == 0)
      proc = names[i].proc;
  if (proc == NULL)
    return false;
  snprintf(host, sizeof(host), "%s/%s", judge_host_ns_dir ? judge_host_ns_dir : "/proc/1/ns", proc);
  if (stat(path, &a) < 0 || stat(host, &b) < 0)
    return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int judge_namespaces(const struct json *spec, struct findings *f) {
  static const struct {
    const char *type, *rule, *what;
  } must[] = {
      {"pid", "SK-NS-HOST-PID",
       "the container would share the host's PID namespace and see and signal every host process"},
      {"ipc", "SK-NS-HOST-IPC", "the container would share the host's IPC namespace"},
      {"network", "SK-NS-HOST-NET", "the container would share the host's network namespace"},
      {"mount", "SK-NS-HOST-MNT", "the container would share the host's mount namespace"},
      {"user", "SK-NS-HOST-USER", "the container would join the host's user namespace"},
  };
  const struct json *nss = json_get_path(spec, "linux", "namespaces", NULL);
  size_t i, k;

  for (k = 0; k < sizeof(must) / sizeof(must[0]); k++) {
    const struct json *found = NULL;
    const char *path;
    for (i = 0; nss && i < nss->n; i++)
      if (strcmp(json_string(json_get(nss->items[i], "type")), must[k].type) == 0)
        found = nss->items[i];
    path = json_string(json_get(found, "path"));
    /* No user namespace is the ordinary rootful container; joining the
     * host's by path is not. For the others, absence means the host's. */
    if (found == NULL && strcmp(must[k].type, "user") != 0) {
      char fix[160];
      snprintf(fix, sizeof(fix),
               "add {\"type\": \"%s\"} to linux.namespaces (do not run the workload with host namespaces)",
               must[k].type);
      if (add(f, must[k].rule, FINDING_REFUSE, fix, "linux.namespaces has no \"%s\" namespace: %s", must[k].type,
              must[k].what) < 0)
        return -1;
    } else if (path && same_ns(path, must[k].type)) {
      if (add(f, must[k].rule, FINDING_REFUSE, "give the container its own namespace instead of joining the host's",
              "linux.namespaces \"%s\" joins %s, the host's namespace: %s", must[k].type, path, must[k].what) < 0)
        return -1;
    }
  }
  return 0;
}

/* Append name to a comma list in *buf. */
static int list_add(char **buf, const char *name) {
  char *n = NULL;
  if (asprintf(&n, "%s%s%s", *buf ? *buf : "", *buf ? ", " : "", name) < 0)
    return -1;
  free(*buf);
  *buf = n;
  return 0;
}

/* One capability of a set: onto the list of dangerous or extra ones
 * when the profile does not grant it. */
static int judge_cap(const char *set, const struct json *cap, const struct profile *p, char **dangerous, char **extra,
                     struct sk_error **err) {
  cleanup_free char *canon = NULL;
  char **list;

  if (caps_canonical(cap->str, &canon, err) < 0)
    return sk_error_wrap(err, "process.capabilities.%s (line %u, column %u)", set, cap->line, cap->col);
  if (profile_has_cap(p, canon))
    return 0;
  list = caps_is_dangerous(canon) ? dangerous : extra;
  if (*list && strstr(*list, canon))
    return 0;
  if (list_add(list, canon) < 0)
    return sk_error_set(err, ENOMEM, "judging capabilities");
  return 0;
}

static int judge_caps(const struct json *proc, const struct profile *p, struct findings *f, struct sk_error **err) {
  const struct json *caps = json_get(proc, "capabilities");
  cleanup_free char *extra = NULL;
  cleanup_free char *dangerous = NULL;
  size_t s, i;

  for (s = 0; s < 5; s++) {
    const struct json *set = json_get(caps, spec_cap_sets[s]);
    for (i = 0; set && i < set->n; i++)
      if (judge_cap(spec_cap_sets[s], set->items[i], p, &dangerous, &extra, err) < 0)
        return -1;
  }
  if (dangerous && add(f, "SK-CAP-DANGEROUS", FINDING_REFUSE,
                       "remove them from process.capabilities, or use a profile that grants them",
                       "process.capabilities grants %s, which profile \"%s\" does not allow; each makes the "
                       "container privileged-like",
                       dangerous, p->name) < 0)
    return sk_error_set(err, ENOMEM, "judging capabilities");
  if (extra && add(f, "SK-CAP-EXTRA", FINDING_FIX, "dropped from every capability set",
                   "process.capabilities grants %s, outside profile \"%s\"", extra, p->name) < 0)
    return sk_error_set(err, ENOMEM, "judging capabilities");
  return 0;
}

static bool mount_needs_flags(const struct json *m) {
  const struct json *o = json_get(m, "options");
  const char *dest = json_string(json_get(m, "destination"));
  const char *type = json_string(json_get(m, "type"));
  bool dev_ok = (dest && strcmp(dest, "/dev") == 0) || (type && strcmp(type, "devpts") == 0);
  if (!spec_mount_writable(m))
    return false;
  return !json_array_has_string(o, "noexec") || !json_array_has_string(o, "nosuid") ||
         (!dev_ok && !json_array_has_string(o, "nodev"));
}

/* A bind source as the runtime resolves it: runc and crun run in the
 * bundle directory, so a relative source (".", "data") is the bundle's,
 * not the host path stockade's own working directory would give. */
static char *bind_source(const char *src, const char *bundle) {
  char *p = NULL;
  if (src == NULL)
    return NULL;
  if (src[0] == '/' || bundle == NULL)
    return strdup(src);
  if (asprintf(&p, "%s/%s", bundle, src) < 0)
    return NULL;
  return p;
}

/* How a refused source is named: as given, or for a relative one, the host
 * path it is and the words the spec used. */
static char *source_name(const char *src, const char *given) {
  cleanup_free char *real = NULL;
  cleanup_free char *clean = NULL;
  char *out = NULL;
  if (strcmp(src, given) == 0)
    return strdup(src);
  real = realpath(src, NULL);
  clean = real ? NULL : path_clean(src);
  if (asprintf(&out, "%s (source \"%s\" in the bundle)", real ? real : clean ? clean : src, given) < 0)
    return NULL;
  return out;
}

/* Is a mount destination /proc, as the runtime resolves it lexically
 * (runc's filepath.Clean; a relative one is below the root): "//proc/",
 * "/x/../proc" and "proc" are, "/proc/driver" is not. A path too deep to
 * follow here is not (a refusal, not a guess). */
static bool dest_is_proc(const char *d) {
  const char *part[32];
  size_t len[32], depth = 0;
  while (*d) {
    size_t n;
    while (*d == '/')
      d++;
    n = strcspn(d, "/");
    if (n == 2 && d[0] == '.' && d[1] == '.') {
      if (depth > 0)
        depth--;
    } else if (n > 0 && !(n == 1 && d[0] == '.')) {
      if (depth == sizeof(part) / sizeof(part[0]))
        return false;
      part[depth] = d;
      len[depth++] = n;
    }
    d += n;
  }
  return depth == 1 && len[0] == 4 && strncmp(part[0], "proc", 4) == 0;
}

static int judge_mounts(const struct json *spec, const char *bundle, bool host_ok, bool unmasked_ok,
                        struct findings *f) {
  const struct json *mounts = json_get(spec, "mounts");
  cleanup_free char *needs = NULL;
  size_t i;

  for (i = 0; mounts && i < mounts->n; i++) {
    const struct json *m = mounts->items[i];
    const char *given = json_string(json_get(m, "source"));
    cleanup_free char *src = bind_source(given, bundle);
    const char *dest = json_string(json_get(m, "destination"));
    const char *type = json_string(json_get(m, "type"));
    bool w = spec_mount_writable(m);

    if (given && src == NULL)
      return -1;
    if (host_ok) {
      /* admitted: only the mount flags below */
    } else if (spec_mount_is_bind(m) && src && judge_sensitive_source(src, w)) {
      cleanup_free char *named = source_name(src, given);
      if (named == NULL || add(f, "SK-MOUNT-SENSITIVE", FINDING_REFUSE,
                               "do not mount host system paths or container engine sockets into a workload",
                               "mounts[%zu] binds host path %s at %s%s", i, named, dest, w ? " writable" : "") < 0)
        return -1;
    } else if (type && strcmp(type, "sysfs") == 0 && w) {
      if (add(f, "SK-MOUNT-SENSITIVE", FINDING_REFUSE, "mount sysfs with the \"ro\" option",
              "mounts[%zu] mounts sysfs at %s writable", i, dest) < 0)
        return -1;
    }
    /* maskedPaths and readonlyPaths cover /proc only: another procfs has
     * /proc/sys writable (kernel.core_pattern runs a host program as root)
     * and /proc/kcore, /proc/sysrq-trigger and the rest in the open. */
    if (!unmasked_ok && type && strcmp(type, "proc") == 0 && dest && !dest_is_proc(dest)) {
      if (add(f, "SK-MOUNT-PROC", FINDING_REFUSE, "mount procfs only at /proc",
              "mounts[%zu] mounts procfs at %s: a /proc that linux.maskedPaths and linux.readonlyPaths do not cover "
              "(/proc/sys writable by root, /proc/kcore and /proc/sysrq-trigger in the open)",
              i, dest) < 0)
        return -1;
    }
    if (mount_needs_flags(m) && list_add(&needs, dest) < 0)
      return -1;
  }
  if (needs && add(f, "SK-MOUNT-EXEC", FINDING_FIX, "noexec, nosuid and nodev added",
                   "writable mounts without noexec,nosuid,nodev: %s", needs) < 0)
    return -1;
  return 0;
}

/* Character devices that are the host's memory and I/O ports: /dev/mem
 * (1:1), /dev/kmem (1:2), /dev/port (1:4). */
static bool host_memory_device(int64_t maj, int64_t min) {
  return maj == 1 && (min < 0 || min == 1 || min == 2 || min == 4);
}

static const char *const host_memory_paths[] = {"/dev/mem", "/dev/kmem", "/dev/port", NULL};

/* Does a cgroup device rule give read or write access ("m" alone, which
 * Docker and podman allow for every device, only lets mknod succeed)? */
static bool rule_opens(const struct json *d) {
  const char *access = json_string(json_get(d, "access"));
  return access == NULL || strpbrk(access, "rw") != NULL;
}

/* linux.resources.devices: what the device cgroup lets the container open. */
static int judge_device_rules(const struct json *devs, struct findings *f) {
  size_t i;
  for (i = 0; devs && i < devs->n; i++) {
    const struct json *d = devs->items[i];
    const char *type = json_string(json_get(d, "type"));
    int64_t maj = -1, min = -1;
    bool allow = false;
    json_bool(json_get(d, "allow"), &allow);
    json_int64(json_get(d, "major"), &maj);
    json_int64(json_get(d, "minor"), &min);
    if (!allow || !rule_opens(d))
      continue;
    if ((type == NULL || strcmp(type, "a") == 0) && maj < 0 && min < 0) {
      if (add(f, "SK-DEVICES-ALL", FINDING_REFUSE,
              "allow only the devices the workload needs, by type, major and minor",
              "linux.resources.devices[%zu] allows every device", i) < 0)
        return -1;
    } else if (type && strcmp(type, "b") == 0) {
      if (add(f, "SK-DEVICE-HOST", FINDING_REFUSE,
              "remove the rule: a container that can open the host's disks can read and change every file of the host",
              "linux.resources.devices[%zu] allows block devices (major %lld) to be opened", i, (long long)maj) < 0)
        return -1;
    } else if ((type == NULL || strcmp(type, "a") == 0 || strcmp(type, "c") == 0) && host_memory_device(maj, min)) {
      if (add(f, "SK-DEVICE-HOST", FINDING_REFUSE,
              "remove the rule: /dev/mem, /dev/kmem and /dev/port are the host's memory",
              "linux.resources.devices[%zu] allows character device 1:%s (/dev/mem, /dev/kmem or /dev/port) to be "
              "opened",
              i,
              min < 0    ? "*"
              : min == 1 ? "1"
              : min == 2 ? "2"
                         : "4") < 0)
        return -1;
    }
  }
  return 0;
}

/* linux.devices: nodes the runtime creates in the container (and allows
 * in the device cgroup). */
static int judge_device_nodes(const struct json *devs, struct findings *f) {
  size_t i, k;
  for (i = 0; devs && i < devs->n; i++) {
    const struct json *d = devs->items[i];
    const char *type = json_string(json_get(d, "type"));
    const char *path = json_string(json_get(d, "path"));
    int64_t maj = -1, min = -1;
    bool named = false;
    json_int64(json_get(d, "major"), &maj);
    json_int64(json_get(d, "minor"), &min);
    for (k = 0; path && host_memory_paths[k]; k++)
      named |= strcmp(path, host_memory_paths[k]) == 0;
    if (type && strcmp(type, "b") == 0) {
      if (add(f, "SK-DEVICE-HOST", FINDING_REFUSE, "remove it: give the workload a volume, not the host's disk",
              "linux.devices[%zu] creates block device %s (%lld:%lld) in the container", i, path ? path : "?",
              (long long)maj, (long long)min) < 0)
        return -1;
    } else if (named || (type && strcmp(type, "c") == 0 && maj == 1 && (min == 1 || min == 2 || min == 4))) {
      if (add(f, "SK-DEVICE-HOST", FINDING_REFUSE, "remove it: /dev/mem, /dev/kmem and /dev/port are the host's memory",
              "linux.devices[%zu] creates %s (%lld:%lld), the host's memory or I/O ports, in the container", i,
              path ? path : "?", (long long)maj, (long long)min) < 0)
        return -1;
    }
  }
  return 0;
}

static int judge_devices(const struct json *spec, struct findings *f) {
  if (judge_device_rules(json_get_path(spec, "linux", "resources", "devices", NULL), f) < 0)
    return -1;
  return judge_device_nodes(json_get_path(spec, "linux", "devices", NULL), f);
}

/* Is path, or a directory above it, in the array? */
static bool covered(const struct json *arr, const char *path) {
  size_t i;
  for (i = 0; json_is(arr, JSON_ARRAY) && i < arr->n; i++) {
    const char *s = json_string(arr->items[i]);
    if (s && path_is_under(path, s))
      return true;
  }
  return false;
}

/* What runc (`runc spec`) and podman both set, the floor every engine's
 * default meets (tests/fixtures/runc-spec.json, podman-spec.json): masked
 * by both; masked by one and read-only in the other (/proc/asound); read-only
 * by both. Hardening adds the rest of spec_masked_paths (powercap, which
 * runc 1.1 and podman 4 do not mask) whatever this says. */
static const char *const masked_floor[] = {
    "/proc/acpi",        "/proc/kcore", "/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/scsi",  "/proc/sched_debug", "/sys/firmware",       NULL};
static const char *const readonly_floor[] = {"/proc/asound", "/proc/bus",           "/proc/fs", "/proc/irq",
                                             "/proc/sys",    "/proc/sysrq-trigger", NULL};

static int judge_masked(const struct json *spec, struct findings *f) {
  const struct json *masked = json_get_path(spec, "linux", "maskedPaths", NULL);
  const struct json *ro = json_get_path(spec, "linux", "readonlyPaths", NULL);
  cleanup_free char *lack_m = NULL;
  cleanup_free char *lack_r = NULL;
  size_t i;

  for (i = 0; masked_floor[i]; i++)
    if (!covered(masked, masked_floor[i]) && list_add(&lack_m, masked_floor[i]) < 0)
      return -1;
  for (i = 0; readonly_floor[i]; i++)
    if (!covered(masked, readonly_floor[i]) && !covered(ro, readonly_floor[i]) &&
        list_add(&lack_r, readonly_floor[i]) < 0)
      return -1;
  if (lack_m == NULL && lack_r == NULL)
    return 0;
  return add(f, "SK-MASKED-PATHS", FINDING_FIX, "the missing paths added (with the rest of the standard masked set)",
             "%s%s%s%s%s: kernel interfaces the container could read or change",
             lack_m ? "linux.maskedPaths lacks " : "", lack_m ? lack_m : "", lack_m && lack_r ? "; " : "",
             lack_r ? "linux.readonlyPaths lacks " : "", lack_r ? lack_r : "");
}

/* Annotations that crun (1.8) acts on and that undo what the profile
 * applies. runc ignores them, but the node may hand the same spec to crun,
 * and pod annotations reach the spec through the engines, so enforce
 * refuses them whatever the runtime. crun reads each by its exact key
 * (strcmp); the parser refuses duplicate keys and NULs, so the key judged
 * here is the key crun finds. keep_original_groups is harmless only as
 * "0", the one value crun reads as "call setgroups". */
static int judge_annotations(const struct json *spec, struct findings *f) {
  static const struct {
    const char *key, *rule, *what;
  } crun_keys[] = {
      {"run.oci.seccomp_bpf_data", "SK-SECCOMP-ANNOTATION",
       "crun would load the BPF program it carries in place of linux.seccomp, so the profile's filter (and the "
       "supervisor's exec notifications) would not be installed"},
      {"run.oci.seccomp.plugins", "SK-SECCOMP-ANNOTATION",
       "crun would load the shared libraries it names into crun itself, as root on the host, to answer the "
       "container's seccomp notifications"},
      {"run.oci.seccomp.receiver", "SK-SECCOMP-ANNOTATION",
       "crun would send the container's seccomp listener to the socket it names, to an agent that is not "
       "stockade's supervisor"},
      {"run.oci.keep_original_groups", "SK-RUNTIME-ANNOTATION",
       "crun would skip setgroups, so the container would keep the supplementary groups of crun's caller instead "
       "of process.user's"},
      {"run.oci.hooks.stdout", "SK-RUNTIME-ANNOTATION",
       "crun would create and append to the host file it names, as root"},
      {"run.oci.hooks.stderr", "SK-RUNTIME-ANNOTATION",
       "crun would create and append to the host file it names, as root"},
  };
  const struct json *ann = json_get(spec, "annotations");
  size_t k;

  for (k = 0; k < sizeof(crun_keys) / sizeof(crun_keys[0]); k++) {
    const struct json *v = json_get(ann, crun_keys[k].key);
    const char *s = json_string(v);
    char fix[96];
    if (v == NULL)
      continue;
    if (strcmp(crun_keys[k].key, "run.oci.keep_original_groups") == 0 && s && strcmp(s, "0") == 0)
      continue;
    snprintf(fix, sizeof(fix), "remove annotations[\"%s\"]", crun_keys[k].key);
    if (add(f, crun_keys[k].rule, FINDING_REFUSE, fix, "annotations[\"%s\"] is set: %s", crun_keys[k].key,
            crun_keys[k].what) < 0)
      return -1;
  }
  return 0;
}

int judge_process(const struct json *proc, const struct profile *p, struct findings *f, struct sk_error **err) {
  uint64_t uid = 0;
  bool b = false;

  json_uint64(json_get_path(proc, "user", "uid", NULL), &uid);
  if (uid == 0 && !p->allow_root) {
    if (p->has_user) {
      if (add(f, "SK-USER-ROOT", FINDING_FIX, "runs as the profile's user instead",
              "process.user.uid is 0; profile \"%s\" runs it as %u:%u", p->name, p->uid, p->gid) < 0)
        goto oom;
    } else if (add(f, "SK-USER-ROOT", FINDING_REFUSE,
                   "run the image as a non-root user (process.user.uid), or give the profile a \"user\" to run as",
                   "process.user.uid is 0 and profile \"%s\" neither names a user nor allows root", p->name) < 0) {
      goto oom;
    }
  }
  if (!p->admit.new_privileges && !(json_bool(json_get(proc, "noNewPrivileges"), &b) && b)) {
    if (add(f, "SK-NNP", FINDING_FIX, "process.noNewPrivileges set to true",
            "process.noNewPrivileges is not true: setuid programs could raise privileges") < 0)
      goto oom;
  }
  return judge_caps(proc, p, f, err);
oom:
  return sk_error_set(err, ENOMEM, "judging the process");
}

int judge_spec(const struct json *spec, const struct profile *p, struct findings *f, struct sk_error **err) {
  return judge_spec_in(spec, NULL, p, f, err);
}

int judge_spec_in(const struct json *spec, const char *bundle, const struct profile *p, struct findings *f,
                  struct sk_error **err) {
  bool b = false;

  if (judge_process(json_get(spec, "process"), p, f, err) < 0)
    return -1;
  if (!p->writable_rootfs && !(json_bool(json_get_path(spec, "root", "readonly", NULL), &b) && b)) {
    if (add(f, "SK-ROOTFS-WRITABLE", FINDING_FIX, "root.readonly set to true",
            "root.readonly is not true: the root file system is writable") < 0)
      goto oom;
  }
  /* A privileged profile admits these explicitly (profile "admit"). */
  if (!p->admit.host_namespaces && judge_namespaces(spec, f) < 0)
    goto oom;
  if (judge_mounts(spec, bundle, p->admit.host_mounts, p->admit.unmasked_paths, f) < 0 ||
      (!p->admit.all_devices && judge_devices(spec, f) < 0))
    goto oom;
  if (json_string(json_get_path(spec, "linux", "seccomp", "listenerPath", NULL))) {
    if (add(f, "SK-SECCOMP-LISTENER", FINDING_REFUSE,
            "remove linux.seccomp.listenerPath, or run this workload under stockade-complain or stockade-off",
            "linux.seccomp.listenerPath is %s: another agent already supervises this container's filter, and a "
            "filter stack has room for one listener, so stockade's supervisor cannot watch its execs",
            json_string(json_get_path(spec, "linux", "seccomp", "listenerPath", NULL))) < 0)
      goto oom;
  }
  if (!p->admit.spec_seccomp &&
      add(f, "SK-SECCOMP", FINDING_FIX,
          json_get_path(spec, "linux", "seccomp", NULL) ? "intersected with the profile's filter"
                                                        : "the profile's filter is installed",
          "%s",
          json_get_path(spec, "linux", "seccomp", NULL) ? "linux.seccomp is the engine's filter"
                                                        : "linux.seccomp is missing: no syscall filter") < 0)
    goto oom;
  if (!p->admit.unmasked_paths && judge_masked(spec, f) < 0)
    goto oom;
  if (judge_annotations(spec, f) < 0)
    goto oom;
  return 0;
oom:
  return sk_error_set(err, ENOMEM, "judging the spec");
}

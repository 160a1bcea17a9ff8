/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes manifests to OCI specs (ctl/manifest.h). Each container of
 * each workload becomes the spec containerd's CRI plugin would build for
 * it from the pod and container securityContext: namespaces from
 * hostPID/hostIPC/hostNetwork, the default capability set changed by
 * capabilities.drop and add (or every capability when privileged), the
 * user from runAsUser, no_new_privs from allowPrivilegeEscalation,
 * readOnlyRootFilesystem, a filter for seccompProfile RuntimeDefault or
 * Localhost (none for Unconfined, which is also what an unset profile
 * means to the kubelet), runc's masked paths (none when privileged), the
 * volumes as bind mounts (hostPath from the host path), and the pod's
 * annotations. stockade's own judge then decides, exactly as the runtime
 * would on a node. */
#define _GNU_SOURCE
#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "manifest.h"
#include "stockade/caps.h"
#include "stockade/cleanup.h"
#include "stockade/spec.h"
#include "stockade/str.h"
#include "stockade/sys.h"
#include "yaml_docs.h"

/* containerd's and CRI-O's default capability set (Docker's). */
static const char *const default_caps[] = {"CAP_CHOWN",
                                           "CAP_DAC_OVERRIDE",
                                           "CAP_FSETID",
                                           "CAP_FOWNER",
                                           "CAP_MKNOD",
                                           "CAP_NET_RAW",
                                           "CAP_SETGID",
                                           "CAP_SETUID",
                                           "CAP_SETFCAP",
                                           "CAP_SETPCAP",
                                           "CAP_NET_BIND_SERVICE",
                                           "CAP_SYS_CHROOT",
                                           "CAP_KILL",
                                           "CAP_AUDIT_WRITE",
                                           NULL};

/* runc's default masked and read-only paths (`runc spec`), which the CRI
 * plugins give every unprivileged container. */
static const char *const cri_masked[] = {"/proc/acpi",
                                         "/proc/asound",
                                         "/proc/kcore",
                                         "/proc/keys",
                                         "/proc/latency_stats",
                                         "/proc/timer_list",
                                         "/proc/timer_stats",
                                         "/proc/sched_debug",
                                         "/proc/scsi",
                                         "/sys/firmware",
                                         NULL};
static const char *const cri_readonly[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                           "/proc/sysrq-trigger", NULL};

struct wctx {
  const char *file;
  unsigned doc;
  const char *kind, *name, *ns;
  const struct json *pod_meta; /* the pod template's metadata */
  const struct json *pod;      /* the pod template's spec */
  struct manifest *out;
  struct sk_error **err;
};

static int oom(struct sk_error **err) { return sk_error_set(err, ENOMEM, "reading the manifest"); }

static int bad(const struct wctx *c, const struct json *at, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(const struct wctx *c, const struct json *at, const char *field, const char *fmt, ...) {
  va_list ap;
  char where[64];
  cleanup_free char *f = NULL;
  int r;
  snprintf(where, sizeof(where), "document %u: ", c->doc);
  if (asprintf(&f, "%s%s", where, field) < 0)
    return oom(c->err);
  va_start(ap, fmt);
  r = json_verror_at(c->err, c->file, at, f, fmt, ap);
  va_end(ap);
  return r;
}

static bool get_bool(const struct json *j, bool dflt) {
  bool b;
  return json_bool(j, &b) ? b : dflt;
}

static int add_str(struct json *arr, const char *s) { return json_append(arr, json_new_string(s)); }

static int add_strings(struct json *arr, const char *const list[]) {
  size_t i;
  for (i = 0; list[i]; i++)
    if (add_str(arr, list[i]) < 0)
      return -1;
  return 0;
}

static int set_ns(struct json *nss, const char *type) {
  struct json *o = json_new(JSON_OBJECT);
  if (o == NULL || json_set(o, "type", json_new_string(type)) < 0) {
    json_free(o);
    return -1;
  }
  return json_append(nss, o);
}

/* Every capability this libcap-ng knows, canonical names. */
static int all_caps(struct json *arr) {
  int i;
  for (i = 0; i <= CAP_LAST_CAP; i++) {
    const char *n = capng_capability_to_name((unsigned)i);
    cleanup_free char *canon = NULL;
    cleanup_error struct sk_error *e = NULL;
    if (n == NULL || caps_canonical(n, &canon, &e) < 0)
      continue;
    if (add_str(arr, canon) < 0)
      return -1;
  }
  return 0;
}

static bool list_has_all(const struct json *l) {
  size_t i;
  for (i = 0; json_is(l, JSON_ARRAY) && i < l->n; i++)
    if (json_string(l->items[i]) && strcasecmp(json_string(l->items[i]), "ALL") == 0)
      return true;
  return false;
}

/* The container's capability set: the default, less drop, plus add, as
 * containerd computes it; a name it cannot know is an error here, as it
 * is there. */
static int build_caps(const struct wctx *c, const struct json *sc, bool privileged, struct json *set) {
  const struct json *add = json_get_path(sc, "capabilities", "add", NULL);
  const struct json *drop = json_get_path(sc, "capabilities", "drop", NULL);
  size_t i, k;

  if (privileged || list_has_all(add))
    return all_caps(set) < 0 ? oom(c->err) : 0;
  if (!list_has_all(drop)) {
    for (i = 0; default_caps[i]; i++) {
      bool dropped = false;
      for (k = 0; json_is(drop, JSON_ARRAY) && k < drop->n; k++) {
        cleanup_free char *canon = NULL;
        cleanup_error struct sk_error *e = NULL;
        const char *s = json_string(drop->items[k]);
        if (s == NULL)
          return bad(c, drop->items[k], "securityContext.capabilities.drop", "got %s; expected a capability name",
                     json_type_name(drop->items[k]));
        if (caps_canonical(s, &canon, &e) < 0)
          return bad(c, drop->items[k], "securityContext.capabilities.drop", "unknown capability \"%s\"", s);
        dropped |= strcmp(canon, default_caps[i]) == 0;
      }
      if (!dropped && add_str(set, default_caps[i]) < 0)
        return oom(c->err);
    }
  }
  for (i = 0; json_is(add, JSON_ARRAY) && i < add->n; i++) {
    cleanup_free char *canon = NULL;
    cleanup_error struct sk_error *e = NULL;
    const char *s = json_string(add->items[i]);
    if (s == NULL)
      return bad(c, add->items[i], "securityContext.capabilities.add", "got %s; expected a capability name",
                 json_type_name(add->items[i]));
    if (caps_canonical(s, &canon, &e) < 0) {
      return bad(c, add->items[i], "securityContext.capabilities.add",
                 "unknown capability \"%s\"; expected a name such as NET_BIND_SERVICE", s);
    }
    if (!json_array_has_string(set, canon) && add_str(set, canon) < 0)
      return oom(c->err);
  }
  return 0;
}

static struct json *mount_new(const char *dest, const char *type, const char *src, const char *const opts[]) {
  struct json *m = json_new(JSON_OBJECT);
  struct json *o = json_new(JSON_ARRAY);
  if (m == NULL || o == NULL || json_set(m, "destination", json_new_string(dest)) < 0 ||
      json_set(m, "type", json_new_string(type)) < 0 || json_set(m, "source", json_new_string(src)) < 0 ||
      add_strings(o, opts) < 0 || json_set(m, "options", o) < 0) {
    json_free(m);
    return NULL;
  }
  return m;
}

static int base_mounts(struct json *mounts, bool privileged) {
  static const char *const proc[] = {"nosuid", "noexec", "nodev", NULL};
  static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
  static const char *const pts[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL};
  static const char *const shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL};
  static const char *const mq[] = {"nosuid", "noexec", "nodev", NULL};
  static const char *const sys_ro[] = {"nosuid", "noexec", "nodev", "ro", NULL};
  static const char *const sys_rw[] = {"nosuid", "noexec", "nodev", "rw", NULL};
  if (json_append(mounts, mount_new("/proc", "proc", "proc", proc)) < 0 ||
      json_append(mounts, mount_new("/dev", "tmpfs", "tmpfs", dev)) < 0 ||
      json_append(mounts, mount_new("/dev/pts", "devpts", "devpts", pts)) < 0 ||
      json_append(mounts, mount_new("/dev/shm", "tmpfs", "shm", shm)) < 0 ||
      json_append(mounts, mount_new("/dev/mqueue", "mqueue", "mqueue", mq)) < 0 ||
      json_append(mounts, mount_new("/sys", "sysfs", "sysfs", privileged ? sys_rw : sys_ro)) < 0 ||
      json_append(mounts, mount_new("/sys/fs/cgroup", "cgroup", "cgroup", privileged ? sys_rw : sys_ro)) < 0)
    return -1;
  return 0;
}

static const struct json *find_volume(const struct json *vols, const char *name) {
  size_t i;
  for (i = 0; json_is(vols, JSON_ARRAY) && i < vols->n; i++)
    if (json_string(json_get(vols->items[i], "name")) &&
        strcmp(json_string(json_get(vols->items[i], "name")), name) == 0)
      return vols->items[i];
  return NULL;
}

/* volumeMounts as the kubelet hands them to the runtime: a hostPath
 * volume from its host path, any other volume from the kubelet's
 * directory for the pod. */
static int volume_mounts(const struct wctx *c, const struct json *ctr, struct json *mounts) {
  const struct json *vm = json_get(ctr, "volumeMounts");
  const struct json *vols = json_get(c->pod, "volumes");
  size_t i;
  for (i = 0; json_is(vm, JSON_ARRAY) && i < vm->n; i++) {
    const struct json *m = vm->items[i];
    const char *name = json_string(json_get(m, "name"));
    const char *path = json_string(json_get(m, "mountPath"));
    const struct json *vol;
    const char *host;
    cleanup_free char *src = NULL;
    static const char *const ro[] = {"rbind", "rprivate", "ro", NULL};
    static const char *const rw[] = {"rbind", "rprivate", "rw", NULL};
    if (name == NULL || path == NULL)
      return bad(c, m, "volumeMounts", "a mount without a name or mountPath; expected {name: ..., mountPath: ...}");
    vol = find_volume(vols, name);
    if (vol == NULL)
      return bad(c, m, "volumeMounts", "volume \"%s\" is not in spec.volumes", name);
    host = json_string(json_get_path(vol, "hostPath", "path", NULL));
    if (json_get(vol, "hostPath") && host == NULL)
      return bad(c, vol, "volumes.hostPath.path", "missing; expected the host path");
    if (host)
      src = strdup(host);
    else if (asprintf(&src, "/var/lib/kubelet/pods/POD/volumes/%s", name) < 0)
      src = NULL;
    if (src == NULL ||
        json_append(mounts, mount_new(path, "bind", src, get_bool(json_get(m, "readOnly"), false) ? ro : rw)) < 0)
      return oom(c->err);
  }
  return 0;
}

static int seccomp_of(const struct wctx *c, const struct json *ctr_sc, const struct json *pod_sc, const char **type) {
  const struct json *sp = json_get(ctr_sc, "seccompProfile");
  const char *t;
  if (sp == NULL)
    sp = json_get(pod_sc, "seccompProfile");
  if (sp == NULL) {
    *type = "Unconfined";
    return 0;
  }
  t = json_string(json_get(sp, "type"));
  if (t == NULL || (strcmp(t, "RuntimeDefault") != 0 && strcmp(t, "Unconfined") != 0 && strcmp(t, "Localhost") != 0))
    return bad(c, sp, "seccompProfile.type", "got %s%s%s; expected RuntimeDefault, Localhost or Unconfined",
               t ? "\"" : json_type_name(json_get(sp, "type")), t ? t : "", t ? "\"" : "");
  *type = t;
  return 0;
}

/* The uid: container runAsUser, else the pod's; runAsNonRoot: true
 * without one means the kubelet refuses an image whose user is root, so
 * some non-root uid; neither means the image's user, taken to be root. */
static int user_of(const struct wctx *c, const struct json *sc, const struct json *psc, uint64_t *uid, bool *known) {
  const struct json *u = json_get(sc, "runAsUser");
  const struct json *nr = json_get(sc, "runAsNonRoot");
  if (u == NULL)
    u = json_get(psc, "runAsUser");
  if (nr == NULL)
    nr = json_get(psc, "runAsNonRoot");
  if (u && !json_uint64(u, uid))
    return bad(c, u, "runAsUser", "got %s; expected a user id", json_type_name(u));
  *known = u != NULL || get_bool(nr, false);
  if (u == NULL)
    *uid = get_bool(nr, false) ? 65534 : 0;
  return 0;
}

static int build_spec(const struct wctx *c, const struct json *ctr, struct manifest_workload *w) {
  const struct json *sc = json_get(ctr, "securityContext");
  const struct json *psc = json_get(c->pod, "securityContext");
  const struct json *ann = json_get(c->pod_meta, "annotations");
  cleanup_json struct json *spec = json_new(JSON_OBJECT);
  struct json *proc, *caps, *set, *linux_, *nss, *mounts, *user;
  const char *seccomp = "Unconfined";
  uint64_t uid = 0;
  bool priv = get_bool(json_get(sc, "privileged"), false);
  bool ape = get_bool(json_get(sc, "allowPrivilegeEscalation"), true);
  size_t s;

  if (spec == NULL || user_of(c, sc, psc, &uid, &w->uid_known) < 0 || seccomp_of(c, sc, psc, &seccomp) < 0)
    return spec ? -1 : oom(c->err);
  w->privileged = priv;
  if ((w->seccomp = strdup(seccomp)) == NULL)
    return oom(c->err);
  json_set(spec, "ociVersion", json_new_string("1.0.2"));
  proc = json_ensure(spec, "process", JSON_OBJECT);
  user = proc ? json_ensure(proc, "user", JSON_OBJECT) : NULL;
  if (user == NULL || json_set(user, "uid", json_new_int((int64_t)uid)) < 0 ||
      json_set(user, "gid", json_new_int(0)) < 0 || json_set(proc, "args", json_new(JSON_ARRAY)) < 0 ||
      json_set(proc, "cwd", json_new_string("/")) < 0 ||
      json_set(proc, "noNewPrivileges", json_new_bool(!priv && !ape)) < 0)
    return oom(c->err);
  caps = json_ensure(proc, "capabilities", JSON_OBJECT);
  set = json_new(JSON_ARRAY);
  if (caps == NULL || set == NULL)
    return json_free(set), oom(c->err);
  if (build_caps(c, sc, priv, set) < 0)
    return json_free(set), -1;
  for (s = 0; s < 3; s++)
    if (json_set(caps, spec_cap_sets[s], json_copy(set)) < 0)
      return json_free(set), oom(c->err);
  json_free(set);
  if (json_set(spec, "root", json_new(JSON_OBJECT)) < 0 ||
      json_set(json_get(spec, "root"), "path", json_new_string("rootfs")) < 0 ||
      json_set(json_get(spec, "root"), "readonly",
               json_new_bool(get_bool(json_get(sc, "readOnlyRootFilesystem"), false))) < 0)
    return oom(c->err);
  linux_ = json_ensure(spec, "linux", JSON_OBJECT);
  nss = linux_ ? json_ensure(linux_, "namespaces", JSON_ARRAY) : NULL;
  if (nss == NULL || (!get_bool(json_get(c->pod, "hostPID"), false) && set_ns(nss, "pid") < 0) ||
      (!get_bool(json_get(c->pod, "hostIPC"), false) && set_ns(nss, "ipc") < 0) ||
      (!get_bool(json_get(c->pod, "hostNetwork"), false) && set_ns(nss, "network") < 0) || set_ns(nss, "uts") < 0 ||
      set_ns(nss, "mount") < 0)
    return oom(c->err);
  if (!priv) {
    struct json *m = json_ensure(linux_, "maskedPaths", JSON_ARRAY);
    struct json *r = json_ensure(linux_, "readonlyPaths", JSON_ARRAY);
    if (m == NULL || r == NULL || add_strings(m, cri_masked) < 0 || add_strings(r, cri_readonly) < 0)
      return oom(c->err);
  } else {
    /* privileged: every device of the host, by the device cgroup. */
    struct json *res = json_ensure(linux_, "resources", JSON_OBJECT);
    struct json *devs = res ? json_ensure(res, "devices", JSON_ARRAY) : NULL;
    struct json *rule = json_new(JSON_OBJECT);
    if (devs == NULL || rule == NULL || json_set(rule, "allow", json_new_bool(true)) < 0 ||
        json_set(rule, "access", json_new_string("rwm")) < 0 || json_append(devs, rule) < 0)
      return oom(c->err);
  }
  if (!priv && strcmp(seccomp, "Unconfined") != 0) {
    /* The engine's filter: what stockade intersects with the profile's. */
    struct json *f = json_new(JSON_OBJECT);
    if (f == NULL || json_set(f, "defaultAction", json_new_string("SCMP_ACT_ERRNO")) < 0 ||
        json_set(linux_, "seccomp", f) < 0)
      return oom(c->err);
  }
  mounts = json_ensure(spec, "mounts", JSON_ARRAY);
  if (mounts == NULL || base_mounts(mounts, priv) < 0)
    return oom(c->err);
  if (volume_mounts(c, ctr, mounts) < 0)
    return -1;
  if (json_is(ann, JSON_OBJECT) && json_set(spec, "annotations", json_copy(ann)) < 0)
    return oom(c->err);
  w->spec = steal_pointer(&spec);
  return 0;
}

static int add_container(const struct wctx *c, const struct json *ctr, bool init) {
  struct manifest *m = c->out;
  struct manifest_workload *w, *v;
  const char *cname = json_string(json_get(ctr, "name"));
  const char *rc = json_string(json_get(c->pod, "runtimeClassName"));

  if (!json_is(ctr, JSON_OBJECT))
    return bad(c, ctr, init ? "initContainers" : "containers", "got %s; expected a container object",
               json_type_name(ctr));
  if (cname == NULL)
    return bad(c, ctr, init ? "initContainers" : "containers", "a container without a name; expected name: ...");
  v = realloc(m->v, (m->n + 1) * sizeof(*v));
  if (v == NULL)
    return oom(c->err);
  m->v = v;
  w = &m->v[m->n];
  memset(w, 0, sizeof(*w));
  w->doc = c->doc;
  w->line = ctr->line;
  w->init = init;
  w->kind = strdup(c->kind);
  w->name = strdup(c->name);
  w->namespace_ = c->ns ? strdup(c->ns) : NULL;
  w->container = strdup(cname);
  w->runtime_class = rc ? strdup(rc) : NULL;
  m->n++; /* from here manifest_clear frees it */
  if (w->kind == NULL || w->name == NULL || w->container == NULL || (c->ns && w->namespace_ == NULL) ||
      (rc && w->runtime_class == NULL))
    return oom(c->err);
  return build_spec(c, ctr, w);
}

/* Where the pod template of each kind lives. */
static const struct json *pod_template(const struct json *doc, const char *kind, const struct json **meta) {
  static const char *const templated[] = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", NULL};
  size_t i;
  if (strcmp(kind, "Pod") == 0) {
    *meta = json_get(doc, "metadata");
    return json_get(doc, "spec");
  }
  for (i = 0; templated[i]; i++)
    if (strcmp(kind, templated[i]) == 0) {
      *meta = json_get_path(doc, "spec", "template", "metadata", NULL);
      return json_get_path(doc, "spec", "template", "spec", NULL);
    }
  if (strcmp(kind, "CronJob") == 0) {
    *meta = json_get_path(doc, "spec", "jobTemplate", "spec", "template", "metadata", NULL);
    return json_get_path(doc, "spec", "jobTemplate", "spec", "template", "spec", NULL);
  }
  return NULL;
}

static int skip_doc(struct manifest *m, unsigned doc, const char *kind, const char *name, struct sk_error **err) {
  char **s = realloc(m->skipped, (m->n_skipped + 1) * sizeof(*s));
  if (s == NULL)
    return oom(err);
  m->skipped = s;
  if (asprintf(&s[m->n_skipped], "document %u: %s%s%s (no containers)", doc, kind ? kind : "(no kind)", name ? " " : "",
               name ? name : "") < 0)
    return oom(err);
  m->n_skipped++;
  return 0;
}

static int read_doc(const char *file, unsigned idx, const struct json *doc, struct manifest *m, struct sk_error **err) {
  struct wctx c = {.file = file, .doc = idx, .out = m, .err = err};
  const char *kind = json_string(json_get(doc, "kind"));
  const struct json *lists[2];
  size_t l, i;

  if (doc->type == JSON_NULL)
    return 0; /* an empty document: "---" at the end of a file */
  if (!json_is(doc, JSON_OBJECT))
    return bad(&c, doc, "document", "got %s; expected a Kubernetes object (apiVersion, kind, metadata, spec)",
               json_type_name(doc));
  c.kind = kind;
  c.name = json_string(json_get_path(doc, "metadata", "name", NULL));
  c.ns = json_string(json_get_path(doc, "metadata", "namespace", NULL));
  if (kind == NULL || (c.pod = pod_template(doc, kind, &c.pod_meta)) == NULL)
    return skip_doc(m, idx, kind, c.name, err);
  if (c.name == NULL)
    c.name = "(unnamed)";
  if (!json_is(c.pod, JSON_OBJECT))
    return bad(&c, c.pod, "spec", "got %s; expected the pod's spec", json_type_name(c.pod));
  lists[0] = json_get(c.pod, "initContainers");
  lists[1] = json_get(c.pod, "containers");
  if (!json_is(lists[1], JSON_ARRAY) || lists[1]->n == 0)
    return bad(&c, lists[1] ? lists[1] : c.pod, "containers", "%s; expected a list of containers",
               lists[1] ? "empty or not a list" : "missing");
  for (l = 0; l < 2; l++)
    for (i = 0; json_is(lists[l], JSON_ARRAY) && i < lists[l]->n; i++)
      if (add_container(&c, lists[l]->items[i], l == 0) < 0)
        return -1;
  return 0;
}

int manifest_load(const char *file, struct manifest *out, struct sk_error **err) {
  static const struct yaml_limits lim = {MANIFEST_MAX_DEPTH, MANIFEST_MAX_NODES, MANIFEST_MAX_DOCS};
  cleanup_free char *buf = NULL;
  struct json **docs = NULL;
  struct manifest m = {0};
  struct stat st;
  size_t len = 0, n = 0, i;

  if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > MANIFEST_MAX_BYTES)
    return sk_error_set(err, 0, "%s: %lld bytes, more than the %u a manifest may have; split the file", file,
                        (long long)st.st_size, MANIFEST_MAX_BYTES);
  if (read_file(file, &buf, &len, err) < 0)
    return -1;
  if (len > MANIFEST_MAX_BYTES)
    return sk_error_set(err, 0, "%s: more than the %u bytes a manifest may have; split the file", file,
                        MANIFEST_MAX_BYTES);
  if (yaml_load_docs(file, buf, len, &lim, &docs, &n, err) < 0)
    return -1;
  for (i = 0; i < n; i++)
    if (read_doc(file, (unsigned)i + 1, docs[i], &m, err) < 0) {
      yaml_docs_free(docs, n);
      manifest_clear(&m);
      return -1;
    }
  yaml_docs_free(docs, n);
  m.docs = (unsigned)n;
  if (m.n == 0 && m.n_skipped == 0) {
    manifest_clear(&m);
    return sk_error_set(err, 0,
                        "%s: no Kubernetes objects in it; expected Pod, Deployment, StatefulSet, DaemonSet, "
                        "ReplicaSet, Job or CronJob documents",
                        file);
  }
  *out = m;
  return 0;
}

void manifest_clear(struct manifest *m) {
  size_t i;
  for (i = 0; i < m->n; i++) {
    struct manifest_workload *w = &m->v[i];
    free(w->kind);
    free(w->name);
    free(w->namespace_);
    free(w->container);
    free(w->runtime_class);
    free(w->seccomp);
    json_free(w->spec);
  }
  for (i = 0; i < m->n_skipped; i++)
    free(m->skipped[i]);
  free(m->skipped);
  free(m->v);
  memset(m, 0, sizeof(*m));
}

bool manifest_looks_like(const char *file) {
  cleanup_fclose FILE *f = NULL;
  int ch;
  if (str_has_suffix(file, ".yaml") || str_has_suffix(file, ".yml"))
    return true;
  if (str_has_suffix(file, ".json"))
    return false;
  f = fopen(file, "re");
  if (f == NULL)
    return false;
  while ((ch = fgetc(f)) != EOF && isspace(ch))
    ;
  return ch != EOF && ch != '{';
}

const char *manifest_field(const struct manifest_workload *w, const char *rule) {
  static const struct {
    const char *rule, *field;
  } map[] = {
      {"SK-USER-ROOT", "securityContext.runAsUser / runAsNonRoot"},
      {"SK-NNP", "securityContext.allowPrivilegeEscalation"},
      {"SK-CAP-DANGEROUS", "securityContext.capabilities"},
      {"SK-CAP-EXTRA", "securityContext.capabilities"},
      {"SK-ROOTFS-WRITABLE", "securityContext.readOnlyRootFilesystem"},
      {"SK-NS-HOST-PID", "spec.hostPID"},
      {"SK-NS-HOST-IPC", "spec.hostIPC"},
      {"SK-NS-HOST-NET", "spec.hostNetwork"},
      {"SK-MOUNT-SENSITIVE", "spec.volumes (hostPath)"},
      {"SK-MOUNT-EXEC", "volumeMounts, and /dev as the runtime mounts it"},
      {"SK-SECCOMP", "securityContext.seccompProfile"},
      {"SK-MASKED-PATHS", "securityContext.procMount"},
      {"SK-LSM-REQUIRED", "the stockade.io/profile annotation (the profile's \"lsm\")"},
      {"SK-SECCOMP-ANNOTATION", "metadata.annotations"},
      {"SK-RUNTIME-ANNOTATION", "metadata.annotations"},
  };
  size_t i;
  if (w->privileged && strcmp(rule, "SK-SECCOMP") != 0 && strcmp(rule, "SK-NS-HOST-PID") != 0 &&
      strcmp(rule, "SK-NS-HOST-IPC") != 0 && strcmp(rule, "SK-NS-HOST-NET") != 0 && strcmp(rule, "SK-USER-ROOT") != 0 &&
      strcmp(rule, "SK-ROOTFS-WRITABLE") != 0 && strncmp(rule, "SK-MOUNT-", 9) != 0 &&
      strstr(rule, "-ANNOTATION") == NULL)
    return "securityContext.privileged";
  if (w->privileged && strcmp(rule, "SK-MOUNT-SENSITIVE") == 0)
    return "securityContext.privileged / spec.volumes (hostPath)";
  for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(map[i].rule, rule) == 0)
      return map[i].field;
  return "the container";
}

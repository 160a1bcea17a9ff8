/* SPDX-License-Identifier: Apache-2.0 */
/* Failures stockade causes, watched so that an event names the rule
 * (include/stockade/diagnose.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>

#include "stockade/caps.h"
#include "stockade/diagnose.h"
#include "stockade/learn.h"
#include "stockade/spec.h"

#define OOM(err) sk_error_set(err, ENOMEM, "out of memory")

/* The syscalls that fail without a capability, as learn_infer reads them
 * (its "32" names included). Left out: socket (CAP_NET_RAW), which
 * programs call for every connection, and kill (CAP_KILL), whose inference
 * finds the target's owner by a walk of /proc: a round trip and a walk on
 * every signal would cost more than the rare signal to another user's
 * process is worth. */
static const struct {
  const char *name;
  int cap;
  bool ids; /* a setuid or setgid family call: runc makes these itself without noNewPrivileges */
} cap_calls[] = {
    {"bind", CAP_NET_BIND_SERVICE, false}, {"chown", CAP_CHOWN, false},       {"fchown", CAP_CHOWN, false},
    {"lchown", CAP_CHOWN, false},          {"fchownat", CAP_CHOWN, false},    {"chown32", CAP_CHOWN, false},
    {"fchown32", CAP_CHOWN, false},        {"lchown32", CAP_CHOWN, false},    {"setuid", CAP_SETUID, true},
    {"setuid32", CAP_SETUID, true},        {"setreuid", CAP_SETUID, true},    {"setreuid32", CAP_SETUID, true},
    {"setfsuid", CAP_SETUID, true},        {"setfsuid32", CAP_SETUID, true},  {"setresuid32", CAP_SETUID, true},
    {"setgid", CAP_SETGID, true},          {"setgid32", CAP_SETGID, true},    {"setregid", CAP_SETGID, true},
    {"setregid32", CAP_SETGID, true},      {"setfsgid", CAP_SETGID, true},    {"setfsgid32", CAP_SETGID, true},
    {"setresgid32", CAP_SETGID, true},     {"setgroups32", CAP_SETGID, true}, {"mknod", CAP_MKNOD, false},
    {"mknodat", CAP_MKNOD, false},         {"chroot", CAP_SYS_CHROOT, false},
};

/* The path syscalls that write in a directory or a file. rename and link
 * need both places on one mount; the name looked at is the one the
 * kernel's EROFS check meets first for a read-only root. */
static const struct {
  const char *name;
  int dirfd, path, flags;
  enum diag_target how;
} write_calls[] = {
    {"open", -1, 0, 1, DIAG_FILE},      {"openat", 0, 1, 2, DIAG_FILE},      {"creat", -1, 0, -1, DIAG_CREATE},
    {"truncate", -1, 0, -1, DIAG_FILE}, {"mkdir", -1, 0, -1, DIAG_NEW},      {"mkdirat", 0, 1, -1, DIAG_NEW},
    {"rmdir", -1, 0, -1, DIAG_PARENT},  {"unlink", -1, 0, -1, DIAG_PARENT},  {"unlinkat", 0, 1, -1, DIAG_PARENT},
    {"rename", -1, 0, -1, DIAG_PARENT}, {"renameat", 0, 1, -1, DIAG_PARENT}, {"renameat2", 0, 1, -1, DIAG_PARENT},
    {"symlink", -1, 1, -1, DIAG_NEW},   {"symlinkat", 1, 2, -1, DIAG_NEW},   {"link", -1, 1, -1, DIAG_NEW},
    {"linkat", 2, 3, -1, DIAG_NEW},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t cap_set(const struct json *process, const char *set) {
  const struct json *a = json_get_path(process, "capabilities", set, NULL);
  uint64_t m = 0;
  size_t i;
  for (i = 0; json_is(a, JSON_ARRAY) && i < a->n; i++) {
    int c = caps_number(json_string(a->items[i]));
    if (c >= 0 && c < 64)
      m |= 1ull << c;
  }
  return m;
}

/* What the process has after its execve: the bounding set as root (the
 * kernel gives root every capability the bounding set leaves), the
 * ambient set otherwise. */
uint64_t diag_caps_after_exec(const struct json *process) {
  uint64_t uid = 0;
  json_uint64(json_get_path(process, "user", "uid", NULL), &uid);
  return uid == 0 ? cap_set(process, "bounding") : cap_set(process, "ambient") & cap_set(process, "bounding");
}

static bool is_true(const struct json *j) {
  bool b = false;
  return json_bool(j, &b) && b;
}

int diag_plan(const struct json *engine_process, const struct json *engine_root, const struct json *hardened,
              struct diag_plan *out, struct sk_error **err) {
  const struct json *process = json_get(hardened, "process");
  uint64_t lost;
  (void)err;
  memset(out, 0, sizeof(*out));
  if (!json_is(engine_process, JSON_OBJECT) || !json_is(process, JSON_OBJECT))
    return 0;
  lost = diag_caps_after_exec(engine_process) & ~diag_caps_after_exec(process);
  /* An engine that lowers the unprivileged port range (Docker sets it to
   * 0) lets any user bind a low port: a bind may need nothing. */
  if (json_get_path(hardened, "linux", "sysctl", "net.ipv4.ip_unprivileged_port_start", NULL))
    lost &= ~(1ull << CAP_NET_BIND_SERVICE);
  out->cap_cut = lost & ~cap_set(process, "bounding");
  out->cap_user = lost & cap_set(process, "bounding");
  out->root_ro =
      !is_true(json_get(engine_root, "readonly")) && is_true(json_get_path(hardened, "root", "readonly", NULL));
  out->nnp = is_true(json_get(process, "noNewPrivileges"));
  return 0;
}

static struct json *notify_rule(void) {
  struct json *r = json_new(JSON_OBJECT);
  if (r == NULL || json_set(r, "names", json_new(JSON_ARRAY)) < 0 ||
      json_set(r, "action", json_new_string("SCMP_ACT_NOTIFY")) < 0) {
    json_free(r);
    return NULL;
  }
  return r;
}

/* One rule for name when (flags arg & mask) == value: NOTIFY, or ALLOW
 * for the complement (libseccomp lets an unconditional rule of a syscall
 * win over its conditional ones, so the calls that do not write are
 * allowed by a condition of their own). */
static int flag_rule(struct json *syscalls, const char *name, int arg, unsigned mask, unsigned value) {
  struct json *r = notify_rule(), *args = json_new(JSON_ARRAY), *a = json_new(JSON_OBJECT);
  if (r && value == 0 && json_set(r, "action", json_new_string("SCMP_ACT_ALLOW")) < 0) {
    json_free(r);
    r = NULL;
  }
  if (r == NULL || args == NULL || a == NULL || json_append(json_get(r, "names"), json_new_string(name)) < 0 ||
      json_set(r, "args", args) < 0) {
    json_free(r);
    json_free(args);
    json_free(a);
    return -1;
  }
  if (json_append(args, a) < 0) {
    json_free(r);
    json_free(a);
    return -1;
  }
  if (json_set(a, "index", json_new_int(arg)) < 0 || json_set(a, "value", json_new_int(mask)) < 0 ||
      json_set(a, "valueTwo", json_new_int(value)) < 0 ||
      json_set(a, "op", json_new_string("SCMP_CMP_MASKED_EQ")) < 0 || json_append(syscalls, r) < 0) {
    json_free(r);
    return -1;
  }
  return 0;
}

int diag_notify_rules(const struct diag_plan *plan, struct json *syscalls, struct sk_error **err) {
  struct json *plain = notify_rule();
  size_t i;

  if (plain == NULL)
    return OOM(err);
  for (i = 0; i < N(cap_calls); i++) {
    if (!((plan->cap_cut | plan->cap_user) & (1ull << cap_calls[i].cap)) || (cap_calls[i].ids && !plan->nnp) ||
        !learn_always_notify(cap_calls[i].name))
      continue;
    if (json_append(json_get(plain, "names"), json_new_string(cap_calls[i].name)) < 0)
      goto oom;
  }
  for (i = 0; plan->root_ro && i < N(write_calls); i++)
    if (write_calls[i].flags < 0 && json_append(json_get(plain, "names"), json_new_string(write_calls[i].name)) < 0)
      goto oom;
  if (json_get(plain, "names")->n == 0) {
    json_free(plain);
    return 0;
  }
  if (json_append(syscalls, plain) < 0)
    goto oom;
  return 0;
oom:
  json_free(plain);
  return OOM(err);
}

/* How doc treats name: 1 when every call of it is allowed with no
 * condition (*rule: the rule naming it, or NULL for the default), 0
 * otherwise (a condition, a denial, another action: left alone). */
static int plainly_allowed(struct json *doc, const char *name, struct json **rule) {
  struct json *rules = json_get(doc, "syscalls");
  const char *def = json_string(json_get(doc, "defaultAction"));
  size_t i;
  *rule = NULL;
  for (i = 0; json_is(rules, JSON_ARRAY) && i < rules->n; i++) {
    struct json *r = rules->items[i];
    if (!json_array_has_string(json_get(r, "names"), name))
      continue;
    if (*rule != NULL || json_get(r, "args") != NULL ||
        strcmp(json_string(json_get(r, "action")) ? json_string(json_get(r, "action")) : "", "SCMP_ACT_ALLOW") != 0)
      return 0;
    *rule = r;
  }
  return *rule != NULL || (def && strcmp(def, "SCMP_ACT_ALLOW") == 0);
}

static void drop_name(struct json *rule, const char *name) {
  struct json *names = json_get(rule, "names");
  size_t i;
  for (i = 0; json_is(names, JSON_ARRAY) && i < names->n;)
    if (strcmp(json_string(names->items[i]) ? json_string(names->items[i]) : "", name) == 0)
      json_remove_at(names, i);
    else
      i++;
}

int diag_flag_rules(const struct diag_plan *plan, struct json *doc, struct sk_error **err) {
  static const unsigned write_flags[] = {O_WRONLY, O_RDWR, O_CREAT};
  struct json *syscalls = json_ensure(doc, "syscalls", JSON_ARRAY);
  size_t i, k;

  if (syscalls == NULL)
    return sk_error_set(err, 0, "linux.seccomp.syscalls: expected an array");
  for (i = 0; plan->root_ro && i < N(write_calls); i++) {
    struct json *rule;
    if (write_calls[i].flags < 0 || !plainly_allowed(doc, write_calls[i].name, &rule))
      continue;
    /* libseccomp lets an unconditional rule of a syscall win over its
     * conditional ones: the calls that do not write get an ALLOW of their
     * own, the complement of the three NOTIFY conditions. */
    if (rule) {
      drop_name(rule, write_calls[i].name);
      if (flag_rule(syscalls, write_calls[i].name, write_calls[i].flags, O_WRONLY | O_RDWR | O_CREAT, 0) < 0)
        return OOM(err);
    }
    for (k = 0; k < N(write_flags); k++)
      if (flag_rule(syscalls, write_calls[i].name, write_calls[i].flags, write_flags[k], write_flags[k]) < 0)
        return OOM(err);
  }
  /* A rule left without names is no rule (runc refuses it). */
  for (i = 0; i < syscalls->n;) {
    struct json *names = json_get(syscalls->items[i], "names");
    if (json_is(names, JSON_ARRAY) && names->n == 0)
      json_remove_at(syscalls, i);
    else
      i++;
  }
  return 0;
}

struct diag_call diag_classify(const char *name) {
  struct diag_call c = {.kind = DIAG_NONE, .cap = -1, .dirfd_arg = -1, .path_arg = -1, .flags_arg = -1};
  size_t i;
  for (i = 0; name && i < N(cap_calls); i++)
    if (strcmp(cap_calls[i].name, name) == 0) {
      c.kind = DIAG_CAP;
      c.cap = cap_calls[i].cap;
      return c;
    }
  for (i = 0; name && i < N(write_calls); i++)
    if (strcmp(write_calls[i].name, name) == 0) {
      c.kind = DIAG_WRITE;
      c.dirfd_arg = write_calls[i].dirfd;
      c.path_arg = write_calls[i].path;
      c.flags_arg = write_calls[i].flags;
      c.how = write_calls[i].how;
      return c;
    }
  return c;
}

enum diag_target diag_target_of(const struct diag_call *c, uint64_t flags) {
  if (c->flags_arg < 0)
    return c->how;
  return flags & O_CREAT ? DIAG_CREATE : DIAG_FILE;
}

const char *diag_cap_rule(const struct diag_plan *plan, int cap) {
  if (cap < 0 || cap >= 64)
    return NULL;
  if (plan->cap_cut & (1ull << cap))
    return "SK-CAP-EXTRA";
  if (plan->cap_user & (1ull << cap))
    return "SK-USER-ROOT";
  return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl explain: is stockade why a container cannot do something?
 *
 * The supervisor names the failures it can see in a notified call
 * (capability, write: shim/supervisor/diag.c). One kind it cannot watch
 * without a round trip for every open: a file the profile's user may not
 * read or write where the engine's process (root, CAP_DAC_OVERRIDE) could.
 * Given the path the workload's own error names, explain answers the
 * question from the container's state: the engine's spec as it was
 * (config.orig.json) against the spec stockade hardened (the bundle's
 * config.json), the file's owner and mode in the container's root, and
 * says which rule made the difference and the fix.
 *
 * Static functions are tested by tests/unit/test_explain.c, which
 * includes this file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <cap-ng.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctl.h"
#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/diagnose.h"
#include "stockade/json.h"
#include "stockade/state.h"
#include "stockade/str.h"
#include "stockade/sys.h"

#define EXPLAIN_MAX_GROUPS 64

/* Who a spec's process is after its execve. */
struct who {
  uint32_t uid, gid;
  uint32_t groups[EXPLAIN_MAX_GROUPS];
  size_t n_groups;
  uint64_t caps;
};

static bool has(const struct who *w, int cap) { return (w->caps >> cap) & 1; }

static void who_of(const struct json *process, struct who *w) {
  const struct json *g = json_get_path(process, "user", "additionalGids", NULL);
  uint64_t v = 0;
  size_t i;
  memset(w, 0, sizeof(*w));
  if (json_uint64(json_get_path(process, "user", "uid", NULL), &v))
    w->uid = (uint32_t)v;
  v = 0;
  if (json_uint64(json_get_path(process, "user", "gid", NULL), &v))
    w->gid = (uint32_t)v;
  for (i = 0; json_is(g, JSON_ARRAY) && i < g->n && w->n_groups < EXPLAIN_MAX_GROUPS; i++)
    if (json_uint64(g->items[i], &v))
      w->groups[w->n_groups++] = (uint32_t)v;
  w->caps = diag_caps_after_exec(process);
}

static bool in_group(const struct who *w, uint32_t gid) {
  size_t i;
  if (w->gid == gid)
    return true;
  for (i = 0; i < w->n_groups; i++)
    if (w->groups[i] == gid)
      return true;
  return false;
}

enum { WANT_X = 1, WANT_W = 2, WANT_R = 4 };

/* The kernel's permission check for w on a file of mode and owner
 * (generic_permission and capable_wrt_inode_uidgid, without ACLs and
 * user namespaces): the owner's, the group's or the others' bits, then
 * CAP_DAC_OVERRIDE (anything but executing a file no one may execute)
 * and CAP_DAC_READ_SEARCH (reading, searching directories). */
static bool dac_allows(mode_t mode, uint32_t owner, uint32_t group, const struct who *w, int want) {
  unsigned bits;
  if (w->uid == owner)
    bits = (mode >> 6) & 7;
  else if (in_group(w, group))
    bits = (mode >> 3) & 7;
  else
    bits = mode & 7;
  if ((bits & (unsigned)want) == (unsigned)want)
    return true;
  if (has(w, CAP_DAC_OVERRIDE) && (!(want & WANT_X) || S_ISDIR(mode) || (mode & 0111)))
    return true;
  if (has(w, CAP_DAC_READ_SEARCH) && !(want & WANT_W) && (!(want & WANT_X) || S_ISDIR(mode)))
    return true;
  return false;
}

/* The first place on the way to path where w is refused, written to
 * where (size bytes): the directories searched, then the file read or
 * written (or, for a write of a name that does not exist, its directory
 * written). root is the container's root directory. 1: refused; 0:
 * allowed; -1: the path cannot be looked at (errno). */
static int path_refuses(int root, const char *path, bool write, const struct who *w, char *where, size_t size,
                        struct stat *at) {
  char sofar[PATH_MAX] = "";
  cleanup_free char *copy = strdup(path);
  char *save = NULL, *part, *next;
  struct stat st;
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
  int fd;

  if (copy == NULL)
    return -1;
  fd = (int)syscall(SYS_openat2, root, "/", &how, sizeof(how));
  if (fd < 0 || fstat(fd, &st) < 0)
    return -1;
  close(fd);
  part = strtok_r(copy, "/", &save);
  while (part) {
    next = strtok_r(NULL, "/", &save);
    /* A directory on the way: searched. */
    if (!dac_allows(st.st_mode, st.st_uid, st.st_gid, w, WANT_X)) {
      snprintf(where, size, "%s/", sofar[0] ? sofar : "");
      *at = st;
      return 1;
    }
    if (strlen(sofar) + strlen(part) + 2 > sizeof(sofar))
      return errno = ENAMETOOLONG, -1;
    strcat(sofar, "/");
    strcat(sofar, part);
    fd = (int)syscall(SYS_openat2, root, sofar, &how, sizeof(how));
    if (fd < 0) {
      /* Nothing there: a write makes it in the directory before. */
      if (errno != ENOENT || next != NULL || !write)
        return -1;
      {
        size_t n = (size_t)(strrchr(sofar, '/') - sofar);
        snprintf(where, size, "%.*s", n ? (int)n : 1, sofar);
      }
      *at = st;
      return dac_allows(st.st_mode, st.st_uid, st.st_gid, w, WANT_W | WANT_X) ? 0 : 1;
    }
    if (fstat(fd, &st) < 0) {
      close(fd);
      return -1;
    }
    close(fd);
    part = next;
  }
  snprintf(where, size, "%s", sofar[0] ? sofar : "/");
  *at = st;
  return dac_allows(st.st_mode, st.st_uid, st.st_gid, w, write ? WANT_W : WANT_R) ? 0 : 1;
}

static void print_who(const char *what, const struct who *w) {
  int c, first = 1;
  printf("  %s: uid %u, gid %u, capabilities ", what, w->uid, w->gid);
  for (c = 0; c < 64; c++)
    if (has(w, c)) {
      const char *n = capng_capability_to_name((unsigned)c);
      if (n)
        printf("%s%s", first ? "" : ",", n);
      else
        printf("%s%d", first ? "" : ",", c);
      first = 0;
    }
  printf("%s\n", first ? "none" : "");
}

/* The mount of spec whose destination holds path (the longest), or NULL. */
static const struct json *mount_of(const struct json *spec, const char *path) {
  const struct json *mounts = json_get(spec, "mounts"), *best = NULL;
  size_t i, best_len = 0;
  for (i = 0; json_is(mounts, JSON_ARRAY) && i < mounts->n; i++) {
    const char *d = json_string(json_get(mounts->items[i], "destination"));
    if (d && path_is_under(path, d) && strlen(d) >= best_len) {
      best = mounts->items[i];
      best_len = strlen(d);
    }
  }
  return best;
}

struct explain_in {
  const char *id, *profile;
  const struct json *engine, *hardened; /* specs */
  const char *rootfs;                   /* the container's root directory on the host */
};

static int explain_bind(const struct explain_in *in, long port) {
  struct who e, h;
  struct diag_plan plan;
  const char *rule;
  bool need = port > 0 && port < 1024;
  who_of(json_get(in->engine, "process"), &e);
  who_of(json_get(in->hardened, "process"), &h);
  printf("bind to port %ld in container %s (profile \"%s\")\n", port, in->id, in->profile);
  print_who("the engine's process", &e);
  print_who("stockade's", &h);
  if (json_get_path(in->hardened, "linux", "sysctl", "net.ipv4.ip_unprivileged_port_start", NULL)) {
    printf("  the spec sets net.ipv4.ip_unprivileged_port_start: any user may bind the ports it allows; not "
           "stockade's doing\n");
    return CTL_EXIT_FINDINGS;
  }
  if (!need || has(&h, CAP_NET_BIND_SERVICE)) {
    printf("  allowed: %s\n", need ? "it has CAP_NET_BIND_SERVICE" : "a port of 1024 or more needs no capability");
    return CTL_EXIT_FINDINGS;
  }
  if (!has(&e, CAP_NET_BIND_SERVICE)) {
    printf("  refused, and the engine's process could not either (no CAP_NET_BIND_SERVICE): not stockade's doing\n");
    return CTL_EXIT_FINDINGS;
  }
  diag_plan(json_get(in->engine, "process"), json_get(in->engine, "root"), in->hardened, &plan, NULL);
  rule = diag_cap_rule(&plan, CAP_NET_BIND_SERVICE);
  printf("  refused: uid %u lacks CAP_NET_BIND_SERVICE, which the engine's process had\n", h.uid);
  printf("  rule: %s\n", rule ? rule : "SK-CAP-EXTRA");
  printf("  fix: add \"NET_BIND_SERVICE\" to profile \"%s\"'s capabilities (stockade makes it ambient for its "
         "user), or listen on a port of 1024 or more\n",
         in->profile);
  return 0;
}

static int explain_path(const struct explain_in *in, const char *path, bool write, struct sk_error **err) {
  const struct json *hm = mount_of(in->hardened, path), *em = mount_of(in->engine, path);
  const char *op = write ? "write" : "read";
  cleanup_close int root = -1;
  char hwhere[PATH_MAX], ewhere[PATH_MAX];
  struct stat hst, est;
  struct who e, h;
  bool ro_h, ro_e;
  int rh, re;

  who_of(json_get(in->engine, "process"), &e);
  who_of(json_get(in->hardened, "process"), &h);
  printf("%s %s in container %s (profile \"%s\")\n", op, path, in->id, in->profile);
  print_who("the engine's process", &e);
  print_who("stockade's", &h);
  if (hm) {
    const char *d = json_string(json_get(hm, "destination"));
    bool stockades = em == NULL || strcmp(json_string(json_get(em, "destination")) ?: "", d) != 0;
    printf("  on the mount %s (%s)%s: stockade does not judge what a mount allows; the kernel's answer stands\n", d,
           json_string(json_get(hm, "type")) ?: "bind",
           stockades ? ", a writable path of the profile" : ", the engine's");
    return CTL_EXIT_FINDINGS;
  }
  root = open(in->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return sk_error_set(err, errno, "the container's root %s", in->rootfs);
  rh = path_refuses(root, path, write, &h, hwhere, sizeof(hwhere), &hst);
  re = path_refuses(root, path, write, &e, ewhere, sizeof(ewhere), &est);
  if (rh < 0 || re < 0)
    return sk_error_set(err, errno, "%s in the container's root %s", path, in->rootfs);
  {
    bool b = false;
    ro_h = json_bool(json_get_path(in->hardened, "root", "readonly", NULL), &b) && b;
    b = false;
    ro_e = json_bool(json_get_path(in->engine, "root", "readonly", NULL), &b) && b;
  }
  if (write && ro_h && !ro_e && re == 0) {
    printf("  refused: the root is read-only (profile \"%s\" made it so; the engine's was writable)\n", in->profile);
    printf("  rule: SK-ROOTFS-WRITABLE\n");
    printf("  fix: add the directory to profile \"%s\"'s writablePaths (an empty tmpfs: over a directory of the "
           "image it hides what the image has there), or mount a volume there\n",
           in->profile);
    return 0;
  }
  if (rh == 0) {
    printf("  allowed for uid %u%s: stockade is not what fails it\n", h.uid,
           write && ro_h ? " by its mode, but the root is read-only as the engine had it" : "");
    return CTL_EXIT_FINDINGS;
  }
  printf("  refused for uid %u at %s (mode %04o, owner %u:%u)\n", h.uid, hwhere, (unsigned)(hst.st_mode & 07777),
         (unsigned)hst.st_uid, (unsigned)hst.st_gid);
  if (re != 0) {
    printf("  the engine's process is refused as well (at %s): not stockade's doing\n", ewhere);
    return CTL_EXIT_FINDINGS;
  }
  if (e.uid == 0 && h.uid != 0) {
    printf("  the engine's process could: it ran as root%s\n",
           has(&e, CAP_DAC_OVERRIDE) ? " with CAP_DAC_OVERRIDE" : "");
    printf("  rule: SK-USER-ROOT (profile \"%s\" runs the workload as uid %u)\n", in->profile, h.uid);
    printf("  fix: set profile \"%s\"'s user to {\"uid\": %u, \"gid\": %u} (the owner of %s), or give the file to "
           "uid %u in the image, or let the profile run the workload as root (allowRoot)\n",
           in->profile, (unsigned)hst.st_uid, (unsigned)hst.st_gid, hwhere, h.uid);
  } else {
    printf("  the engine's process could, with capabilities profile \"%s\" cut\n", in->profile);
    printf("  rule: SK-CAP-EXTRA\n");
    printf("  fix: make %s %s by uid %u in the image, or add \"DAC_OVERRIDE\" to profile \"%s\"'s capabilities\n",
           hwhere, write ? "writable" : "readable", h.uid, in->profile);
  }
  return 0;
}

static int usage(void) {
  printf("usage: stockadectl explain [--root DIR] ID (--read PATH | --write PATH | --bind PORT)\n"
         "\n"
         "Is stockade why container ID cannot read or write PATH, or bind PORT? Compares the\n"
         "engine's spec with the spec stockade hardened (both in the container's state) on the\n"
         "container's root, and names the rule that made the difference and the fix. Exit 0: a\n"
         "rule of stockade refuses it; 1: stockade is not the cause; 2: bad input.\n"
         "\n"
         "  --root DIR     the runtime's --root the container was created under\n"
         "  --read PATH    a file or directory the workload could not read (an absolute path)\n"
         "  --write PATH   a file it could not write or make\n"
         "  --bind PORT    a port it could not listen on\n");
  return 0;
}

int ctl_explain(int argc, char **argv, struct sk_error **err) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},       {"root", required_argument, NULL, 'R'},
                                       {"read", required_argument, NULL, 'r'}, {"write", required_argument, NULL, 'w'},
                                       {"bind", required_argument, NULL, 'b'}, {NULL, 0, NULL, 0}};
  cleanup_config struct sk_config *cfg = NULL;
  cleanup_free char *dir = NULL;
  cleanup_free char *runtime = NULL;
  cleanup_free char *txt = NULL;
  cleanup_free char *rootfs = NULL;
  cleanup_json struct json *meta = NULL;
  cleanup_json struct json *engine = NULL;
  cleanup_json struct json *hardened = NULL;
  cleanup_free char *config = NULL;
  const char *root = NULL, *path = NULL, *port_s = NULL, *bundle, *mode, *rp;
  struct explain_in in;
  bool write = false;
  size_t len;
  long port = 0;
  char *end;
  int c, found;

  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
    case 'h':
      return usage();
    case 'R':
      root = optarg;
      break;
    case 'r':
    case 'w':
      if (path)
        return sk_error_set(err, 0, "give one of --read, --write and --bind");
      path = optarg;
      write = c == 'w';
      break;
    case 'b':
      port_s = optarg;
      break;
    default:
      return ctl_bad_flag("explain", c, argv, err);
    }
  }
  if (optind != argc - 1)
    return sk_error_set(err, 0, "name one container (stockadectl explain ID --read PATH)");
  if ((path != NULL) + (port_s != NULL) != 1)
    return sk_error_set(err, 0, "give one of --read, --write and --bind");
  if (path && (path[0] != '/' || strlen(path) >= PATH_MAX))
    return sk_error_set(err, 0, "\"%s\": give the path as the container sees it, absolute", path);
  if (port_s) {
    errno = 0;
    port = strtol(port_s, &end, 10);
    if (errno || *port_s == '\0' || *end != '\0' || port < 0 || port > 65535)
      return sk_error_set(err, 0, "--bind \"%s\": a port from 0 to 65535", port_s);
  }
  if (config_load(config_path(), &cfg, err) < 0)
    return -1;
  found = state_find(cfg, root, argv[optind], &dir, &runtime, err);
  if (found < 0)
    return -1;
  if (found == 0)
    return sk_error_set(err, ENOENT, "no container \"%s\" of stockade's%s%s (state under %s)", argv[optind],
                        root ? " under --root " : "", root ? root : "", cfg->state_dir);
  if (state_read(dir, "meta.json", &txt, &len, err) < 0 || json_parse(txt, len, &meta, err) < 0)
    return sk_error_wrap(err, "%s/meta.json", dir);
  free(steal_pointer(&txt));
  mode = json_string(json_get(meta, "mode"));
  bundle = json_string(json_get(meta, "bundle"));
  if (mode == NULL || bundle == NULL)
    return sk_error_set(err, 0, "%s/meta.json: mode or bundle missing", dir);
  if (asprintf(&config, "%s/config.json", bundle) < 0)
    return sk_error_set(err, ENOMEM, "explain");
  if (strcmp(mode, "enforce") != 0) {
    printf("container %s runs in %s mode: stockade changes nothing the workload can do\n", argv[optind], mode);
    return CTL_EXIT_FINDINGS;
  }
  if (state_read(dir, "config.orig.json", &txt, &len, err) < 0 || json_parse(txt, len, &engine, err) < 0)
    return sk_error_wrap(err, "%s/config.orig.json", dir);
  free(steal_pointer(&txt));
  if (read_file(config, &txt, &len, err) < 0 || json_parse(txt, len, &hardened, err) < 0)
    return sk_error_wrap(err, "the container's hardened spec");
  rp = json_string(json_get_path(hardened, "root", "path", NULL));
  if (rp == NULL)
    return sk_error_set(err, 0, "%s: root.path missing", config);
  if (asprintf(&rootfs, "%s%s%s", rp[0] == '/' ? "" : bundle, rp[0] == '/' ? "" : "/", rp) < 0)
    return sk_error_set(err, ENOMEM, "explain");
  in = (struct explain_in){.id = argv[optind],
                           .profile = json_string(json_get(meta, "profile")) ?: "?",
                           .engine = engine,
                           .hardened = hardened,
                           .rootfs = rootfs};
  return path ? explain_path(&in, path, write, err) : explain_bind(&in, port);
}

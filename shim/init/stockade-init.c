/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stockade-init: the first program of a container stockade hardens with
 * Landlock. stockade bind-mounts it read-only into the container and puts
 * it in front of the entrypoint (process.args). It builds a Landlock
 * ruleset from its arguments, restricts itself, and execve's the real
 * entrypoint with the original argv and environment: same pid (1), so
 * /proc/1/cmdline is the entrypoint's and nothing of ours is left behind.
 *
 *   stockade-init -a ABI [-r] [-w PATH]... [-x PATH]... [-n PATH]...
 *                 [-N [-b PORT]... [-c PORT]...] -- PROGRAM [ARG...]
 *
 *   -a ABI   the highest Landlock ABI to use (stockade's view of the host,
 *            possibly capped by the node's config); the kernel's own ABI
 *            caps it again here
 *   -r       required: exit 126 with a message when the ruleset cannot be
 *            applied, instead of running unconfined with a warning
 *   -w PATH  writes (create, remove, write, truncate, device ioctl, refer)
 *            allowed beneath PATH; nowhere else
 *   -x PATH  execution allowed beneath PATH, except beneath any -n PATH;
 *            without -x, beneath "/"
 *   -n PATH  never executable (writable places, /proc, /sys)
 *   -m PATH  a masked path: when it is the null device (the runtime's
 *            mask for a file), writing it stays allowed, as without
 *            Landlock (the write goes nowhere)
 *   -N       restrict TCP (ABI 4): bind only to the -b ports, connect only
 *            to the -c ports
 *
 * Missing paths are skipped (an image without /work needs no rule for
 * it). Rights newer than the ABI in force are dropped: that is what the
 * create side reported in its "landlock" event. Built static (libc only)
 * so that it runs in any image.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stockade/compat.h"

#define MAX_LIST 256
#define EXIT_REFUSED 126

struct init_args {
  long abi;
  bool required, net;
  const char *write[MAX_LIST], *exec[MAX_LIST], *noexec[MAX_LIST], *masked[MAX_LIST];
  size_t n_write, n_exec, n_noexec, n_masked;
  unsigned long bind[MAX_LIST], connect[MAX_LIST];
  size_t n_bind, n_connect;
  char **argv; /* the entrypoint's */
};

static int ruleset_fd = -1;
static __u64 fs_handled;
static size_t n_rules, n_skipped;

__attribute__((format(printf, 1, 2))) static void msg(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "stockade-init: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static int usage(const char *why) {
  msg("bad arguments (%s); this program is started by stockade, not by hand", why);
  return EXIT_REFUSED;
}

static bool add_to(const char **list, size_t *n, const char *v) {
  if (*n >= MAX_LIST || v == NULL || v[0] != '/')
    return false;
  list[(*n)++] = v;
  return true;
}

static bool add_port(unsigned long *list, size_t *n, const char *v) {
  char *end;
  unsigned long p;
  if (*n >= MAX_LIST || v == NULL || *v == '\0')
    return false;
  errno = 0;
  p = strtoul(v, &end, 10);
  if (errno || *end || p > 65535)
    return false;
  list[(*n)++] = p;
  return true;
}

static int parse(int argc, char **argv, struct init_args *a) {
  int i;
  memset(a, 0, sizeof(*a));
  a->abi = -1;
  for (i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool ok = true;
    if (strcmp(o, "--") == 0) {
      if (i + 1 >= argc)
        return usage("no program after --");
      a->argv = argv + i + 1;
      return a->abi < 0 ? usage("-a is required") : 0;
    }
    if (strcmp(o, "-r") == 0) {
      a->required = true;
      continue;
    }
    if (strcmp(o, "-N") == 0) {
      a->net = true;
      continue;
    }
    if (strcmp(o, "-a") == 0 && v) {
      char *end;
      a->abi = strtol(v, &end, 10);
      ok = *v && *end == '\0' && a->abi >= 0 && a->abi < 1000;
    } else if (strcmp(o, "-w") == 0) {
      ok = add_to(a->write, &a->n_write, v);
    } else if (strcmp(o, "-x") == 0) {
      ok = add_to(a->exec, &a->n_exec, v);
    } else if (strcmp(o, "-n") == 0) {
      ok = add_to(a->noexec, &a->n_noexec, v);
    } else if (strcmp(o, "-m") == 0) {
      ok = add_to(a->masked, &a->n_masked, v);
    } else if (strcmp(o, "-b") == 0) {
      ok = add_port(a->bind, &a->n_bind, v);
    } else if (strcmp(o, "-c") == 0) {
      ok = add_port(a->connect, &a->n_connect, v);
    } else {
      return usage(o);
    }
    if (!ok)
      return usage(o);
    i++;
  }
  return usage("no -- before the program");
}

/* Rights that apply to a file that is not a directory. */
#define FILE_RIGHTS                                                                                                    \
  (SK_LL_FS_EXECUTE | SK_LL_FS_WRITE_FILE | SK_LL_FS_READ_FILE | SK_LL_FS_TRUNCATE | SK_LL_FS_IOCTL_DEV)

/* One path-beneath rule on an open O_PATH fd; rights outside what the
 * ruleset handles are dropped (an older ABI), and a file gets only file
 * rights. */
static int rule_fd(int fd, __u64 rights, const char *path) {
  struct sk_landlock_path_beneath_attr pb = {0};
  struct stat st;
  if (fstat(fd, &st) < 0)
    return -1;
  if (!S_ISDIR(st.st_mode))
    rights &= FILE_RIGHTS;
  pb.allowed_access = rights & fs_handled;
  pb.parent_fd = fd;
  if (pb.allowed_access == 0)
    return 0;
  if (syscall(SYS_landlock_add_rule, ruleset_fd, SK_LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
    int e = errno;
    msg("landlock_add_rule %s: %s", path, strerror(e));
    errno = e;
    return -1;
  }
  n_rules++;
  return 0;
}

static int rule_path(const char *path, __u64 rights) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  int r;
  if (fd < 0) {
    n_skipped++; /* not in this image */
    return 0;
  }
  r = rule_fd(fd, rights, path);
  close(fd);
  return r;
}

/* Is p equal to or beneath dir? Both clean and absolute. */
static bool beneath(const char *p, const char *dir) {
  size_t n = strlen(dir);
  if (strcmp(dir, "/") == 0)
    return true;
  return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

static bool is_noexec(const struct init_args *a, const char *p) {
  for (size_t i = 0; i < a->n_noexec; i++)
    if (beneath(p, a->noexec[i]))
      return true;
  return false;
}

static bool holds_noexec(const struct init_args *a, const char *p) {
  for (size_t i = 0; i < a->n_noexec; i++)
    if (strcmp(p, a->noexec[i]) != 0 && beneath(a->noexec[i], p))
      return true;
  return false;
}

/* Execution beneath dir, except beneath the -n paths: a rule on every
 * entry of dir but those, going down into the directories that hold one.
 * Symbolic links are skipped: a rule on one would cover its target
 * (which may hold a -n path); the target gets its own rule where it
 * really is. */
static int exec_except(const struct init_args *a, const char *dir, int depth) {
  DIR *d;
  struct dirent *e;
  int r = 0;
  if (depth > 32)
    return 0;
  d = opendir(dir);
  if (d == NULL) {
    n_skipped++;
    return 0;
  }
  while (r == 0 && (e = readdir(d)) != NULL) {
    char p[PATH_MAX];
    struct stat st;
    int fd;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (snprintf(p, sizeof(p), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, e->d_name) >= (int)sizeof(p))
      continue;
    if (is_noexec(a, p))
      continue;
    fd = openat(dirfd(d), e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      continue;
    if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode) || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
      close(fd);
      continue;
    }
    if (S_ISDIR(st.st_mode) && holds_noexec(a, p))
      r = exec_except(a, p, depth + 1);
    else
      r = rule_fd(fd, SK_LL_FS_EXECUTE, p);
    close(fd);
  }
  closedir(d);
  return r;
}

static int exec_rules(const struct init_args *a) {
  static const char *const root[] = {"/"};
  const char *const *list = a->n_exec ? a->exec : root;
  size_t n = a->n_exec ? a->n_exec : 1;
  for (size_t i = 0; i < n; i++) {
    if (is_noexec(a, list[i]))
      continue; /* writable places are never executable */
    if (holds_noexec(a, list[i])) {
      if (exec_except(a, list[i], 0) < 0)
        return -1;
    } else if (rule_path(list[i], SK_LL_FS_EXECUTE) < 0) {
      return -1;
    }
  }
  return 0;
}

/* A masked file is /dev/null mounted over it (runc and crun): writing it
 * succeeds without Landlock, so it must with it. Only a path that is the
 * null device gets the rule; anything else (a mask the runtime did not
 * make, a directory's read-only tmpfs) keeps Landlock's answer. */
static int masked_rules(const struct init_args *a) {
  for (size_t i = 0; i < a->n_masked; i++) {
    struct stat st;
    int r, fd = open(a->masked[i], O_PATH | O_CLOEXEC);
    if (fd < 0)
      continue; /* not on this kernel: the runtime skipped it too */
    if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3) {
      close(fd);
      continue;
    }
    r = rule_fd(fd, SK_LL_FS_WRITE_FILE | SK_LL_FS_TRUNCATE, a->masked[i]);
    close(fd);
    if (r < 0)
      return -1;
  }
  return 0;
}

static __u64 fs_rights(long abi) {
  __u64 r = (SK_LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */
  if (abi >= 2)
    r |= SK_LL_FS_REFER;
  if (abi >= 3)
    r |= SK_LL_FS_TRUNCATE;
  if (abi >= 5)
    r |= SK_LL_FS_IOCTL_DEV;
  return r;
}

/* Build and apply the ruleset. Returns 0, or -1 with a message printed
 * (errno kept). */
static int confine(const struct init_args *a, long abi) {
  struct sk_landlock_ruleset_attr attr = {0};
  size_t size = sizeof(attr.handled_access_fs);
  /* Reads stay free; what is handled is writing and executing. */
  __u64 write_rights = fs_rights(abi) & ~(SK_LL_FS_EXECUTE | SK_LL_FS_READ_FILE | SK_LL_FS_READ_DIR);

  fs_handled = write_rights | SK_LL_FS_EXECUTE;
  attr.handled_access_fs = fs_handled;
  if (abi >= 4 && a->net) {
    attr.handled_access_net = SK_LL_NET_BIND_TCP | SK_LL_NET_CONNECT_TCP;
    size = offsetof(struct sk_landlock_ruleset_attr, scoped);
  }
  if (abi >= 6) {
    attr.scoped = SK_LL_SCOPE_ABSTRACT_UNIX_SOCKET | SK_LL_SCOPE_SIGNAL;
    size = sizeof(attr);
  }
  ruleset_fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (ruleset_fd < 0) {
    int e = errno;
    msg("landlock_create_ruleset: %s%s", strerror(e),
        e == EPERM ? " (the container's seccomp filter may not allow the landlock_* syscalls)" : "");
    errno = e;
    return -1;
  }
  for (size_t i = 0; i < a->n_write; i++)
    if (rule_path(a->write[i], write_rights) < 0)
      return -1;
  if (masked_rules(a) < 0 || exec_rules(a) < 0)
    return -1;
  for (size_t i = 0; abi >= 4 && a->net && i < a->n_bind + a->n_connect; i++) {
    struct sk_landlock_net_port_attr np = {0};
    bool bind = i < a->n_bind;
    np.allowed_access = bind ? SK_LL_NET_BIND_TCP : SK_LL_NET_CONNECT_TCP;
    np.port = bind ? a->bind[i] : a->connect[i - a->n_bind];
    if (syscall(SYS_landlock_add_rule, ruleset_fd, SK_LANDLOCK_RULE_NET_PORT, &np, 0) < 0) {
      int e = errno;
      msg("landlock_add_rule (TCP port): %s", strerror(e));
      errno = e;
      return -1;
    }
  }
  /* Set by the spec already (noNewPrivileges); Landlock needs it for a
   * process without CAP_SYS_ADMIN, so make sure. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    int e = errno;
    msg("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(e));
    errno = e;
    return -1;
  }
  if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0) {
    int e = errno;
    msg("landlock_restrict_self: %s", strerror(e));
    errno = e;
    return -1;
  }
  close(ruleset_fd);
  ruleset_fd = -1;
  return 0;
}

extern char **environ;

/* execvp, less the execs it would make of names that are not there.
 * Each exec of the container is a round trip to stockade's supervisor
 * (seccomp user-notify), and execvp tries every PATH entry in turn: /bin
 * is the sixth of runc's default PATH, so `true` cost five failed execs
 * before the one that runs. The PATH searched here is the caller's, less
 * the entries where the name does not exist (stat: ENOENT or ENOTDIR,
 * where execvp would have gone on to the next); everything else (what
 * runs, EACCES, a script without #!, the error when nothing runs) is
 * execvp's own, and the program gets the environment as it was. */
static void exec_search(char **args) {
  const char *path = getenv("PATH");
  char **env, *kept, *k, *p, *cand;
  size_t n_env = 0;
  const char *name = args[0];
  size_t nlen = strlen(name);
  bool any = false;
  struct stat st;

  if (strchr(name, '/') != NULL || nlen == 0 || nlen > NAME_MAX)
    goto plain;
  if (path == NULL)
    path = "/bin:/usr/bin"; /* execvp's own default (confstr _CS_PATH) */
  kept = malloc(strlen(path) + 1);
  cand = malloc(strlen(path) + nlen + 3);
  if (kept == NULL || cand == NULL) {
    free(kept);
    free(cand);
    goto plain;
  }
  k = kept;
  for (const char *e = path;; e++) {
    const char *end = strchrnul(e, ':');
    size_t dlen = (size_t)(end - e);
    /* an empty entry is the working directory, as for execvp */
    memcpy(cand, e, dlen);
    p = cand + dlen;
    if (dlen > 0)
      *p++ = '/';
    memcpy(p, name, nlen + 1);
    if (stat(cand, &st) == 0 || (errno != ENOENT && errno != ENOTDIR)) {
      if (any)
        *k++ = ':';
      memcpy(k, e, dlen);
      k += dlen;
      any = true;
    }
    if (*end == '\0')
      break;
    e = end;
  }
  *k = '\0';
  free(cand);
  if (!any) {
    free(kept);
    errno = ENOENT;
    return;
  }
  /* execvpe searches getenv("PATH"); the program gets env, a copy of the
   * environment taken before setenv changes it (in place, for PATH) */
  while (environ && environ[n_env])
    n_env++;
  env = calloc(n_env + 1, sizeof(*env));
  if (env == NULL) {
    free(kept);
    goto plain;
  }
  if (n_env)
    memcpy(env, environ, n_env * sizeof(*env));
  if (setenv("PATH", kept, 1) == 0)
    execvpe(name, args, env);
  {
    int e = errno;
    free(env);
    free(kept);
    errno = e;
  }
  return;
plain:
  execvp(name, args);
}

int main(int argc, char **argv) {
  struct init_args a;
  long kabi, abi;
  int r = parse(argc, argv, &a);
  char abis[32];

  if (r != 0)
    return r;
  kabi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (kabi < 0)
    kabi = 0;
  abi = kabi < a.abi ? kabi : a.abi;
  snprintf(abis, sizeof(abis), "%ld", abi);
  if (abi == 0) {
    if (a.required) {
      msg("landlock is required by the profile but not available (ABI %s); not starting", abis);
      return EXIT_REFUSED;
    }
  } else if (a.required && a.net && abi < 4) {
    msg("landlock TCP rules are required but the ABI in force is %s (TCP needs 4); not starting", abis);
    return EXIT_REFUSED;
  } else if (confine(&a, abi) < 0) {
    if (a.required) {
      msg("landlock is required by the profile and could not be applied (ABI %s); not starting", abis);
      return EXIT_REFUSED;
    }
    msg("warning: landlock could not be applied (ABI %s); running without it", abis);
    if (ruleset_fd >= 0)
      close(ruleset_fd);
  }
  /* As runc and crun do: a name without a slash is looked up in PATH. */
  exec_search(a.argv);
  r = errno;
  msg("cannot execute \"%s\": %s", a.argv[0], strerror(r));
  return r == ENOENT ? 127 : EXIT_REFUSED;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* AppArmor: generate a profile from a workload profile, load and unload it
 * with apparmor_parser, count the containers that use it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/apparmor.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stockade/apparmor.h"
#include "stockade/cleanup.h"
#include "stockade/lsm.h"
#include "stockade/str.h"
#include "stockade/sys.h"

extern char **environ;

void aa_profile_name(const struct profile *p, char name[AA_NAME_MAX]) {
  snprintf(name, AA_NAME_MAX, "stockade-%.64s-%.12s", p->name, p->sha256);
}

/* Characters AppArmor reads as glob or string syntax inside a quoted
 * path: escaped with a backslash to stand for themselves. "@" starts a
 * variable only before "{", which is escaped too; "^" is literal outside
 * a set but escaping it costs nothing. */
static bool aa_special(unsigned char c) { return c != '\0' && strchr("*?[]{}\\\"^@", c) != NULL; }

static int put_literal(FILE *f, unsigned char c) {
  if (c < 0x20 || c == 0x7f)
    return fprintf(f, "\\%03o", c) < 0 ? -1 : 0;
  if (aa_special(c) && fputc('\\', f) == EOF)
    return -1;
  return fputc(c, f) == EOF ? -1 : 0;
}

/* Append to *out through a memstream; *out keeps what it had. */
static FILE *append_open(char **buf, size_t *len, char **out) {
  FILE *f = open_memstream(buf, len);
  if (f && *out && fputs(*out, f) == EOF) {
    fclose(f);
    free(*buf);
    *buf = NULL;
    return NULL;
  }
  return f;
}

static int append_close(FILE *f, char **buf, char **out, struct sk_error **err) {
  if (fclose(f) != 0 || *buf == NULL) {
    free(*buf);
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  }
  free(*out);
  *out = *buf;
  return 0;
}

int aa_quote_literal(const char *path, char **out, struct sk_error **err) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = append_open(&buf, &len, out);
  const unsigned char *s;
  int bad = 0;
  if (f == NULL)
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  bad |= fputc('"', f) == EOF;
  for (s = (const unsigned char *)path; *s; s++)
    bad |= put_literal(f, *s) < 0;
  bad |= fputc('"', f) == EOF;
  if (bad) {
    fclose(f);
    free(buf);
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  }
  return append_close(f, &buf, out, err);
}

/* One fnmatch bracket expression starting at g[0] == '['. On success *end
 * is the index just past its ']'. Returns 0 when written, 1 when g has no
 * closing ']' (fnmatch then reads '[' as itself), -1 on error. */
static int put_set(FILE *f, const char *glob, const char *g, size_t *end, struct sk_error **err) {
  size_t i = 1;
  bool neg = false;
  cleanup_free char *body = NULL;
  size_t blen = 0, k = 0, members = 0;

  if (g[i] == '!' || g[i] == '^') {
    neg = true;
    i++;
  }
  body = malloc(strlen(g) + 1);
  if (body == NULL)
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  /* Collect the members (unescaped), then check and write them. A ']'
   * first is a member; a backslash escapes the next character. */
  if (g[i] == ']')
    body[blen++] = g[i++];
  while (g[i] && g[i] != ']') {
    if (g[i] == '[' && (g[i + 1] == ':' || g[i + 1] == '=' || g[i + 1] == '.'))
      return sk_error_set(err, 0,
                          "exec.allow glob \"%s\": the set \"[%c...\" has no AppArmor equivalent; list the "
                          "characters instead (\"[a-z]\")",
                          glob, g[i + 1]);
    if (g[i] == '\\' && g[i + 1])
      i++;
    /* A range keeps its '-' as the marker 0x01, which no path holds. */
    if (g[i] == '-' && blen > 0 && g[i + 1] && g[i + 1] != ']') {
      body[blen++] = '\x01';
      i++;
      continue;
    }
    body[blen++] = g[i++];
  }
  if (g[i] != ']')
    return 1;
  *end = i + 1;
  body[blen] = '\0';

  if (fputc('[', f) == EOF || (neg && fputs("^/", f) == EOF))
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  for (k = 0; k < blen; k++) {
    unsigned char c = (unsigned char)body[k];
    if (k + 2 < blen + 1 && body[k + 1] == '\x01') {
      unsigned char hi = (unsigned char)body[k + 2];
      if (c <= '/' && hi >= '/')
        return sk_error_set(err, 0,
                            "exec.allow glob \"%s\": the range \"%c-%c\" spans \"/\", which fnmatch never matches "
                            "in a set and AppArmor would; split the range",
                            glob, c, hi);
      if (put_literal(f, c) < 0 || fputc('-', f) == EOF || put_literal(f, hi) < 0)
        return sk_error_set(err, ENOMEM, "AppArmor profile");
      k += 2;
      members++;
      continue;
    }
    /* fnmatch with FNM_PATHNAME: a '/' in a set never matches. */
    if (c == '/')
      continue;
    members++;
    if (c == '-' || c == ']' || c == '[' || c == '^' || c == '\\') {
      if (fputc('\\', f) == EOF || fputc(c, f) == EOF)
        return sk_error_set(err, ENOMEM, "AppArmor profile");
      continue;
    }
    if (put_literal(f, c) < 0)
      return sk_error_set(err, ENOMEM, "AppArmor profile");
  }
  if (!neg && members == 0)
    return sk_error_set(err, 0, "exec.allow glob \"%s\": the set \"%.*s\" matches no character of a path; remove it",
                        glob, (int)*end, g);
  if (fputc(']', f) == EOF)
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  return 0;
}

int aa_glob_from_fnmatch(const char *glob, char **out, struct sk_error **err) {
  char *buf = NULL;
  size_t len = 0, i = 0;
  FILE *f = append_open(&buf, &len, out);
  int bad = 0;

  if (f == NULL)
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  bad |= fputc('"', f) == EOF;
  while (!bad && glob[i]) {
    char c = glob[i];
    if (c == '*' || c == '?') {
      /* The profile parser refuses "**"; one '*' per run is the same. */
      bad |= fputc(c, f) == EOF;
      i++;
      while (c == '*' && glob[i] == '*')
        i++;
    } else if (c == '\\' && glob[i + 1]) {
      bad |= put_literal(f, (unsigned char)glob[i + 1]) < 0;
      i += 2;
    } else if (c == '[') {
      size_t end = 0;
      int r = put_set(f, glob, glob + i, &end, err);
      if (r < 0) {
        fclose(f);
        free(buf);
        return -1;
      }
      if (r == 1) {
        bad |= put_literal(f, '[') < 0;
        i++;
      } else {
        i += end;
      }
    } else {
      bad |= put_literal(f, (unsigned char)c) < 0;
      i++;
    }
  }
  bad |= fputc('"', f) == EOF;
  if (bad) {
    fclose(f);
    free(buf);
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  }
  return append_close(f, &buf, out, err);
}

/* "CAP_NET_BIND_SERVICE" -> "net_bind_service" */
static void cap_aa_name(const char *canon, char *out, size_t size) {
  size_t i;
  const char *s = str_has_prefix(canon, "CAP_") ? canon + 4 : canon;
  for (i = 0; s[i] && i + 1 < size; i++)
    out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
  out[i] = '\0';
}

/* A path plus "/{,**}": the directory itself and everything below it. */
static int quote_tree(const char *dir, char **out, struct sk_error **err) {
  size_t n;
  if (aa_quote_literal(dir, out, err) < 0)
    return -1;
  n = strlen(*out);
  /* replace the closing quote */
  (*out)[n - 1] = '\0';
  {
    char *grown = NULL;
    if (asprintf(&grown, "%s/{,**}\"", *out) < 0)
      return sk_error_set(err, ENOMEM, "AppArmor profile");
    free(*out);
    *out = grown;
  }
  return 0;
}

/* One rule "  <qualifier><writable path's tree> <perms>," per writable path. */
static int put_writable_rules(FILE *f, const struct profile *p, const char *qualifier, const char *perms,
                              struct sk_error **err) {
  size_t i;
  for (i = 0; i < p->n_writable_paths; i++) {
    cleanup_free char *q = NULL;
    if (quote_tree(p->writable_paths[i].path, &q, err) < 0)
      return -1;
    fprintf(f, "  %s%s %s,\n", qualifier, q, perms);
  }
  return 0;
}

int aa_profile_generate(const struct profile *p, char **text, struct sk_error **err) {
  char name[AA_NAME_MAX], cap[64];
  char *buf = NULL;
  size_t len = 0, i;
  FILE *f;
  bool raw = profile_has_cap(p, "CAP_NET_RAW");

  aa_profile_name(p, name);
  f = open_memstream(&buf, &len);
  if (f == NULL)
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  fprintf(f,
          "# Generated by stockade %s from profile \"%s\" (sha256 %s).\n"
          "# Do not edit: stockade replaces it whenever the profile changes.\n"
          "abi <abi/3.0>,\n\n"
          "profile %s flags=(attach_disconnected,mediate_deleted) {\n",
          STOCKADE_VERSION, p->name, p->sha256, name);

  fputs("  # network: TCP and UDP over IPv4 and IPv6, unix sockets, netlink (glibc's\n"
        "  # getaddrinfo asks the kernel for the addresses through it)\n"
        "  network inet stream,\n  network inet6 stream,\n  network inet dgram,\n  network inet6 dgram,\n"
        "  network netlink raw,\n  network netlink dgram,\n  unix,\n",
        f);
  if (raw)
    fputs("  # the profile grants NET_RAW\n  network inet raw,\n  network inet6 raw,\n  network packet,\n", f);
  else
    fputs("  # raw and packet sockets: NET_RAW is not granted\n  deny network inet raw,\n  deny network inet6 raw,\n"
          "  deny network packet,\n",
          f);

  fprintf(f, "\n  # capabilities: exactly the profile's (%zu)\n", p->n_capabilities);
  for (i = 0; i < p->n_capabilities; i++) {
    cap_aa_name(p->capabilities[i], cap, sizeof(cap));
    fprintf(f, "  capability %s,\n", cap);
  }

  fputs("\n  # files: read everywhere, map for execution outside the writable paths\n"
        "  \"/{,**}\" rm,\n"
        "  # the standard devices and terminals\n"
        "  \"/dev/{null,zero,full,random,urandom,tty,console}\" rw,\n"
        "  \"/dev/pts/*\" rw,\n"
        "  # POSIX shared memory (the engine's tmpfs, noexec like every writable mount)\n"
        "  \"/dev/shm/{,**}\" rwkl,\n"
        "  deny \"/dev/shm/{,**}\" mx,\n",
        f);
  if (put_writable_rules(f, p, "", "rwkl", err) < 0) {
    fclose(f);
    free(buf);
    return -1;
  }

  fputs("\n  # execution\n", f);
  if (p->has_exec_allow) {
    fprintf(f, "  # only the exec allow-list (%zu)\n", p->n_exec_allow);
    for (i = 0; i < p->n_exec_allow; i++) {
      cleanup_free char *q = NULL;
      size_t k;
      bool dup = false;
      /* the same glob pinned to several hashes: one rule */
      for (k = 0; k < i; k++)
        dup |= strcmp(p->exec_allow[k].glob, p->exec_allow[i].glob) == 0;
      if (dup)
        continue;
      if (aa_glob_from_fnmatch(p->exec_allow[i].glob, &q, err) < 0) {
        fclose(f);
        free(buf);
        return sk_error_wrap(err, "profile \"%s\"", p->name);
      }
      fprintf(f, "  %s ix,\n", q);
    }
  } else {
    fputs("  # no allow-list: anything of the image, nothing from a writable path\n  \"/{,**}\" ix,\n", f);
  }
  if (put_writable_rules(f, p, "deny ", "mx", err) < 0) {
    fclose(f);
    free(buf);
    return -1;
  }

  fprintf(f,
          "\n  # no mounts, no pivot_root\n"
          "  deny mount,\n  deny remount,\n  deny umount,\n  deny pivot_root,\n"
          "\n  # kernel tunables and firmware stay read-only\n"
          "  deny \"/proc/sys/**\" wl,\n  deny \"/sys/**\" wl,\n"
          "  deny \"/proc/sysrq-trigger\" rwkl,\n  deny \"/proc/kcore\" rwkl,\n"
          "  deny \"/sys/firmware/**\" rwkl,\n  deny \"/sys/kernel/security/**\" rwkl,\n"
          "\n  # ptrace and signals only within this profile (any other peer is denied:\n"
          "  # these rules turn ptrace and signal mediation on); the runtime, which\n"
          "  # runs unconfined, may still signal the container\n"
          "  ptrace (trace, read, tracedby, readby) peer=%s,\n"
          "  signal (send, receive) peer=%s,\n"
          "  signal (receive) peer=unconfined,\n"
          "}\n",
          name, name);
  if (fclose(f) != 0 || buf == NULL) {
    free(buf);
    return sk_error_set(err, ENOMEM, "AppArmor profile");
  }
  *text = buf;
  return 0;
}

/* libapparmor is opened only where the kernel has AppArmor enabled. Linked,
 * it (with libselinux and its libpcre2) would be mapped into every stockade
 * process and every supervisor (about 600 kB of RSS each) for a question
 * that /sys answers on most hosts. */
bool aa_host_active(void) {
  __typeof__(aa_is_enabled) *is_enabled;
  void *lib;
  char c = 0;
  ssize_t n;
  int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return false; /* not built into this kernel */
  n = read(fd, &c, 1);
  close(fd);
  if (n != 1 || c != 'Y')
    return false;
  lib = dlopen("libapparmor.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) /* what aa_is_enabled looks at next: securityfs */
    return access("/sys/kernel/security/apparmor", F_OK) == 0;
  is_enabled = (__typeof__(aa_is_enabled) *)dlsym(lib, "aa_is_enabled");
  return is_enabled && is_enabled() == 1; /* the library stays loaded */
}

/* Run parser with args, its output captured into msg (the last line is
 * what a person needs). Returns the exit status, or -1 with *err set. */
static int run_parser(const char *parser, const char *flag, const char *file, char *msg, size_t size,
                      struct sk_error **err) {
  char *const argv[] = {(char *)parser, (char *)flag, (char *)"--quiet", (char *)file, NULL};
  posix_spawn_file_actions_t fa;
  cleanup_close int rd = -1;
  int pipefd[2], ws, r;
  pid_t pid;
  size_t used = 0;

  msg[0] = '\0';
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return sk_error_set(err, errno, "pipe");
  rd = pipefd[0];
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
  r = posix_spawn(&pid, parser, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  if (r != 0)
    return sk_error_set(err, r, "cannot run %s (Debian package apparmor)", parser);
  for (;;) {
    ssize_t n = read(rd, msg + used, size - 1 - used);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    used += (size_t)n;
    if (used + 1 >= size) {
      /* keep the tail: drain the rest */
      char sink[256];
      while (read(rd, sink, sizeof(sink)) > 0)
        ;
      break;
    }
  }
  msg[used] = '\0';
  while (used > 0 && (msg[used - 1] == '\n' || msg[used - 1] == ' '))
    msg[--used] = '\0';
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR)
      return sk_error_set(err, errno, "waiting for %s", parser);
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* <stateRoot>/apparmor, locked for the caller (flock, released on close):
 * a load and a last unload of the same profile never interleave. */
static int aa_dir_lock(const char *state_root, char **dir, int *lockfd, struct sk_error **err) {
  cleanup_free char *lock = NULL;
  if (asprintf(dir, "%s/apparmor", state_root) < 0 || asprintf(&lock, "%s/.lock", *dir) < 0)
    return sk_error_set(err, ENOMEM, "AppArmor state");
  if (mkdir_p(*dir, 0700, err) < 0)
    return -1;
  *lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (*lockfd < 0)
    return sk_error_set(err, errno, "cannot open %s", lock);
  while (flock(*lockfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return sk_error_set(err, errno, "cannot lock %s", lock);
  return 0;
}

int aa_profile_load(const char *parser, const char *state_root, const char *key, const char *name, const char *text,
                    struct sk_error **err) {
  cleanup_free char *dir = NULL;
  cleanup_free char *file = NULL;
  cleanup_free char *users = NULL;
  cleanup_free char *mark = NULL;
  cleanup_close int lockfd = -1;
  cleanup_close int fd = -1;
  char msg[1024];
  int status;

  if (aa_dir_lock(state_root, &dir, &lockfd, err) < 0)
    return -1;
  if (asprintf(&file, "%s/%s.profile", dir, name) < 0 || asprintf(&users, "%s/%s.users", dir, name) < 0 ||
      asprintf(&mark, "%s/%s", users, key) < 0)
    return sk_error_set(err, ENOMEM, "AppArmor state");
  if (write_file_replace(file, text, strlen(text), 0600, err) < 0 || mkdir_p(users, 0700, err) < 0)
    return -1;
  /* The mark before the load: a failed load is undone by the release the
   * caller's undo runs anyway. */
  fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return sk_error_set(err, errno, "cannot create %s", mark);
  status = run_parser(parser, "-r", file, msg, sizeof(msg), err);
  if (status < 0)
    return -1;
  if (status != 0) {
    unlink(mark);
    return sk_error_set(err, 0, "%s -r %s failed (exit %d): %s", parser, file, status, msg[0] ? msg : "no message");
  }
  return 0;
}

/* Does any container other than key still use the profile whose users
 * directory is users? Stale marks (the container's state is gone and the
 * mark is older than a minute) are removed on the way. */
static bool aa_in_use(const char *state_root, const char *users) {
  cleanup_dir DIR *d = opendir(users);
  struct dirent *e;
  bool used = false;
  if (d == NULL)
    return false;
  while ((e = readdir(d))) {
    struct stat st;
    if (e->d_name[0] == '.')
      continue;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (lsm_owner_gone(state_root, e->d_name, st.st_mtime)) {
      unlinkat(dirfd(d), e->d_name, 0);
      continue;
    }
    used = true;
  }
  return used;
}

int aa_profile_release(const char *parser, const char *state_root, const char *key, int *unloaded,
                       struct sk_error **err) {
  cleanup_free char *dir = NULL;
  cleanup_close int lockfd = -1;
  cleanup_dir DIR *d = NULL;
  struct dirent *e;
  struct stat st;
  int rc = 0, n = 0;

  if (unloaded)
    *unloaded = 0;
  if (asprintf(&dir, "%s/apparmor", state_root) < 0)
    return sk_error_set(err, ENOMEM, "AppArmor state");
  if (stat(dir, &st) < 0)
    return 0; /* nothing was ever loaded */
  free(dir);
  dir = NULL;
  if (aa_dir_lock(state_root, &dir, &lockfd, err) < 0)
    return -1;
  d = opendir(dir);
  if (d == NULL)
    return sk_error_set(err, errno, "cannot read %s", dir);
  while ((e = readdir(d))) {
    cleanup_free char *users = NULL;
    cleanup_free char *mark = NULL;
    cleanup_free char *file = NULL;
    size_t len = strlen(e->d_name);
    char msg[1024];
    int status;
    if (len <= 6 || !str_has_suffix(e->d_name, ".users"))
      continue;
    if (asprintf(&users, "%s/%s", dir, e->d_name) < 0 || asprintf(&mark, "%s/%s", users, key) < 0 ||
        asprintf(&file, "%s/%.*s.profile", dir, (int)(len - 6), e->d_name) < 0)
      return sk_error_set(err, ENOMEM, "AppArmor state");
    if (unlink(mark) < 0 && errno == ENOENT)
      continue; /* not ours */
    if (aa_in_use(state_root, users))
      continue;
    status = run_parser(parser, "-R", file, msg, sizeof(msg), err);
    if (status != 0) {
      if (status > 0)
        sk_error_set(err, 0, "%s -R %s failed (exit %d): %s", parser, file, status, msg[0] ? msg : "no message");
      rc = -1;
      continue;
    }
    n++;
    unlink(file);
    rmdir(users);
  }
  if (unloaded)
    *unloaded = n;
  return rc;
}

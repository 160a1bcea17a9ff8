/* SPDX-License-Identifier: Apache-2.0 */
/* Which file an exec will open, resolved as the kernel resolves it for the
 * calling thread (execpath.h).
 *
 * Who owns what: every descriptor opened here is O_PATH | O_CLOEXEC and
 * closed here, except the one handed out in struct execpath, which the
 * caller closes. O_PATH opens raise no fanotify event and read nothing, so
 * this is safe on the supervisor's event paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "stockade/cleanup.h"

#include "execpath.h"

#define MAX_LINKS 40          /* the kernel's MAXSYMLINKS */
#define BINPRM_BUF 256        /* what the kernel reads of a file to know its format */
#define PHDRS_MAX (64 * 1024) /* binfmt_elf refuses larger program header tables */
/* The path still to walk, symlink targets spliced in: the kernel keeps a
 * stack of links instead, so a path it accepts can in theory be longer;
 * such a path is refused here (the caller denies), never truncated. */
#define WALK_MAX (4 * PATH_MAX)

static void result(struct execpath *out, enum execpath_kind kind, int fd, int e) {
  out->kind = kind;
  out->fd = fd;
  out->err = e;
}

static bool on_proc(int fd) {
  struct statfs sf;
  return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* /proc/<tid>/<what> opened O_PATH: the thread's root, cwd or fd/N, as the
 * magic link leads (the directory or file itself, whatever its name). */
static int open_thread(pid_t tid, const char *what, int flags) {
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/%s", (int)tid, what);
  return open(p, O_PATH | O_CLOEXEC | flags);
}

struct ident {
  uint64_t dev, ino, mnt;
};

static int ident_of(int fd, struct ident *id) {
  struct statx stx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &stx) < 0)
    return -1;
  id->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  id->ino = stx.stx_ino;
  /* Without a mount id (before 5.8) a bind mount of the root's directory
   * elsewhere would count as the root: ".." would stop one level early,
   * which only makes that path resolve to somewhere that does not exist
   * for the kernel or the same place. */
  id->mnt = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
  return 0;
}

static bool same(const struct ident *a, const struct ident *b) {
  return a->dev == b->dev && a->ino == b->ino && a->mnt == b->mnt;
}

/* The walk's state: where it is and what is left. */
struct walk {
  pid_t tid;
  int root; /* the thread's root (borrowed) */
  struct ident root_id;
  int dir;            /* the directory reached (owned) */
  char *rest, *spare; /* the path left to walk; a buffer to splice into */
  int links;
};

/* Replace w->dir by fd (taken over). */
static void walk_enter(struct walk *w, int fd) {
  if (w->dir >= 0)
    close(w->dir);
  w->dir = fd;
}

/* Splice a symlink's target in front of what followed it ("/" and after,
 * or nothing when the link was the last component). */
static int walk_splice(struct walk *w, const char *target, bool slash, const char *after) {
  size_t t = strlen(target), a = strlen(after), s = slash ? 1 : 0;
  char *swap;
  if (t + s + a + 1 > WALK_MAX)
    return -1;
  memcpy(w->spare, target, t);
  if (slash)
    w->spare[t] = '/';
  memcpy(w->spare + t + s, after, a + 1);
  swap = w->rest;
  w->rest = w->spare;
  w->spare = swap;
  return 0;
}

/* "..": up one directory, but never above the thread's root. */
static int walk_dotdot(struct walk *w) {
  struct ident id;
  int fd;
  if (ident_of(w->dir, &id) < 0)
    return -1;
  if (same(&id, &w->root_id))
    return 0;
  fd = openat(w->dir, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  walk_enter(w, fd);
  return 0;
}

/* Follow the symlink fd (the component just looked up), which a slash and
 * after followed (or nothing). 1: followed; 0: *out is set (ELOOP,
 * ENOENT). */
static int walk_link(struct walk *w, int fd, bool slash, const char *after, struct execpath *out,
                     struct sk_error **err) {
  char target[PATH_MAX];
  ssize_t n;
  if (++w->links > MAX_LINKS) {
    result(out, EXECPATH_ABSENT, -1, ELOOP);
    return 0;
  }
  n = readlinkat(fd, "", target, sizeof(target) - 1);
  if (n < 0)
    return sk_error_set(err, errno, "cannot read a symlink on the exec path");
  target[n] = '\0';
  if (n == 0) {
    result(out, EXECPATH_ABSENT, -1, ENOENT);
    return 0;
  }
  if (walk_splice(w, target, slash, after) < 0)
    return sk_error_set(err, ENAMETOOLONG, "the exec path with its symlinks is longer than %d bytes", WALK_MAX);
  if (target[0] == '/') {
    int r = openat(w->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (r < 0)
      return sk_error_set(err, errno, "cannot reopen the thread's root");
    walk_enter(w, r);
  }
  return 1;
}

/* Is what follows a component exactly "exe" (blanks and "." aside), the
 * last one, without a trailing slash? */
static bool just_exe(const char *after) {
  const char *p = after;
  bool seen = false;
  while (*p) {
    size_t n;
    while (*p == '/')
      p++;
    n = strcspn(p, "/");
    if (n == 0)
      break;
    if (n == 1 && p[0] == '.') {
      p += n;
      continue;
    }
    if (seen || n != 3 || strncmp(p, "exe", 3) != 0)
      return false;
    seen = true;
    p += n;
  }
  return seen && after[strlen(after) - 1] != '/';
}

/* A name is to be looked up in procfs: fileless, with one exception. The
 * thread's own program, /proc/self/exe or /proc/thread-self/exe, is the
 * file it already runs, which passed these checks when it was executed;
 * busybox re-executes itself so for each applet of a pipeline. It is
 * judged as that file, reached through /proc/<tid>/exe, which leads where
 * the kernel's "self" (the thread group leader, same program) leads. Any
 * other process's exe, any fd link, anything spelled otherwise stays
 * EXECPATH_PROC. */
static int walk_proc(struct walk *w, const char *name, bool slash, const char *after, unsigned flags,
                     struct execpath *out, struct sk_error **err) {
  struct statx stx;
  int fd;

  result(out, EXECPATH_PROC, -1, 0);
  if (!slash || (flags & EXECPATH_NOFOLLOW) || (strcmp(name, "self") != 0 && strcmp(name, "thread-self") != 0))
    return 0;
  /* procfs's root directory is inode 1 */
  if (statx(w->dir, "", AT_EMPTY_PATH, STATX_INO, &stx) < 0 || stx.stx_ino != 1 || !just_exe(after))
    return 0;
  fd = open_thread(w->tid, "exe", 0);
  if (fd < 0)
    return sk_error_set(err, errno, "cannot open /proc/%d/exe", (int)w->tid);
  if (execpath_inspect(fd, &out->file, err) < 0) {
    close(fd);
    return -1;
  }
  if (out->file.proc) {
    close(fd);
    return 0;
  }
  result(out, EXECPATH_FILE, fd, 0);
  return 0;
}

/* One step: look up the next component of w->rest in w->dir. 1: go on;
 * 0: *out is set; -1: error. */
static int walk_step(struct walk *w, unsigned flags, struct execpath *out, struct sk_error **err) {
  char *p = w->rest, *name, *after;
  bool last, slash;
  struct statx stx;
  cleanup_close int fd = -1;

  while (*p == '/')
    p++;
  if (*p == '\0') {
    /* The path ends on a directory ("/", "dir/", "."): that is the file
     * found, which the caller will find is no regular file. */
    if (execpath_inspect(w->dir, &out->file, err) < 0)
      return -1;
    result(out, EXECPATH_FILE, w->dir, 0);
    w->dir = -1;
    return 0;
  }
  name = p;
  p += strcspn(p, "/");
  slash = *p == '/';
  if (slash)
    *p++ = '\0';
  after = p;
  while (*p == '/')
    p++;
  last = *p == '\0';

  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    if (name[1] == '.' && walk_dotdot(w) < 0)
      return sk_error_set(err, errno, "cannot go up a directory on the exec path");
    w->rest = after; /* within the same buffer */
    return 1;
  }
  /* Nothing is looked up inside procfs: its links are magic. */
  if (on_proc(w->dir))
    return walk_proc(w, name, slash, after, flags, out, err);
  fd = openat(w->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG || e == EACCES) {
      result(out, EXECPATH_ABSENT, -1, e);
      return 0;
    }
    return sk_error_set(err, e, "cannot look up a component of the exec path");
  }
  if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, &stx) < 0)
    return sk_error_set(err, errno, "cannot stat a component of the exec path");
  if (S_ISLNK(stx.stx_mode)) {
    if (last && !slash && (flags & EXECPATH_NOFOLLOW)) {
      result(out, EXECPATH_ABSENT, -1, ELOOP);
      return 0;
    }
    /* The target is spliced in front of what follows, trailing slash
     * included: "link/" must be a directory like "target/". */
    return walk_link(w, fd, slash, after, out, err);
  }
  if (!last || slash) {
    if (!S_ISDIR(stx.stx_mode)) {
      result(out, EXECPATH_ABSENT, -1, ENOTDIR);
      return 0;
    }
    walk_enter(w, steal_fd(&fd));
    w->rest = after;
    return 1;
  }
  if (execpath_inspect(fd, &out->file, err) < 0)
    return -1;
  if (out->file.proc) {
    result(out, EXECPATH_PROC, -1, 0);
    return 0;
  }
  result(out, EXECPATH_FILE, steal_fd(&fd), 0);
  return 0;
}

static int walk(pid_t tid, int root, int start, const char *path, unsigned flags, struct execpath *out,
                struct sk_error **err) {
  cleanup_free char *a = malloc(WALK_MAX);
  cleanup_free char *b = malloc(WALK_MAX);
  struct walk w = {.tid = tid, .root = root, .dir = -1, .rest = a, .spare = b};
  int r;

  if (a == NULL || b == NULL)
    return sk_error_set(err, ENOMEM, "exec path");
  if (strlen(path) >= PATH_MAX) {
    result(out, EXECPATH_ABSENT, -1, ENAMETOOLONG);
    return 0;
  }
  strcpy(a, path);
  if (ident_of(root, &w.root_id) < 0)
    return sk_error_set(err, errno, "cannot stat the thread's root");
  w.dir = openat(path[0] == '/' ? root : start, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (w.dir < 0 && errno == ENOTDIR) {
    result(out, EXECPATH_ABSENT, -1, ENOTDIR); /* execveat's dirfd is no directory */
    return 0;
  }
  if (w.dir < 0)
    return sk_error_set(err, errno, "cannot open where the exec path starts");
  do
    r = walk_step(&w, flags, out, err);
  while (r > 0);
  if (w.dir >= 0)
    close(w.dir);
  /* a and b are the two buffers, whichever w.rest points into now. */
  return r;
}

/* openat2 alone, when it settles the question. 1: *out is set; 0: walk. */
static int fast(int root, int start, const char *path, unsigned flags, struct execpath *out) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS};
  int fd;

  if (flags & EXECPATH_WALK_ONLY)
    return 0;
  if (flags & EXECPATH_NOFOLLOW)
    how.flags |= O_NOFOLLOW;
  /* In root, ".." and absolute symlinks stay below the thread's root as
   * for the kernel. Beneath start, anything that would climb out of it
   * (where the kernel would go on, up to the root) fails with EXDEV and
   * is walked instead. */
  how.resolve |= path[0] == '/' ? RESOLVE_IN_ROOT : RESOLVE_BENEATH;
  fd = (int)syscall(SYS_openat2, path[0] == '/' ? root : start, path, &how, sizeof(how));
  if (fd < 0)
    return 0; /* ENOENT too: "self" fails so, and only a walk tells */
  /* One statx and one fstatfs, which the caller needs too. */
  if (execpath_inspect(fd, &out->file, NULL) < 0 || out->file.proc) {
    close(fd);
    return 0;
  }
  if (out->file.symlink) { /* O_NOFOLLOW on a final symlink */
    close(fd);
    result(out, EXECPATH_ABSENT, -1, ELOOP);
    return 1;
  }
  result(out, EXECPATH_FILE, fd, 0);
  return 1;
}

/* Where a relative path starts: the cwd, or execveat's directory fd. */
static int open_start(pid_t tid, int dirfd, struct execpath *out, struct sk_error **err) {
  char what[32];
  int fd;
  if (dirfd == AT_FDCWD)
    snprintf(what, sizeof(what), "cwd");
  else
    snprintf(what, sizeof(what), "fd/%d", dirfd);
  fd = open_thread(tid, what, 0);
  if (fd < 0 && dirfd != AT_FDCWD && errno == ENOENT) {
    result(out, EXECPATH_ABSENT, -1, EBADF);
    return -2;
  }
  if (fd < 0)
    return sk_error_set(err, errno, "cannot open /proc/%d/%s", (int)tid, what);
  return fd;
}

int execpath_resolve(pid_t tid, int dirfd, const char *path, unsigned flags, struct execpath *out,
                     struct sk_error **err) {
  cleanup_close int root = -1;
  cleanup_close int start = -1;
  struct execpath r = {.kind = EXECPATH_ABSENT, .fd = -1, .err = ENOENT};

  if (path == NULL || path[0] == '\0') {
    *out = r; /* execve("") is ENOENT */
    return 0;
  }
  root = open_thread(tid, "root", O_DIRECTORY);
  if (root < 0)
    return sk_error_set(err, errno, "cannot open /proc/%d/root", (int)tid);
  if (path[0] != '/') {
    start = open_start(tid, dirfd, &r, err);
    if (start == -2) {
      *out = r;
      return 0;
    }
    if (start < 0)
      return -1;
  }
  if (!fast(root, start, path, flags, &r)) {
    if (walk(tid, root, start, path, flags, &r, err) < 0)
      return -1;
    r.walk = true;
  }
  *out = r;
  return 0;
}

int execpath_fd(pid_t tid, int fd, struct execpath *out, struct sk_error **err) {
  char what[32];
  int f;
  if (fd < 0) {
    result(out, EXECPATH_ABSENT, -1, EBADF);
    out->walk = false;
    return 0;
  }
  snprintf(what, sizeof(what), "fd/%d", fd);
  f = open_thread(tid, what, 0);
  out->walk = false;
  if (f < 0 && errno == ENOENT) {
    result(out, EXECPATH_ABSENT, -1, EBADF);
    return 0;
  }
  if (f < 0)
    return sk_error_set(err, errno, "cannot open /proc/%d/%s", (int)tid, what);
  if (execpath_inspect(f, &out->file, err) < 0) {
    close(f);
    return -1;
  }
  result(out, EXECPATH_FILE, f, 0);
  return 0;
}

int execpath_inspect(int fd, struct execpath_file *out, struct sk_error **err) {
  struct statx stx;
  struct statfs sf;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_MNT_ID, &stx) < 0)
    return sk_error_set(err, errno, "statx of the executed file");
  if (fstatfs(fd, &sf) < 0)
    return sk_error_set(err, errno, "fstatfs of the executed file");
  out->regular = S_ISREG(stx.stx_mode);
  out->symlink = S_ISLNK(stx.stx_mode);
  out->proc = sf.f_type == PROC_SUPER_MAGIC;
  out->noexec = (sf.f_flags & ST_NOEXEC) != 0;
  out->mnt_id = (stx.stx_mask & STATX_MNT_ID) ? (int)stx.stx_mnt_id : -1;
  out->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  out->ino = stx.stx_ino;
  return 0;
}

/* --- interpreters --- */

static int pread_all(int fd, void *buf, size_t len, off_t off) {
  size_t got = 0;
  while (got < len) {
    ssize_t r = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0)
      break;
    got += (size_t)r;
  }
  return (int)got;
}

/* "#!" as binfmt_script reads it from the first BINPRM_BUF bytes of the
 * file, zero-filled past its end (so a name that ends the file without a
 * newline counts): the line ends at a newline, else at the buffer's last
 * byte provided a blank or NUL shows the name was not cut (else the
 * kernel's ENOEXEC: no interpreter). The name runs from the first
 * non-blank to a blank, a NUL or the line's end. */
static bool script_interp(const unsigned char *b, char *out, size_t size) {
  const unsigned char *end = memchr(b, '\n', BINPRM_BUF), *name, *p;
  if (end == NULL) {
    for (p = b + 2; p < b + BINPRM_BUF - 1 && (*p == ' ' || *p == '\t'); p++)
      ;
    while (p < b + BINPRM_BUF - 1 && *p != ' ' && *p != '\t' && *p != '\0')
      p++;
    if (p >= b + BINPRM_BUF - 1)
      return false;
    end = b + BINPRM_BUF - 1;
  }
  for (name = b + 2; name < end && (*name == ' ' || *name == '\t'); name++)
    ;
  for (p = name; p < end && *p != ' ' && *p != '\t' && *p != '\0'; p++)
    ;
  if (p == name || (size_t)(p - name) >= size)
    return false;
  memcpy(out, name, (size_t)(p - name));
  out[p - name] = '\0';
  return true;
}

static uint64_t get_le(const unsigned char *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* PT_INTERP of a little-endian ELF (32 or 64 bits), as binfmt_elf reads it:
 * the first PT_INTERP, 2 to PATH_MAX bytes, NUL-terminated. 1: out holds
 * it; 0: none; -1: unreadable. buf is scratch of bufsize bytes. */
static int elf_interp(int fd, const unsigned char *h, int n, unsigned char *buf, size_t bufsize, char *out,
                      size_t size) {
  bool is64 = h[4] == 2;
  int ehsize = is64 ? 64 : 52, phsize = is64 ? 56 : 32;
  uint64_t phoff, off, len;
  unsigned phent, phnum, i;
  int got;

  if (n < ehsize || (h[4] != 1 && h[4] != 2) || h[5] != 1) /* another byte order: not this kernel's ELF */
    return 0;
  phoff = is64 ? get_le(h + 32, 8) : get_le(h + 28, 4);
  phent = (unsigned)get_le(h + (is64 ? 54 : 42), 2);
  phnum = (unsigned)get_le(h + (is64 ? 56 : 44), 2);
  /* The kernel refuses tables of another entry size or over 64 KiB. */
  if (phent != (unsigned)phsize || phnum == 0 || (uint64_t)phnum * phent > PHDRS_MAX ||
      (uint64_t)phnum * phent > bufsize)
    return 0;
  got = pread_all(fd, buf, (size_t)phnum * phent, (off_t)phoff);
  if (got < 0)
    return -1;
  for (i = 0; i < phnum && (i + 1) * phent <= (unsigned)got; i++) {
    const unsigned char *ph = buf + (size_t)i * phent;
    if (get_le(ph, 4) != 3) /* PT_INTERP */
      continue;
    off = is64 ? get_le(ph + 8, 8) : get_le(ph + 4, 4);
    len = is64 ? get_le(ph + 32, 8) : get_le(ph + 16, 4);
    if (len < 2 || len > PATH_MAX || len > size)
      return len > size && len <= PATH_MAX ? -1 : 0;
    got = pread_all(fd, out, (size_t)len, (off_t)off);
    if (got < 0)
      return -1;
    if ((uint64_t)got != len || out[len - 1] != '\0' || strlen(out) == 0)
      return 0;
    return 1;
  }
  return 0;
}

int execpath_interp(int fd, unsigned char *buf, size_t bufsize, char *out, size_t size) {
  unsigned char head[BINPRM_BUF];
  int n;

  memset(head, 0, sizeof(head));
  n = pread_all(fd, head, sizeof(head), 0);
  if (n < 0)
    return -1;
  if (n >= 2 && head[0] == '#' && head[1] == '!')
    return script_interp(head, out, size) ? 1 : 0;
  if (n >= 16 && memcmp(head,
                        "\x7f"
                        "ELF",
                        4) == 0)
    return elf_interp(fd, head, n, buf, bufsize, out, size);
  return 0;
}

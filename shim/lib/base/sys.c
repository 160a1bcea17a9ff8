/* SPDX-License-Identifier: Apache-2.0 */
/* Files and directories: reading a whole file, atomic writes, mkdir -p,
 * rm -rf (include/stockade/sys.h). The pure helpers are in str.c. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/sys.h"

/* Read fd to its end, at most SK_MAX_FILE_SIZE; hint: its size if known.
 * At least a page at a time: /proc's files say size 0, and each read of
 * one is generated afresh (mountinfo read from 1 byte up took 12 reads). */
static int read_to_end(int fd, const char *path, size_t hint, char **out, size_t *len, struct sk_error **err) {
  cleanup_free char *buf = NULL;
  size_t cap = (hint < 4094 ? 4094 : hint) + 2, used = 0; /* room to see end-of-file without growing */

  buf = malloc(cap);
  if (buf == NULL)
    return sk_error_set(err, ENOMEM, "cannot read %s", path);
  for (;;) {
    ssize_t r;
    if (used + 1 >= cap) {
      char *nb;
      if (cap > SK_MAX_FILE_SIZE + 1)
        return sk_error_set(err, 0, "%s is larger than %u bytes", path, SK_MAX_FILE_SIZE);
      nb = realloc(buf, cap * 2);
      if (nb == NULL)
        return sk_error_set(err, ENOMEM, "cannot read %s", path);
      buf = nb;
      cap *= 2;
    }
    r = read(fd, buf + used, cap - used - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return sk_error_set(err, errno, "cannot read %s", path);
    if (r == 0)
      break;
    used += (size_t)r;
    if (used > SK_MAX_FILE_SIZE)
      return sk_error_set(err, 0, "%s is larger than %u bytes", path, SK_MAX_FILE_SIZE);
  }
  buf[used] = '\0';
  *out = steal_pointer(&buf);
  if (len)
    *len = used;
  return 0;
}

static const char *file_kind(mode_t m) {
  if (S_ISFIFO(m))
    return "a FIFO";
  if (S_ISDIR(m))
    return "a directory";
  if (S_ISCHR(m) || S_ISBLK(m))
    return "a device";
  if (S_ISSOCK(m))
    return "a socket";
  return "not a file";
}

static int read_opened(const char *path, bool streams, bool *regular, char **out, size_t *len, struct sk_error **err) {
  /* O_NONBLOCK: a FIFO put where a file belongs must not hang us in open
   * (nor a device in read); it is refused below, or, where a stream is
   * welcome, read blocking again. It changes nothing for a regular file. */
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  struct stat st;
  int fl;

  if (fd < 0)
    return sk_error_set(err, errno, "cannot open %s", path);
  if (fstat(fd, &st) < 0)
    return sk_error_set(err, errno, "cannot stat %s", path);
  if (regular)
    *regular = S_ISREG(st.st_mode);
  if (S_ISREG(st.st_mode)) {
    if ((uint64_t)st.st_size > SK_MAX_FILE_SIZE)
      return sk_error_set(err, 0, "%s is larger than %u bytes", path, SK_MAX_FILE_SIZE);
    return read_to_end(fd, path, (size_t)st.st_size, out, len, err);
  }
  if (streams && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
      return sk_error_set(err, errno, "cannot read %s", path);
    return read_to_end(fd, path, 4096, out, len, err);
  }
  if (streams)
    return sk_error_set(err, 0, "%s is %s, not a regular file, a pipe or a socket", path, file_kind(st.st_mode));
  return sk_error_set(err, 0, "%s is %s, not a regular file; replace it with the file itself", path,
                      file_kind(st.st_mode));
}

int read_file(const char *path, char **out, size_t *len, struct sk_error **err) {
  return read_opened(path, false, NULL, out, len, err);
}

int read_file_or_pipe(const char *path, bool *regular, char **out, size_t *len, struct sk_error **err) {
  return read_opened(path, true, regular, out, len, err);
}

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    data += w;
    len -= (size_t)w;
  }
  return 0;
}

static int write_file(const char *path, const char *data, size_t len, unsigned mode, bool durable,
                      struct sk_error **err) {
  cleanup_free char *tmp = NULL;
  cleanup_free char *dircopy = strdup(path);
  cleanup_close int fd = -1;
  cleanup_close int dfd = -1;
  int saved;

  if (dircopy == NULL || asprintf(&tmp, "%s.stockade-XXXXXX", path) < 0)
    return sk_error_set(err, ENOMEM, "cannot write %s", path);
  fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    return sk_error_set(err, errno, "cannot create a temporary file beside %s", path);
  if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0))
    goto fail;
  if (close(steal_fd(&fd)) < 0)
    goto fail;
  if (rename(tmp, path) < 0)
    goto fail;
  if (!durable)
    return 0;
  /* Make the rename itself durable. */
  dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    fsync(dfd);
  return 0;
fail:
  saved = errno;
  unlink(tmp);
  return sk_error_set(err, saved, "cannot write %s", path);
}

int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode, struct sk_error **err) {
  return write_file(path, data, len, mode, true, err);
}

int write_file_replace(const char *path, const char *data, size_t len, unsigned mode, struct sk_error **err) {
  return write_file(path, data, len, mode, false, err);
}

int mkdir_p(const char *path, unsigned mode, struct sk_error **err) {
  cleanup_free char *p = strdup(path);
  char *s;
  if (p == NULL)
    return sk_error_set(err, ENOMEM, "mkdir %s", path);
  for (s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST)
      return sk_error_set(err, errno, "cannot create directory %s", p);
    *s = '/';
  }
  if (mkdir(p, mode) < 0) {
    struct stat st;
    if (errno != EEXIST)
      return sk_error_set(err, errno, "cannot create directory %s", p);
    if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
      return sk_error_set(err, ENOTDIR, "cannot create directory %s", p);
  }
  return 0;
}

static int remove_at(int dfd, const char *name, struct sk_error **err) {
  cleanup_close int fd = -1;
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return sk_error_set(err, errno, "cannot remove %s", name);
  fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : sk_error_set(err, errno, "cannot open %s", name);
  d = fdopendir(fd);
  if (d == NULL)
    return sk_error_set(err, errno, "cannot read %s", name);
  fd = -1; /* owned by d now */
  while ((de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (remove_at(dirfd(d), de->d_name, err) < 0)
      return -1;
  }
  if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return sk_error_set(err, errno, "cannot remove %s", name);
  return 0;
}

int remove_tree(const char *path, struct sk_error **err) { return remove_at(AT_FDCWD, path, err); }

int stdio_hold(void) {
  int fd;
  for (fd = 0; fd <= 2; fd++) {
    int null;
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
      continue;
    /* The lowest free number: fd itself, since those below it are open. */
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
      return -1;
    if (null != fd) {
      int e;
      if (dup3(null, fd, O_CLOEXEC) < 0) {
        e = errno;
        close(null);
        errno = e;
        return -1;
      }
      close(null);
    }
  }
  return 0;
}

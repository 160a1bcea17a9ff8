/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/supervisor/mounts.c: mountinfo as the kernel writes
 * it (lines taken from a runc container and from a host), its escapes, the
 * where-classification, and the facts read from a descriptor: a memfd, a
 * file on a tmpfs the test mounts (root only), ctime before and after a
 * given start. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/mounts.h"
#include "stockade/str.h"
#include "stockade/sys.h"

/* cat /proc/self/mountinfo in a busybox container started with `runc run`
 * (runc spec, plus a tmpfs at "/data dir" and a bind of the host's /tmp at
 * /vol), on a host with hybrid cgroups; a selection, in the kernel's order
 * (the masked paths come last although their ids are lower). */
static const char runc_mountinfo[] =
    "65 43 254:0 /tmp/fanbundle/rootfs / ro,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
    "66 65 0:40 / /proc rw,relatime - proc proc rw\n"
    "67 65 0:41 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
    "68 67 0:42 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666\n"
    "69 67 0:43 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k\n"
    "70 67 0:39 / /dev/mqueue rw,nosuid,nodev,noexec,relatime - mqueue mqueue rw\n"
    "71 65 0:44 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
    "72 71 0:45 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755\n"
    "73 72 0:29 /fantest-6786 /sys/fs/cgroup/cpu ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu\n"
    "82 65 0:46 / /data\\040dir rw,relatime - tmpfs tmpfs rw\n"
    "83 65 254:0 /tmp /vol rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
    "44 66 0:40 /bus /proc/bus ro,relatime - proc proc rw\n"
    "48 66 0:47 / /proc/acpi ro,relatime - tmpfs tmpfs ro\n"
    "49 66 0:41 /null /proc/keys rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
    "51 71 0:48 / /sys/firmware ro,relatime - tmpfs tmpfs ro\n";

/* This machine's /proc/self/mountinfo (a selection), and an overlay mount
 * made on it; the last line has no newline. */
static const char host_mountinfo[] =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k,nr_inodes=3083615,mode=755\n"
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534\n"
    "28 27 0:25 / /mnt/sandboxing/model_tools_env/v1/python ro,nosuid,nodev,relatime - tmpfs model_tools_unavailable "
    "ro,size=4k,mode=755\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "44 27 0:39 / /tmp/ovl/m rw,relatime - overlay overlay "
    "rw,lowerdir=/tmp/ovl/l,upperdir=/tmp/ovl/u,workdir=/tmp/ovl/w,uuid=on";

static char tmpdir[] = "/tmp/stockade-test-mounts.XXXXXX";

/* As root, the tests run in a mount namespace of their own, so that the
 * tmpfs they mount is never seen by the host, even if a test dies. */
static int group_setup(void **state) {
  (void)state;
  if (geteuid() == 0 && (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0))
    return -1;
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
  cleanup_error struct sk_error *err = NULL;
  char mnt[sizeof(tmpdir) + 8];
  (void)state;
  snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
  (void)umount2(mnt, MNT_DETACH); /* left mounted by a failed test */
  return remove_tree(tmpdir, &err);
}

static void parse_ok(const char *text, struct mount_table *t) {
  cleanup_error struct sk_error *err = NULL;
  if (mounts_parse(text, t, &err) < 0)
    fail_msg("mounts_parse: %s", err->msg);
}

static const struct mount_entry *find_ok(const struct mount_table *t, int id) {
  const struct mount_entry *m = mounts_find(t, id);
  if (m == NULL)
    fail_msg("mount %d not found", id);
  return m;
}

static void expect_entry(const struct mount_table *t, int id, const char *mountpoint, const char *fstype, bool writable,
                         bool is_root) {
  const struct mount_entry *m = find_ok(t, id);
  assert_string_equal(m->mountpoint, mountpoint);
  assert_string_equal(m->fstype, fstype);
  if (m->writable != writable || m->is_root != is_root)
    fail_msg("mount %d %s: writable=%d is_root=%d, want %d %d", id, mountpoint, m->writable, m->is_root, writable,
             is_root);
}

static void test_parse_runc(void **state) {
  struct mount_table t = {NULL, 0};
  (void)state;

  parse_ok(runc_mountinfo, &t);
  assert_int_equal(t.n, 15);
  assert_int_equal(t.v[0].id, 65); /* kept in the kernel's order */
  assert_int_equal(t.v[14].id, 51);
  expect_entry(&t, 65, "/", "ext4", false, true);
  expect_entry(&t, 66, "/proc", "proc", true, false);
  expect_entry(&t, 67, "/dev", "tmpfs", true, false);
  expect_entry(&t, 68, "/dev/pts", "devpts", true, false);
  expect_entry(&t, 69, "/dev/shm", "tmpfs", true, false);
  expect_entry(&t, 70, "/dev/mqueue", "mqueue", true, false);
  expect_entry(&t, 71, "/sys", "sysfs", false, false);
  expect_entry(&t, 73, "/sys/fs/cgroup/cpu", "cgroup", false, false);
  expect_entry(&t, 82, "/data dir", "tmpfs", true, false);
  expect_entry(&t, 83, "/vol", "ext4", true, false);
  expect_entry(&t, 44, "/proc/bus", "proc", false, false);
  expect_entry(&t, 49, "/proc/keys", "tmpfs", true, false);
  assert_null(mounts_find(&t, 43)); /* the parent, outside the container */
  assert_null(mounts_find(&t, -1));
  assert_null(mounts_find(NULL, 65));
  mounts_free(&t);
  assert_null(t.v);
  assert_int_equal(t.n, 0);
  mounts_free(&t); /* twice is fine */
  mounts_free(NULL);
}

/* A file still open as the container ended reads relative to its mount,
 * which is then no longer attached: the mountpoint goes in front. */
static void test_container_path(void **state) {
  struct mount_table t = {NULL, 0};
  char out[64];
  (void)state;

  parse_ok(runc_mountinfo, &t);
  /* 69 is /dev/shm, 82 "/data dir", 65 the root */
  assert_int_equal(mounts_container_path(&t, 69, "/app.log", out, sizeof(out)), 0);
  assert_string_equal(out, "/dev/shm/app.log");
  assert_int_equal(mounts_container_path(&t, 82, "/sub/app.log", out, sizeof(out)), 0);
  assert_string_equal(out, "/data dir/sub/app.log");
  assert_int_equal(mounts_container_path(&t, 82, "/", out, sizeof(out)), 0);
  assert_string_equal(out, "/data dir");
  /* attached: already the container's path */
  assert_int_equal(mounts_container_path(&t, 69, "/dev/shm/app.log", out, sizeof(out)), 0);
  assert_string_equal(out, "/dev/shm/app.log");
  assert_int_equal(mounts_container_path(&t, 69, "/dev/shm", out, sizeof(out)), 0);
  assert_string_equal(out, "/dev/shm");
  /* a prefix of the name is not the mountpoint */
  assert_int_equal(mounts_container_path(&t, 69, "/dev/shmx", out, sizeof(out)), 0);
  assert_string_equal(out, "/dev/shm/dev/shmx");
  /* the root, an unknown mount, a path that is not absolute: kept */
  assert_int_equal(mounts_container_path(&t, 65, "/usr/bin/x", out, sizeof(out)), 0);
  assert_string_equal(out, "/usr/bin/x");
  assert_int_equal(mounts_container_path(&t, 4242, "/x", out, sizeof(out)), 0);
  assert_string_equal(out, "/x");
  assert_int_equal(mounts_container_path(&t, 69, "pipe:[1]", out, sizeof(out)), 0);
  assert_string_equal(out, "pipe:[1]");
  /* too long for out */
  assert_int_equal(mounts_container_path(&t, 69, "/abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij", out,
                                         sizeof(out)),
                   -1);
  mounts_free(&t);
}

static void test_parse_host(void **state) {
  struct mount_table t = {NULL, 0};
  (void)state;

  parse_ok(host_mountinfo, &t);
  assert_int_equal(t.n, 6);
  expect_entry(&t, 24, "/dev", "devtmpfs", true, false);
  expect_entry(&t, 27, "/", "ext4", true, true);
  expect_entry(&t, 28, "/mnt/sandboxing/model_tools_env/v1/python", "tmpfs", false, false);
  expect_entry(&t, 41, "/sys/fs/cgroup/unified", "cgroup2", true, false);
  expect_entry(&t, 44, "/tmp/ovl/m", "overlay", true, false);
  mounts_free(&t);
}

/* Optional fields (shared:N, master:N, propagate_from:N, unbindable) sit
 * between the options and "-"; containerd's rootfs has them. */
static void test_parse_optional_fields(void **state) {
  struct mount_table t = {NULL, 0};
  static const char text[] =
      "1501 1400 0:52 / / rw,relatime master:312 - overlay overlay "
      "rw,lowerdir=/var/lib/containerd/l/1/fs,upperdir=/var/lib/containerd/s/2/fs,workdir=/var/lib/containerd/s/2/"
      "work\n"
      "1502 1501 0:53 / /proc rw,nosuid,nodev,noexec,relatime shared:1 master:2 propagate_from:3 - proc proc rw\n"
      "1503 1501 0:54 / /x ro unbindable - tmpfs - ro\n";
  (void)state;

  parse_ok(text, &t);
  assert_int_equal(t.n, 3);
  expect_entry(&t, 1501, "/", "overlay", true, true);
  expect_entry(&t, 1502, "/proc", "proc", true, false);
  expect_entry(&t, 1503, "/x", "tmpfs", false, false);
  mounts_free(&t);
}

static void test_parse_escapes(void **state) {
  struct mount_table t = {NULL, 0};
  static const char text[] = "42 27 0:39 / /tmp/sp\\040ace ro,relatime - tmpfs tm\\134p\\040fs ro\n"
                             "43 27 0:40 / /a\\011tab\\012nl\\134bs rw - fuse.my\\040fs src rw\n"
                             "44 27 0:41 / /not\\escaped\\9 rw - tmpfs tmpfs rw\n";
  (void)state;

  parse_ok(text, &t);
  assert_int_equal(t.n, 3);
  expect_entry(&t, 42, "/tmp/sp ace", "tmpfs", false, false);
  expect_entry(&t, 43, "/a\ttab\nnl\\bs", "fuse.my fs", true, false);
  expect_entry(&t, 44, "/not\\escaped\\9", "tmpfs", true, false);
  mounts_free(&t);
}

static void expect_parse_error(const char *text, const char *want) {
  cleanup_error struct sk_error *err = NULL;
  struct mount_table t = {(struct mount_entry *)&t, 99}; /* untouched on failure */

  if (mounts_parse(text, &t, &err) == 0)
    fail_msg("mounts_parse accepted \"%s\"", text);
  assert_ptr_equal(t.v, &t);
  assert_int_equal(t.n, 99);
  if (strstr(err->msg, want) == NULL)
    fail_msg("got \"%s\", want \"%s\"", err->msg, want);
}

static void test_parse_errors(void **state) {
  struct mount_table t = {NULL, 0};
  (void)state;

  expect_parse_error("22 27 0:21 / /proc rw,relatime proc proc rw\n", "mountinfo line 1: expected");
  expect_parse_error("27 1 254:0 / / rw - ext4 /dev/vda rw\n\n22 27 0:21 / /proc\n", "mountinfo line 3: expected");
  expect_parse_error("x 1 254:0 / / rw - ext4 /dev/vda rw\n", "mountinfo line 1: mount id \"x\" is not a number");
  expect_parse_error("-1 1 254:0 / / rw - ext4 /dev/vda rw\n", "mount id \"-1\"");
  expect_parse_error("27 1 254:0 / rel rw - ext4 /dev/vda rw\n", "mount point \"rel\" is not absolute");
  expect_parse_error("27 1 254:0 / / rw -\n", "mountinfo line 1: expected");

  parse_ok("", &t);
  assert_int_equal(t.n, 0);
  parse_ok("\n\n", &t);
  assert_int_equal(t.n, 0);
  parse_ok(NULL, &t);
  assert_int_equal(t.n, 0);
}

static void test_load_self(void **state) {
  cleanup_error struct sk_error *err = NULL;
  struct mount_table t = {NULL, 0};
  size_t i, roots = 0;
  (void)state;

  if (mounts_load(getpid(), &t, &err) < 0)
    fail_msg("mounts_load: %s", err->msg);
  for (i = 0; i < t.n; i++)
    roots += t.v[i].is_root;
  assert_true(roots >= 1);
  mounts_free(&t);

  assert_int_equal(mounts_load(INT32_MAX, &t, &err), -1);
  assert_int_equal(err->code, ENOENT);
  assert_non_null(strstr(err->msg, "/proc/2147483647/mountinfo"));
}

struct where_case {
  const char *fstype;
  bool writable, is_root, written, memfd;
  enum exec_where want;
};

static void test_where(void **state) {
  static const struct where_case cases[] = {
      /* the root: image until written */
      {"overlay", false, true, false, false, WHERE_IMAGE},
      {"overlay", true, true, false, false, WHERE_IMAGE},
      {"overlay", true, true, true, false, WHERE_UPPER},
      {"ext4", false, true, true, false, WHERE_UPPER},
      /* a root that is itself a tmpfs is still the root */
      {"tmpfs", true, true, false, false, WHERE_IMAGE},
      {"tmpfs", true, true, true, false, WHERE_UPPER},
      /* tmpfs, rw or ro, written or not */
      {"tmpfs", true, false, false, false, WHERE_TMPFS},
      {"tmpfs", false, false, false, false, WHERE_TMPFS},
      {"tmpfs", true, false, true, false, WHERE_TMPFS},
      {"ramfs", true, false, false, false, WHERE_TMPFS},
      /* other writable mounts: volumes */
      {"ext4", true, false, false, false, WHERE_VOLUME},
      {"overlay", true, false, true, false, WHERE_VOLUME},
      {"nfs4", true, false, false, false, WHERE_VOLUME},
      {"fuse.sshfs", true, false, false, false, WHERE_VOLUME},
      /* read-only, not the root */
      {"ext4", false, false, false, false, WHERE_OTHER},
      {"squashfs", false, false, true, false, WHERE_OTHER},
      /* the kernel's views and devices, rw or not */
      {"devtmpfs", true, false, false, false, WHERE_OTHER},
      {"proc", true, false, false, false, WHERE_OTHER},
      {"sysfs", false, false, false, false, WHERE_OTHER},
      {"mqueue", true, false, true, false, WHERE_OTHER},
      {"devpts", true, false, false, false, WHERE_OTHER},
      {"cgroup2", true, false, false, false, WHERE_OTHER},
      /* memfd wins over everything */
      {"tmpfs", true, false, false, true, WHERE_MEMFD},
      {"overlay", true, true, false, true, WHERE_MEMFD},
  };
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct where_case *c = &cases[i];
    struct mount_entry m = {.id = 1, .mountpoint = c->is_root ? "/" : "/x", .fstype = (char *)c->fstype};
    enum exec_where got;
    m.writable = c->writable;
    m.is_root = c->is_root;
    got = mounts_where(&m, c->written, c->memfd);
    if (got != c->want)
      fail_msg("case %zu: %s writable=%d root=%d written=%d memfd=%d: got %s, want %s", i, c->fstype, c->writable,
               c->is_root, c->written, c->memfd, exec_where_name(got), exec_where_name(c->want));
  }
  assert_int_equal(mounts_where(NULL, false, false), WHERE_OTHER);
  assert_int_equal(mounts_where(NULL, true, true), WHERE_MEMFD);
  assert_true(mounts_pseudo_fs("proc"));
  assert_false(mounts_pseudo_fs("tmpfs"));
  assert_false(mounts_pseudo_fs("overlay"));
}

static struct timespec add_ns(struct timespec t, long long ns) {
  long long total = (long long)t.tv_sec * 1000000000LL + t.tv_nsec + ns;
  struct timespec r = {.tv_sec = (time_t)(total / 1000000000LL), .tv_nsec = (long)(total % 1000000000LL)};
  return r;
}

static struct timespec ctime_of(int fd) {
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  return st.st_ctim;
}

static void test_fact_memfd(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_close int fd = memfd_create("stockade-test", MFD_CLOEXEC);
  struct mount_table t = {NULL, 0};
  struct exec_fact f;
  struct timespec started;
  char path[PATH_MAX];
  (void)state;

  assert_true(fd >= 0);
  assert_int_equal(write(fd,
                         "\x7f"
                         "ELF",
                         4),
                   4);
  if (mounts_load(getpid(), &t, &err) < 0)
    fail_msg("%s", err->msg);
  started = add_ns(ctime_of(fd), -1000000000LL);
  memset(&f, 0, sizeof(f));
  f.sha256 = "stale";
  if (mounts_fact_from_fd(fd, &t, &started, &f, path, &err) < 0)
    fail_msg("mounts_fact_from_fd: %s", err->msg);
  assert_ptr_equal(f.path, path);
  assert_string_equal(path, "/memfd:stockade-test (deleted)");
  assert_int_equal(f.where, WHERE_MEMFD);
  assert_true(f.fileless);
  assert_true(f.written_after_start);
  assert_null(f.sha256);

  started = add_ns(ctime_of(fd), 5000000000LL);
  assert_int_equal(mounts_fact_from_fd(fd, &t, &started, &f, path, &err), 0);
  assert_int_equal(f.where, WHERE_MEMFD);
  assert_false(f.written_after_start);
  mounts_free(&t);

  /* a closed descriptor: an error, f untouched */
  memset(&f, 0, sizeof(f));
  assert_int_equal(mounts_fact_from_fd(999, &t, &started, &f, path, &err), -1);
  assert_int_equal(err->code, EBADF);
  assert_null(f.path);
}

/* Skip, saying why, unless root. */
static bool need_root(void) {
  if (geteuid() == 0)
    return true;
  print_message("skipped: mounting a tmpfs needs root\n");
  return false;
}

static void test_fact_tmpfs(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *mnt = NULL, *file = NULL, *rootfile = NULL;
  struct mount_table t = {NULL, 0};
  struct exec_fact f;
  struct timespec started, ct;
  char path[PATH_MAX];
  int fd, pfd;
  (void)state;

  if (!need_root()) {
    skip();
    return;
  }
  assert_true(asprintf(&mnt, "%s/mnt", tmpdir) > 0);
  assert_true(asprintf(&file, "%s/prog", mnt) > 0);
  assert_true(asprintf(&rootfile, "%s/on-root", tmpdir) > 0);
  assert_int_equal(mkdir(mnt, 0700), 0);
  if (mount("stockade-test", mnt, "tmpfs", 0, "size=1m") < 0)
    fail_msg("mount tmpfs on %s: %s", mnt, strerror(errno));

  fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0755);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
  if (mounts_load(getpid(), &t, &err) < 0)
    fail_msg("%s", err->msg);

  /* written after a start one second before it */
  ct = ctime_of(fd);
  started = add_ns(ct, -1000000000LL);
  if (mounts_fact_from_fd(fd, &t, &started, &f, path, &err) < 0)
    fail_msg("%s", err->msg);
  assert_string_equal(f.path, file);
  assert_int_equal(f.where, WHERE_TMPFS);
  assert_true(f.written_after_start);
  assert_false(f.fileless);
  /* ... at the very moment of the start: a ctime equal to the reference
   * is before it (written in the same tick, before the stamp) */
  started = ct;
  assert_int_equal(mounts_fact_from_fd(fd, &t, &started, &f, path, &err), 0);
  assert_false(f.written_after_start);
  /* ... and one nanosecond before it */
  started = add_ns(ct, -1);
  assert_int_equal(mounts_fact_from_fd(fd, &t, &started, &f, path, &err), 0);
  assert_true(f.written_after_start);
  /* the kernel's own stamp: a file written (and its ctime read, which makes
   * multigrain file systems stamp its next change from the fine clock)
   * before the stamp is never after it; one written once the clock has
   * settled past the stamp always is */
  {
    cleanup_close int fd2 = -1, clk = -1;
    cleanup_free char *file2 = NULL, *clock = NULL;
    assert_true(asprintf(&file2, "%s/prog2", mnt) > 0);
    assert_true(asprintf(&clock, "%s/clock", tmpdir) > 0);
    clk = open(clock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(clk >= 0);
    for (int i = 0; i < 100; i++) {
      fd2 = open(file2, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
      assert_true(fd2 >= 0);
      (void)ctime_of(fd2);
      assert_int_equal(write(fd2, "x", 1), 1);
      if (mounts_clock_stamp(clk, &started, &err) < 0)
        fail_msg("%s", err->msg);
      assert_int_equal(mounts_fact_from_fd(fd2, &t, &started, &f, path, &err), 0);
      assert_false(f.written_after_start);
      assert_true(mounts_clock_settle(&started, 100));
      assert_int_equal(write(fd2, "y", 1), 1);
      assert_int_equal(mounts_fact_from_fd(fd2, &t, &started, &f, path, &err), 0);
      assert_true(f.written_after_start);
      close(fd2);
      fd2 = -1;
      usleep(i % 5 * 300);
    }
  }
  /* there before a start two seconds later */
  started = add_ns(ct, 2000000000LL);
  assert_int_equal(mounts_fact_from_fd(fd, &t, &started, &f, path, &err), 0);
  assert_false(f.written_after_start);
  assert_int_equal(f.where, WHERE_TMPFS);

  /* an O_PATH descriptor tells the same */
  pfd = open(file, O_PATH | O_CLOEXEC);
  assert_true(pfd >= 0);
  assert_int_equal(mounts_fact_from_fd(pfd, &t, &started, &f, path, &err), 0);
  assert_string_equal(f.path, file);
  assert_int_equal(f.where, WHERE_TMPFS);
  close(pfd);

  /* a mount the table does not know: other */
  {
    struct mount_table empty = {NULL, 0};
    assert_int_equal(mounts_fact_from_fd(fd, &empty, &started, &f, path, &err), 0);
    assert_int_equal(f.where, WHERE_OTHER);
    assert_false(f.fileless);
  }

  /* unlinked while open: the path says so, and it is still on the tmpfs */
  assert_int_equal(unlink(file), 0);
  assert_int_equal(mounts_fact_from_fd(fd, &t, &started, &f, path, &err), 0);
  assert_true(str_has_suffix(f.path, " (deleted)"));
  assert_int_equal(f.where, WHERE_TMPFS);
  close(fd);
  mounts_free(&t);
  if (umount(mnt) < 0)
    fail_msg("umount %s: %s", mnt, strerror(errno));

  /* a file beside it, on whatever holds /tmp: in this mount namespace the
   * root (image or upper) unless /tmp is a mount of its own */
  fd = open(rootfile, O_RDWR | O_CREAT | O_CLOEXEC, 0755);
  assert_true(fd >= 0);
  if (mounts_load(getpid(), &t, &err) < 0)
    fail_msg("%s", err->msg);
  started = add_ns(ctime_of(fd), -1000000000LL);
  assert_int_equal(mounts_fact_from_fd(fd, &t, &started, &f, path, &err), 0);
  {
    struct statx stx;
    const struct mount_entry *m;
    assert_int_equal(statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx), 0);
    m = mounts_find(&t, (int)stx.stx_mnt_id);
    assert_non_null(m);
    assert_int_equal(f.where, mounts_where(m, true, false));
    if (m->is_root) {
      assert_int_equal(f.where, WHERE_UPPER);
      started = add_ns(ctime_of(fd), 2000000000LL);
      assert_int_equal(mounts_fact_from_fd(fd, &t, &started, &f, path, &err), 0);
      assert_int_equal(f.where, WHERE_IMAGE);
    }
  }
  close(fd);
  mounts_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_runc),     cmocka_unit_test(test_parse_host),
      cmocka_unit_test(test_container_path), cmocka_unit_test(test_parse_optional_fields),
      cmocka_unit_test(test_parse_escapes),  cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_load_self),      cmocka_unit_test(test_where),
      cmocka_unit_test(test_fact_memfd),     cmocka_unit_test(test_fact_tmpfs),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

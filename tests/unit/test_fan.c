/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/supervisor/fan.c, against the real kernel (root
 * only): a "box" process in a mount namespace of its own pivots into a
 * tmpfs root (as runc does into a container's root) that holds a static
 * busybox, with a tmpfs at /data and proc at /proc. The test marks the
 * box's mounts through /proc/<box>/root, has the box's children exec
 * files, and answers with fan_handle: a denied exec really fails with
 * EPERM, an allowed one really runs, and every denial reaches sup_event
 * (stubbed here; the real one is in sup.c). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/fan.h"
#include "stockade/mounts.h"
#include "stockade/profile.h"
#include "stockade/supervisor.h"
#include "stockade/str.h"
#include "stockade/sys.h"

/* --- stand-ins for the supervisor's sup_act and sup_event (weak: the
 * real ones in sup.c are not linked into this test) --- */

struct call {
  char type[32], technique[16], mechanism[16], action[32], path[PATH_MAX], sha256[65], reason[DECISION_REASON_MAX];
  enum exec_where where;
  bool written_after_start;
  pid_t pid;
};
static struct call calls[16];
static int n_calls, n_acts;

__attribute__((weak)) const char *sup_act(struct sup_ctx *ctx, const struct decision *d, pid_t pid) {
  (void)pid;
  n_acts++;
  return ctx->mode == SK_MODE_ENFORCE && d->kind == DECIDE_DENY ? "deny" : "allow";
}

__attribute__((weak)) void sup_event(struct sup_ctx *ctx, const struct decision *d, const char *mechanism, pid_t pid,
                                     const struct exec_fact *f, const struct json *argv, const char *action_taken) {
  struct call *c;
  (void)ctx;
  (void)argv;
  if (n_calls >= (int)(sizeof(calls) / sizeof(calls[0])))
    return;
  c = &calls[n_calls++];
  memset(c, 0, sizeof(*c));
  snprintf(c->type, sizeof(c->type), "%s", d->type);
  snprintf(c->technique, sizeof(c->technique), "%s", d->technique ? d->technique : "");
  snprintf(c->reason, sizeof(c->reason), "%s", d->reason ? d->reason : "");
  snprintf(c->mechanism, sizeof(c->mechanism), "%s", mechanism);
  snprintf(c->action, sizeof(c->action), "%s", action_taken ? action_taken : "");
  if (f) {
    snprintf(c->path, sizeof(c->path), "%s", f->path ? f->path : "");
    snprintf(c->sha256, sizeof(c->sha256), "%s", f->sha256 ? f->sha256 : "");
    c->where = f->where;
    c->written_after_start = f->written_after_start;
  }
  c->pid = pid;
}

/* --- the box --- */

static char tmpdir[] = "/tmp/stockade-test-fan.XXXXXX";
static char mnt[sizeof(tmpdir) + 8];
static const char *busybox;

enum { OP_COPY = 'c', OP_EXEC = 'x', OP_MOUNT = 'm' };
struct cmd {
  char op;
  char a[128], b[128];
};
struct reply {
  int err;       /* errno of the operation, or of execve */
  int pid;       /* the child that exec'd */
  int exit_code; /* its exit status: 0 for busybox true */
};

struct box {
  pid_t pid;
  int cmd, res;
};

static void die_child(int code) { _exit(code); }

static int copy_file(const char *from, const char *to) {
  char buf[65536];
  cleanup_close int in = open(from, O_RDONLY | O_CLOEXEC);
  cleanup_close int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  ssize_t n;
  if (in < 0 || out < 0)
    return errno;
  while ((n = read(in, buf, sizeof(buf))) > 0)
    if (write(out, buf, (size_t)n) != n)
      return errno ? errno : EIO;
  return n < 0 ? errno : 0;
}

/* A script of the root, mode 0755. */
static int write_script(const char *dir, const char *name, const char *text) {
  char path[PATH_MAX];
  cleanup_close int fd = -1;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
    return -1;
  return 0;
}

/* Send a reply; the box has nothing to do if the test is gone. */
static void box_reply(int res, const struct reply *r) {
  if (write(res, r, sizeof(*r)) != (ssize_t)sizeof(*r))
    die_child(3);
}

/* The box: runs in the child, never returns. */
static void box_main(int cmd, int res) {
  struct reply r = {0};
  struct cmd c;
  char path[PATH_MAX];

  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die_child(10);
  if (mount("stockade-root", mnt, "tmpfs", 0, "size=16m,mode=755") < 0)
    die_child(11);
  snprintf(path, sizeof(path), "%s/old", mnt);
  if (copy_file(busybox, path) != 0)
    die_child(12);
  /* scripts whose "#!" names busybox as true (by a link), a descriptor
   * link, a file on the /data tmpfs */
  snprintf(path, sizeof(path), "%s/true", mnt);
  if (symlink("old", path) < 0 || write_script(mnt, "okscript", "#!/true\n") < 0 ||
      write_script(mnt, "fdscript", "#!/proc/self/fd/3\n") < 0 || write_script(mnt, "datascript", "#!/data/tool\n") < 0)
    die_child(18);
  snprintf(path, sizeof(path), "%s/data", mnt);
  if (mkdir(path, 0755) < 0 || mount("stockade-data", path, "tmpfs", 0, "size=16m") < 0)
    die_child(13);
  snprintf(path, sizeof(path), "%s/data/tool", mnt);
  if (copy_file(busybox, path) != 0)
    die_child(14);
  snprintf(path, sizeof(path), "%s/proc", mnt);
  if (mkdir(path, 0755) < 0)
    die_child(15);
  snprintf(path, sizeof(path), "%s/oldroot", mnt);
  if (mkdir(path, 0755) < 0 || chdir(mnt) < 0 || syscall(SYS_pivot_root, ".", "oldroot") < 0 || chdir("/") < 0 ||
      umount2("/oldroot", MNT_DETACH) < 0 || rmdir("/oldroot") < 0)
    die_child(16);
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV, NULL) < 0)
    die_child(17);
  box_reply(res, &r); /* ready */

  while (read(cmd, &c, sizeof(c)) == (ssize_t)sizeof(c)) {
    memset(&r, 0, sizeof(r));
    c.a[sizeof(c.a) - 1] = c.b[sizeof(c.b) - 1] = '\0';
    if (c.op == OP_COPY) {
      r.err = copy_file(c.a, c.b);
    } else if (c.op == OP_MOUNT) { /* a tmpfs at a, with a copy of /old as b */
      if ((mkdir(c.a, 0755) < 0 && errno != EEXIST) || mount("stockade-late", c.a, "tmpfs", 0, "size=16m") < 0)
        r.err = errno;
      else
        r.err = copy_file("/old", c.b);
    } else if (c.op == OP_EXEC) {
      pid_t pid = fork();
      int status;
      if (pid == 0) {
        char *argv[] = {"true", NULL}, *envp[] = {NULL};
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execve(c.a, argv, envp);
        _exit(100 + errno);
      }
      r.pid = pid;
      if (pid < 0 || waitpid(pid, &status, 0) != pid)
        r.err = errno;
      else if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
        r.err = WEXITSTATUS(status) - 100;
      else
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else {
      r.err = EINVAL;
    }
    box_reply(res, &r);
  }
  _exit(0);
}

static void box_start(struct box *b) {
  int cmd[2], res[2];
  struct reply r;

  assert_int_equal(pipe2(cmd, O_CLOEXEC), 0);
  assert_int_equal(pipe2(res, O_CLOEXEC), 0);
  b->pid = fork();
  assert_true(b->pid >= 0);
  if (b->pid == 0) {
    close(cmd[1]);
    close(res[0]);
    box_main(cmd[0], res[1]);
  }
  close(cmd[0]);
  close(res[1]);
  b->cmd = cmd[1];
  b->res = res[0];
  if (read(b->res, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
    int status = 0;
    waitpid(b->pid, &status, 0);
    fail_msg("the box did not start (exit status %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
}

static void box_stop(struct box *b) {
  int status;
  if (b->pid <= 0)
    return;
  close(b->cmd);
  close(b->res);
  kill(b->pid, SIGKILL);
  waitpid(b->pid, &status, 0);
  b->pid = 0;
}

/* Send a command; answer fanotify events until the box replies. */
static struct reply box_do(struct box *b, struct fan *f, struct sup_ctx *ctx, char op, const char *a, const char *bb) {
  struct cmd c;
  struct reply r;
  struct timespec t0, now;

  memset(&c, 0, sizeof(c));
  c.op = op;
  snprintf(c.a, sizeof(c.a), "%s", a);
  snprintf(c.b, sizeof(c.b), "%s", bb ? bb : "");
  assert_int_equal(write(b->cmd, &c, sizeof(c)), sizeof(c));
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct pollfd p[2] = {{.fd = b->res, .events = POLLIN}, {.fd = f ? fan_fd(f) : -1, .events = POLLIN}};
    int n = poll(p, 2, 1000);
    assert_true(n >= 0 || errno == EINTR);
    if (n > 0 && (p[1].revents & POLLIN)) {
      cleanup_error struct sk_error *err = NULL;
      if (fan_handle(f, ctx, &err) < 0)
        fail_msg("fan_handle: %s", err->msg);
      continue;
    }
    if (n > 0 && (p[0].revents & (POLLIN | POLLHUP))) {
      assert_int_equal(read(b->res, &r, sizeof(r)), sizeof(r));
      return r;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - t0.tv_sec > 20)
      fail_msg("the box did not answer %c %s within 20 s", op, a);
  }
}

/* --- fixtures --- */

struct fixture {
  struct box box;
  struct fan *fan;
  struct profile *profile;
  struct sup_ctx ctx;
  char busybox_sha[65];
};

static bool can_run(void) {
  if (geteuid() != 0) {
    print_message("skipped: fanotify permission events and mounts need root\n");
    return false;
  }
  if (busybox == NULL) {
    print_message("skipped: no static busybox (set SK_BUSYBOX or install busybox-static)\n");
    return false;
  }
  return true;
}

static int group_setup(void **state) {
  const char *cands[] = {getenv("SK_BUSYBOX"), "/bin/busybox", "/usr/bin/busybox"};
  (void)state;
  for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]) && busybox == NULL; i++)
    if (cands[i] && access(cands[i], X_OK) == 0)
      busybox = cands[i];
  if (mkdtemp(tmpdir) == NULL)
    return -1;
  snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
  return mkdir(mnt, 0755);
}

static int group_teardown(void **state) {
  cleanup_error struct sk_error *err = NULL;
  (void)state;
  return remove_tree(tmpdir, &err);
}

static struct fixture *fixture_new(const char *profile_json, enum sk_mode mode) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *bytes = NULL;
  struct fixture *fx = calloc(1, sizeof(*fx));
  size_t len;

  assert_non_null(fx);
  if (read_file(busybox, &bytes, &len, &err) < 0)
    fail_msg("%s", err->msg);
  sha256_hex(bytes, len, fx->busybox_sha);
  if (profile_json) {
    /* "@SHA@" in the profile stands for busybox's SHA-256 */
    char text[1024];
    const char *at = strstr(profile_json, "@SHA@");
    if (at)
      snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - profile_json), profile_json, fx->busybox_sha, at + 5);
    else
      snprintf(text, sizeof(text), "%s", profile_json);
    if (profile_parse("t.json", text, strlen(text), &fx->profile, &err) < 0)
      fail_msg("profile: %s", err->msg);
  }
  if (fan_open(&fx->fan, &err) < 0)
    fail_msg("fan_open: %s", err->msg);
  box_start(&fx->box);
  fx->ctx.profile = fx->profile;
  fx->ctx.mode = mode;
  fx->ctx.id = "test";
  /* Supervision begins after the box's files were written: the reference
   * is a ctime the kernel stamps, as the supervisor's (mounts.h), and the
   * clock passes it before anything is written after it. */
  {
    cleanup_free char *clock = NULL;
    cleanup_close int cfd = -1;
    assert_true(asprintf(&clock, "%s/clock", tmpdir) > 0);
    cfd = open(clock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(cfd >= 0);
    if (mounts_clock_stamp(cfd, &fx->ctx.started, &err) < 0)
      fail_msg("%s", err->msg);
    assert_true(mounts_clock_settle(&fx->ctx.started, 100));
  }
  n_calls = n_acts = 0;
  return fx;
}

static void fixture_free(struct fixture *fx) {
  box_stop(&fx->box);
  fan_close(fx->fan);
  profile_free(fx->profile);
  free(fx);
}

/* The mount ids our fanotify group has marks on, as the kernel lists them
 * in the fd's fdinfo ("fanotify mnt_id:<hex> mflags:..."). */
static size_t kernel_marks(struct fan *f, int *ids, size_t max) {
  char path[64], line[256];
  cleanup_fclose FILE *in = NULL;
  size_t n = 0;
  unsigned id;

  snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fan_fd(f));
  in = fopen(path, "re");
  assert_non_null(in);
  while (fgets(line, sizeof(line), in))
    if (sscanf(line, "fanotify mnt_id:%x", &id) == 1 && n < max)
      ids[n++] = (int)id;
  return n;
}

static bool has_id(const int *ids, size_t n, int id) {
  for (size_t i = 0; i < n; i++)
    if (ids[i] == id)
      return true;
  return false;
}

static void mark(struct fixture *fx) {
  cleanup_error struct sk_error *err = NULL;
  if (fan_mark_container(fx->fan, fx->box.pid, &err) < 0)
    fail_msg("fan_mark_container: %s", err->msg);
}

static void expect_ran(const struct reply *r, const char *what) {
  if (r->err != 0 || r->exit_code != 0)
    fail_msg("%s: expected it to run, got errno %d (%s), exit %d", what, r->err, strerror(r->err), r->exit_code);
}

static void expect_denied(const struct reply *r, const char *what) {
  if (r->err != EPERM)
    fail_msg("%s: expected EPERM, got errno %d (%s), exit %d", what, r->err, strerror(r->err), r->exit_code);
}

static void expect_call(int i, const char *type, const char *path, enum exec_where where, const char *action,
                        pid_t pid) {
  const struct call *c;
  if (i >= n_calls)
    fail_msg("sup_event call %d expected (%s %s), only %d made", i, type, path, n_calls);
  c = &calls[i];
  assert_string_equal(c->type, type);
  assert_string_equal(c->mechanism, "fanotify");
  assert_string_equal(c->path, path);
  if (c->where != where)
    fail_msg("call %d: where %s, want %s", i, exec_where_name(c->where), exec_where_name(where));
  assert_string_equal(c->action, action);
  assert_int_equal(c->pid, pid);
}

/* --- tests --- */

static void test_open(void **state) {
  cleanup_error struct sk_error *err = NULL;
  struct fan *f = NULL;
  struct fan_stats st;
  struct sup_ctx ctx;
  int fl;
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  if (fan_open(&f, &err) < 0)
    fail_msg("fan_open: %s", err->msg);
  fl = fcntl(fan_fd(f), F_GETFD);
  assert_true(fl >= 0 && (fl & FD_CLOEXEC));
  fl = fcntl(fan_fd(f), F_GETFL);
  assert_true(fl >= 0 && (fl & O_NONBLOCK));
  assert_int_equal(fan_mounts(f)->n, 0);
  /* nothing pending: returns at once */
  memset(&ctx, 0, sizeof(ctx));
  assert_int_equal(fan_handle(f, &ctx, &err), 0);
  fan_stats(f, &st);
  assert_int_equal(st.events, 0);
  /* a process that does not exist */
  assert_int_equal(fan_mark_container(f, INT32_MAX, &err), -1);
  assert_non_null(strstr(err->msg, "2147483647"));
  fan_close(f);
  fan_close(NULL);
  assert_int_equal(fan_fd(NULL), -1);
}

static void test_hash_fd(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *bytes = NULL, *path = NULL;
  cleanup_close int fd = -1;
  struct fan *f = NULL;
  struct fan_stats st;
  char want[65], got[65], again[65];
  size_t len;
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  if (fan_open(&f, &err) < 0)
    fail_msg("fan_open: %s", err->msg);
  /* a file larger than one read, so that the reads add up */
  assert_true(asprintf(&path, "%s/hashme", tmpdir) > 0);
  assert_int_equal(copy_file(busybox, path), 0);
  if (read_file(path, &bytes, &len, &err) < 0)
    fail_msg("%s", err->msg);
  sha256_hex(bytes, len, want);
  fd = open(path, O_RDWR | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(lseek(fd, 17, SEEK_SET), 17);

  assert_int_equal(fan_hash_fd(f, fd, got, &err), 0);
  assert_string_equal(got, want);
  assert_int_equal(lseek(fd, 0, SEEK_CUR), 17); /* pread: the offset is the file's owner's */
  fan_stats(f, &st);
  assert_int_equal(st.hash_misses, 1);
  assert_int_equal(st.hash_hits, 0);
  assert_true(st.hash_reads >= len / (64 * 1024));

  /* the same file again: from the cache, nothing read */
  assert_int_equal(fan_hash_fd(f, fd, again, &err), 0);
  assert_string_equal(again, want);
  {
    struct fan_stats st2;
    fan_stats(f, &st2);
    assert_int_equal(st2.hash_hits, 1);
    assert_int_equal(st2.hash_misses, 1);
    assert_int_equal(st2.hash_reads, st.hash_reads);
  }

  /* changed: ctime and size move, so it is read again */
  assert_int_equal(pwrite(fd, "x", 1, (off_t)len), 1);
  assert_int_equal(fan_hash_fd(f, fd, got, &err), 0);
  assert_string_not_equal(got, want);
  {
    char *more = malloc(len + 1);
    assert_non_null(more);
    memcpy(more, bytes, len);
    more[len] = 'x';
    sha256_hex(more, len + 1, want);
    free(more);
  }
  assert_string_equal(got, want);
  fan_stats(f, &st);
  assert_int_equal(st.hash_misses, 2);

  /* without a struct fan: no cache, same answer */
  assert_int_equal(fan_hash_fd(NULL, fd, again, &err), 0);
  assert_string_equal(again, want);

  /* the empty file */
  assert_int_equal(ftruncate(fd, 0), 0);
  assert_int_equal(fan_hash_fd(f, fd, got, &err), 0);
  assert_string_equal(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  /* a descriptor that cannot be read (of a file just changed: not cached) */
  {
    cleanup_close int wo = open(path, O_WRONLY | O_CLOEXEC);
    assert_true(wo >= 0);
    assert_int_equal(write(wo, "y", 1), 1);
    assert_int_equal(fan_hash_fd(f, wo, got, &err), -1);
    assert_int_equal(err->code, EBADF);
  }
  fan_close(f);
}

/* Enforce mode, default profile: what came with the root runs; what was
 * written after start, or lives on a tmpfs, does not. */
static void test_enforce_drift(void **state) {
  struct fixture *fx;
  struct fan_stats st;
  struct reply r;
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\"}", SK_MODE_ENFORCE);
  mark(fx);
  fan_stats(fx->fan, &st);
  assert_int_equal(st.marks, 2);         /* / and /data */
  assert_int_equal(st.marks_skipped, 1); /* /proc */
  {
    const struct mount_table *t = fan_mounts(fx->fan);
    int ids[16];
    size_t n = kernel_marks(fx->fan, ids, 16), i;
    assert_int_equal(t->n, 3);
    assert_int_equal(n, 2);
    for (i = 0; i < t->n; i++) {
      bool want = strcmp(t->v[i].fstype, "proc") != 0;
      if (has_id(ids, n, t->v[i].id) != want)
        fail_msg("mount %d %s (%s): marked %d, want %d", t->v[i].id, t->v[i].mountpoint, t->v[i].fstype, !want, want);
    }
  }

  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/old", NULL);
  expect_ran(&r, "/old (in the root since before start)");
  assert_int_equal(n_calls, 0); /* an allowed exec is not an event */

  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_COPY, "/old", "/new");
  assert_int_equal(r.err, 0);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/new", NULL);
  expect_denied(&r, "/new (written after start)");
  assert_int_equal(n_calls, 1);
  expect_call(0, "drift", "/new", WHERE_UPPER, "deny", r.pid);
  assert_string_equal(calls[0].technique, "T1105");
  assert_true(calls[0].written_after_start);
  assert_non_null(strstr(calls[0].reason, "/new was written after the container started (upper)"));

  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/data/tool", NULL);
  expect_denied(&r, "/data/tool (on a tmpfs)");
  expect_call(1, "drift", "/data/tool", WHERE_TMPFS, "deny", r.pid);
  assert_false(calls[1].written_after_start);
  assert_int_equal(n_acts, 2);

  /* the old one still runs: the denials changed nothing for it */
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/old", NULL);
  expect_ran(&r, "/old again");
  fan_stats(fx->fan, &st);
  assert_int_equal(st.events, 4);
  assert_int_equal(st.denied, 2);
  assert_int_equal(st.errors, 0);
  assert_int_equal(st.hash_misses, 0); /* nothing needed a hash */

  /* marking again adds nothing: the kernel still has the same two marks */
  mark(fx);
  {
    int ids[16];
    assert_int_equal(kernel_marks(fx->fan, ids, 16), 2);
  }
  assert_int_equal(fan_mounts(fx->fan)->n, 3);
  fixture_free(fx);
}

/* A script's "#!" interpreter is judged with the script, for the thread
 * that executes it: through a link to an image file it runs; a descriptor
 * link or a file on a tmpfs denies the script, with one event that names
 * the interpreter. */
static void test_interpreters(void **state) {
  struct fixture *fx;
  struct reply r;
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\"}", SK_MODE_ENFORCE);
  fx->ctx.fan = fx->fan;
  mark(fx);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/okscript", NULL);
  expect_ran(&r, "/okscript (#!/true, a link to busybox in the root)");
  assert_int_equal(n_calls, 0);

  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/fdscript", NULL);
  expect_denied(&r, "/fdscript (#!/proc/self/fd/3)");
  assert_int_equal(n_calls, 1);
  expect_call(0, "fileless", "/fdscript", WHERE_IMAGE, "deny", r.pid);
  assert_non_null(strstr(calls[0].reason, "needs interpreter /proc/self/fd/3"));

  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/datascript", NULL);
  expect_denied(&r, "/datascript (#!/data/tool, on a tmpfs)");
  assert_int_equal(n_calls, 2);
  expect_call(1, "drift", "/datascript", WHERE_IMAGE, "deny", r.pid);
  assert_non_null(strstr(calls[1].reason, "needs interpreter /data/tool"));
  fixture_free(fx);
}

/* A mount made after the first marking is marked by the next call; a
 * mount covered by a later one at the same place is left alone. */
static void test_new_mounts(void **state) {
  struct fixture *fx;
  struct fan_stats st;
  struct reply r;
  int ids[16];
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\"}", SK_MODE_ENFORCE);
  /* a tmpfs over /data before anything is marked: the old /data is covered */
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_MOUNT, "/data", "/data/tool2");
  assert_int_equal(r.err, 0);
  mark(fx);
  fan_stats(fx->fan, &st);
  assert_int_equal(st.marks, 2);         /* / and the new /data */
  assert_int_equal(st.marks_skipped, 2); /* /proc and the covered /data */
  assert_int_equal(kernel_marks(fx->fan, ids, 16), 2);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/data/tool2", NULL);
  expect_denied(&r, "/data/tool2 on the covering tmpfs");
  expect_call(0, "drift", "/data/tool2", WHERE_TMPFS, "deny", r.pid);

  /* a mount made now is not watched until marked */
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_MOUNT, "/late", "/late/tool");
  assert_int_equal(r.err, 0);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/late/tool", NULL);
  expect_ran(&r, "/late/tool before marking");
  assert_int_equal(n_calls, 1);
  mark(fx);
  assert_int_equal(kernel_marks(fx->fan, ids, 16), 3);
  assert_int_equal(fan_mounts(fx->fan)->n, 5);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/late/tool", NULL);
  expect_denied(&r, "/late/tool after marking");
  expect_call(1, "drift", "/late/tool", WHERE_TMPFS, "deny", r.pid);
  fixture_free(fx);
}

/* fan_mark_container_at (stockade-hook, before pivot_root): only the
 * mounts at or below the given root are marked, and the table sees that
 * root as "/": here the box's /data plays the container's root. */
static void test_mark_at(void **state) {
  cleanup_error struct sk_error *err = NULL;
  struct fixture *fx;
  struct fan_stats st;
  struct reply r;
  const struct mount_table *t;
  int ids[16];
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\"}", SK_MODE_ENFORCE);
  assert_int_equal(fan_mark_container_at(fx->fan, fx->box.pid, "/nonexistent", &err), -1);
  assert_int_equal(err->code, ENOENT);
  assert_non_null(strstr(err->msg, "no mount at or below /nonexistent"));
  assert_int_equal(kernel_marks(fx->fan, ids, 16), 0);
  sk_error_free(&err);

  if (fan_mark_container_at(fx->fan, fx->box.pid, "/data", &err) < 0)
    fail_msg("fan_mark_container_at: %s", err->msg);
  fan_stats(fx->fan, &st);
  assert_int_equal(st.marks, 1);
  assert_int_equal(kernel_marks(fx->fan, ids, 16), 1);
  t = fan_mounts(fx->fan);
  assert_int_equal(t->n, 1);
  assert_string_equal(t->v[0].mountpoint, "/");
  assert_true(t->v[0].is_root);
  assert_string_equal(t->v[0].fstype, "tmpfs");

  /* the box's own root is not below /data: not marked, nothing asked */
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/old", NULL);
  expect_ran(&r, "/old (outside the given root)");
  fan_stats(fx->fan, &st);
  assert_int_equal(st.events, 0);
  /* /data is the root: what it held before start is the image and runs */
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/data/tool", NULL);
  expect_ran(&r, "/data/tool (the root's own file)");
  fan_stats(fx->fan, &st);
  assert_int_equal(st.events, 1);
  assert_int_equal(n_calls, 0);
  /* written there after start: drift on the root (upper), not tmpfs */
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_COPY, "/old", "/data/new");
  assert_int_equal(r.err, 0);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/data/new", NULL);
  expect_denied(&r, "/data/new (written after start)");
  expect_call(0, "drift", "/data/new", WHERE_UPPER, "deny", r.pid);
  fixture_free(fx);
}

/* Without marks nothing is asked: the test's denials above are fanotify's. */
static void test_unmarked(void **state) {
  struct fixture *fx;
  struct reply r;
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\"}", SK_MODE_ENFORCE);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_COPY, "/old", "/new");
  assert_int_equal(r.err, 0);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/new", NULL);
  expect_ran(&r, "/new, no marks");
  assert_int_equal(n_calls, 0);
  fixture_free(fx);
}

static void test_complain(void **state) {
  struct fixture *fx;
  struct fan_stats st;
  struct reply r;
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\"}", SK_MODE_COMPLAIN);
  mark(fx);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_COPY, "/old", "/new");
  assert_int_equal(r.err, 0);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/new", NULL);
  expect_ran(&r, "/new in complain mode");
  expect_call(0, "drift", "/new", WHERE_UPPER, "allow", r.pid);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/data/tool", NULL);
  expect_ran(&r, "/data/tool in complain mode");
  expect_call(1, "drift", "/data/tool", WHERE_TMPFS, "allow", r.pid);
  fan_stats(fx->fan, &st);
  assert_int_equal(st.denied, 0);
  fixture_free(fx);
}

static void test_allow_writable(void **state) {
  struct fixture *fx;
  struct reply r;
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\", \"exec\": {\"allowWritable\": [\"/data/*\"]}}", SK_MODE_ENFORCE);
  mark(fx);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/data/tool", NULL);
  expect_ran(&r, "/data/tool under allowWritable");
  assert_int_equal(n_calls, 0);
  fixture_free(fx);
}

/* A block-listed hash: read once through the event's fd, then cached. */
static void test_blocklist_cache(void **state) {
  struct fixture *fx;
  struct fan_stats st;
  struct reply r;
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\", \"blockHashes\": [\"@SHA@\"]}", SK_MODE_ENFORCE);
  mark(fx);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/old", NULL);
  expect_denied(&r, "/old (block-listed)");
  expect_call(0, "blocked-hash", "/old", WHERE_IMAGE, "deny", r.pid);
  assert_string_equal(calls[0].sha256, fx->busybox_sha);
  assert_string_equal(calls[0].technique, "T1204.003");
  fan_stats(fx->fan, &st);
  assert_int_equal(st.hash_misses, 1);
  assert_int_equal(st.hash_hits, 0);
  assert_true(st.hash_reads > 0);

  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/old", NULL);
  expect_denied(&r, "/old again");
  {
    struct fan_stats st2;
    fan_stats(fx->fan, &st2);
    assert_int_equal(st2.hash_hits, 1);
    assert_int_equal(st2.hash_misses, 1);
    assert_int_equal(st2.hash_reads, st.hash_reads);
  }
  /* a copy is another inode: read again, same hash, blocked */
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/data/tool", NULL);
  expect_denied(&r, "/data/tool (block-listed)");
  expect_call(2, "blocked-hash", "/data/tool", WHERE_TMPFS, "deny", r.pid);
  fan_stats(fx->fan, &st);
  assert_int_equal(st.hash_misses, 2);
  fixture_free(fx);
}

/* Hashing is bounded: a file over the size bound is not read at all (a
 * sparse 1 TiB file), one that takes too long is given up and remembered,
 * and a readable interrupt fd stops it. */
static void test_hash_bounds(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *path = NULL, *big = NULL;
  cleanup_close int fd = -1, bfd = -1;
  struct fan *f = NULL;
  struct fan_stats st, st2;
  char got[65], why[160];
  int p[2];
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  if (fan_open(&f, &err) < 0)
    fail_msg("fan_open: %s", err->msg);
  assert_true(asprintf(&big, "%s/sparse-1t", tmpdir) > 0);
  bfd = open(big, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  assert_true(bfd >= 0);
  if (ftruncate(bfd, 1LL << 40) < 0) {
    fan_close(f);
    skip(); /* a file system without sparse files of that size */
    return;
  }
  /* the default bounds: 1 TiB is over 256 MiB, and nothing is read */
  fan_stats(f, &st);
  assert_int_equal(fan_hash_fd_bounded(f, bfd, got, why, sizeof(why), &err), 1);
  assert_string_equal(why, "size 1099511627776 over 268435456");
  fan_stats(f, &st2);
  assert_int_equal(st2.hash_reads, st.hash_reads);
  assert_int_equal(fan_hash_fd_bounded(NULL, bfd, got, why, sizeof(why), &err), 1);
  /* fan_hash_fd, for callers that need the hash: an error */
  assert_int_equal(fan_hash_fd(f, bfd, got, &err), -1);
  assert_int_equal(err->code, EFBIG);
  assert_non_null(strstr(err->msg, "not hashed: size 1099511627776 over 268435456"));
  sk_error_free(&err);

  /* the time bound: 256 MiB of holes take longer than 1 ms to read */
  assert_int_equal(ftruncate(bfd, 256LL << 20), 0);
  fan_set_hash_limits(f, 1ULL << 30, 1);
  assert_int_equal(fan_hash_fd_bounded(f, bfd, got, why, sizeof(why), &err), 1);
  assert_non_null(strstr(why, "reading it took over 1 ms"));
  /* remembered while the file is unchanged: not read again */
  fan_stats(f, &st);
  assert_int_equal(fan_hash_fd_bounded(f, bfd, got, why, sizeof(why), &err), 1);
  assert_non_null(strstr(why, "an earlier exec of the same file"));
  fan_stats(f, &st2);
  assert_int_equal(st2.hash_reads, st.hash_reads);

  /* an interrupt fd with something to read stops it */
  fan_set_hash_limits(f, 1ULL << 30, 60000);
  assert_true(asprintf(&path, "%s/four-mib", tmpdir) > 0);
  fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, 4 << 20), 0);
  assert_int_equal(pipe2(p, O_CLOEXEC), 0);
  assert_int_equal(write(p[1], "x", 1), 1);
  fan_set_interrupt(f, 0, p[0]);
  assert_int_equal(fan_hash_fd_bounded(f, fd, got, why, sizeof(why), &err), 1);
  assert_non_null(strstr(why, "interrupted"));
  /* nothing to read on it: hashed */
  {
    char c;
    assert_int_equal(read(p[0], &c, 1), 1);
  }
  assert_int_equal(fan_hash_fd_bounded(f, fd, got, why, sizeof(why), &err), 0);
  fan_set_interrupt(f, 0, -1);
  close(p[0]);
  close(p[1]);
  fan_close(f);
}

/* A rule needs the hash of a file over the bound: denied, and the event
 * says why. */
static void test_hash_bound_denies(void **state) {
  struct fixture *fx;
  struct reply r;
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\", \"blockHashes\": [\"@SHA@\"]}", SK_MODE_ENFORCE);
  fan_set_hash_limits(fx->fan, 1024, 2000);
  mark(fx);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/old", NULL);
  expect_denied(&r, "/old (over the hashing bound, and the profile has a block-list)");
  expect_call(0, "error", "/old", WHERE_IMAGE, "deny", r.pid);
  assert_non_null(strstr(calls[0].reason, "not hashed (size "));
  assert_non_null(strstr(calls[0].reason, " over 1024)"));
  fixture_free(fx);
}

/* The node's block-list (ctx->blocklist), and an allow-list pin that the
 * file matches: hashed, allowed. */
static void test_node_blocklist_and_pin(void **state) {
  struct fixture *fx;
  struct reply r;
  char *hashes[1];
  (void)state;

  if (!can_run()) {
    skip();
    return;
  }
  fx = fixture_new("{\"name\": \"t\", \"exec\": {\"allow\": [{\"path\": \"/old\", \"sha256\": \"@SHA@\"}]}}",
                   SK_MODE_ENFORCE);
  mark(fx);
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/old", NULL);
  expect_ran(&r, "/old, pinned with its hash");
  assert_int_equal(n_calls, 0);

  hashes[0] = fx->busybox_sha;
  fx->ctx.blocklist.hashes = hashes;
  fx->ctx.blocklist.n = 1;
  r = box_do(&fx->box, fx->fan, &fx->ctx, OP_EXEC, "/old", NULL);
  expect_denied(&r, "/old, on the node's block-list");
  expect_call(0, "blocked-hash", "/old", WHERE_IMAGE, "deny", r.pid);
  assert_non_null(strstr(calls[0].reason, "the node's config blocks"));
  fixture_free(fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open),
      cmocka_unit_test(test_hash_fd),
      cmocka_unit_test(test_enforce_drift),
      cmocka_unit_test(test_unmarked),
      cmocka_unit_test(test_new_mounts),
      cmocka_unit_test(test_mark_at),
      cmocka_unit_test(test_complain),
      cmocka_unit_test(test_allow_writable),
      cmocka_unit_test(test_blocklist_cache),
      cmocka_unit_test(test_node_blocklist_and_pin),
      cmocka_unit_test(test_hash_bounds),
      cmocka_unit_test(test_hash_bound_denies),
      cmocka_unit_test(test_interpreters),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor process: started by `stockade create`, detached from it,
 * alive for as long as the container is.
 *
 * Who owns what:
 * - The listening socket is bound by `stockade create` before it forks, so
 *   the supervisor is ready before the runtime can connect. The supervisor
 *   owns it after the fork; create closes its copy.
 * - A pidfd of the create process itself (which becomes the runtime by
 *   execv) tells the supervisor when the runtime's command has finished:
 *   if no container exists then, it never will, and the supervisor goes.
 * - Each connection brings a seccomp listener fd (SCM_RIGHTS) for the
 *   container's init or for one exec; it hangs up when every process using
 *   that filter is gone.
 * - A pidfd of the container's init tells when the container is over.
 * The supervisor is double-forked (reparented to init or the engine's
 * subreaper, which reaps it) and never has children of its own. */
#define _GNU_SOURCE
#include <dirent.h>
#include <malloc.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/fan.h"
#include "stockade/learn.h"
#include "stockade/log.h"
#include "stockade/mounts.h"
#include "stockade/supervisor.h"
#include "stockade/sys.h"

#include "confine.h"
#include "resident.h"
#include "sup_int.h"

#define MAX_LISTENERS 256

/* epoll tags */
enum { TAG_LISTEN = 1, TAG_FAN, TAG_SIGNAL, TAG_RUNTIME, TAG_INIT, TAG_NOTIFY, TAG_EXTRA };
#define TAG(kind, fd) (((uint64_t)(kind) << 32) | (uint32_t)(fd))

static const char *root_default(const struct sup_ctx *ctx) {
  const char *base = strrchr(ctx->cfg->runtime, '/');
  base = base ? base + 1 : ctx->cfg->runtime;
  return strstr(base, "crun") ? "/run/crun" : "/run/runc";
}

/* Does the runtime still know the container? */
static bool runtime_has_container(const struct sup_ctx *ctx) {
  char p[PATH_MAX];
  struct stat st;
  snprintf(p, sizeof(p), "%s/%s", ctx->runtime_root && *ctx->runtime_root ? ctx->runtime_root : root_default(ctx),
           ctx->id);
  return stat(p, &st) == 0;
}

/* The runtime's message: the OCI state JSON plus SCM_RIGHTS fds. */
static int receive(int conn, char *buf, size_t size, size_t *len, int *fds, int *nfds) {
  struct msghdr msg = {0};
  struct iovec iov = {buf, size - 1};
  union {
    char b[CMSG_SPACE(sizeof(int) * 8)];
    struct cmsghdr align;
  } cbuf;
  struct cmsghdr *c;
  ssize_t r;

  *nfds = 0;
  *len = 0;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf.b;
  msg.msg_controllen = sizeof(cbuf.b);
  do
    r = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return -1;
  for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      if (n > 8)
        n = 8;
      memcpy(fds + *nfds, CMSG_DATA(c), sizeof(int) * (size_t)n);
      *nfds += n;
    }
  }
  *len = (size_t)r;
  /* runc and crun send the state in one message and keep the connection
   * open, with the container's first exec waiting on us: read more only
   * while what we have is not yet a whole JSON document. */
  for (;;) {
    cleanup_json struct json *probe = NULL;
    cleanup_error struct sk_error *perr = NULL;
    struct pollfd pf = {.fd = conn, .events = POLLIN};
    buf[*len] = '\0';
    if (json_parse(buf, *len, &probe, &perr) == 0 || *len + 1 >= size)
      break;
    if (poll(&pf, 1, 1000) <= 0)
      break;
    r = read(conn, buf + *len, size - 1 - *len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    *len += (size_t)r;
  }
  buf[*len] = '\0';
  return 0;
}

/* Take the reference for drift again (see sup_ctx.started). */
static void restamp_start(struct sup_ctx *ctx) {
  cleanup_error struct sk_error *err = NULL;
  if (ctx->clock_fd < 0 || ctx->started_final)
    return;
  if (mounts_clock_stamp(ctx->clock_fd, &ctx->started, &err) < 0)
    log_msg(LOG_WARNING, "container \"%s\": keeping the reference for drift taken at create: %s", ctx->id, err->msg);
}

struct loop {
  int ep;
  int notify[MAX_LISTENERS];
  int n_notify;
  bool runtime_done;
  bool init_gone;
  /* Without pidfds (pidfd_open is Linux 5.3; valgrind 3.19 does not
   * emulate it): these pids are looked at in /proc once a second. */
  pid_t runtime_poll, init_poll;
  bool connected;
  /* Memory hygiene (shed, drop_resident) waits for the loop to be idle
   * for SUP_TIDY_IDLE_MS: done at once, it took the CPU the runtime and
   * the container's first execs need (on 2 CPUs, about 9 ms of a start). */
  bool tidy_pending;       /* something to do once idle */
  bool shed_done;          /* shed (with its drop) done */
  bool dropped_after_exec; /* the first exec seen (its drop asked for) */
  struct timespec busy;    /* when the loop last handled something */
};

#define SUP_TIDY_IDLE_MS 200

static void add_fd(struct loop *l, int fd, int kind) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG(kind, fd)};
  epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void drop_notify(struct sup_ctx *ctx, struct loop *l, int fd) {
  int i;
  if (fd >= 0 && fd < 1024)
    ctx->exec_seen[fd] = false; /* the number may come back for another listener */
  epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  for (i = 0; i < l->n_notify; i++) {
    if (l->notify[i] == fd) {
      l->notify[i] = l->notify[--l->n_notify];
      break;
    }
  }
}

static void accept_one(struct sup_ctx *ctx, struct loop *l, int lfd) {
  char buf[65536];
  int fds[8], nfds = 0, i;
  size_t len;
  cleanup_close int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  cleanup_json struct json *state = NULL;
  cleanup_error struct sk_error *err = NULL;
  const char *id;
  int64_t pid = 0;

  if (conn < 0)
    return;
  if (receive(conn, buf, sizeof(buf), &len, fds, &nfds) < 0)
    return;
  if (json_parse(buf, len, &state, &err) < 0) {
    log_msg(LOG_ERROR, "container \"%s\": the runtime's message is not JSON: %s", ctx->id, err->msg);
    goto close_fds;
  }
  id = json_string(json_get_path(state, "state", "id", NULL));
  if (id == NULL || strcmp(id, ctx->id) != 0) {
    log_msg(LOG_ERROR, "container \"%s\": a listener for container \"%s\" was sent here; ignored", ctx->id,
            id ? id : "?");
    goto close_fds;
  }
  /* vm.memfd_noexec: the helper sets it while the runtime goes on; the
   * first exec waits for it (notify.c). */
  if (ctx->memfd_by_sup && !ctx->memfd_done && !ctx->memfd_pending) {
    json_int64(json_get_path(state, "state", "pid", NULL), &pid);
    sup_memfd_request(ctx, (pid_t)pid);
  }
  for (i = 0; i < nfds; i++) {
    if (l->n_notify >= MAX_LISTENERS) {
      close(fds[i]);
      continue;
    }
    notify_setup_fd(fds[i]);
    l->notify[l->n_notify++] = fds[i];
    add_fd(l, fds[i], TAG_NOTIFY);
  }
  /* `run`: the runtime's command lasts as long as the container, and no
   * end of create says when the image is complete. The runtime hands the
   * listener over once its setup and its hooks up to createContainer are
   * done (runc from its init, right before the exec that is the first
   * notification; crun at start): what was written until now is the
   * image. Taken here rather than at the first notification, the clock's
   * tick runs while the runtime goes on to the exec (notify.c,
   * settle_start). */
  if (!l->runtime_done && !l->connected)
    restamp_start(ctx);
  l->connected = true;
  if (ctx->init_pidfd < 0 && json_int64(json_get_path(state, "state", "pid", NULL), &pid) && pid > 0) {
    ctx->init_pid = (pid_t)pid;
    ctx->init_pidfd = pidfd_open((pid_t)pid, 0);
    if (ctx->init_pidfd >= 0) {
      add_fd(l, ctx->init_pidfd, TAG_INIT);
      fan_set_interrupt(ctx->fan, 1, ctx->init_pidfd);
    } else if (errno == ENOSYS)
      l->init_poll = (pid_t)pid;
  }
  return;
close_fds:
  for (i = 0; i < nfds; i++)
    close(fds[i]);
}

/* Learning: write the recording when it changed, at most every 2 s while
 * the container runs (a killed supervisor loses at most that), and at the
 * end with "ended": true. */
static void learn_save(struct sup_ctx *ctx, bool final) {
  struct timespec now;
  cleanup_error struct sk_error *err = NULL;
  if (ctx->learn == NULL)
    return;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (final)
    learn_set_ended(ctx->learn, true);
  else if (!learn_dirty(ctx->learn) || now.tv_sec - ctx->learn_written.tv_sec < 2)
    return;
  if (learn_write(ctx->learn, ctx->learn_path, &err) < 0)
    log_msg(LOG_ERROR, "container \"%s\": cannot write its recording: %s", ctx->id, err->msg);
  ctx->learn_written = now;
}

static void stop_message(struct sup_ctx *ctx, const struct sup_watch *w, bool init_gone, char *msg, size_t size) {
  struct fan_stats fs;
  fan_stats(ctx->fan, &fs);
  if (w->listen_fd < 0) {
    snprintf(msg, size, "stopped after %llu exec opens (%llu denied)%s", (unsigned long long)fs.events,
             (unsigned long long)fs.denied, init_gone ? ": the container ended" : "");
    return;
  }
  snprintf(msg, size,
           "stopped after %llu exec notifications (%llu denied) and %llu exec opens (%llu denied); %llu failures "
           "caused by hardening reported; %llu events could not be written",
           ctx->n_notify, ctx->n_deny, (unsigned long long)fs.events, (unsigned long long)fs.denied, ctx->n_diag,
           ctx->n_event_lost_total);
}

/* Tell `stockade create` how the start went: "<pid>\n" and "ok", or why
 * not, and a NUL, in one write (under PIPE_BUF, so it arrives whole). The
 * NUL ends create's wait: end of file would come only once every process
 * holding the pipe has closed it, and the vm.memfd_noexec helper, forked
 * before, holds it until it is scheduled and closes what it inherited
 * (4 ms of create's start measured). */
static void report_start(int *report, const char *what) {
  char line[600];
  int n = snprintf(line, sizeof(line), "%d\n%s", (int)getpid(), what);
  if (*report < 0)
    return;
  if (n >= 0 && (size_t)n < sizeof(line))
    n++; /* the NUL snprintf wrote */
  if (n < 0 || (size_t)n >= sizeof(line) || write(*report, line, (size_t)n) != n)
    log_msg(LOG_WARNING, "cannot tell stockade create how the supervisor started");
  close(*report);
  *report = -1;
}

#ifdef STOCKADE_TEST_HOOKS
/* Test builds only (make: $(B)/stockade-testhooks; never installed): on
 * SIGUSR2 the supervisor makes a syscall its own filter forbids, so a test
 * can watch the filter kill it. The production build has no SIGUSR2 in its
 * signalfd and no code here. */
static void test_hook_forbidden(struct sup_ctx *ctx) {
  static char *const argv[] = {"/bin/true", NULL};
  log_msg(LOG_WARNING, "container \"%s\": test hook: the supervisor calls execve, which its filter forbids", ctx->id);
  execve(argv[0], argv, argv + 1);
  log_msg(LOG_ERROR, "container \"%s\": test hook: execve returned: %s", ctx->id, strerror(errno));
}
#endif

/* A signal arrived: true when it ends the supervisor. */
static bool on_signal(struct sup_ctx *ctx, int sfd) {
  struct signalfd_siginfo si;
  ssize_t r;
  (void)ctx;
  do
    r = read(sfd, &si, sizeof(si));
  while (r < 0 && errno == EINTR);
  if (r != (ssize_t)sizeof(si))
    return r < 0 && errno == EAGAIN ? false : true;
#ifdef STOCKADE_TEST_HOOKS
  if (si.ssi_signo == SIGUSR2) {
    test_hook_forbidden(ctx);
    return false;
  }
#endif
  return true;
}

/* A pid polled for lack of a pidfd: gone, or a zombie waiting for its reaper. */
static bool pid_gone(pid_t pid) {
  char p[64], buf[256], *rp;
  cleanup_close int fd = -1;
  ssize_t n;
  snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
  fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return true;
  n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return true;
  buf[n] = '\0';
  rp = strrchr(buf, ')');
  return rp == NULL || rp[1] == '\0' || rp[2] == 'Z';
}

/* The loop, in the supervisor process (sup_start's child, sup_run). */
static void shed(struct sup_ctx *ctx);

/* Memory the loop does not need (resident.c), after `when`. */
static void drop_resident(struct sup_ctx *ctx, const char *when) {
  struct resident_dropped d;
  if (resident_drop(&d) < 0)
    log_msg(LOG_DEBUG, "container \"%s\": supervisor: cannot read its smaps to drop memory after %s: %s", ctx->id, when,
            strerror(errno));
  else
    log_msg(LOG_DEBUG, "container \"%s\": supervisor: after %s, %lu kB of %u file mappings and %lu kB of stack dropped",
            ctx->id, when, d.file_kb, d.mappings, d.stack_kb);
}

/* epoll_wait's timeout: `t` (ms, -1 none), or less while hygiene waits
 * for SUP_TIDY_IDLE_MS of idleness (0: it is due). */
static int tidy_timeout(const struct loop *l, int t) {
  struct timespec now;
  long idle, left;
  if (!l->tidy_pending)
    return t;
  clock_gettime(CLOCK_MONOTONIC, &now);
  idle = (now.tv_sec - l->busy.tv_sec) * 1000 + (now.tv_nsec - l->busy.tv_nsec) / 1000000;
  left = idle >= SUP_TIDY_IDLE_MS ? 0 : SUP_TIDY_IDLE_MS - idle;
  return t < 0 || left < t ? (int)left : t;
}

/* Idle: shed what create left (once), else drop what the first exec's
 * one-time work touched. */
static void tidy(struct sup_ctx *ctx, struct loop *l) {
  l->tidy_pending = false;
  if (!l->shed_done) {
    l->shed_done = true;
    shed(ctx);
  } else {
    drop_resident(ctx, "the first exec");
  }
}

/* Its cgroup could not be made or joined: said, not fatal (cgroup.c). */
static void cgroup_not_joined(struct sup_ctx *ctx, char *cg, size_t size, struct sk_error **err) {
  log_msg(LOG_WARNING, "container \"%s\": the supervisor stays in its caller's cgroup: %s", ctx->id, (*err)->msg);
  snprintf(cg, size, "left in its caller's cgroup: %s", (*err)->msg);
  sk_error_free(err);
}

static int sup_main(struct sup_ctx *ctx, const struct sup_watch *w, int report) {
  struct loop l = {.ep = -1};
  sigset_t mask;
  int sfd;
  char msg[768], cg[400] = "";
  int cg_fd = -1;
  cleanup_error struct sk_error *cerr = NULL;

  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
#ifdef STOCKADE_TEST_HOOKS
  sigaddset(&mask, SIGUSR2);
#endif
  sigprocmask(SIG_BLOCK, &mask, NULL);
  sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  l.ep = epoll_create1(EPOLL_CLOEXEC);
  if (l.ep < 0 || sfd < 0) {
    report_start(&report, "error: cannot create its epoll or signalfd");
    return 1;
  }
  event_limiter_init(&ctx->limiter, ctx->cfg->event_rate, ctx->cfg->event_burst);
  /* Hashing never holds the loop for long (fan.h): bounded by the node's
   * limits, and given up when a signal arrives or the container ends. */
  fan_set_hash_limits(ctx->fan, ctx->cfg->hash_max_bytes, ctx->cfg->hash_max_ms);
  fan_set_interrupt(ctx->fan, 0, sfd);
  /* Without a listening socket (the hook) there is no runtime to wait
   * for: the container exists already. */
  if (w->listen_fd >= 0)
    add_fd(&l, w->listen_fd, TAG_LISTEN);
  else
    l.connected = true;
  add_fd(&l, fan_fd(ctx->fan), TAG_FAN);
  add_fd(&l, sfd, TAG_SIGNAL);
  if (w->runtime_pidfd >= 0)
    add_fd(&l, w->runtime_pidfd, TAG_RUNTIME);
  else if (w->runtime_pid > 0)
    l.runtime_poll = w->runtime_pid;
  else
    l.runtime_done = true;
  if (ctx->init_pidfd >= 0) {
    add_fd(&l, ctx->init_pidfd, TAG_INIT);
    fan_set_interrupt(ctx->fan, 1, ctx->init_pidfd);
  }
  if (w->extra_fd >= 0) {
    struct epoll_event ev = {.events = w->extra_events, .data.u64 = TAG(TAG_EXTRA, w->extra_fd)};
    epoll_ctl(l.ep, EPOLL_CTL_ADD, w->extra_fd, &ev);
  }
  if (w->confine) {
    /* vm.memfd_noexec's helper, before the filter would refuse its fork. */
#ifdef STOCKADE_TEST_HOOKS
    /* Test builds only: no helper, so that a test sees the level not set
     * (the exec denied, the container stopped, the event). */
    if (getenv("STOCKADE_TEST_NO_MEMFD_HELPER"))
      ctx->memfd_to = ctx->memfd_from = -1;
    else
#endif
        if (sup_memfd_start(ctx, &cerr) < 0) {
      char why[512];
      snprintf(why, sizeof(why), "error: %s", cerr->msg);
      log_msg(LOG_ERROR, "container \"%s\": the supervisor cannot start: %s", ctx->id, cerr->msg);
      report_start(&report, why);
      return 1;
    }
    /* Only the freeze action needs them (verdict.c): reading
     * /proc/self/cgroup costs a start 0.2 to 0.4 ms. */
    if (ctx->profile->action == PROFILE_ACTION_FREEZE)
      sup_act_remember_cgroups();
    /* Its CPU goes to a cgroup of its own (cgroup.c), made before the
     * filter would refuse mkdir, joined after "ok". Not a protection: a
     * failure is said, not fatal. */
    if (sup_cgroup_prepare(ctx->state_dir, ctx->cfg->supervisor_cpu_percent, &cg_fd, cg, sizeof(cg), &cerr) < 0)
      cgroup_not_joined(ctx, cg, sizeof(cg), &cerr);
    /* Everything opened once is open: from here on, only the loop's
     * syscalls and capabilities (shim/supervisor/confine.c). */
    if (confine_self(&cerr) < 0) {
      char why[512];
      snprintf(why, sizeof(why), "error: cannot confine itself: %s", cerr->msg);
      log_msg(LOG_ERROR, "container \"%s\": the supervisor %s", ctx->id, why + 7);
      report_start(&report, why);
      return 1;
    }
  }
  /* "ok" first: the move into its cgroup (a grace period on cgroup v1)
   * and the event (0.65 ms here, the first JSON this process makes) are
   * made while create goes on, and still before anything else this
   * supervisor reads or reports, since the loop has not begun. */
  report_start(&report, "ok");
  if (cg_fd >= 0) {
    if (sup_cgroup_join(cg_fd, &cerr) < 0)
      cgroup_not_joined(ctx, cg, sizeof(cg), &cerr);
    close(cg_fd);
  }
  if (w->listen_fd >= 0)
    snprintf(msg, sizeof(msg), "supervising with seccomp user-notify and fanotify (profile action %s); %s",
             profile_action_name(ctx->profile->action), cg);
  else
    snprintf(msg, sizeof(msg),
             "supervising with fanotify only, as an OCI hook (profile action %s; no seccomp user-notify: no argv, "
             "no fileless execs)",
             profile_action_name(ctx->profile->action));
  sup_note(ctx, "started", msg);
  /* After "ok", and once idle: freeing create's copy-on-write heap touches
   * every page of it (3.6 ms measured), which neither the runtime's start
   * nor the container's first execs need wait for. */
  l.tidy_pending = true;
  clock_gettime(CLOCK_MONOTONIC, &l.busy);

  for (;;) {
    struct epoll_event evs[16];
    int n, i;

    /* Over: the init is gone and no process holds a filter of ours; or
     * the runtime finished without making a container. */
    if (l.init_gone && l.n_notify == 0) {
      /* Answer what fanotify still has queued (the kernel would allow it
       * once the fd is closed), then go. */
      cleanup_error struct sk_error *err = NULL;
      (void)fan_handle(ctx->fan, ctx, &err);
      break;
    }
    if (l.runtime_done && !l.connected && !runtime_has_container(ctx))
      break;
    learn_save(ctx, false);
    sup_summaries(ctx, false);
    if (l.runtime_poll && pid_gone(l.runtime_poll)) {
      l.runtime_done = true;
      restamp_start(ctx);
      l.runtime_poll = 0;
      continue;
    }
    if (l.init_poll && pid_gone(l.init_poll)) {
      l.init_gone = true;
      l.init_poll = 0;
      continue;
    }
    n = epoll_wait(l.ep, evs, 16,
                   tidy_timeout(&l, sup_summary_timeout(ctx, ctx->learn || l.runtime_poll || l.init_poll ? 1000 : -1)));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    if (n > 0)
      clock_gettime(CLOCK_MONOTONIC, &l.busy);
    else if (l.tidy_pending && tidy_timeout(&l, -1) == 0)
      tidy(ctx, &l);
    for (i = 0; i < n; i++) {
      int kind = (int)(evs[i].data.u64 >> 32);
      int fd = (int)(uint32_t)evs[i].data.u64;
      cleanup_error struct sk_error *err = NULL;
      switch (kind) {
      case TAG_LISTEN:
        accept_one(ctx, &l, fd);
        break;
      case TAG_FAN:
        if (fan_handle(ctx->fan, ctx, &err) < 0)
          log_msg(LOG_ERROR, "container \"%s\": fanotify: %s", ctx->id, err->msg);
        if (!l.dropped_after_exec) {
          /* The container's first exec has been judged on both sides:
           * what its one-time work touched can go too, once idle. */
          struct fan_stats fs;
          fan_stats(ctx->fan, &fs);
          if (fs.events > 0) {
            l.dropped_after_exec = true;
            l.tidy_pending = true;
          }
        }
        break;
      case TAG_NOTIFY:
        if (evs[i].events & EPOLLIN) {
          if (notify_handle(ctx, fd, &err) < 0) {
            log_msg(LOG_ERROR, "container \"%s\": %s", ctx->id, err->msg);
            drop_notify(ctx, &l, fd);
          }
        } else if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
          drop_notify(ctx, &l, fd); /* every process of this filter is gone */
        }
        break;
      case TAG_INIT:
        l.init_gone = true;
        epoll_ctl(l.ep, EPOLL_CTL_DEL, fd, NULL);
        break;
      case TAG_RUNTIME:
        /* create has returned: what was written until now is the image */
        l.runtime_done = true;
        restamp_start(ctx);
        epoll_ctl(l.ep, EPOLL_CTL_DEL, fd, NULL);
        break;
      case TAG_SIGNAL:
        if (on_signal(ctx, fd))
          goto out;
        break;
      case TAG_EXTRA:
        w->on_extra(ctx, w->arg);
        break;
      }
    }
  }
out:
  learn_save(ctx, true);
  sup_summaries(ctx, true);
  stop_message(ctx, w, l.init_gone, msg, sizeof(msg));
  sup_note(ctx, "stopped", msg);
  if (ctx->n_event_lost_total > 0)
    log_msg(LOG_ERROR, "container \"%s\": %llu events could not be written to %s", ctx->id, ctx->n_event_lost_total,
            ctx->cfg->event_file ? ctx->cfg->event_file : "syslog");
  if (w->confine)
    sup_cgroup_leave(ctx->state_dir);
  if (w->on_end)
    w->on_end(ctx, l.init_gone, w->arg);
  return 0;
}

/* Close every descriptor but the ones we keep: the runtime's stdio and
 * whatever create had open must not stay open in a long-lived process
 * (containerd waits for the runtime's output pipes to close). */
static int bind_socket(const char *path, struct sk_error **err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int fd;
  if (strlen(path) >= sizeof(addr.sun_path))
    return sk_error_set(err, ENAMETOOLONG, "supervisor socket %s", path);
  strcpy(addr.sun_path, path);
  unlink(path);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return sk_error_set(err, errno, "supervisor socket");
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
    int saved = errno;
    close(fd);
    unlink(path);
    return sk_error_set(err, saved, "cannot listen on %s", path);
  }
  return fd;
}

/* Learning: the recording, where it goes, and marks that see writes. */
static int learn_prepare(struct sup_ctx *ctx, struct sk_error **err) {
  static const struct {
    const char *key, *ann;
  } meta[] = {
      {"image", "io.kubernetes.cri.image-name"},
      {"pod", "io.kubernetes.cri.sandbox-name"},
      {"namespace", "io.kubernetes.cri.sandbox-namespace"},
      {"image", "io.kubernetes.cri-o.ImageName"},
      {"pod", "io.kubernetes.pod.name"},
      {"namespace", "io.kubernetes.pod.namespace"},
  };
  const struct json *ann = json_get(ctx->spec, "annotations");
  size_t i;
  if (learn_new(ctx->id, ctx->profile->name, ctx->profile->sha256, &ctx->learn, err) < 0)
    return sk_error_wrap(err, "learning");
  for (i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
    const char *v = json_string(json_get(ann, meta[i].ann));
    if (v && learn_set_meta(ctx->learn, meta[i].key, v, err) < 0)
      return sk_error_wrap(err, "learning");
  }
  if (learn_recording_path(ctx->cfg->state_dir, ctx->profile->name, ctx->id, &ctx->learn_path, err) < 0)
    return sk_error_wrap(err, "where to record container \"%s\"", ctx->id);
  fan_set_learning(ctx->fan, true);
  return 0;
}

/* <state>/clock: a file of ours whose ctime the kernel stamps on demand. */
static int open_clock(const char *state_dir, struct sk_error **err) {
  cleanup_free char *path = NULL;
  int fd;
  if (asprintf(&path, "%s/clock", state_dir) < 0)
    return sk_error_set(err, ENOMEM, "supervisor");
  fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return sk_error_set(err, errno, "cannot create %s", path);
  return fd;
}

/* In the supervisor, just after the fork: what create built and the
 * supervisor never reads goes (the spec but its annotations, which events
 * carry, and process.user, which learning compares an exec's user with;
 * the profile's seccomp document), and the heap's free pages go back to
 * the kernel. They were create's, shared copy-on-write until create became
 * the runtime; each would be the supervisor's own memory for as long as
 * the container runs. */
static void shed(struct sup_ctx *ctx) {
  struct json *spec = (struct json *)ctx->spec;
  struct profile *p = (struct profile *)ctx->profile;
  struct json *small = json_new(JSON_OBJECT), *proc;
  const struct json *ann = json_get(spec, "annotations");
  const struct json *user = json_get_path(spec, "process", "user", NULL);
  bool ok = small != NULL;

  if (ok && ann)
    ok = json_set(small, "annotations", json_copy(ann)) == 0;
  if (ok && user)
    ok = (proc = json_ensure(small, "process", JSON_OBJECT)) != NULL && json_set(proc, "user", json_copy(user)) == 0;
  if (ok) {
    ctx->spec = small;
    json_free(spec);
  } else {
    json_free(small);
  }
  if (p != NULL) {
    json_free(p->seccomp);
    p->seccomp = NULL;
  }
  malloc_trim(0);
  drop_resident(ctx, "start");
}

/* The supervisor process itself, in the child: chdir, name, only the
 * descriptors it keeps, stdio to /dev/null, its log, then the loop. */
static _Noreturn void sup_run(struct sup_ctx *ctx, const struct sup_watch *w, int report) {
  /* report carries the supervisor's report once it has confined itself:
   * the caller reads its "ok" (or why not) after the pid, up to the NUL,
   * or end of file if it ended first (sup_ready). */
  int keep[7] = {report, fan_fd(ctx->fan), w->listen_fd, w->runtime_pidfd, w->clock_fd, ctx->init_pidfd, w->extra_fd};
  if (chdir("/") < 0)
    _exit(1);
  prctl(PR_SET_NAME, w->name);
  if (sup_close_others(keep, 7) < 0)
    _exit(1); /* its report ends unread: create says the supervisor ended */
  {
    /* Its stderr is /dev/null: what goes wrong is written beside its
     * state, in runc's JSON log format, and as events. */
    char logf[PATH_MAX];
    snprintf(logf, sizeof(logf), "%s/supervisor.log", ctx->state_dir);
    log_init(logf, "json", false);
  }
  ctx->clock_fd = w->clock_fd;
  _exit(sup_main(ctx, w, report));
}

/* A fork whose child is our parent's, not ours (clone(2) CLONE_PARENT,
 * which glibc's fork cannot ask for; runc's nsexec and crun call clone
 * the same way). The child skips glibc's at-fork handlers and keeps the
 * parent's tid in its thread block: harmless in a single-threaded
 * process, which `stockade create` is (no lock can be held by another
 * thread; raise and abort ask the kernel for the tid). */
static pid_t fork_sibling(void) {
  return (pid_t)syscall(SYS_clone, (unsigned long)CLONE_PARENT, NULL, NULL, NULL, NULL);
}

int sup_start(struct sup_ctx *ctx, const struct sup_watch *w, int *ready_fd, struct sk_error **err) {
  int p[2], status;
  pid_t a;

  *ready_fd = -1;
  if (pipe2(p, O_CLOEXEC) < 0)
    return sk_error_set(err, errno, "pipe");
  if (w->sibling) {
    /* One process, not two: a double fork's middle process costs 1.4 ms
     * of the start here. The supervisor belongs to our caller at once,
     * where a double fork puts it once the middle one has gone when the
     * caller is a subreaper (containerd's shim, conmon). pid 1 of a pid
     * namespace cannot (EINVAL): the double fork below. */
    a = fork_sibling();
    if (a == 0) {
      close(p[0]);
      setsid();
      sup_run(ctx, w, p[1]);
    }
    if (a > 0) {
      close(p[1]);
      *ready_fd = p[0];
      return 0;
    }
    if (errno != EINVAL) {
      int saved = errno;
      close(p[0]);
      close(p[1]);
      return sk_error_set(err, saved, "cannot fork the supervisor");
    }
  }
  a = fork();
  if (a < 0) {
    int saved = errno;
    close(p[0]);
    close(p[1]);
    return sk_error_set(err, saved, "cannot fork the supervisor");
  }
  if (a == 0) {
    pid_t b;
    close(p[0]);
    setsid();
    b = fork();
    if (b < 0)
      _exit(1);
    if (b > 0)
      _exit(0);
    sup_run(ctx, w, p[1]);
  }
  close(p[1]);
  while (waitpid(a, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    close(p[0]);
    return sk_error_set(err, 0, "the supervisor did not start");
  }
  *ready_fd = p[0];
  return 0;
}

int sup_spawn(struct sup_ctx *ctx, int *ready_fd, struct sk_error **err) {
  cleanup_free char *sock = NULL;
  cleanup_close int lfd = -1;
  cleanup_close int self_pidfd = -1;
  cleanup_close int clock_fd = -1;
  pid_t self;

  *ready_fd = -1;
  if (asprintf(&sock, "%s/%s", ctx->state_dir, SUP_SOCKET_NAME) < 0)
    return sk_error_set(err, ENOMEM, "supervisor");
  /* The first reference for drift, stamped by the kernel on a file of
   * our own (mounts.h: why not a clock read); the supervisor keeps the fd
   * to stamp it again later. */
  clock_fd = open_clock(ctx->state_dir, err);
  if (clock_fd < 0 || mounts_clock_stamp(clock_fd, &ctx->started, err) < 0)
    return sk_error_wrap(err, "the supervisor needs a reference for \"written after start\" in %s", ctx->state_dir);
  ctx->clock_fd = -1; /* the supervisor's (below), not create's */
  ctx->started_final = false;
  /* fanotify is opened here, in create, so that a kernel without it is a
   * refusal with a reason rather than a supervisor that dies later. */
  if (fan_open(&ctx->fan, err) < 0)
    return sk_error_wrap(err, "the supervisor needs fanotify permission events");
  if ((ctx->mode == SK_MODE_LEARN || (ctx->mode == SK_MODE_COMPLAIN && ctx->cfg->complain_records)) &&
      learn_prepare(ctx, err) < 0) {
    fan_close(ctx->fan);
    ctx->fan = NULL;
    return -1;
  }
  lfd = bind_socket(sock, err);
  if (lfd < 0)
    return -1;
  /* This process becomes the runtime (execv keeps the pid): its pidfd
   * tells the supervisor when the runtime's command is over. */
  self_pidfd = pidfd_open(getpid(), 0);
  self = getpid();
  ctx->init_pidfd = -1;
  {
    struct sup_watch w = {.name = "stockade-sup",
                          .listen_fd = lfd,
                          .runtime_pidfd = self_pidfd,
                          .runtime_pid = self_pidfd < 0 ? self : 0,
                          .clock_fd = clock_fd,
                          .confine = true,
                          .sibling = true,
                          .extra_fd = -1};
    if (sup_start(ctx, &w, ready_fd, err) < 0)
      return -1;
  }
  /* Our copies of the socket and fanotify fd go with this process into the
   * runtime otherwise (they are close-on-exec; close them now anyway). */
  fan_close(ctx->fan);
  ctx->fan = NULL;
  /* The recording is the supervisor's; this process only set it up. */
  learn_free(ctx->learn);
  ctx->learn = NULL;
  free(ctx->learn_path);
  ctx->learn_path = NULL;
  return 0;
}

int sup_ready(const char *state_dir, int ready_fd, pid_t *pid_out, struct sk_error **err) {
  cleanup_free char *pidfile = NULL;
  pid_t sup = 0;
  char buf[700], *nl;
  size_t len;
  ssize_t r;

  if (asprintf(&pidfile, "%s/%s", state_dir, SUP_PID_NAME) < 0) {
    close(ready_fd);
    return sk_error_set(err, ENOMEM, "supervisor");
  }
  /* "<pid>\n" and then "ok" or "error: why" and a NUL from the
   * supervisor (a double fork's middle process only forks it and exits); end of file
   * without the NUL when it ended before its report. */
  len = 0;
  for (;;) {
    r = read(ready_fd, buf + len, sizeof(buf) - 1 - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    len += (size_t)r;
    if (memchr(buf, '\0', len) != NULL || len == sizeof(buf) - 1)
      break;
  }
  close(ready_fd);
  buf[len] = '\0';
  nl = strchr(buf, '\n');
  if (nl == NULL)
    return sk_error_set(err, 0, "the supervisor did not start");
  sup = (pid_t)atoi(buf);
  if (strcmp(nl + 1, "ok") != 0) {
    if (sup > 0)
      kill(sup, SIGKILL);
    return sk_error_set(err, 0, "the supervisor did not start: %s",
                        strncmp(nl + 1, "error: ", 7) == 0 ? nl + 8 : "it ended before confining itself");
  }
  {
    char txt[32];
    int n = snprintf(txt, sizeof(txt), "%d\n", (int)sup);
    if (write_file_replace(pidfile, txt, (size_t)n, 0600, err) < 0) {
      kill(sup, SIGKILL);
      return -1;
    }
  }
  *pid_out = sup;
  return 0;
}

/* The pid in sup.pid, if it still names a supervisor of ours. *pfd gets a
 * pidfd for it (the pid cannot be reused under us while we hold it). */
static int sup_lookup(const char *state_dir, pid_t *pid, int *pfd) {
  cleanup_free char *pidfile = NULL;
  cleanup_free char *txt = NULL;
  cleanup_error struct sk_error *err = NULL;
  cleanup_fclose FILE *f = NULL;
  char comm[64], path[64];
  size_t len;

  *pfd = -1;
  if (asprintf(&pidfile, "%s/%s", state_dir, SUP_PID_NAME) < 0 || read_file(pidfile, &txt, &len, &err) < 0)
    return -1;
  *pid = (pid_t)atoi(txt);
  if (*pid <= 1)
    return -1;
  *pfd = pidfd_open(*pid, 0);
  if (*pfd < 0)
    return 0;
  snprintf(path, sizeof(path), "/proc/%d/comm", (int)*pid);
  f = fopen(path, "re");
  if (f == NULL || fgets(comm, sizeof(comm), f) == NULL || strncmp(comm, "stockade", 8) != 0) {
    close(*pfd);
    *pfd = -1;
    return 0;
  }
  {
    /* A pidfd is readable once the process has exited, even while it
     * waits, a zombie, for its reaper. */
    struct pollfd pf = {.fd = *pfd, .events = POLLIN};
    if (poll(&pf, 1, 0) == 1) {
      close(*pfd);
      *pfd = -1;
      return 0;
    }
  }
  return 1;
}

int sup_alive(const char *state_dir, pid_t *pid) {
  int pfd, r = sup_lookup(state_dir, pid, &pfd);
  if (pfd >= 0)
    close(pfd);
  return r;
}

int sup_stop(const char *state_dir, bool wait, struct sk_error **err) {
  cleanup_close int pfd = -1;
  pid_t pid;

  (void)err;
  if (sup_lookup(state_dir, &pid, &pfd) <= 0) {
    sup_cgroup_remove(state_dir); /* one that was killed left it */
    return 0;                     /* none, or gone already */
  }
  pidfd_send_signal(pfd, SIGTERM, NULL, 0);
  if (wait) {
    /* Give it a moment to write its last event, then make sure. A pidfd
     * polls readable when the process exits, reaped or not. */
    struct pollfd pf = {.fd = pfd, .events = POLLIN};
    int r;
    do
      r = poll(&pf, 1, 1000);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
      pidfd_send_signal(pfd, SIGKILL, NULL, 0);
      do
        r = poll(&pf, 1, 1000);
      while (r < 0 && errno == EINTR);
    }
    sup_cgroup_remove(state_dir);
  }
  return 0;
}

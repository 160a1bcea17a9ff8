/* SPDX-License-Identifier: Apache-2.0 */
/* The syscalls the runtime itself needs inside the filter it installs
 * (learn_runtime_baseline) and those always notified in learn mode. */
#define _GNU_SOURCE
#include <string.h>

#include "stockade/caps.h"
#include "stockade/learn.h"

/* ---- the runtime's own syscalls ------------------------------------------------------- */

/* Between installing the filter and handing its listener over, the
 * runtime runs inside the filter with nobody to answer a notification: a
 * notified syscall there hangs runc or crun for good. So a learning filter
 * allows these outright, and every learned profile allows them too (a
 * profile without them would stop the runtime before the workload's first
 * instruction, whatever the workload needs).
 *
 * runc 1.1 (runc init, Go) installs the filter as late as it can: with
 * noNewPrivileges, which stockade always sets, after switching user and
 * capabilities; without it, before, so the switch happens inside the
 * filter. It then passes the listener fd to its parent over the init
 * socket pair and waits for the parent's answer; meanwhile the Go runtime
 * keeps scheduling, collecting garbage and preempting its threads. crun
 * 1.8 likewise sends the fd over a socket pair and then finishes setting
 * up the process (file descriptors, capabilities) before its execve.
 *
 * The same list covers what the runtime does after the hand-over and
 * before the workload's first execve (runc opens and writes its exec
 * fifo, closes every descriptor it does not pass on): the supervisor does
 * not record that part, which is the runtime's and not the workload's, so
 * a learned profile allows it through this list or not at all.
 * Each name resolves on x86_64 (tests/unit/test_learn.c checks it). */
const char *const learn_runtime_baseline[] = {
    /* the sync pipe and socket pair, the exec fifo, the log pipe */
    "read",
    "write",
    "close",
    "close_range", /* crun closes inherited descriptors before exec */
    "fcntl",       /* FD_CLOEXEC on inherited descriptors (runc), F_GETFL/F_SETFL by Go's poller */
    "openat",      /* /proc/self/fd (descriptor walk), runc's exec fifo through /proc/self/fd/N */
    "getdents64",  /* reading /proc/self/fd */
    "fstatfs",     /* runc checks that /proc/self/fd is procfs before closing what it lists (CVE-2024-21626) */
    "newfstatat",  /* Go's os.Stat, crun's checks of paths */
    "fstat",       /* Go's os.File, crun's checks of descriptors */
    "dup3",        /* dup2() of stdio (Go and glibc implement it with dup3) */
    "pipe2",       /* Go's os/exec for runc's hooks */
    "sendmsg",     /* the listener fd travels as SCM_RIGHTS */
    "recvmsg",     /* ...and the answer comes back on the same socket pair */
    "sendto",      /* send() on the socket pair is sendto on x86_64 */
    "recvfrom",    /* recv(), likewise */
    "epoll_pwait", /* Go's poller waits for the parent's answer on the sync pipe */
    "epoll_wait",  /* ...older Go and glibc's epoll_wait */
    "epoll_ctl",   /* ...and registers descriptors with it */
    /* the Go runtime: scheduling, memory, threads, signals */
    "futex",           /* every lock and wakeup between Go's threads */
    "nanosleep",       /* usleep() in the scheduler's spin loops */
    "clock_nanosleep", /* glibc's nanosleep, Go's timers */
    "sched_yield",     /* osyield() in the scheduler */
    "mmap",            /* heap arenas, goroutine stacks, glibc malloc in crun and runc's nsexec */
    "munmap",          /* ...and their release */
    "madvise",         /* the garbage collector returns memory */
    "mprotect",        /* guard pages of new thread stacks */
    "brk",             /* glibc malloc */
    "rt_sigaction",    /* Go installs handlers on new threads; crun resets them */
    "rt_sigprocmask",  /* signal masks of new threads, around fork */
    "rt_sigreturn",    /* returning from Go's preemption signal handler */
    "sigaltstack",     /* every new Go thread gets a signal stack */
    "clone",           /* new Go threads; a learned profile still refuses namespace flags (its clone rule) */
    "arch_prctl",      /* thread-local storage on x86_64 */
    "tgkill",          /* Go preempts goroutines with SIGURG sent to its own threads */
    "tkill",           /* raise() of older glibc, Go's fallback */
    "getpid",          /* ...tgkill needs the caller's pid */
    "gettid",          /* ...and the thread's id */
    "getppid",         /* both runtimes check that their parent is still there */
    "restart_syscall", /* the kernel restarts an interrupted nanosleep or futex with it; filters see it */
    "getrandom",       /* Go's runtime seeds, crun's random names */
    "exit",            /* a Go thread ends */
    "exit_group",      /* runc init or crun gives up (after writing the error to its parent) */
    "wait4",           /* reaping the runtime's own children (hooks) */
    /* switching user and capabilities: inside the filter when runc installs
     * it early (a spec without noNewPrivileges), and crun's last steps */
    "prctl",     /* PR_SET_KEEPCAPS, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS */
    "capget",    /* reading the capability sets before changing them */
    "capset",    /* setting them */
    "setgroups", /* the supplementary groups of the process user (runc and crun) */
    "setresuid", /* crun switches to the process user with setresuid */
    "setresgid", /* ...and to its group with setresgid */
    NULL,
};

static bool in_list(const char *const *list, const char *name) {
  size_t i;
  for (i = 0; name && list[i]; i++)
    if (strcmp(list[i], name) == 0)
      return true;
  return false;
}

/* Syscalls whose arguments learn_infer reads. What is not here, because
 * the runtime makes it inside the filter before the listener is connected
 * (learn_runtime_baseline), is never notified, and so never inferred:
 *   setresuid, setresgid: CAP_SETUID/CAP_SETGID of a workload that
 *     switches user with them. glibc's setuid() and setgid() use setuid
 *     and setgid, which are notified, and so do su-exec and gosu; a
 *     program calling setresuid() directly is missed;
 *   setgroups: CAP_SETGID, usually seen anyway through the setgid that
 *     follows it;
 *   tgkill, tkill: CAP_KILL for a signal to another user's thread;
 *     programs signal other processes with kill, which is notified;
 *   capset: nothing is inferred from it (it only lowers or reshuffles
 *     what the process has).
 * setuid and setgid stay notified although runc 1.1 switches user with
 * them (its system.Setuid is the raw setuid syscall): with noNewPrivileges
 * runc does that before installing the filter. Without it, runc would make
 * them inside the filter before the hand-over and hang; harden_learn()
 * always sets noNewPrivileges, and this list relies on it.
 * The "32" names are 32-bit x86's: a 64-bit runtime never makes them,
 * so they are notified. socketpair is not: a pair of unix sockets implies
 * no capability and no network fact. Neither is socketcall, 32-bit x86's
 * multiplexer of socket calls (its arguments are behind a pointer, and
 * 32-bit programs rarely bind low ports): learn such workloads' network
 * needs by hand. */
static const char *const notify_names[] = {
    "bind",        "connect",  "socket",   "chown",    "fchown",     "lchown",     "fchownat",   "chown32",
    "fchown32",    "lchown32", "setuid",   "setuid32", "setreuid",   "setreuid32", "setfsuid",   "setfsuid32",
    "setresuid32", "setgid",   "setgid32", "setregid", "setregid32", "setfsgid",   "setfsgid32", "setresgid32",
    "setgroups32", "kill",     "mknod",    "mknodat",  "chroot",     "mkdir",      "mkdirat",    NULL,
};

bool learn_always_notify(const char *name) {
  /* Never a baseline syscall, whatever the list above says. */
  return in_list(notify_names, name) && !in_list(learn_runtime_baseline, name);
}

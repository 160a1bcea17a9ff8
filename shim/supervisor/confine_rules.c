/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor's own filter and capabilities, as rules (confine.h).
 *
 * What it keeps was measured, not guessed: strace -f of supervisors through
 * the integration suites (execs allowed and denied, drift, fileless, kill
 * and freeze actions, rate limiting, syslog, learning with its recording,
 * new mounts marked, stop), and for the capabilities, each one dropped in
 * turn with those suites run again (docs/security.md has the results).
 *
 * This file is compiled twice: into the supervisor's library (the unit
 * tests build the filter from it), and into the build's generator
 * (scripts/gen-confine-bpf.c), which writes the program libseccomp makes
 * of it to $(B)/confine_bpf.h; the supervisor loads that (confine.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <seccomp.h>

#include "stockade/compat.h"

#include "confine.h"

/* Why each capability stays:
 * - CAP_SYS_ADMIN: fanotify_mark(FAN_MARK_MOUNT) on the container's mounts,
 *   again whenever a new mount appears (the kernel checks at each mark).
 * - CAP_SYS_PTRACE: the container's processes run as other users (and are
 *   not dumpable): /proc/<pid>/root, cwd, fd/N and ns/pid, and
 *   process_vm_readv of the exec's path and argv (and, learning, of
 *   syscall arguments) need ptrace access to them.
 * - CAP_DAC_READ_SEARCH: /proc/<pid>/fd of a container process is a
 *   directory of mode 0500 owned by that process's user; the fileless
 *   check reads its links (without it, execveat of a memfd is no longer
 *   recognised as one). It grants reading and searching, no write.
 * - CAP_KILL: the "kill" action and "freeze" falling back to it signal the
 *   container's init, which belongs to another user. */
const int confine_caps[] = {CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, CAP_KILL};
const size_t confine_n_caps = sizeof(confine_caps) / sizeof(confine_caps[0]);

/* The event loop's syscalls, by what needs them. */
const char *const confine_syscalls[] = {
    /* the loop: epoll over the socket, listeners, fanotify, pidfds, signalfd */
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "accept4", "recvmsg", "recvfrom", "poll", "ppoll", "read",
    "readv", "write", "writev", "pread64", "lseek", "close",
    /* seccomp notifications: the target's memory (path, argv, arguments) */
    "process_vm_readv",
    /* files: /proc/<pid>/..., the container's files through openat2
     * RESOLVE_IN_ROOT, the event file and log, the recording (a temporary
     * file renamed over it), /sys/fs/cgroup freezer files */
    "openat", "openat2", "newfstatat", "fstat", "statx", "readlink", "readlinkat", "getdents64", "fcntl", "fchmod",
    /* the exec path's walk: is a directory on procfs, is a mount noexec */
    "fstatfs", "rename", "renameat", "renameat2", "unlink", "unlinkat", "fsync", "fdatasync",
    /* fanotify: marks on mounts that appear later */
    "fanotify_mark",
    /* the container's init, the runtime (pidfds); the kill action */
    "pidfd_open", "pidfd_send_signal",
    /* syslog: a datagram to the configured socket; its hostname */
    "sendto", "uname",
    /* memory (executable mappings only under the conditions below) */
    "brk", "munmap", "mremap", "madvise",
    /* time, ids, randomness (mkostemp's names) */
    "clock_gettime", "clock_getres", "gettimeofday", "time", "getpid", "gettid", "getrandom",
    /* signals and the end (sigaltstack: the sanitizers, at exit) */
    "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall", "futex", "exit", "exit_group"};
const size_t confine_n_syscalls = sizeof(confine_syscalls) / sizeof(confine_syscalls[0]);

const char *const confine_syscalls_conditional[] = {"ioctl", "socket", "mmap", "mprotect", "tgkill"};
const size_t confine_n_syscalls_conditional =
    sizeof(confine_syscalls_conditional) / sizeof(confine_syscalls_conditional[0]);

static int add(scmp_filter_ctx f, const char *name, unsigned n, const struct scmp_arg_cmp *cmp, struct sk_error **err) {
  int nr = seccomp_syscall_resolve_name(name), r;
  if (nr == __NR_SCMP_ERROR)
    return sk_error_set(err, EINVAL, "supervisor filter: syscall \"%s\" unknown to libseccomp here", name);
  r = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, nr, n, cmp);
  if (r < 0)
    return sk_error_set(err, -r, "supervisor filter: cannot add %s", name);
  return 0;
}

int confine_filter(const struct confine_opts *o, scmp_filter_ctx *out, struct sk_error **err) {
  /* ioctl: only the seccomp user-notify requests, on any fd (the command
   * is 32 bits; the upper half of the register is not looked at). */
  static const unsigned long ioctls[] = {SECCOMP_IOCTL_NOTIF_RECV, SECCOMP_IOCTL_NOTIF_SEND,
                                         SECCOMP_IOCTL_NOTIF_ID_VALID, SECCOMP_IOCTL_NOTIF_SET_FLAGS};
  scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
  size_t i;
  int r;

  if (f == NULL)
    return sk_error_set(err, ENOMEM, "supervisor filter");
  /* Another architecture's syscalls (int 0x80, x32) end the process too. */
  r = seccomp_attr_set(f, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (r < 0) {
    seccomp_release(f);
    return sk_error_set(err, -r, "supervisor filter: bad-architecture action");
  }
  for (i = 0; i < confine_n_syscalls; i++)
    if (add(f, confine_syscalls[i], 0, NULL, err) < 0)
      goto fail;
  for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
    struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, ioctls[i]);
    if (add(f, "ioctl", 1, &c, err) < 0)
      goto fail;
  }
  {
    struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
    if (add(f, "socket", 1, &c, err) < 0)
      goto fail;
  }
  {
    /* Memory, never executable: no code is ever loaded after this. */
    struct scmp_arg_cmp c = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
    struct scmp_arg_cmp k[2] = {SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)o->self), SCMP_A2(SCMP_CMP_EQ, SIGABRT)};
    if (add(f, "mmap", 1, &c, err) < 0 || add(f, "mprotect", 1, &c, err) < 0)
      goto fail;
    /* abort() (a failed check of _FORTIFY_SOURCE) signals itself. */
    if (add(f, "tgkill", 2, k, err) < 0)
      goto fail;
  }
  *out = f;
  return 0;
fail:
  seccomp_release(f);
  return -1;
}

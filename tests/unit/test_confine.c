/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/supervisor/confine.c: the supervisor's own filter
 * builds, is the program the build made, lists what its loop needs and
 * none of what an attacker wants, and, loaded into a child process as the
 * supervisor loads it, really kills on a forbidden syscall (SIGSYS) and
 * lets the allowed ones through. confine_self in a child:
 * its /proc/self/status shows NoNewPrivs, Seccomp 2 and the kept
 * capabilities, nothing more. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "confine.h"
#include "confine_bpf.h"
#include "valgrind.h"

static bool listed(const char *name) {
  size_t i;
  for (i = 0; i < confine_n_syscalls; i++)
    if (strcmp(confine_syscalls[i], name) == 0)
      return true;
  for (i = 0; i < confine_n_syscalls_conditional; i++)
    if (strcmp(confine_syscalls_conditional[i], name) == 0)
      return true;
  return false;
}

/* What must never be allowed: new programs, other processes' control,
 * mounts and namespaces, file handles (open_by_handle_at escapes a mount
 * namespace), kernel code and bpf, writing another process's memory,
 * taking fds from others, changing ids or capabilities, new filters. */
static const char *const forbidden[] = {"execve",
                                        "execveat",
                                        "ptrace",
                                        "mount",
                                        "umount2",
                                        "open_by_handle_at",
                                        "name_to_handle_at",
                                        "init_module",
                                        "finit_module",
                                        "delete_module",
                                        "bpf",
                                        "kexec_load",
                                        "kexec_file_load",
                                        "setns",
                                        "unshare",
                                        "clone",
                                        "clone3",
                                        "fork",
                                        "vfork",
                                        "pivot_root",
                                        "chroot",
                                        "setuid",
                                        "setgid",
                                        "setresuid",
                                        "capset",
                                        "prctl",
                                        "seccomp",
                                        "keyctl",
                                        "add_key",
                                        "userfaultfd",
                                        "perf_event_open",
                                        "process_vm_writev",
                                        "pidfd_getfd",
                                        "memfd_create",
                                        "connect",
                                        "bind",
                                        "listen",
                                        "kill",
                                        "reboot",
                                        "swapon",
                                        "mknodat",
                                        "chmod",
                                        "chown",
                                        "fchownat",
                                        "symlinkat",
                                        "linkat",
                                        "io_uring_setup",
                                        "fsopen",
                                        "move_mount",
                                        "open_tree",
                                        "mount_setattr",
                                        "iopl",
                                        "ioperm",
                                        "personality"};

static void test_filter_builds(void **state) {
  struct confine_opts o = {.self = getpid()};
  cleanup_error struct sk_error *err = NULL;
  scmp_filter_ctx f = NULL;
  (void)state;
  if (confine_filter(&o, &f, &err) < 0)
    fail_msg("confine_filter: %s", err->msg);
  assert_non_null(f);
  seccomp_release(f);
}

static void test_lists(void **state) {
  static const char *const needed[] = {
      "epoll_wait", "epoll_ctl", "accept4",  "recvmsg",          "ioctl",         "read",       "write",
      "openat2",    "openat",    "readlink", "process_vm_readv", "fanotify_mark", "pidfd_open", "pidfd_send_signal",
      "sendto",     "socket",    "rename",   "exit_group",       "mmap"};
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
    if (!listed(needed[i]))
      fail_msg("the supervisor's filter lacks %s, which its loop needs", needed[i]);
  for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
    if (listed(forbidden[i]))
      fail_msg("the supervisor's filter allows %s", forbidden[i]);
  /* The capabilities kept are exactly these four. */
  assert_int_equal(confine_n_caps, 4);
}

/* The program the build made (confine_bpf.h) is the one libseccomp makes
 * of the rules now, placeholder pid and all: the header is not stale. */
static void test_built_program(void **state) {
  struct confine_opts o = {.self = (pid_t)CONFINE_PID_MARK};
  cleanup_error struct sk_error *err = NULL;
  scmp_filter_ctx f = NULL;
  cleanup_fclose FILE *tmp = tmpfile();
  struct sock_filter insn;
  size_t n = 0;
  (void)state;
  assert_non_null(tmp);
  if (confine_filter(&o, &f, &err) < 0)
    fail_msg("confine_filter: %s", err->msg);
  assert_int_equal(seccomp_export_bpf(f, fileno(tmp)), 0);
  seccomp_release(f);
  rewind(tmp);
  while (fread(&insn, sizeof(insn), 1, tmp) == 1) {
    assert_true(n < sizeof(confine_bpf) / sizeof(confine_bpf[0]));
    if (memcmp(&insn, &confine_bpf[n], sizeof(insn)) != 0)
      fail_msg("instruction %zu of the built program differs from libseccomp's now: rebuild", n);
    n++;
  }
  assert_int_equal(n, sizeof(confine_bpf) / sizeof(confine_bpf[0]));
}

/* The pid goes where the placeholder is, and only where there is exactly
 * one: none (a program built some other way) or two are refused. */
static void test_pin(void **state) {
  struct sock_filter prog[sizeof(confine_bpf) / sizeof(confine_bpf[0])];
  struct sock_filter two[3] = {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CONFINE_PID_MARK, 0, 0),
                               BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CONFINE_PID_MARK, 0, 0),
                               BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)};
  struct sock_filter none[2] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, CONFINE_PID_MARK),
                                BPF_STMT(BPF_RET | BPF_K, CONFINE_PID_MARK)};
  struct sk_error *err = NULL;
  size_t i, changed = 0;
  (void)state;
  memcpy(prog, confine_bpf, sizeof(prog));
  assert_int_equal(confine_filter_pin(prog, sizeof(prog) / sizeof(prog[0]), 4321, &err), 0);
  for (i = 0; i < sizeof(prog) / sizeof(prog[0]); i++) {
    assert_int_not_equal(prog[i].k, CONFINE_PID_MARK);
    if (memcmp(&prog[i], &confine_bpf[i], sizeof(prog[i])) != 0) {
      assert_int_equal(prog[i].k, 4321);
      assert_int_equal(confine_bpf[i].k, CONFINE_PID_MARK);
      changed++;
    }
  }
  assert_int_equal(changed, 1);
  assert_int_equal(confine_filter_pin(two, 3, 4321, &err), -1);
  assert_non_null(strstr(err->msg, "in 2 places, not 1"));
  sk_error_free(&err);
  assert_int_equal(confine_filter_pin(none, 2, 4321, &err), -1);
  assert_non_null(strstr(err->msg, "in 0 places, not 1"));
  sk_error_free(&err);
}

/* Run fn in a child under the supervisor's filter as the supervisor loads
 * it (not its capabilities); returns the child's wait status. */
static int in_filtered_child(void (*fn)(void *), void *arg) {
  pid_t pid = fork(), w;
  int status = 0;
  assert_true(pid >= 0);
  if (pid == 0) {
    struct sk_error *err = NULL;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || confine_filter_load(getpid(), &err) < 0)
      _exit(99);
    fn(arg);
    _exit(0);
  }
  do
    w = waitpid(pid, &status, 0);
  while (w < 0 && errno == EINTR);
  assert_int_equal(w, pid);
  return status;
}

static void call_nr(void *arg) {
  long nr = *(long *)arg;
  /* Arguments that would fail harmlessly if the call got through. */
  syscall(nr, -1L, 0L, 0L, 0L, 0L, 0L);
}

static void assert_killed(int status, const char *what) {
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
    fail_msg("%s under the supervisor's filter: %s %d, expected death by SIGSYS", what,
             WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static void assert_survived(int status, const char *what) {
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail_msg("%s under the supervisor's filter: %s %d, expected exit 0", what, WIFSIGNALED(status) ? "signal" : "exit",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static void test_forbidden_kill(void **state) {
  size_t i;
  (void)state;
  SKIP_UNDER_VALGRIND("seccomp(2)");
  for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
    long nr = seccomp_syscall_resolve_name(forbidden[i]);
    if (nr < 0) /* not a syscall of this architecture (fork on arm64) */
      continue;
    assert_killed(in_filtered_child(call_nr, &nr), forbidden[i]);
  }
}

static void call_allowed(void *arg) {
  int sv;
  void *p;
  (void)arg;
  if (getpid() <= 0 || close(-1) == 0)
    _exit(1);
  if (ioctl(-1, SECCOMP_IOCTL_NOTIF_ID_VALID, NULL) == 0 || errno != EBADF)
    _exit(2);
  sv = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sv < 0)
    _exit(3);
  p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || munmap(p, 4096) < 0)
    _exit(4);
  if (open("/proc/self/status", O_RDONLY | O_CLOEXEC) < 0)
    _exit(5);
}

static void call_tcgets(void *arg) {
  struct termios t;
  (void)arg;
  ioctl(0, TCGETS, &t);
}

static void call_inet(void *arg) {
  (void)arg;
  socket(AF_INET, SOCK_STREAM, 0);
}

static void call_mmap_exec(void *arg) {
  (void)arg;
  mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void call_mprotect_exec(void *arg) {
  static char page[8192] __attribute__((aligned(4096)));
  (void)arg;
  mprotect(page, 4096, PROT_READ | PROT_EXEC);
}

static void call_tgkill_other(void *arg) {
  (void)arg;
  syscall(SYS_tgkill, 1, 1, SIGKILL);
}

static void call_abort(void *arg) {
  (void)arg;
  syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGABRT);
}

static void call_exec(void *arg) {
  static char *const argv[] = {"/bin/true", NULL};
  (void)arg;
  execve(argv[0], argv, argv + 1);
}

static void test_conditions(void **state) {
  (void)state;
  SKIP_UNDER_VALGRIND("seccomp(2)");
  assert_survived(in_filtered_child(call_allowed, NULL), "the loop's own calls");
  assert_killed(in_filtered_child(call_tcgets, NULL), "ioctl(TCGETS)");
  assert_killed(in_filtered_child(call_inet, NULL), "socket(AF_INET)");
  assert_killed(in_filtered_child(call_mmap_exec, NULL), "mmap(PROT_EXEC)");
  assert_killed(in_filtered_child(call_mprotect_exec, NULL), "mprotect(PROT_EXEC)");
  assert_killed(in_filtered_child(call_tgkill_other, NULL), "tgkill of another process");
  {
    /* abort(): SIGABRT to itself goes through (its own pid is pinned) */
    int st = in_filtered_child(call_abort, NULL);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
      fail_msg("tgkill(itself, SIGABRT) under the supervisor's filter: %s %d, expected death by SIGABRT",
               WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  }
  assert_killed(in_filtered_child(call_exec, NULL), "execve(/bin/true)");
}

/* The status line's value ("NoNewPrivs:\t1" -> "1"). */
static void status_field(const char *text, const char *key, char *out, size_t size) {
  const char *p = strstr(text, key);
  size_t n;
  out[0] = '\0';
  if (p == NULL)
    return;
  p += strlen(key);
  p += strspn(p, " \t");
  n = strcspn(p, "\n");
  snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

/* CAP_NET_RAW into the inheritable and ambient sets (a root process has it
 * permitted), so that confine_self has something to clear there. */
static int raise_inheritable_ambient(void) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
  if (syscall(SYS_capget, &h, d) < 0)
    return -1;
  d[CAP_TO_INDEX(CAP_NET_RAW)].inheritable |= CAP_TO_MASK(CAP_NET_RAW);
  if (syscall(SYS_capset, &h, d) < 0)
    return -1;
  return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0);
}

static void test_confine_self(void **state) {
  int pfd[2], status;
  char text[8192], v[64], want[32];
  ssize_t n, got = 0;
  unsigned long long mask = 0;
  pid_t pid;
  size_t i;
  (void)state;
  SKIP_UNDER_VALGRIND("seccomp(2)");
  if (geteuid() != 0)
    skip();
  assert_int_equal(pipe(pfd), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    struct sk_error *err = NULL;
    int fd;
    close(pfd[0]);
    if (raise_inheritable_ambient() < 0) {
      dprintf(pfd[1], "cannot raise CAP_NET_RAW in the inheritable and ambient sets: %s", strerror(errno));
      _exit(1);
    }
    if (confine_self(&err) < 0) {
      dprintf(pfd[1], "confine_self: %s", err->msg);
      _exit(1);
    }
    fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    while (fd >= 0 && (n = read(fd, text, sizeof(text))) > 0)
      if (write(pfd[1], text, (size_t)n) != n)
        _exit(2);
    _exit(0);
  }
  close(pfd[1]);
  while ((n = read(pfd[0], text + got, sizeof(text) - 1 - (size_t)got)) > 0)
    got += n;
  text[got] = '\0';
  close(pfd[0]);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail_msg("the confined child failed (status %#x): %s", status, text);
  for (i = 0; i < confine_n_caps; i++)
    mask |= 1ULL << confine_caps[i];
  snprintf(want, sizeof(want), "%016llx", mask);
  status_field(text, "NoNewPrivs:", v, sizeof(v));
  assert_string_equal(v, "1");
  status_field(text, "Seccomp:", v, sizeof(v));
  assert_string_equal(v, "2");
  status_field(text, "CapEff:", v, sizeof(v));
  assert_string_equal(v, want);
  status_field(text, "CapPrm:", v, sizeof(v));
  assert_string_equal(v, want);
  status_field(text, "CapBnd:", v, sizeof(v));
  assert_string_equal(v, want);
  status_field(text, "CapInh:", v, sizeof(v));
  assert_string_equal(v, "0000000000000000");
  status_field(text, "CapAmb:", v, sizeof(v));
  assert_string_equal(v, "0000000000000000");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_filter_builds), cmocka_unit_test(test_built_program),  cmocka_unit_test(test_pin),
      cmocka_unit_test(test_lists),         cmocka_unit_test(test_forbidden_kill), cmocka_unit_test(test_conditions),
      cmocka_unit_test(test_confine_self),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

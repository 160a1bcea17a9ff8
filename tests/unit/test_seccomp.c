/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/lib/policy/seccomp.c: the shipped default document, validation
 * messages, architectures, generation, intersection and the libseccomp dry
 * run. One test loads the default filter into a child process and checks
 * what the kernel does with it. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>

#include <cmocka.h>

#include "testutil.h"

#include "stockade/cleanup.h"
#include "stockade/json.h"
#include "stockade/seccomp.h"
#include "valgrind.h"

#include "seccomp_default.h"

/* ---- helpers --------------------------------------------------------------- */

static struct json *default_doc(void) {
  cleanup_error struct sk_error *err = NULL;
  struct json *doc = NULL;
  if (seccomp_default_doc(&doc, &err) < 0)
    fail_msg("seccomp_default_doc: %s", err->msg);
  return doc;
}

static void expect_valid(const struct json *doc) {
  cleanup_error struct sk_error *err = NULL;
  if (seccomp_validate(doc, &err) < 0)
    fail_msg("seccomp_validate: %s", err->msg);
}

static void expect_compiles(const struct json *doc) {
  cleanup_error struct sk_error *err = NULL;
  if (seccomp_compile_check(doc, &err) < 0)
    fail_msg("seccomp_compile_check: %s", err->msg);
}

/* The message seccomp_validate gives text; fails the test if it passes. */
static char *validate_error(const char *text) {
  cleanup_json struct json *doc = parse(text);
  cleanup_error struct sk_error *err = NULL;
  char *msg;
  if (seccomp_validate(doc, &err) == 0)
    fail_msg("seccomp_validate accepted:\n%s", text);
  assert_non_null(err);
  msg = strdup(err->msg);
  assert_non_null(msg);
  return msg;
}

static void expect_validate_error(const char *text, const char *want) {
  cleanup_free char *msg = validate_error(text);
  if (strcmp(msg, want) != 0)
    fail_msg("for\n%s\nwant: %s\ngot:  %s", text, want, msg);
}

static void expect_validate_error_has(const char *text, const char *want) {
  cleanup_free char *msg = validate_error(text);
  if (strstr(msg, want) == NULL)
    fail_msg("for\n%s\nwant a message containing: %s\ngot: %s", text, want, msg);
}

/* The architectures validation resolves names on when a document lists
 * none: the native one and its compat ones. */
static char *native_list(void) {
  uint32_t native = seccomp_arch_native();
  if (native == SCMP_ARCH_X86_64)
    return strdup("SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32");
  if (native == SCMP_ARCH_AARCH64)
    return strdup("SCMP_ARCH_AARCH64, SCMP_ARCH_ARM");
  fail_msg("this test knows the compat architectures of x86_64 and aarch64 only");
  return NULL;
}

static size_t count_rules(const struct json *doc) {
  const struct json *s = json_get(doc, "syscalls");
  return s ? s->n : 0;
}

static const struct json *rule_at(const struct json *doc, size_t i) { return json_get(doc, "syscalls")->items[i]; }

/* Rules of doc that name the syscall, up to max; returns how many. */
static size_t rules_for(const struct json *doc, const char *name, const struct json **out, size_t max) {
  const struct json *s = json_get(doc, "syscalls");
  size_t i, n = 0;
  for (i = 0; s && i < s->n; i++)
    if (json_array_has_string(json_get(s->items[i], "names"), name)) {
      if (n < max)
        out[n] = s->items[i];
      n++;
    }
  return n;
}

static bool has_args(const struct json *rule) {
  const struct json *a = json_get(rule, "args");
  return a && a->type == JSON_ARRAY && a->n > 0;
}

static int64_t int_of(const struct json *j) {
  int64_t v = -1;
  if (!json_int64(j, &v))
    fail_msg("expected an integer");
  return v;
}

static uint64_t u64_of(const struct json *j) {
  uint64_t v = 0;
  if (!json_uint64(j, &v))
    fail_msg("expected an unsigned integer");
  return v;
}

/* The one rule for name must be unconditional with this action (and errno,
 * or -1 for none given). */
static void expect_uncond(const struct json *doc, const char *name, const char *action, int64_t errno_ret) {
  const struct json *r[4];
  size_t n = rules_for(doc, name, r, 4);
  if (n != 1)
    fail_msg("%s: want exactly one rule, got %zu", name, n);
  if (has_args(r[0]))
    fail_msg("%s: want an unconditional rule, it has args", name);
  assert_string_equal(json_string(json_get(r[0], "action")), action);
  if (errno_ret < 0)
    assert_null(json_get(r[0], "errnoRet"));
  else
    assert_int_equal(int_of(json_get(r[0], "errnoRet")), errno_ret);
}

static void expect_no_rule(const struct json *doc, const char *name) {
  const struct json *r[1];
  size_t n = rules_for(doc, name, r, 1);
  if (n != 0)
    fail_msg("%s: want no rule (the default applies), got %zu", name, n);
}

/* arg i of rule: index, op, value, valueTwo */
static void expect_arg(const struct json *rule, size_t i, unsigned index, const char *op, uint64_t value,
                       uint64_t value_two) {
  const struct json *args = json_get(rule, "args");
  const struct json *a;
  assert_non_null(args);
  assert_true(i < args->n);
  a = args->items[i];
  assert_int_equal(int_of(json_get(a, "index")), index);
  assert_string_equal(json_string(json_get(a, "op")), op);
  assert_true(u64_of(json_get(a, "value")) == value);
  if (json_get(a, "valueTwo"))
    assert_true(u64_of(json_get(a, "valueTwo")) == value_two);
  else
    assert_true(value_two == 0);
}

static struct json *intersect(const char *ta, const char *tb) {
  cleanup_json struct json *a = ta ? parse(ta) : NULL;
  cleanup_json struct json *b = tb ? parse(tb) : NULL;
  cleanup_error struct sk_error *err = NULL;
  struct json *out = NULL;
  if (seccomp_intersect(a, b, &out, &err) < 0)
    fail_msg("seccomp_intersect: %s", err->msg);
  return out;
}

static char *gen(const struct json *j) {
  cleanup_error struct sk_error *err = NULL;
  char *s = NULL;
  assert_int_equal(json_gen(j, &s, NULL, &err), 0);
  return s;
}

/* Everything the brief forbids in the default allow-list, and the variants
 * of the same operations on other ABIs. */
static const char *const forbidden[] = {"unshare",
                                        "setns",
                                        "mount",
                                        "umount",
                                        "umount2",
                                        "pivot_root",
                                        "keyctl",
                                        "add_key",
                                        "request_key",
                                        "ptrace",
                                        "process_vm_readv",
                                        "process_vm_writev",
                                        "bpf",
                                        "perf_event_open",
                                        "kexec_load",
                                        "kexec_file_load",
                                        "init_module",
                                        "finit_module",
                                        "delete_module",
                                        "open_by_handle_at",
                                        "name_to_handle_at",
                                        "swapon",
                                        "swapoff",
                                        "reboot",
                                        "acct",
                                        "settimeofday",
                                        "clock_settime",
                                        "clock_settime64",
                                        "stime",
                                        "clock_adjtime",
                                        "clock_adjtime64",
                                        "adjtimex",
                                        "syslog",
                                        "userfaultfd",
                                        "lookup_dcookie",
                                        "quotactl",
                                        "quotactl_fd",
                                        "vhangup",
                                        "fsopen",
                                        "fsconfig",
                                        "fsmount",
                                        "fspick",
                                        "move_mount",
                                        "open_tree",
                                        "mount_setattr",
                                        "iopl",
                                        "ioperm",
                                        "create_module",
                                        "get_kernel_syms",
                                        "query_module",
                                        "nfsservctl",
                                        "uselib",
                                        "ustat",
                                        "sysfs",
                                        "_sysctl",
                                        "kcmp",
                                        "io_uring_setup",
                                        "io_uring_enter",
                                        "io_uring_register",
                                        "pidfd_getfd",
                                        "process_madvise",
                                        "fanotify_init",
                                        "fanotify_mark",
                                        "sethostname",
                                        "setdomainname",
                                        "chroot",
                                        "modify_ldt",
                                        NULL};

/* ---- the default document ---------------------------------------------------- */

static void test_default_validates_and_compiles(void **state) {
  cleanup_json struct json *doc = default_doc();
  (void)state;
  expect_valid(doc);
  expect_compiles(doc);
  assert_string_equal(json_string(json_get(doc, "defaultAction")), "SCMP_ACT_ERRNO");
  assert_int_equal(int_of(json_get(doc, "defaultErrnoRet")), 1);
  /* the architectures come from the spec when the filter is generated */
  assert_null(json_get(doc, "architectures"));
}

/* The file itself, before the per-machine filtering: only the fields runc
 * takes, and every name a real syscall of some architecture. */
static const char *const every_arch[] = {
    "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",       "SCMP_ARCH_ARM",     "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",        "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",    "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_S390",        "SCMP_ARCH_S390X"};

static void test_default_file_is_clean(void **state) {
  static const char *const top[] = {"defaultAction", "defaultErrnoRet", "syscalls"};
  static const char *const rule[] = {"names", "action", "errnoRet", "args"};
  cleanup_json struct json *raw = parse(seccomp_default_json);
  cleanup_json struct json *all = NULL;
  cleanup_json struct json *archs = json_new(JSON_ARRAY);
  const struct json *s = json_get(raw, "syscalls");
  size_t i, k, t;
  (void)state;

  for (i = 0; i < raw->n; i++) {
    for (t = 0; t < 3 && strcmp(raw->keys[i], top[t]) != 0; t++)
      ;
    if (t == 3)
      fail_msg("default.json: unexpected top-level field %s", raw->keys[i]);
  }
  assert_non_null(s);
  for (i = 0; i < s->n; i++)
    for (k = 0; k < s->items[i]->n; k++) {
      for (t = 0; t < 4 && strcmp(s->items[i]->keys[k], rule[t]) != 0; t++)
        ;
      if (t == 4)
        fail_msg("default.json: syscalls[%zu] has field %s", i, s->items[i]->keys[k]);
    }
  /* Validated against every architecture this libseccomp knows, each name
   * must resolve somewhere: no typos, no names libseccomp has never heard of. */
  all = json_copy(raw);
  assert_non_null(all);
  for (i = 0; i < sizeof(every_arch) / sizeof(every_arch[0]); i++)
    assert_int_equal(json_append(archs, json_new_string(every_arch[i])), 0);
  assert_int_equal(json_set(all, "architectures", steal_pointer(&archs)), 0);
  expect_valid(all);
}

static void test_default_has_no_forbidden_syscall(void **state) {
  cleanup_json struct json *doc = default_doc();
  cleanup_json struct json *raw = parse(seccomp_default_json);
  size_t i;
  (void)state;
  for (i = 0; forbidden[i]; i++) {
    const struct json *r[1];
    if (rules_for(raw, forbidden[i], r, 1) != 0)
      fail_msg("default.json lists the forbidden syscall %s", forbidden[i]);
    expect_no_rule(doc, forbidden[i]);
  }
}

/* The hot calls and what runc and crun do between installing the filter and
 * exec'ing the entrypoint: unconditional, so the kernel's action cache
 * answers them without running the filter. */
static void test_default_hot_syscalls_unconditional(void **state) {
  static const char *const hot[] = {"read",
                                    "write",
                                    "getppid",
                                    "getpid",
                                    "futex",
                                    "close",
                                    "execve",
                                    "execveat",
                                    "fcntl",
                                    "openat",
                                    "newfstatat",
                                    "fstat",
                                    "getdents64",
                                    "prctl",
                                    "capget",
                                    "capset",
                                    "setuid",
                                    "setgid",
                                    "setgroups",
                                    "setresuid",
                                    "setresgid",
                                    "mmap",
                                    "munmap",
                                    "mprotect",
                                    "brk",
                                    "madvise",
                                    "rt_sigaction",
                                    "rt_sigprocmask",
                                    "rt_sigreturn",
                                    "sigaltstack",
                                    "set_robust_list",
                                    "rseq",
                                    "epoll_pwait",
                                    "epoll_ctl",
                                    "epoll_create1",
                                    "nanosleep",
                                    "sched_yield",
                                    "tgkill",
                                    "gettid",
                                    "wait4",
                                    "waitid",
                                    "exit_group",
                                    "exit",
                                    "pipe2",
                                    "dup3",
                                    "lseek",
                                    "pread64",
                                    "writev",
                                    "clock_gettime",
                                    "getrandom",
                                    "sendmsg",
                                    "recvmsg",
                                    "close_range",
                                    "set_tid_address",
                                    "prlimit64",
                                    "uname",
                                    NULL};
  cleanup_json struct json *doc = default_doc();
  size_t i;
  (void)state;
  for (i = 0; hot[i]; i++)
    expect_uncond(doc, hot[i], "SCMP_ACT_ALLOW", -1);
#if defined(__x86_64__)
  expect_uncond(doc, "arch_prctl", "SCMP_ACT_ALLOW", -1); /* glibc and Go set %fs with it */
  expect_no_rule(doc, "set_tls");                         /* an ARM call: filtered out here */
#endif
}

static void test_default_clone_and_clone3(void **state) {
  cleanup_json struct json *doc = default_doc();
  const struct json *r[4];
  uint32_t native = seccomp_arch_native();
  (void)state;
  assert_int_equal(rules_for(doc, "clone", r, 4), 1);
  assert_string_equal(json_string(json_get(r[0], "action")), "SCMP_ACT_ALLOW");
  assert_int_equal(json_get(r[0], "args")->n, 1);
  /* no CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET; s390 passes the flags second */
  expect_arg(r[0], 0, native == SCMP_ARCH_S390X || native == SCMP_ARCH_S390 ? 1 : 0, "SCMP_CMP_MASKED_EQ", 0x7E020000,
             0);
  /* glibc falls back to clone only on ENOSYS */
  expect_uncond(doc, "clone3", "SCMP_ACT_ERRNO", 38);
}

static void test_default_personality_and_socket(void **state) {
  static const uint64_t safe[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
  cleanup_json struct json *doc = default_doc();
  const struct json *r[8];
  size_t n = rules_for(doc, "personality", r, 8), i, k;
  (void)state;
  assert_int_equal(n, 5);
  for (i = 0; i < n; i++) {
    uint64_t v;
    assert_true(has_args(r[i]));
    assert_int_equal(json_get(r[i], "args")->n, 1);
    assert_string_equal(json_string(json_get(r[i], "action")), "SCMP_ACT_ALLOW");
    v = u64_of(json_get(json_get(r[i], "args")->items[0], "value"));
    for (k = 0; k < 5 && safe[k] != v; k++)
      ;
    if (k == 5)
      fail_msg("personality allows 0x%" PRIx64, v);
    expect_arg(r[i], 0, 0, "SCMP_CMP_EQ", v, 0);
  }
  assert_int_equal(rules_for(doc, "socket", r, 8), 1);
  expect_arg(r[0], 0, 0, "SCMP_CMP_NE", 40 /* AF_VSOCK */, 0);
}

/* ---- the default filter in the kernel -------------------------------------------- */

/* Build and load doc the way runc does it (native name, rules in order,
 * skip rules with the default action). Runs in the child. */
static uint32_t action_of(const struct json *act, const struct json *ret) {
  const char *a = json_string(act);
  int64_t r = EPERM;
  if (ret)
    json_int64(ret, &r);
  if (strcmp(a, "SCMP_ACT_ALLOW") == 0)
    return SCMP_ACT_ALLOW;
  if (strcmp(a, "SCMP_ACT_ERRNO") == 0)
    return SCMP_ACT_ERRNO((uint32_t)r);
  if (strcmp(a, "SCMP_ACT_LOG") == 0)
    return SCMP_ACT_LOG;
  return SCMP_ACT_KILL_PROCESS;
}

static int load_like_runc(const struct json *doc) {
  uint32_t def = action_of(json_get(doc, "defaultAction"), json_get(doc, "defaultErrnoRet"));
  scmp_filter_ctx ctx = seccomp_init(def);
  const struct json *s = json_get(doc, "syscalls");
  size_t i, k, a;
  int rc;
  if (ctx == NULL)
    return -1;
  for (i = 0; i < s->n; i++) {
    const struct json *rule = s->items[i], *args = json_get(rule, "args");
    uint32_t act = action_of(json_get(rule, "action"), json_get(rule, "errnoRet"));
    struct scmp_arg_cmp cmp[6];
    size_t n = args ? args->n : 0;
    if (act == def)
      continue;
    for (a = 0; a < n; a++) {
      const struct json *arg = args->items[a];
      const char *op = json_string(json_get(arg, "op"));
      cmp[a].arg = (unsigned)u64_of(json_get(arg, "index"));
      cmp[a].op = strcmp(op, "SCMP_CMP_EQ") == 0   ? SCMP_CMP_EQ
                  : strcmp(op, "SCMP_CMP_NE") == 0 ? SCMP_CMP_NE
                                                   : SCMP_CMP_MASKED_EQ;
      cmp[a].datum_a = u64_of(json_get(arg, "value"));
      cmp[a].datum_b = json_get(arg, "valueTwo") ? u64_of(json_get(arg, "valueTwo")) : 0;
    }
    for (k = 0; k < json_get(rule, "names")->n; k++) {
      int nr = seccomp_syscall_resolve_name(json_get(rule, "names")->items[k]->str);
      if (nr == __NR_SCMP_ERROR)
        continue;
      rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, cmp);
      if (rc < 0)
        return -2;
    }
  }
  rc = seccomp_load(ctx);
  seccomp_release(ctx);
  return rc < 0 ? -1 : 0;
}

#define DENIED 1234 /* the test filter's default errno: it can only come from our filter */

/* Returns 0 or the number of the first check that failed. */
static int probe(void) {
  int fd, st;
  pid_t pid;
  long r;

  if (getppid() <= 0)
    return 1;
  errno = 0;
  if (syscall(SYS_unshare, CLONE_NEWUSER) != -1 || errno != DENIED)
    return 2;
  errno = 0;
  if (syscall(SYS_setns, -1, 0) != -1 || errno != DENIED)
    return 3;
  errno = 0;
  if (syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL) != -1 || errno != DENIED)
    return 4;
  errno = 0;
  if (syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0) != -1 || errno != DENIED)
    return 5;
  errno = 0;
  if (syscall(SYS_keyctl, 0, -2, 0) != -1 || errno != DENIED)
    return 6;
#ifdef SYS_io_uring_setup
  errno = 0;
  if (syscall(SYS_io_uring_setup, 1, NULL) != -1 || errno != DENIED)
    return 7;
#endif
#ifdef SYS_clone3
  errno = 0;
  if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
    return 8;
#endif
  /* clone with a namespace flag is refused; plain fork works */
  errno = 0;
#if defined(__s390x__) || defined(__s390__)
  r = syscall(SYS_clone, 0, CLONE_NEWUSER | SIGCHLD, 0, 0, 0);
#else
  r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
#endif
  if (r == 0)
    _exit(0);
  if (r != -1 || errno != DENIED)
    return 9;
  pid = fork();
  if (pid == 0)
    _exit(7);
  if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
    return 10;
  if (syscall(SYS_personality, 0xffffffffUL) == -1)
    return 11;
  errno = 0;
  if (syscall(SYS_personality, 0x0040000UL /* ADDR_NO_RANDOMIZE */) != -1 || errno != DENIED)
    return 12;
  errno = 0;
  if (socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) != -1 || errno != DENIED)
    return 13;
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 14;
  close(fd);
  return 0;
}

static void test_default_filter_in_kernel(void **state) {
  static const char *const what[] = {"",
                                     "getppid failed",
                                     "unshare(CLONE_NEWUSER) was not denied",
                                     "setns was not denied",
                                     "mount was not denied",
                                     "ptrace was not denied",
                                     "keyctl was not denied",
                                     "io_uring_setup was not denied",
                                     "clone3 did not fail with ENOSYS",
                                     "clone(CLONE_NEWUSER) was not denied",
                                     "fork failed",
                                     "personality(0xffffffff) failed",
                                     "personality(ADDR_NO_RANDOMIZE) was not denied",
                                     "socket(AF_VSOCK) was not denied",
                                     "socket(AF_UNIX) failed"};
  cleanup_json struct json *doc = NULL;
  int st;
  pid_t pid;
  (void)state;
  SKIP_UNDER_VALGRIND("seccomp(2)");
  doc = default_doc();
  assert_int_equal(json_set(doc, "defaultErrnoRet", json_new_int(DENIED)), 0);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int rc = load_like_runc(doc);
    if (rc == -2)
      _exit(98);
    if (rc < 0)
      _exit(99);
    _exit(probe());
  }
  assert_int_equal(waitpid(pid, &st, 0), pid);
  if (!WIFEXITED(st))
    fail_msg("the filtered child was killed by signal %d", WTERMSIG(st));
  if (WEXITSTATUS(st) == 99) {
    print_message("seccomp_load failed here: this kernel or sandbox cannot load seccomp filters\n");
    skip();
  }
  if (WEXITSTATUS(st) == 98)
    fail_msg("libseccomp refused a rule of the default document");
  if (WEXITSTATUS(st) != 0)
    fail_msg("under the default filter: %s",
             WEXITSTATUS(st) < (int)(sizeof(what) / sizeof(what[0])) ? what[WEXITSTATUS(st)] : "?");
}

/* ---- validation ------------------------------------------------------------------- */

static void test_validate_unknown_syscall(void **state) {
  const char *text = "{\n"
                     "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                     "  \"syscalls\": [\n"
                     "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
                     "    {\"names\": [\"write\", \"mknodat2\"], \"action\": \"SCMP_ACT_ALLOW\"}\n"
                     "  ]\n"
                     "}\n";
  cleanup_free char *list = native_list();
  cleanup_free char *want = NULL;
  (void)state;
  assert_true(
      asprintf(&want, "syscalls[1].names[1]: unknown syscall \"mknodat2\" on any of %s (line 5, column 25)", list) > 0);
  expect_validate_error(text, want);
}

static void test_validate_foreign_syscall(void **state) {
  (void)state;
  /* set_tls is ARM's; the document says it is for x86_64 only */
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\"],\n"
                        " \"syscalls\": [{\"names\": [\"set_tls\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                        "syscalls[0].names[0]: syscall \"set_tls\" does not exist on any of SCMP_ARCH_X86_64 (it is a "
                        "syscall of SCMP_ARCH_ARM) (line 2, column 26)");
  /* ... and fine when the document covers ARM */
  {
    cleanup_json struct json *doc =
        parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_ARM\"],"
              " \"syscalls\": [{\"names\": [\"set_tls\", \"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
    expect_valid(doc);
    expect_compiles(doc);
  }
}

static void test_validate_actions_and_errno(void **state) {
  (void)state;
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_DENY\"}",
                        "defaultAction: unknown action \"SCMP_ACT_DENY\"; expected one of SCMP_ACT_ALLOW, "
                        "SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, "
                        "SCMP_ACT_NOTIFY, SCMP_ACT_TRACE, SCMP_ACT_TRAP (line 1, column 19)");
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                        "  \"syscalls\": [{\"names\": [\"read\"], \"action\": \"allow\"}]}",
                        "syscalls[0].action: unknown action \"allow\"; expected one of SCMP_ACT_ALLOW, "
                        "SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, "
                        "SCMP_ACT_NOTIFY, SCMP_ACT_TRACE, SCMP_ACT_TRAP (line 2, column 46)");
  expect_validate_error("{\"syscalls\": []}", "defaultAction: missing; expected an action such as "
                                              "\"SCMP_ACT_ERRNO\" (line 1, column 1)");
  /* crun refuses an errno value on an action that has none */
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                        "\"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}",
                        "syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno value, not "
                        "SCMP_ACT_ALLOW (line 1, column 110)");
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 1}",
                        "defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno value, not "
                        "SCMP_ACT_KILL (line 1, column 55)");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 5000}",
                            "defaultErrnoRet: 5000 is not an errno number; expected 0 to 4095");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1.0}",
                            "defaultErrnoRet: 1.0 is not an errno number");
  /* runc refuses both: its own write() and every call would wait for an agent */
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
                            "defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"execve\", \"write\"], "
                        "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
                        "syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for write (runc would hang) (line 1, "
                        "column 71)");
}

static void test_validate_args(void **state) {
  (void)state;
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], "
                        "\"action\": \"SCMP_ACT_ALLOW\",\n"
                        "  \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQUAL\"}]}]}",
                        "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_EQUAL\"; expected one of SCMP_CMP_EQ, "
                        "SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GT, SCMP_CMP_GE, SCMP_CMP_MASKED_EQ (line 2, "
                        "column 43)");
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], "
                        "\"action\": \"SCMP_ACT_ALLOW\",\n"
                        "  \"args\": [{\"index\": 6, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                        "syscalls[0].args[0].index: 6 is not an argument number; expected 0 to 5 (line 2, column 22)");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], "
                            "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": "
                            "\"SCMP_CMP_EQ\"}]}]}",
                            "syscalls[0].args[0].value: -1 is not an unsigned 64-bit integer");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], "
                            "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1e3, \"op\": "
                            "\"SCMP_CMP_EQ\"}]}]}",
                            "syscalls[0].args[0].value: 1e3 is not an unsigned 64-bit integer");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], "
                            "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                            "syscalls[0].args[0]: missing \"value\"");
  /* UINT64_MAX is a valid value */
  {
    cleanup_json struct json *doc =
        parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
              "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 18446744073709551615, \"op\": "
              "\"SCMP_CMP_EQ\"}]}]}");
    expect_valid(doc);
  }
}

static void test_validate_fields(void **state) {
  (void)state;
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": []}",
                        "archMap: unknown field (line 1, column 48)");
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                        "\"action\": \"SCMP_ACT_ALLOW\",\n"
                        "   \"comment\": \"hot\"}]}",
                        "syscalls[0].comment: unknown field (line 2, column 15)");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                            "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": "
                            "\"SCMP_CMP_EQ\", \"valueThree\": 1}]}]}",
                            "syscalls[0].args[0].valueThree: unknown field");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [], "
                            "\"action\": \"SCMP_ACT_ALLOW\"}]}",
                            "syscalls[0].names: is empty");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"]}]}",
                            "syscalls[0]: missing \"action\"");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_AMD64\"]}",
                            "architectures[0]: unknown architecture \"SCMP_ARCH_AMD64\"");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_PARISC\"]}",
                            "architectures[0]: architecture \"SCMP_ARCH_PARISC\" is not supported by runc");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_FAST\"]}",
                            "flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\"");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"listenerPath\": \"run/sk.sock\"}",
                            "listenerPath: \"run/sk.sock\" is not an absolute path");
  expect_validate_error_has("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                            "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": "
                            "\"SCMP_CMP_NE\"}, {\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_NE\"}, {\"index\": 0, "
                            "\"value\": 2, \"op\": \"SCMP_CMP_NE\"}, {\"index\": 0, \"value\": 3, \"op\": "
                            "\"SCMP_CMP_NE\"}, {\"index\": 0, \"value\": 4, \"op\": \"SCMP_CMP_NE\"}, {\"index\": 0, "
                            "\"value\": 5, \"op\": \"SCMP_CMP_NE\"}, {\"index\": 0, \"value\": 6, \"op\": "
                            "\"SCMP_CMP_NE\"}]}]}",
                            "syscalls[0].args: has 7 conditions; at most 6 are supported");
  expect_validate_error_has("[]", "got an array; expected an OCI seccomp object");
}

/* libseccomp keeps the first unconditional rule and ignores the rest, and an
 * unconditional rule hides the conditional ones: refuse the mix. */
static void test_validate_conflicting_rules(void **state) {
  (void)state;
  expect_validate_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
                        "  {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
                        "  {\"names\": [\"write\"], \"action\": \"SCMP_ACT_KILL\"}]}",
                        "syscalls[1].names[0]: \"write\" also has an unconditional rule with another action "
                        "(syscalls[0]); libseccomp would apply only the unconditional one (line 3, column 14)");
  expect_validate_error_has(
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
      "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
      "\"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},\n"
      "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_LOG\"}]}",
      "syscalls[0].names[0]: \"personality\" also has an unconditional rule");
  /* the same action twice, or a rule with the default action, is harmless */
  {
    cleanup_json struct json *doc = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
                                          "  {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
                                          "  {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
                                          "  {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
    expect_valid(doc);
    expect_compiles(doc);
  }
}

/* ---- architectures of a spec -------------------------------------------------------- */

static void test_spec_arches_native(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *spec =
      parse("{\"ociVersion\": \"1.0.2\", \"linux\": {\"seccomp\": {\"architectures\": []}}}");
  cleanup_json struct json *arches = NULL;
  uint32_t native = seccomp_arch_native();
  (void)state;
  assert_int_equal(seccomp_spec_arches(spec, &arches, &err), 0);
  assert_true(json_is(arches, JSON_ARRAY));
  /* The native architecture only: compat ABIs are refused unless the
   * spec lists them (each also costs the runtime filter-building time). */
  assert_int_equal(arches->n, 1);
  if (native == SCMP_ARCH_X86_64)
    assert_string_equal(arches->items[0]->str, "SCMP_ARCH_X86_64");
  else if (native == SCMP_ARCH_AARCH64)
    assert_string_equal(arches->items[0]->str, "SCMP_ARCH_AARCH64");
}

static void test_spec_arches_from_spec(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *spec = parse("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", "
                                         "\"architectures\": [\"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\"]}}}");
  cleanup_json struct json *bad = parse("{\"linux\": {\"seccomp\": {\"architectures\": [\"SCMP_ARCH_AARCH64\",\n"
                                        "  \"arm64\"]}}}");
  cleanup_json struct json *arches = NULL;
  (void)state;
  assert_int_equal(seccomp_spec_arches(spec, &arches, &err), 0);
  assert_int_equal(arches->n, 2);
  assert_string_equal(arches->items[0]->str, "SCMP_ARCH_AARCH64");
  assert_string_equal(arches->items[1]->str, "SCMP_ARCH_ARM");
  assert_int_equal(seccomp_spec_arches(bad, &arches, &err), -1);
  assert_string_equal(err->msg, "linux.seccomp.architectures[1]: unknown architecture \"arm64\"; expected a name such "
                                "as \"SCMP_ARCH_X86_64\" (line 2, column 3)");
}

/* ---- generation ------------------------------------------------------------------------ */

static void test_generate_sets_architectures(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *doc = default_doc();
  cleanup_json struct json *empty = json_new(JSON_OBJECT);
  cleanup_json struct json *arches = NULL;
  cleanup_json struct json *out = NULL;
  (void)state;
  assert_int_equal(seccomp_spec_arches(empty, &arches, &err), 0);
  assert_int_equal(seccomp_generate(doc, arches, &out, &err), 0);
  {
    cleanup_free char *want = gen(arches);
    cleanup_free char *got = gen(json_get(out, "architectures"));
    assert_string_equal(got, want);
  }
  assert_null(json_get(doc, "architectures")); /* the input is not changed */
  expect_uncond(out, "read", "SCMP_ACT_ALLOW", -1);
  expect_valid(out);
  expect_compiles(out);
}

/* Names of other architectures are no syscall on the target: dropped, and a
 * rule left without names goes with them. */
static void test_generate_drops_foreign_names(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *doc =
      parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_ARM\"],"
            " \"syscalls\": [{\"names\": [\"read\", \"arch_prctl\", \"set_tls\"], \"action\": \"SCMP_ACT_ALLOW\"},"
            " {\"names\": [\"cacheflush\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
  cleanup_json struct json *x86 = parse("[\"SCMP_ARCH_X86_64\"]");
  cleanup_json struct json *arm = parse("[\"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\"]");
  cleanup_json struct json *bad = parse("[\"SCMP_ARCH_Z80\"]");
  cleanup_json struct json *none = parse("[]");
  cleanup_json struct json *out = NULL;
  cleanup_json struct json *out2 = NULL;
  struct json *o = NULL;
  (void)state;

  assert_int_equal(seccomp_generate(doc, x86, &out, &err), 0);
  assert_int_equal(count_rules(out), 1);
  expect_uncond(out, "read", "SCMP_ACT_ALLOW", -1);
  expect_uncond(out, "arch_prctl", "SCMP_ACT_ALLOW", -1);
  expect_no_rule(out, "set_tls");
  expect_no_rule(out, "cacheflush");

  assert_int_equal(seccomp_generate(doc, arm, &out2, &err), 0);
  assert_int_equal(count_rules(out2), 2);
  expect_no_rule(out2, "arch_prctl");
  expect_uncond(out2, "set_tls", "SCMP_ACT_ALLOW", -1);
  expect_uncond(out2, "cacheflush", "SCMP_ACT_ALLOW", -1);
  expect_compiles(out2);

  assert_int_equal(seccomp_generate(doc, bad, &o, &err), -1);
  assert_non_null(strstr(err->msg, "architectures[0]: unknown architecture \"SCMP_ARCH_Z80\""));
  assert_int_equal(seccomp_generate(doc, none, &o, &err), -1);
  assert_non_null(strstr(err->msg, "architectures: is empty"));
  assert_null(o);
}

/* seccomp_generate() trusts its input: the profile loader validated it
 * once (profile.c), so a create does not pay for a second validation. A
 * name libseccomp does not know (which validation refuses first) is no
 * syscall of the target and is left out. */
static void test_generate_trusts_validated_doc(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *doc =
      parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", \"mknodat2\"], "
            "\"action\": \"SCMP_ACT_ALLOW\"}]}");
  cleanup_json struct json *arches = NULL;
  cleanup_json struct json *out = NULL;
  cleanup_json struct json *empty = json_new(JSON_OBJECT);
  (void)state;
  assert_int_equal(seccomp_validate(doc, &err), -1);
  assert_non_null(strstr(err->msg, "syscalls[0].names[1]: unknown syscall \"mknodat2\""));
  sk_error_free(&err);
  assert_int_equal(seccomp_spec_arches(empty, &arches, &err), 0);
  assert_int_equal(seccomp_generate(doc, arches, &out, &err), 0);
  expect_uncond(out, "read", "SCMP_ACT_ALLOW", -1);
  expect_no_rule(out, "mknodat2");
}

/* A document without architectures is for the native one only (as in
 * OCI): the compat ABIs an engine lists are left out of the result, so the
 * runtime neither builds the filter for them nor lets their syscalls run.
 * A document that lists architectures gets those the container asks for. */
static void test_generate_narrows_architectures(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *plain = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                                          "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
  cleanup_json struct json *listing = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
                                            "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": "
                                            "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
  cleanup_json struct json *engine = parse("[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]");
  cleanup_json struct json *compat_only = parse("[\"SCMP_ARCH_X32\"]");
  cleanup_json struct json *o1 = NULL;
  cleanup_json struct json *o2 = NULL;
  struct json *o3 = NULL;
  (void)state;
  if (seccomp_arch_native() != SCMP_ARCH_X86_64)
    skip(); /* the architectures below are x86's */
  assert_int_equal(seccomp_generate(plain, engine, &o1, &err), 0);
  assert_int_equal(json_get(o1, "architectures")->n, 1);
  assert_string_equal(json_get(o1, "architectures")->items[0]->str, "SCMP_ARCH_X86_64");
  assert_int_equal(seccomp_generate(listing, engine, &o2, &err), 0);
  assert_int_equal(json_get(o2, "architectures")->n, 2);
  assert_string_equal(json_get(o2, "architectures")->items[0]->str, "SCMP_ARCH_X86_64");
  assert_string_equal(json_get(o2, "architectures")->items[1]->str, "SCMP_ARCH_X86");
  assert_int_equal(seccomp_generate(plain, compat_only, &o3, &err), -1);
  assert_null(o3);
  assert_non_null(strstr(err->msg, "have none in common"));
}

/* ---- intersection ---------------------------------------------------------------------- */

static void test_intersect_allow_vs_errno(void **state) {
  cleanup_json struct json *r =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", \"write\", "
                "\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
                "\"SCMP_ACT_ERRNO\", \"errnoRet\": 13}, {\"names\": [\"getppid\"], \"action\": "
                "\"SCMP_ACT_KILL_PROCESS\"}]}");
  (void)state;
  assert_string_equal(json_string(json_get(r, "defaultAction")), "SCMP_ACT_ERRNO");
  expect_uncond(r, "read", "SCMP_ACT_ERRNO", 13);
  expect_uncond(r, "write", "SCMP_ACT_ALLOW", -1);
  expect_uncond(r, "getppid", "SCMP_ACT_KILL_PROCESS", -1);
  expect_compiles(r);
}

static void test_intersect_stricter_default(void **state) {
  cleanup_json struct json *r1 = intersect("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
                                           "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38}");
  cleanup_json struct json *r2 =
      intersect("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\"}", "{\"defaultAction\": \"SCMP_ACT_KILL_THREAD\"}");
  cleanup_json struct json *r3 =
      intersect("{\"defaultAction\": \"SCMP_ACT_LOG\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
                "\"SCMP_ACT_ALLOW\"}]}",
                "{\"defaultAction\": \"SCMP_ACT_TRAP\"}");
  (void)state;
  assert_string_equal(json_string(json_get(r1, "defaultAction")), "SCMP_ACT_ERRNO");
  assert_int_equal(int_of(json_get(r1, "defaultErrnoRet")), 38);
  assert_string_equal(json_string(json_get(r2, "defaultAction")), "SCMP_ACT_KILL_PROCESS");
  /* read: ALLOW on one side, TRAP (the default) on the other */
  assert_string_equal(json_string(json_get(r3, "defaultAction")), "SCMP_ACT_TRAP");
  expect_no_rule(r3, "read");
  expect_compiles(r1);
  expect_compiles(r3);
}

#define PERSONALITY_EQ0                                                                                                \
  "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": "    \
  "\"SCMP_CMP_EQ\"}]}"

static void test_intersect_conditional_vs_unconditional_allow(void **state) {
  /* listed unconditionally, or not listed under an ALLOW default: a's args stay */
  cleanup_json struct json *r1 = intersect(
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" PERSONALITY_EQ0 "]}",
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\", \"read\"], \"action\": "
      "\"SCMP_ACT_ALLOW\"}]}");
  cleanup_json struct json *r2 =
      intersect("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" PERSONALITY_EQ0 "]}");
  const struct json *r[4];
  (void)state;
  assert_int_equal(rules_for(r1, "personality", r, 4), 1);
  assert_string_equal(json_string(json_get(r[0], "action")), "SCMP_ACT_ALLOW");
  assert_int_equal(json_get(r[0], "args")->n, 1);
  expect_arg(r[0], 0, 0, "SCMP_CMP_EQ", 0, 0);
  expect_no_rule(r1, "read"); /* ALLOW and a's ERRNO default: the default */
  assert_int_equal(rules_for(r2, "personality", r, 4), 1);
  expect_arg(r[0], 0, 0, "SCMP_CMP_EQ", 0, 0);
  assert_string_equal(json_string(json_get(r2, "defaultAction")), "SCMP_ACT_ERRNO");
  expect_compiles(r1);
  expect_compiles(r2);
}

static void test_intersect_conditional_vs_unconditional_deny(void **state) {
  /* an unconditional deny at least as strict as all the other side does: it wins */
  cleanup_json struct json *r1 =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" PERSONALITY_EQ0 "]}",
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
                "\"SCMP_ACT_ERRNO\", \"errnoRet\": 22}]}");
  /* NOTIFY is less strict than a's ERRNO default: the calls a allows are
   * notified, the others keep the ERRNO default (notifying them all would be
   * looser than a) */
  cleanup_json struct json *r2 =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" PERSONALITY_EQ0 "]}",
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/sk.sock\", \"syscalls\": "
                "[{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
  const struct json *r[4];
  (void)state;
  expect_uncond(r1, "personality", "SCMP_ACT_ERRNO", 22);
  assert_int_equal(rules_for(r2, "personality", r, 4), 1);
  assert_string_equal(json_string(json_get(r[0], "action")), "SCMP_ACT_NOTIFY");
  expect_arg(r[0], 0, 0, "SCMP_CMP_EQ", 0, 0);
  assert_string_equal(json_string(json_get(r2, "listenerPath")), "/run/sk.sock");
  expect_compiles(r1);
  expect_compiles(r2);
}

static void test_intersect_conditional_pairs(void **state) {
  /* different arguments: one rule with both conditions (AND) */
  cleanup_json struct json *r1 =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"socket\"], \"action\": "
                "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_NE\"}]}]}",
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"socket\"], \"action\": "
                "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 3, \"op\": \"SCMP_CMP_NE\"}]}]}");
  /* the same argument compared in two ways cannot be one rule: dropped */
  cleanup_json struct json *r2 =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" PERSONALITY_EQ0 "]}",
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
                "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}");
  /* the same condition on both sides is kept once */
  cleanup_json struct json *r3 =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" PERSONALITY_EQ0 "]}",
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" PERSONALITY_EQ0 "]}");
  const struct json *r[4];
  (void)state;
  assert_int_equal(rules_for(r1, "socket", r, 4), 1);
  assert_string_equal(json_string(json_get(r[0], "action")), "SCMP_ACT_ALLOW");
  assert_int_equal(json_get(r[0], "args")->n, 2);
  expect_arg(r[0], 0, 0, "SCMP_CMP_NE", 40, 0);
  expect_arg(r[0], 1, 1, "SCMP_CMP_NE", 3, 0);
  expect_no_rule(r2, "personality");
  assert_int_equal(rules_for(r3, "personality", r, 4), 1);
  assert_int_equal(json_get(r[0], "args")->n, 1);
  expect_arg(r[0], 0, 0, "SCMP_CMP_EQ", 0, 0);
  expect_compiles(r1);
  expect_compiles(r2);
  expect_compiles(r3);
}

/* Both sides allow the same calls under defaults that differ (podman's
 * ERRNO(38), stockade's EPERM): those calls stay allowed. Before, the rule
 * of each side alone took the other side's default, the pair's ALLOW was
 * merged into it, and personality(0) got ENOSYS. A narrower rule on the
 * other side (one comparison more) does not cover the wider one: calls
 * outside it keep the stricter default. */
static void test_intersect_same_condition_other_default(void **state) {
  cleanup_json struct json *r1 =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": [" PERSONALITY_EQ0 "]}",
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" PERSONALITY_EQ0 "]}");
  cleanup_json struct json *r2 =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": [" PERSONALITY_EQ0 "]}",
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
                "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, "
                "\"value\": 5, \"op\": \"SCMP_CMP_EQ\"}]}]}");
  const struct json *r[4];
  size_t i, n;
  (void)state;
  assert_int_equal(rules_for(r1, "personality", r, 4), 1);
  assert_string_equal(json_string(json_get(r[0], "action")), "SCMP_ACT_ALLOW");
  expect_arg(r[0], 0, 0, "SCMP_CMP_EQ", 0, 0);
  n = rules_for(r2, "personality", r, 4);
  assert_int_equal(n, 2);
  for (i = 0; i < n; i++) {
    if (json_get(r[i], "args")->n == 2)
      assert_string_equal(json_string(json_get(r[i], "action")), "SCMP_ACT_ALLOW");
    else
      assert_string_not_equal(json_string(json_get(r[i], "action")), "SCMP_ACT_ALLOW");
  }
  expect_compiles(r1);
  expect_compiles(r2);
}

/* Rules of one side that exclude each other (a flag bit set, and not set)
 * keep their own actions: no call can match both, so libseccomp has no
 * choice to make between them. Overlapping ones still get the stricter. */
#define MFD_SPLIT                                                                                                      \
  "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"memfd_create\"], \"action\": "                \
  "\"SCMP_ACT_ERRNO\", \"errnoRet\": 13, \"args\": [{\"index\": 1, \"value\": 16, \"valueTwo\": 16, \"op\": "          \
  "\"SCMP_CMP_MASKED_EQ\"}]}, {\"names\": [\"memfd_create\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": " \
  "1, \"value\": 16, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}"

static void test_intersect_disjoint_rules(void **state) {
  cleanup_json struct json *r1 = intersect(MFD_SPLIT, "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
  /* EQ 1 and MASKED_EQ 16 == 16 can both hold (for 17): they overlap */
  cleanup_json struct json *r2 =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"memfd_create\"], "
                "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, \"args\": [{\"index\": 1, \"value\": 16, "
                "\"valueTwo\": 16, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}, {\"names\": [\"memfd_create\"], \"action\": "
                "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 17, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
  const struct json *r[4];
  size_t i, n;
  bool allow = false, deny = false;
  (void)state;
  n = rules_for(r1, "memfd_create", r, 4);
  assert_int_equal(n, 2);
  for (i = 0; i < n; i++) {
    const char *a = json_string(json_get(r[i], "action"));
    if (strcmp(a, "SCMP_ACT_ALLOW") == 0) {
      allow = true;
      expect_arg(r[i], 0, 1, "SCMP_CMP_MASKED_EQ", 16, 0);
    } else {
      deny = true;
      assert_string_equal(a, "SCMP_ACT_ERRNO");
      expect_arg(r[i], 0, 1, "SCMP_CMP_MASKED_EQ", 16, 16);
    }
  }
  assert_true(allow && deny);
  n = rules_for(r2, "memfd_create", r, 4);
  for (i = 0; i < n; i++)
    assert_string_equal(json_string(json_get(r[i], "action")), "SCMP_ACT_ERRNO");
  expect_compiles(r1);
  expect_compiles(r2);
}

/* A deny rule with conditions meets an allow: never looser than the side
 * that denies, whichever of the result's rules libseccomp applies. */
static void test_intersect_conditional_deny(void **state) {
  cleanup_json struct json *r =
      intersect("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"socket\"], \"action\": "
                "\"SCMP_ACT_KILL_PROCESS\", \"args\": [{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
  const struct json *rs[4];
  (void)state;
  assert_string_equal(json_string(json_get(r, "defaultAction")), "SCMP_ACT_ALLOW");
  assert_int_equal(rules_for(r, "socket", rs, 4), 1);
  assert_string_equal(json_string(json_get(rs[0], "action")), "SCMP_ACT_KILL_PROCESS");
  expect_arg(rs[0], 0, 0, "SCMP_CMP_EQ", 16, 0);
  expect_compiles(r);
}

/* The engine's document is read the way runc reads it: names this
 * libseccomp does not know are skipped, and of rules libseccomp would ignore
 * only the one it applies counts. The result is clean. */
static void test_intersect_tolerates_engine_quirks(void **state) {
  cleanup_json struct json *r =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", \"write\", "
                "\"getppid\", \"mseal2\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
                "  {\"names\": [\"read\", \"write\", \"mseal2\", \"getppid\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
                "  {\"names\": [\"write\"], \"action\": \"SCMP_ACT_KILL\"},\n"
                "  {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": "
                "0, \"op\": \"SCMP_CMP_EQ\"}]}]}");
  (void)state;
  expect_uncond(r, "read", "SCMP_ACT_ALLOW", -1);
  expect_uncond(r, "write", "SCMP_ACT_ALLOW", -1);   /* libseccomp keeps the first unconditional rule */
  expect_uncond(r, "getppid", "SCMP_ACT_ALLOW", -1); /* and ignores conditional ones beside it */
  expect_no_rule(r, "mseal2");
  expect_valid(r);
  expect_compiles(r);
}

static void test_intersect_null_sides(void **state) {
  const char *text = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], "
                     "\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
  cleanup_json struct json *doc = parse(text);
  cleanup_json struct json *jnull = json_new(JSON_NULL);
  cleanup_json struct json *r1 = intersect(NULL, text);
  cleanup_json struct json *r2 = intersect(text, NULL);
  cleanup_json struct json *r4 = NULL;
  cleanup_error struct sk_error *err = NULL;
  cleanup_free char *want = gen(doc);
  struct json *r3 = (struct json *)1;
  (void)state;
  {
    cleanup_free char *g1 = gen(r1);
    cleanup_free char *g2 = gen(r2);
    assert_string_equal(g1, want);
    assert_string_equal(g2, want);
  }
  assert_int_equal(seccomp_intersect(NULL, NULL, &r3, &err), 0);
  assert_null(r3);
  /* linux.seccomp: null in a spec means no filter too */
  assert_int_equal(seccomp_intersect(doc, jnull, &r4, &err), 0);
  {
    cleanup_free char *g4 = gen(r4);
    assert_string_equal(g4, want);
  }
  /* an invalid side is refused, and says which */
  {
    cleanup_json struct json *bad = parse("{\"defaultAction\": \"SCMP_ACT_NOPE\"}");
    struct json *o = NULL;
    assert_int_equal(seccomp_intersect(doc, bad, &o, &err), -1);
    assert_null(o);
    assert_non_null(strstr(err->msg, "second document: defaultAction: unknown action"));
  }
}

static void test_intersect_metadata(void **state) {
  cleanup_json struct json *r =
      intersect("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\"], \"flags\": "
                "[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]}",
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X86_64\"], "
                "\"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"listenerPath\": \"/run/stockade/l.sock\", "
                "\"listenerMetadata\": \"id=1\"}");
  cleanup_free char *arches = NULL;
  cleanup_free char *flags = NULL;
  (void)state;
  arches = gen(json_get(r, "architectures"));
  flags = gen(json_get(r, "flags"));
  /* the intersection: an ABI one side does not list is killed by it */
  assert_string_equal(arches, "[\n  \"SCMP_ARCH_X86_64\"\n]\n");
  /* SPEC_ALLOW, set by one side only, goes (test_intersect_flags) */
  assert_string_equal(flags, "[\n  \"SECCOMP_FILTER_FLAG_LOG\"\n]\n");
  assert_string_equal(json_string(json_get(r, "listenerPath")), "/run/stockade/l.sock");
  assert_string_equal(json_string(json_get(r, "listenerMetadata")), "id=1");
}

/* Flags: what either side sets, but SECCOMP_FILTER_FLAG_SPEC_ALLOW (the
 * kernel's speculative store bypass mitigation off) only when both do:
 * an engine's filter with it must not take it past a profile without. */
static void test_intersect_flags(void **state) {
  static const struct {
    const char *a, *b, *want;
  } cases[] = {
      {"[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]", "[]", NULL},
      {"[]", "[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]", NULL},
      {NULL, "[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", \"SECCOMP_FILTER_FLAG_LOG\"]", "[\"SECCOMP_FILTER_FLAG_LOG\"]"},
      {"[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]", "[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]",
       "[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]"},
      {"[\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\"]", "[\"SECCOMP_FILTER_FLAG_LOG\"]",
       "[\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_LOG\"]"},
      {NULL, NULL, NULL},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char a[200], b[200];
    cleanup_json struct json *r = NULL;
    cleanup_json struct json *want = NULL;
    const struct json *got;
    snprintf(a, sizeof(a), "{\"defaultAction\": \"SCMP_ACT_ERRNO\"%s%s}", cases[i].a ? ", \"flags\": " : "",
             cases[i].a ? cases[i].a : "");
    snprintf(b, sizeof(b), "{\"defaultAction\": \"SCMP_ACT_ERRNO\"%s%s}", cases[i].b ? ", \"flags\": " : "",
             cases[i].b ? cases[i].b : "");
    r = intersect(a, b);
    got = json_get(r, "flags");
    if (cases[i].want == NULL) {
      if (got)
        fail_msg("case %zu: flags %s, expected none", i, gen(got));
      continue;
    }
    want = parse(cases[i].want);
    {
      cleanup_free char *g = gen(got);
      cleanup_free char *w = gen(want);
      assert_string_equal(g, w);
    }
  }
}

/* The shipped default against a Docker-like spec filter: Docker's extra
 * allowances go, the arg rules both share stay, clone3 keeps ENOSYS, and
 * the result is one compact group per action. */
static void test_intersect_no_common_arch(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *a =
      parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86\"]}");
  cleanup_json struct json *b =
      parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X32\"]}");
  cleanup_json struct json *r = NULL;
  (void)state;
  assert_int_equal(seccomp_intersect(a, b, &r, &err), -1);
  assert_null(r);
  assert_non_null(strstr(err->msg, "no architecture in common"));
}

static void test_intersect_default_with_docker_like(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *def = default_doc();
  cleanup_json struct json *docker = default_doc();
  cleanup_json struct json *arches = NULL;
  cleanup_json struct json *gen_def = NULL;
  cleanup_json struct json *empty = json_new(JSON_OBJECT);
  cleanup_json struct json *r = NULL;
  struct json *names = json_get(rule_at(docker, 0), "names");
  const struct json *rs[8];
  (void)state;

  /* Docker allows these by default; the clone3 rule it has is EPERM here */
  assert_int_equal(json_append(names, json_new_string("adjtimex")), 0);
  assert_int_equal(json_append(names, json_new_string("io_uring_setup")), 0);
  assert_int_equal(json_append(names, json_new_string("ptrace")), 0);
  assert_int_equal(json_append(names, json_new_string("name_to_handle_at")), 0);
  json_remove_at(json_get(docker, "syscalls"), json_get(docker, "syscalls")->n - 1); /* clone3 */
  assert_int_equal(seccomp_spec_arches(empty, &arches, &err), 0);
  assert_int_equal(json_set(docker, "architectures", json_copy(arches)), 0);
  assert_int_equal(seccomp_generate(def, arches, &gen_def, &err), 0);

  assert_int_equal(seccomp_intersect(gen_def, docker, &r, &err), 0);
  expect_uncond(r, "read", "SCMP_ACT_ALLOW", -1);
  expect_no_rule(r, "adjtimex");
  expect_no_rule(r, "io_uring_setup");
  expect_no_rule(r, "ptrace");
  expect_no_rule(r, "name_to_handle_at");
  expect_uncond(r, "clone3", "SCMP_ACT_ERRNO", 38);
  assert_int_equal(rules_for(r, "clone", rs, 8), 1);
  expect_arg(rs[0], 0, seccomp_arch_native() == SCMP_ARCH_S390X ? 1 : 0, "SCMP_CMP_MASKED_EQ", 0x7E020000, 0);
  assert_int_equal(rules_for(r, "personality", rs, 8), 5);
  /* ALLOW group, ERRNO group, socket, 5 x personality, clone */
  assert_int_equal(count_rules(r), 9);
  assert_string_equal(json_string(json_get(rule_at(r, 0), "action")), "SCMP_ACT_ALLOW");
  expect_valid(r);
  expect_compiles(r);
}

/* Hardening a spec twice must not change it: the result is a fixed point. */
static void test_intersect_is_stable(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *def = default_doc();
  cleanup_json struct json *empty = json_new(JSON_OBJECT);
  cleanup_json struct json *arches = NULL;
  cleanup_json struct json *g = NULL;
  cleanup_json struct json *gg = NULL;
  cleanup_json struct json *spec = NULL;
  cleanup_json struct json *m1 = NULL;
  cleanup_json struct json *m2 = NULL;
  (void)state;
  assert_int_equal(seccomp_spec_arches(empty, &arches, &err), 0);
  assert_int_equal(seccomp_generate(def, arches, &g, &err), 0);
  assert_int_equal(seccomp_intersect(g, g, &gg, &err), 0);
  {
    cleanup_free char *t1 = gen(g);
    cleanup_free char *t2 = gen(gg);
    assert_string_equal(t2, t1);
  }
  spec = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", \"write\", \"ptrace\", "
               "\"personality\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"getppid\"], \"action\": "
               "\"SCMP_ACT_LOG\"}]}");
  assert_int_equal(seccomp_intersect(g, spec, &m1, &err), 0);
  assert_int_equal(seccomp_intersect(g, m1, &m2, &err), 0);
  {
    cleanup_free char *t1 = gen(m1);
    cleanup_free char *t2 = gen(m2);
    assert_string_equal(t2, t1);
  }
  expect_uncond(m1, "getppid", "SCMP_ACT_LOG", -1);
  expect_no_rule(m1, "ptrace");
  assert_int_equal(rules_for(m1, "personality", (const struct json *[8]){0}, 8), 5);
}

/* ---- the dry run ------------------------------------------------------------------------ */

static void test_compile_check_names_the_rule(void **state) {
  cleanup_error struct sk_error *err = NULL;
  /* libseccomp refuses two rules with the same conditions and different actions */
  cleanup_json struct json *doc =
      parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
            "  {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, "
            "\"op\": \"SCMP_CMP_EQ\"}]},\n"
            "  {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": 1, "
            "\"op\": \"SCMP_CMP_EQ\"}]}]}");
  (void)state;
  expect_valid(doc);
  assert_int_equal(seccomp_compile_check(doc, &err), -1);
  assert_string_equal(err->msg, "syscalls[1].names[0]: libseccomp refuses the rule for \"getppid\" (SCMP_ACT_LOG): "
                                "another rule for the same call and conditions has a different action (line 3, "
                                "column 14)");
}

static void test_compile_check_validates(void **state) {
  cleanup_error struct sk_error *err = NULL;
  cleanup_json struct json *doc = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                                        "[\"readd\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
  (void)state;
  assert_int_equal(seccomp_compile_check(doc, &err), -1);
  assert_non_null(strstr(err->msg, "syscalls[0].names[0]: unknown syscall \"readd\""));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_validates_and_compiles),
      cmocka_unit_test(test_default_file_is_clean),
      cmocka_unit_test(test_default_has_no_forbidden_syscall),
      cmocka_unit_test(test_default_hot_syscalls_unconditional),
      cmocka_unit_test(test_default_clone_and_clone3),
      cmocka_unit_test(test_default_personality_and_socket),
      cmocka_unit_test(test_default_filter_in_kernel),
      cmocka_unit_test(test_validate_unknown_syscall),
      cmocka_unit_test(test_validate_foreign_syscall),
      cmocka_unit_test(test_validate_actions_and_errno),
      cmocka_unit_test(test_validate_args),
      cmocka_unit_test(test_validate_fields),
      cmocka_unit_test(test_validate_conflicting_rules),
      cmocka_unit_test(test_spec_arches_native),
      cmocka_unit_test(test_spec_arches_from_spec),
      cmocka_unit_test(test_generate_sets_architectures),
      cmocka_unit_test(test_generate_drops_foreign_names),
      cmocka_unit_test(test_generate_trusts_validated_doc),
      cmocka_unit_test(test_generate_narrows_architectures),
      cmocka_unit_test(test_intersect_allow_vs_errno),
      cmocka_unit_test(test_intersect_stricter_default),
      cmocka_unit_test(test_intersect_conditional_vs_unconditional_allow),
      cmocka_unit_test(test_intersect_conditional_vs_unconditional_deny),
      cmocka_unit_test(test_intersect_conditional_pairs),
      cmocka_unit_test(test_intersect_same_condition_other_default),
      cmocka_unit_test(test_intersect_conditional_deny),
      cmocka_unit_test(test_intersect_disjoint_rules),
      cmocka_unit_test(test_intersect_tolerates_engine_quirks),
      cmocka_unit_test(test_intersect_null_sides),
      cmocka_unit_test(test_intersect_metadata),
      cmocka_unit_test(test_intersect_flags),
      cmocka_unit_test(test_intersect_no_common_arch),
      cmocka_unit_test(test_intersect_default_with_docker_like),
      cmocka_unit_test(test_intersect_is_stable),
      cmocka_unit_test(test_compile_check_names_the_rule),
      cmocka_unit_test(test_compile_check_validates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/supervisor/sup.c's start report (sup_ready): what
 * create reads from its supervisor before the runtime runs. The report
 * ends at its NUL even while another process still holds the pipe (the
 * vm.memfd_noexec helper, forked before the report, does until it closes
 * what it inherited); an error report names why and kills the supervisor
 * it names; end of file before any report is a supervisor that did not
 * start. Each case is bounded by alarm(): a wait for end of file that the
 * report should have ended fails the test instead of hanging it. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stockade/error.h"
#include "stockade/supervisor.h"
#include "sup_int.h"
#include "testutil.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/stockade-test-sup.XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  char path[128];
  (void)state;
  snprintf(path, sizeof(path), "%s/%s", dir, SUP_PID_NAME);
  unlink(path);
  return rmdir(dir);
}

/* A pipe whose read end gets `bytes` (len of them); the write end stays
 * open in *wr when keep is set, as a forked helper would hold it. */
static int report_pipe(const char *bytes, size_t len, bool keep, int *wr) {
  int p[2];
  assert_int_equal(pipe2(p, O_CLOEXEC), 0);
  assert_int_equal(write(p[1], bytes, len), (ssize_t)len);
  if (keep) {
    *wr = p[1];
  } else {
    close(p[1]);
    *wr = -1;
  }
  return p[0];
}

static void read_pidfile(char *out, size_t size) {
  char path[128];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", dir, SUP_PID_NAME);
  f = fopen(path, "re");
  assert_non_null(f);
  assert_non_null(fgets(out, (int)size, f));
  fclose(f);
}

/* "ok" and its NUL, the pipe still held open: sup_ready returns at once
 * (without the NUL it would wait for end of file, and the alarm fires). */
static void test_ok_with_pipe_held(void **state) {
  static const char report[] = "4242\nok"; /* sizeof counts the NUL */
  struct sk_error *err = NULL;
  char line[32];
  pid_t pid = 0;
  int wr, rd = report_pipe(report, sizeof(report), true, &wr);
  (void)state;
  alarm(5);
  assert_int_equal(sup_ready(dir, rd, &pid, &err), 0);
  alarm(0);
  assert_null(err);
  assert_int_equal(pid, 4242);
  read_pidfile(line, sizeof(line));
  assert_string_equal(line, "4242\n");
  close(wr);
}

/* A report without its NUL (an older supervisor) is read to end of file. */
static void test_ok_to_eof(void **state) {
  struct sk_error *err = NULL;
  pid_t pid = 0;
  int wr, rd = report_pipe("77\nok", 5, false, &wr);
  (void)state;
  alarm(5);
  assert_int_equal(sup_ready(dir, rd, &pid, &err), 0);
  alarm(0);
  assert_int_equal(pid, 77);
}

/* A report naming a stand-in for the supervisor (a child that waits,
 * and dies with this process if a check fails first), then `rest`
 * (with its NUL when nul): sup_ready refuses with a message holding
 * `says`, and kills the stand-in. */
static void refused(const char *rest, bool nul, const char *says) {
  struct sk_error *err = NULL;
  char report[160];
  pid_t pid = 0, child = fork();
  int n, wr, rd, status;
  assert_true(child >= 0);
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    pause();
    _exit(0);
  }
  n = snprintf(report, sizeof(report), "%d\n%s", (int)child, rest);
  rd = report_pipe(report, (size_t)n + (nul ? 1 : 0), nul, &wr);
  alarm(5);
  assert_int_equal(sup_ready(dir, rd, &pid, &err), -1);
  assert_int_equal(waitpid(child, &status, 0), child);
  alarm(0);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  assert_non_null(err);
  assert_non_null(strstr(err->msg, says));
  sk_error_free(&err);
  if (wr >= 0)
    close(wr);
}

/* "error: why", the pipe still held: refused with the supervisor's
 * reason, and the supervisor it names is killed. */
static void test_error_kills_and_says_why(void **state) {
  (void)state;
  refused("error: cannot confine itself: EPERM", true, "the supervisor did not start: cannot confine itself: EPERM");
}

/* Nothing before end of file: the supervisor ended before its report. */
static void test_eof_without_report(void **state) {
  struct sk_error *err = NULL;
  pid_t pid = 0;
  int wr, rd = report_pipe("", 0, false, &wr);
  (void)state;
  alarm(5);
  assert_int_equal(sup_ready(dir, rd, &pid, &err), -1);
  alarm(0);
  assert_non_null(err);
  assert_string_equal(err->msg, "the supervisor did not start");
  sk_error_free(&err);
}

/* The pid and nothing after it, then end of file: it ended before
 * confining itself; the process that pid names is killed all the same. */
static void test_pid_only(void **state) {
  (void)state;
  refused("", false, "it ended before confining itself");
}

/* sup_close_others refuses, before touching anything, to keep a
 * descriptor that is 0, 1 or 2: stdio to /dev/null would replace it (a
 * create run with stdin closed once gave the supervisor's reference for
 * drift fd 0, and it then changed /dev/null's mode). Otherwise fds above
 * 2 not kept are closed and stdio is /dev/null. In a child: it closes
 * this process's descriptors. */
static int close_others_child(void) {
  struct stat st;
  int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY), keep[2];
  if (a < 3 || b < 3)
    return 10;
  keep[0] = a;
  keep[1] = 0;
  if (sup_close_others(keep, 2) != -1 || fcntl(b, F_GETFD) < 0)
    return 11; /* refused, b still open */
  keep[1] = -1;
  if (sup_close_others(keep, 2) != 0)
    return 12;
  if (fcntl(a, F_GETFD) < 0 || fcntl(b, F_GETFD) >= 0)
    return 13; /* a kept, b closed */
  if (fstat(2, &st) < 0 || st.st_rdev != makedev(1, 3))
    return 14;
  return 0;
}

static void test_close_others_refuses_stdio(void **state) {
  (void)state;
  child_exits_0(close_others_child);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_ok_with_pipe_held, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ok_to_eof, setup, teardown),
      cmocka_unit_test_setup_teardown(test_error_kills_and_says_why, setup, teardown),
      cmocka_unit_test_setup_teardown(test_eof_without_report, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pid_only, setup, teardown),
      cmocka_unit_test(test_close_others_refuses_stdio),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

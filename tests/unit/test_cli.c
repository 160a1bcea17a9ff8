/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/runtime/cli.c: runc's and crun's command lines, read without
 * changing them, and the cases where stockade must refuse rather than guess
 * which word is the container or the bundle. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define NARGS(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
/* argv as main gets it: "stockade" first, NULL-terminated. */
#define ARGV(...) ((char *[]){"stockade", __VA_ARGS__, NULL})
#define ARGC(...) (NARGS(__VA_ARGS__) + 1)

/* Parse and fail the test with the message when cli_parse refuses. */
#define PARSE_OK(c, ...) parse_ok((c), ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))
/* Parse, expect a refusal, return its message (caller frees). */
#define PARSE_ERR(...) parse_err(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void parse_ok(struct cli *c, int argc, char **argv) {
  struct sk_error *err = NULL;
  if (cli_parse(argc, argv, c, &err) < 0) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err && err->msg ? err->msg : "(no message)");
    sk_error_free(&err);
    fail_msg("cli_parse refused: %s", msg);
  }
  assert_null(err);
  assert_int_equal(c->argc, argc);
  assert_ptr_equal(c->argv, argv);
}

static char *parse_err(int argc, char **argv) {
  struct sk_error *err = NULL;
  struct cli c;
  char *msg;
  int r = cli_parse(argc, argv, &c, &err);
  if (r == 0) {
    cli_free(&c);
    fail_msg("cli_parse accepted a command line it should refuse (argv[1]=%s)", argc > 1 ? argv[1] : "");
  }
  assert_int_equal(r, -1);
  assert_non_null(err);
  assert_non_null(err->msg);
  msg = strdup(err->msg);
  sk_error_free(&err);
  return msg;
}

static void assert_contains(const char *hay, const char *needle) {
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

/* --- global flags --- */

static void test_global_root_forms(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "--root", "/run/r1", "create", "ctr");
  assert_string_equal(c.root, "/run/r1");
  assert_string_equal(c.cmd, "create");
  assert_int_equal(c.cmd_index, 3);
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, 4);
  cli_free(&c);

  PARSE_OK(&c, "--root=/run/r2", "create", "ctr");
  assert_string_equal(c.root, "/run/r2");
  assert_int_equal(c.cmd_index, 2);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  /* urfave/cli takes one dash for long names too. */
  PARSE_OK(&c, "-root", "/run/r3", "state", "ctr");
  assert_string_equal(c.root, "/run/r3");
  assert_string_equal(c.cmd, "state");
  assert_int_equal(c.cmd_index, 3);
  cli_free(&c);

  PARSE_OK(&c, "-root=/run/r4", "run", "ctr");
  assert_string_equal(c.root, "/run/r4");
  assert_string_equal(c.cmd, "run");
  cli_free(&c);

  /* No --root: left unset (the runtime's own default applies). */
  PARSE_OK(&c, "create", "ctr");
  assert_null(c.root);
  cli_free(&c);
}

static void test_global_log_flags(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "--log", "/var/log/r.log", "--log-format", "json", "create", "ctr");
  assert_string_equal(c.log, "/var/log/r.log");
  assert_string_equal(c.log_format, "json");
  assert_string_equal(c.cmd, "create");
  assert_int_equal(c.cmd_index, 5);
  cli_free(&c);

  PARSE_OK(&c, "--log-format=text", "--log=/l", "delete", "ctr");
  assert_string_equal(c.log_format, "text");
  assert_string_equal(c.log, "/l");
  assert_string_equal(c.cmd, "delete");
  cli_free(&c);

  PARSE_OK(&c, "-log-format", "text", "start", "ctr");
  assert_string_equal(c.log_format, "text");
  assert_null(c.log);
  assert_string_equal(c.cmd, "start");
  cli_free(&c);
}

static void test_global_switches(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "--systemd-cgroup", "--debug", "create", "ctr");
  assert_true(c.systemd_cgroup);
  assert_true(c.debug);
  assert_false(c.version);
  assert_false(c.help);
  /* A switch takes no value: the next word is the command. */
  assert_string_equal(c.cmd, "create");
  assert_int_equal(c.cmd_index, 3);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  PARSE_OK(&c, "create", "ctr");
  assert_false(c.systemd_cgroup);
  assert_false(c.debug);
  cli_free(&c);
}

static void test_global_rootless_criu(void **state) {
  struct cli c;
  (void)state;

  /* --rootless takes a value in runc ("true", "false", "auto"). */
  PARSE_OK(&c, "--rootless", "true", "--criu", "/usr/sbin/criu", "restore", "ctr");
  assert_string_equal(c.rootless, "true");
  assert_string_equal(c.criu, "/usr/sbin/criu");
  assert_string_equal(c.cmd, "restore");
  assert_int_equal(c.cmd_index, 5);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  PARSE_OK(&c, "--rootless=auto", "--criu=/opt/criu", "run", "ctr");
  assert_string_equal(c.rootless, "auto");
  assert_string_equal(c.criu, "/opt/criu");
  cli_free(&c);
}

static void test_version_and_help(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "--version");
  assert_true(c.version);
  assert_false(c.help);
  assert_null(c.cmd);
  assert_int_equal(c.cmd_index, 2);
  cli_free(&c);

  PARSE_OK(&c, "-v");
  assert_true(c.version);
  assert_null(c.cmd);
  cli_free(&c);

  PARSE_OK(&c, "--help");
  assert_true(c.help);
  assert_false(c.version);
  assert_null(c.cmd);
  cli_free(&c);

  PARSE_OK(&c, "-h");
  assert_true(c.help);
  cli_free(&c);

  /* "-v" after the command is not the global --version. */
  PARSE_OK(&c, "state", "-v");
  assert_false(c.version);
  assert_string_equal(c.cmd, "state");
  cli_free(&c);
}

static void test_crun_global_flags(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "--cgroup-manager=disabled", "create", "ctr");
  assert_string_equal(c.cmd, "create");
  assert_int_equal(c.cmd_index, 2);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  /* The value is a word of its own: it must not be taken as the command. */
  PARSE_OK(&c, "--cgroup-manager", "disabled", "create", "ctr");
  assert_string_equal(c.cmd, "create");
  assert_int_equal(c.cmd_index, 3);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  PARSE_OK(&c, "--log-level", "debug", "--root", "/run/crun", "run", "ctr");
  assert_string_equal(c.cmd, "run");
  assert_int_equal(c.cmd_index, 5);
  assert_string_equal(c.root, "/run/crun");
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  PARSE_OK(&c, "--log-level=warning", "exec", "ctr", "true");
  assert_string_equal(c.cmd, "exec");
  assert_string_equal(c.id, "ctr");
  cli_free(&c);
}

static void test_unknown_global_passed_through(void **state) {
  struct cli c;
  (void)state;

  /* Without "=value" an unknown flag is a switch: "create" stays the command. */
  PARSE_OK(&c, "--frobnicate", "create", "ctr");
  assert_string_equal(c.cmd, "create");
  assert_int_equal(c.cmd_index, 2);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  PARSE_OK(&c, "--frob=7", "--debug", "exec", "ctr", "sh");
  assert_string_equal(c.cmd, "exec");
  assert_int_equal(c.cmd_index, 3);
  assert_true(c.debug);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  /* "--" ends the global flags. */
  PARSE_OK(&c, "--debug", "--", "create", "ctr");
  assert_string_equal(c.cmd, "create");
  assert_int_equal(c.cmd_index, 3);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);
}

/* --- create / run / restore --- */

static void test_create_bundle_before_id(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "create", "--bundle", "/b1", "ctr");
  assert_string_equal(c.bundle, "/b1");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, 4);
  cli_free(&c);

  PARSE_OK(&c, "create", "-b", "/b2", "ctr");
  assert_string_equal(c.bundle, "/b2");
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  PARSE_OK(&c, "create", "--bundle=/b3", "ctr");
  assert_string_equal(c.bundle, "/b3");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, 3);
  cli_free(&c);

  PARSE_OK(&c, "create", "-bundle", "/b4", "ctr");
  assert_string_equal(c.bundle, "/b4");
  cli_free(&c);

  /* runc reads "-b=/b5" as "/b5", crun as "=/b5": refused. */
  {
    char *msg = parse_err(ARGC("create", "-b=/b5", "ctr"), ARGV("create", "-b=/b5", "ctr"));
    assert_contains(msg, "runc");
    assert_contains(msg, "--bundle=VALUE");
    free(msg);
  }
}

static void test_create_bundle_after_id(void **state) {
  struct cli c;
  (void)state;

  /* crun permutes: flags after the id still count. */
  PARSE_OK(&c, "create", "ctr", "--bundle", "/b1");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, 2);
  assert_string_equal(c.bundle, "/b1");
  cli_free(&c);

  PARSE_OK(&c, "run", "ctr", "-b", "/b2", "-d");
  assert_string_equal(c.id, "ctr");
  assert_string_equal(c.bundle, "/b2");
  assert_true(c.detach);
  cli_free(&c);
}

static void test_create_default_bundle(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "create", "ctr");
  assert_string_equal(c.bundle, ".");
  assert_null(c.config_file);
  assert_null(c.process);
  assert_int_equal(c.process_index, -1);
  assert_null(c.user);
  assert_int_equal(c.user_index, -1);
  assert_int_equal(c.n_caps, 0);
  assert_false(c.detach);
  assert_false(c.keep);
  assert_int_equal(c.cmd_args_index, c.argc);
  cli_free(&c);
}

static void test_create_value_flags(void **state) {
  struct cli c;
  (void)state;

  /* Each value is consumed with its flag; only "ctr" is positional. */
  PARSE_OK(&c, "create", "--pid-file", "/p.pid", "--console-socket", "/c.sock", "--no-pivot", "--no-new-keyring",
           "--preserve-fds", "3", "-b", "/bb", "ctr");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, 12);
  assert_string_equal(c.bundle, "/bb");
  cli_free(&c);

  PARSE_OK(&c, "create", "ctr", "--preserve-fds", "2", "--pid-file=/p", "--no-pivot");
  assert_string_equal(c.id, "ctr");
  assert_string_equal(c.bundle, ".");
  cli_free(&c);
}

static void test_create_double_dash(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "create", "--", "ctr");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, 3);
  cli_free(&c);

  /* After "--" a word starting with '-' is the id, not a flag. */
  PARSE_OK(&c, "create", "-b", "/b", "--", "-ctr");
  assert_string_equal(c.id, "-ctr");
  assert_int_equal(c.id_index, 5);
  assert_string_equal(c.bundle, "/b");
  cli_free(&c);
}

static void test_create_second_positional_refused(void **state) {
  char *msg;
  (void)state;

  msg = PARSE_ERR("create", "ctr", "extra");
  assert_contains(msg, "\"extra\"");
  assert_contains(msg, "\"ctr\"");
  assert_contains(msg, "create");
  free(msg);

  msg = PARSE_ERR("run", "--bundle", "/b", "ctr", "other");
  assert_contains(msg, "\"other\"");
  free(msg);

  msg = PARSE_ERR("create", "--", "ctr", "--bundle");
  assert_contains(msg, "\"--bundle\"");
  free(msg);

  /* An unknown switch that really took a value makes two words: refused,
   * not guessed. */
  msg = PARSE_ERR("restore", "--some-new-flag", "value", "ctr");
  assert_contains(msg, "\"ctr\"");
  assert_contains(msg, "\"value\"");
  free(msg);
}

static void test_missing_value(void **state) {
  char *msg;
  (void)state;

  msg = PARSE_ERR("create", "--bundle");
  assert_contains(msg, "--bundle");
  assert_contains(msg, "needs a value");
  free(msg);

  msg = PARSE_ERR("create", "ctr", "-b");
  assert_contains(msg, "-b");
  assert_contains(msg, "needs a value");
  free(msg);

  msg = PARSE_ERR("--root");
  assert_contains(msg, "--root");
  assert_contains(msg, "needs a value");
  free(msg);

  msg = PARSE_ERR("--log-format");
  assert_contains(msg, "--log-format");
  free(msg);

  msg = PARSE_ERR("exec", "-p");
  assert_contains(msg, "-p");
  assert_contains(msg, "needs a value");
  free(msg);

  msg = PARSE_ERR("exec", "--user");
  assert_contains(msg, "--user");
  free(msg);
}

static void test_run_detach_keep(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "run", "-d", "--keep", "ctr");
  assert_true(c.detach);
  assert_true(c.keep);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  PARSE_OK(&c, "run", "--detach", "ctr");
  assert_true(c.detach);
  assert_false(c.keep);
  cli_free(&c);

  PARSE_OK(&c, "run", "ctr");
  assert_false(c.detach);
  assert_false(c.keep);
  cli_free(&c);
}

static void test_crun_config_flag(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "create", "--config", "/c.json", "ctr");
  assert_string_equal(c.config_file, "/c.json");
  assert_string_equal(c.id, "ctr");
  assert_string_equal(c.bundle, ".");
  cli_free(&c);

  PARSE_OK(&c, "run", "-f", "/d.json", "-b", "/b", "ctr");
  assert_string_equal(c.config_file, "/d.json");
  assert_string_equal(c.bundle, "/b");
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  PARSE_OK(&c, "create", "--config=/e.json", "ctr");
  assert_string_equal(c.config_file, "/e.json");
  cli_free(&c);
}

static void test_restore_flags(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "restore", "--image-path", "/img", "--work-path", "/work", "--tcp-established", "--manage-cgroups-mode",
           "soft", "--empty-ns", "network", "--lsm-profile", "apparmor:p", "--lsm-mount-context", "ctx",
           "--page-server", "host:1", "--parent-path", "/parent", "--bundle", "/b", "--console-socket", "/s",
           "--pid-file", "/p", "-d", "ctr");
  assert_string_equal(c.cmd, "restore");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, c.argc - 1);
  assert_string_equal(c.bundle, "/b");
  assert_true(c.detach);
  cli_free(&c);
}

/* --- exec --- */

static void test_exec_process_forms(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "exec", "--process", "/p.json", "ctr");
  assert_string_equal(c.process, "/p.json");
  assert_int_equal(c.process_index, 3);
  assert_string_equal(c.argv[c.process_index], "/p.json");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, 4);
  assert_int_equal(c.cmd_args_index, c.argc);
  cli_free(&c);

  PARSE_OK(&c, "exec", "-d", "-p", "/q.json", "ctr");
  assert_string_equal(c.process, "/q.json");
  assert_int_equal(c.process_index, 4);
  assert_true(c.detach);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  /* "=value": the index is the word that holds the value. */
  PARSE_OK(&c, "exec", "--process=/r.json", "ctr");
  assert_string_equal(c.process, "/r.json");
  assert_int_equal(c.process_index, 2);
  assert_string_equal(c.argv[c.process_index], "--process=/r.json");
  assert_string_equal(c.id, "ctr");
  cli_free(&c);

  {
    char *msg = parse_err(ARGC("exec", "-p=/s.json", "ctr"), ARGV("exec", "-p=/s.json", "ctr"));
    assert_contains(msg, "--process=VALUE");
    free(msg);
  }
}

static void test_exec_user(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "exec", "--user", "1000:1000", "ctr", "sh");
  assert_string_equal(c.user, "1000:1000");
  assert_int_equal(c.user_index, 3);
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.cmd_args_index, 5);
  cli_free(&c);

  PARSE_OK(&c, "exec", "-u", "0", "ctr", "sh");
  assert_string_equal(c.user, "0");
  assert_int_equal(c.user_index, 3);
  cli_free(&c);

  PARSE_OK(&c, "exec", "--user=0", "ctr", "sh");
  assert_string_equal(c.user, "0");
  assert_int_equal(c.user_index, 2);
  assert_string_equal(c.argv[c.user_index], "--user=0");
  cli_free(&c);

  {
    char *msg = parse_err(ARGC("exec", "-u=0:0", "ctr", "sh"), ARGV("exec", "-u=0:0", "ctr", "sh"));
    assert_contains(msg, "--user=VALUE");
    free(msg);
  }
}

static void test_exec_caps_repeated(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "exec", "--cap", "CAP_SYS_ADMIN", "-c", "NET_RAW", "--cap=CAP_SYS_PTRACE", "-cBPF", "ctr", "sh");
  assert_int_equal(c.n_caps, 4);
  assert_non_null(c.caps);
  assert_string_equal(c.caps[0], "CAP_SYS_ADMIN");
  assert_string_equal(c.caps[1], "NET_RAW");
  assert_string_equal(c.caps[2], "CAP_SYS_PTRACE");
  assert_string_equal(c.caps[3], "BPF");
  assert_string_equal(c.id, "ctr");
  cli_free(&c);
  assert_null(c.caps);
  assert_int_equal(c.n_caps, 0);
}

static void test_exec_other_flags(void **state) {
  struct cli c;
  (void)state;

  /* --env/-e and --cwd take values: those values are not the id. */
  PARSE_OK(&c, "exec", "-t", "--tty", "--env", "A=B", "-e", "C=D", "--cwd", "/tmp", "--detach", "--additional-gids",
           "10", "--pid-file", "/p", "--cgroup", "sub", "--apparmor", "prof", "--process-label", "lbl",
           "--console-socket", "/s", "--preserve-fds", "1", "--no-new-privs", "ctr", "id", "-u");
  assert_string_equal(c.id, "ctr");
  assert_true(c.detach);
  assert_string_equal(c.argv[c.cmd_args_index], "id");
  assert_int_equal(c.cmd_args_index, c.id_index + 1);
  assert_null(c.user);
  cli_free(&c);

  PARSE_OK(&c, "exec", "-e=X=1", "--cwd=/", "ctr", "true");
  assert_string_equal(c.id, "ctr");
  assert_string_equal(c.argv[c.cmd_args_index], "true");
  assert_false(c.detach);
  cli_free(&c);
}

static void test_exec_double_dash(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "exec", "ctr", "--", "cmd", "-la");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, 2);
  assert_int_equal(c.cmd_args_index, 4);
  assert_string_equal(c.argv[c.cmd_args_index], "cmd");
  cli_free(&c);

  PARSE_OK(&c, "exec", "--", "ctr", "cmd");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.id_index, 3);
  assert_int_equal(c.cmd_args_index, 4);
  cli_free(&c);
}

static void test_exec_command_flags_not_ours(void **state) {
  struct cli c;
  (void)state;

  PARSE_OK(&c, "exec", "ctr", "ls", "-la");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.cmd_args_index, 3);
  assert_string_equal(c.argv[c.cmd_args_index], "ls");
  cli_free(&c);

  /* Flags after the id belong to the command, even ones exec knows. */
  PARSE_OK(&c, "exec", "ctr", "sh", "-u", "0", "-p", "/x.json", "--cap", "CAP_SYS_ADMIN", "-d");
  assert_string_equal(c.id, "ctr");
  assert_int_equal(c.cmd_args_index, 3);
  assert_null(c.user);
  assert_int_equal(c.user_index, -1);
  assert_null(c.process);
  assert_int_equal(c.process_index, -1);
  assert_int_equal(c.n_caps, 0);
  assert_false(c.detach);
  cli_free(&c);

  /* exec with a second word after the id is fine (it is the command). */
  PARSE_OK(&c, "exec", "-u", "1", "ctr", "a", "b", "c");
  assert_string_equal(c.user, "1");
  assert_int_equal(c.cmd_args_index, 5);
  cli_free(&c);
}

/* crun reads its options with argp (getopt_long): a short option's value
 * may be attached ("-b/x", "-u0", "-pFILE") and a long option may be
 * abbreviated to a unique prefix ("--bun=/x"). Verified with crun 1.8.1:
 * `crun create -b/nonexist ID` fails with "chdir `/nonexist`", and
 * `crun exec -ubad ID true` with "invalid USERSPEC". stockade must either
 * read these the same way or refuse; it must never judge one bundle,
 * process file or user and let crun run another. */
static void assert_bundle_or_refused(int argc, char **argv, const char *bundle) {
  struct sk_error *err = NULL;
  struct cli c;
  if (cli_parse(argc, argv, &c, &err) < 0) {
    sk_error_free(&err);
    return;
  }
  if (strcmp(c.bundle, bundle) != 0) {
    char got[256];
    snprintf(got, sizeof(got), "%s", c.bundle);
    cli_free(&c);
    fail_msg("%s %s %s: crun uses bundle \"%s\" but stockade accepted it with bundle \"%s\"", argv[1], argv[2], argv[3],
             bundle, got);
  }
  cli_free(&c);
}

static void test_crun_attached_bundle(void **state) {
  (void)state;
  assert_bundle_or_refused(ARGC("create", "-b/evil", "ctr"), ARGV("create", "-b/evil", "ctr"), "/evil");
}

/* exec -pFILE: the process file must be seen (to be hardened) or the line
 * refused. */
static void test_crun_attached_process(void **state) {
  struct sk_error *err = NULL;
  struct cli c;
  (void)state;

  if (cli_parse(ARGC("exec", "-p/p.json", "ctr"), ARGV("exec", "-p/p.json", "ctr"), &c, &err) == 0) {
    bool ok = c.process && strcmp(c.process, "/p.json") == 0;
    cli_free(&c);
    if (!ok)
      fail_msg("exec -p/p.json ctr: crun reads process file /p.json, stockade accepted it without seeing --process");
  }
  sk_error_free(&err);
}

/* exec -u0: uid 0 must be seen (judged) or the line refused. */
static void test_crun_attached_user(void **state) {
  struct sk_error *err = NULL;
  struct cli c;
  (void)state;

  if (cli_parse(ARGC("exec", "-u0", "ctr", "sh"), ARGV("exec", "-u0", "ctr", "sh"), &c, &err) == 0) {
    bool ok = c.user && strcmp(c.user, "0") == 0;
    cli_free(&c);
    if (!ok)
      fail_msg("exec -u0 ctr sh: crun runs as uid 0, stockade accepted it without seeing --user");
  }
  sk_error_free(&err);
}

static void test_crun_long_abbreviations(void **state) {
  (void)state;
  assert_bundle_or_refused(ARGC("create", "--bun=/evil", "ctr"), ARGV("create", "--bun=/evil", "ctr"), "/evil");
}

/* --- pass-through commands --- */

static void test_passthrough_commands(void **state) {
  static const char *const cmds[] = {"state", "delete", "ps", "pause", "resume", "start", "list", "events"};
  struct cli c;
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
    char *argv[] = {"stockade", "--root", "/r", (char *)cmds[i], "ctr", NULL};
    parse_ok(&c, 5, argv);
    assert_string_equal(c.cmd, cmds[i]);
    assert_int_equal(c.cmd_index, 3);
    assert_string_equal(c.root, "/r");
    assert_null(c.id);
    assert_int_equal(c.id_index, -1);
    assert_false(cli_is_hardened_cmd(c.cmd));
    cli_free(&c);
  }

  /* kill takes two words; not ours to check. */
  PARSE_OK(&c, "kill", "ctr", "SIGTERM");
  assert_string_equal(c.cmd, "kill");
  assert_int_equal(c.cmd_index, 1);
  assert_null(c.id);
  cli_free(&c);

  /* Flags of a pass-through command are not read (delete --force). */
  PARSE_OK(&c, "delete", "--force", "ctr");
  assert_string_equal(c.cmd, "delete");
  assert_null(c.id);
  assert_string_equal(c.bundle, ".");
  cli_free(&c);
}

static void test_no_command(void **state) {
  char *argv0[] = {"stockade", NULL};
  struct cli c;
  (void)state;

  parse_ok(&c, 1, argv0);
  assert_null(c.cmd);
  assert_int_equal(c.cmd_index, 1);
  assert_null(c.id);
  assert_false(c.version);
  cli_free(&c);

  PARSE_OK(&c, "--debug", "--root", "/r");
  assert_null(c.cmd);
  assert_int_equal(c.cmd_index, 4);
  assert_true(c.debug);
  assert_string_equal(c.root, "/r");
  cli_free(&c);
}

static void test_is_hardened_cmd(void **state) {
  (void)state;
  assert_true(cli_is_hardened_cmd("create"));
  assert_true(cli_is_hardened_cmd("run"));
  assert_true(cli_is_hardened_cmd("exec"));
  assert_true(cli_is_hardened_cmd("restore"));
  assert_false(cli_is_hardened_cmd("start"));
  assert_false(cli_is_hardened_cmd("state"));
  assert_false(cli_is_hardened_cmd("delete"));
  assert_false(cli_is_hardened_cmd("Create"));
  assert_false(cli_is_hardened_cmd("creat"));
  assert_false(cli_is_hardened_cmd("create "));
  assert_false(cli_is_hardened_cmd(""));
  assert_false(cli_is_hardened_cmd(NULL));
}

/* create/run/restore/exec -h and --help anywhere among the command's
 * flags (before exec's id) are the runtime's help: no id needed, and a
 * second word after the id is no longer a reason to refuse. */
static void test_command_help(void **state) {
  struct cli c;
  (void)state;
  PARSE_OK(&c, "create", "-h");
  assert_true(c.cmd_help);
  assert_null(c.id);
  cli_free(&c);
  PARSE_OK(&c, "run", "--bundle", "/b", "--help");
  assert_true(c.cmd_help);
  cli_free(&c);
  PARSE_OK(&c, "restore", "-dh");
  assert_true(c.cmd_help);
  cli_free(&c);
  PARSE_OK(&c, "create", "--help", "a", "b");
  assert_true(c.cmd_help);
  cli_free(&c);
  PARSE_OK(&c, "exec", "--help");
  assert_true(c.cmd_help);
  cli_free(&c);
  /* After exec's id, -h is the command's own flag. */
  PARSE_OK(&c, "exec", "ctr", "ls", "-h");
  assert_false(c.cmd_help);
  assert_string_equal(c.id, "ctr");
  cli_free(&c);
  PARSE_OK(&c, "create", "ctr");
  assert_false(c.cmd_help);
  cli_free(&c);
}

/* The container of a pass-through command: the first word after its
 * flags, skipping the values of the flags that take one. */
static void test_container_id(void **state) {
  struct cli c;
  (void)state;
  PARSE_OK(&c, "delete", "-f", "ctr");
  assert_string_equal(cli_container_id(&c), "ctr");
  cli_free(&c);
  PARSE_OK(&c, "kill", "--all", "ctr", "KILL");
  assert_string_equal(cli_container_id(&c), "ctr");
  cli_free(&c);
  PARSE_OK(&c, "--root", "/r", "state", "ctr");
  assert_string_equal(cli_container_id(&c), "ctr");
  cli_free(&c);
  PARSE_OK(&c, "update", "--memory", "100M", "--pids-limit=5", "ctr");
  assert_string_equal(cli_container_id(&c), "ctr");
  cli_free(&c);
  PARSE_OK(&c, "events", "--interval", "5s", "ctr");
  assert_string_equal(cli_container_id(&c), "ctr");
  cli_free(&c);
  PARSE_OK(&c, "ps", "-f", "json", "ctr");
  assert_string_equal(cli_container_id(&c), "ctr");
  cli_free(&c);
  PARSE_OK(&c, "delete", "-r", "c.*");
  assert_null(cli_container_id(&c));
  cli_free(&c);
  PARSE_OK(&c, "pause", "--", "-odd");
  assert_string_equal(cli_container_id(&c), "-odd");
  cli_free(&c);
  PARSE_OK(&c, "list", "-q");
  assert_null(cli_container_id(&c));
  cli_free(&c);
  PARSE_OK(&c, "kill", "--help");
  assert_null(cli_container_id(&c));
  cli_free(&c);
  PARSE_OK(&c, "--version");
  assert_null(cli_container_id(&c));
  cli_free(&c);
  PARSE_OK(&c, "exec", "ctr", "ls");
  assert_string_equal(cli_container_id(&c), "ctr");
  cli_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_command_help),
      cmocka_unit_test(test_container_id),
      cmocka_unit_test(test_global_root_forms),
      cmocka_unit_test(test_global_log_flags),
      cmocka_unit_test(test_global_switches),
      cmocka_unit_test(test_global_rootless_criu),
      cmocka_unit_test(test_version_and_help),
      cmocka_unit_test(test_crun_global_flags),
      cmocka_unit_test(test_unknown_global_passed_through),
      cmocka_unit_test(test_create_bundle_before_id),
      cmocka_unit_test(test_create_bundle_after_id),
      cmocka_unit_test(test_create_default_bundle),
      cmocka_unit_test(test_create_value_flags),
      cmocka_unit_test(test_create_double_dash),
      cmocka_unit_test(test_create_second_positional_refused),
      cmocka_unit_test(test_missing_value),
      cmocka_unit_test(test_run_detach_keep),
      cmocka_unit_test(test_crun_config_flag),
      cmocka_unit_test(test_restore_flags),
      cmocka_unit_test(test_exec_process_forms),
      cmocka_unit_test(test_exec_user),
      cmocka_unit_test(test_exec_caps_repeated),
      cmocka_unit_test(test_exec_other_flags),
      cmocka_unit_test(test_exec_double_dash),
      cmocka_unit_test(test_exec_command_flags_not_ours),
      cmocka_unit_test(test_crun_attached_bundle),
      cmocka_unit_test(test_crun_attached_process),
      cmocka_unit_test(test_crun_attached_user),
      cmocka_unit_test(test_crun_long_abbreviations),
      cmocka_unit_test(test_passthrough_commands),
      cmocka_unit_test(test_no_command),
      cmocka_unit_test(test_is_hardened_cmd),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

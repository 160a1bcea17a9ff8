/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl: the operator's tool. check a bundle, config.json or
 * Kubernetes manifests (ctl/check.c), lint and show profiles, read events
 * (ctl/events.c), learn profiles and compare them (ctl/learn.c,
 * ctl/diff.c), verify the host (ctl/verify.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/apparmor.h"
#include "ctl.h"
#include "stockade/profile.h"
#include "stockade/seccomp.h"
#include "stockade/sys.h"

static void usage(FILE *f) {
  fprintf(f, "usage: stockadectl [--profile-dir DIR] COMMAND [ARGS]\n"
             "       stockadectl --help | --version\n"
             "\n"
             "commands (each takes --help and --version; an unknown flag is one line and exit 2):\n"
             "  check [--profile NAME|FILE] [--strict] [--json] BUNDLE|CONFIG|MANIFEST\n"
             "      judge a bundle, its config.json, or Kubernetes manifests (YAML) against a profile\n"
             "      without running anything; exit 0 when nothing would be refused, 1 when something\n"
             "      would (with --strict: or be hardened), 2 on bad input\n"
             "  profile lint FILE...      check profile files, every error of each; exit 0 when all\n"
             "      are valid, 1 otherwise\n"
             "  profile show [--resolved|--seccomp|--apparmor] NAME|FILE\n"
             "      print the profile as a file that lints (--resolved: with its defaults, source and\n"
             "      hash; --seccomp: the filter it generates here; --apparmor: its AppArmor profile)\n"
             "  profile diff A B          what profile B does differently from A (names or files), one line\n"
             "      each (\"-\" only in A, \"+\" only in B); exit 0 when equal, 1 when different, 2 on bad input\n"
             "  learn RECORDING|DIR... [--base PROFILE] [--update PROFILE] [--name NAME] [--pin-hashes] [-o FILE]\n"
             "      make a profile from learning-mode recordings; the profile goes to FILE (else stdout),\n"
             "      the summary of what was learned to stdout with -o (else stderr); exit 2 on bad input\n"
             "  events [--follow] [--container ID] [--type T] [--decision D] [--severity S] [--since TIME]\n"
             "         [--pod P] [--namespace N] [--format human|json|ecs] [--validate] [--file PATH]\n"
             "      print the events of the event file (the config's eventFile), one line each;\n"
             "      exit 1 if a line is not an event; see stockadectl events --help\n"
             "  explain [--root DIR] ID (--read PATH | --write PATH | --bind PORT)\n"
             "      is stockade why container ID cannot do it? names the rule and the fix (exit 0),\n"
             "      or says stockade is not the cause (exit 1); see stockadectl explain --help\n"
             "  metrics [--file EVENTS] [--state-dir DIR] [--output FILE]\n"
             "      Prometheus metrics for node-exporter's textfile collector; see stockadectl metrics --help\n"
             "  verify [--json] [--profile NAME|FILE]\n"
             "      can this host enforce each protection (kernel features, LSMs, runtime version,\n"
             "      the profile directory and the default profile)? one line each: ok, warn or fail;\n"
             "      exit 0 when none fails\n"
             "  version\n"
             "\n"
             "Profiles named without a '/' are read from --profile-dir, else from the profileDir of\n"
             "$STOCKADE_CONFIG (default " SK_CONFIG_DEFAULT ").\n");
}

static int print_json(const struct json *j, struct sk_error **err) {
  cleanup_free char *txt = NULL;
  size_t len;
  if (json_gen(j, &txt, &len, err) < 0)
    return -1;
  fwrite(txt, 1, len, stdout);
  return 0;
}

static void profile_usage(FILE *f) {
  fprintf(f, "usage: stockadectl profile lint FILE...\n"
             "       stockadectl profile show [--resolved|--seccomp|--apparmor] NAME|FILE\n"
             "       stockadectl profile diff A B\n"
             "  lint: check profile files and report every error of each, \"file:line:column: field: what;\n"
             "    what is expected\"; exit 0 when all are valid, 1 otherwise, 2 on bad arguments.\n"
             "  show: the profile as a file that lints (save it as NAME.json); --resolved: every field\n"
             "    with its default, seccomp in full, its source, hash and file; --seccomp: the filter it\n"
             "    generates for this machine's architectures; --apparmor: the AppArmor profile.\n"
             "  diff: what B does differently from A, one line each; exit 0 equal, 1 different, 2 bad input.\n");
}

/* Flags of a profile subcommand: --help, --version, and the show modes.
 * Returns 1 when it has answered (--help, --version: *status is 0), -1 on
 * a bad flag (*err), 0 to go on. */
static int profile_flags(const char *cmd, int argc, char **argv, const char **mode, int *status,
                         struct sk_error **err) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},     {"version", no_argument, NULL, 'V'},
                                       {"resolved", no_argument, NULL, 'r'}, {"seccomp", no_argument, NULL, 's'},
                                       {"apparmor", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    if (c == 'h') {
      profile_usage(stdout);
      *status = 0;
      return 1;
    }
    if (c == 'V') {
      *status = ctl_version();
      return 1;
    }
    if (mode && (c == 'r' || c == 's' || c == 'a')) {
      if (*mode)
        return sk_error_set(err, 0, "give one of --resolved, --seccomp and --apparmor");
      *mode = c == 'r' ? "resolved" : c == 's' ? "seccomp" : "apparmor";
      continue;
    }
    return ctl_bad_flag(cmd, c == 'r' || c == 's' || c == 'a' ? '?' : c, argv, err);
  }
  return 0;
}

/* The profile as a file that lints: profile_to_json's resolved view less
 * what is not a profile field (seccompSource, sha256, file) and the nulls
 * that stand for "not set". */
static void show_lintable(struct json *doc) {
  static const char *const drop[] = {"seccompSource", "sha256", "file", NULL};
  struct json *exec, *allow, *wp;
  size_t i;
  for (i = 0; drop[i]; i++)
    json_del(doc, drop[i]);
  for (i = doc->n; i > 0; i--)
    if (doc->items[i - 1]->type == JSON_NULL)
      json_del(doc, doc->keys[i - 1]);
  /* Looked up after the deletions above, which free what they delete. */
  exec = json_get(doc, "exec");
  allow = json_get(exec, "allow");
  wp = json_get(doc, "writablePaths");
  if (json_is(allow, JSON_NULL))
    json_del(exec, "allow");
  else if (allow && allow->type == JSON_ARRAY)
    for (i = 0; i < allow->n; i++)
      if (json_is(json_get(allow->items[i], "sha256"), JSON_NULL))
        json_del(allow->items[i], "sha256");
  for (i = 0; wp && wp->type == JSON_ARRAY && i < wp->n; i++)
    if (json_is(json_get(wp->items[i], "size"), JSON_NULL))
      json_del(wp->items[i], "size");
}

/* stockadectl profile show [--resolved|--seccomp|--apparmor] NAME|FILE */
static int cmd_profile_show(int argc, char **argv, struct sk_error **err) {
  cleanup_profile struct profile *p = NULL;
  cleanup_json struct json *doc = NULL;
  cleanup_json struct json *arches = NULL;
  cleanup_json struct json *gen = NULL;
  cleanup_json struct json *empty = json_new(JSON_OBJECT);
  cleanup_free char *text = NULL;
  const char *mode = NULL;
  int status, r;

  if ((r = profile_flags("profile show", argc, argv, &mode, &status, err)) != 0)
    return r < 0 ? -1 : status;
  if (optind + 1 != argc)
    return sk_error_set(err, 0, "expected one NAME or FILE; see stockadectl profile --help");
  if (ctl_load_profile(argv[optind], &p, err) < 0)
    return -1;
  if (mode && strcmp(mode, "apparmor") == 0) {
    if (aa_profile_generate(p, &text, err) < 0)
      return -1;
    fputs(text, stdout);
    return 0;
  }
  if (mode && strcmp(mode, "seccomp") == 0) {
    /* The filter as it would be written into a spec on this machine. */
    if (empty == NULL)
      return sk_error_set(err, ENOMEM, "profile show");
    if (seccomp_spec_arches(empty, &arches, err) < 0 || seccomp_generate(p->seccomp, arches, &gen, err) < 0)
      return -1;
    return print_json(gen, err);
  }
  if (profile_to_json(p, &doc, err) < 0)
    return -1;
  if (mode == NULL)
    show_lintable(doc);
  return print_json(doc, err);
}

/* stockadectl profile lint FILE...: every error of each file on stderr;
 * 1 when one is invalid. */
static int cmd_profile_lint(int argc, char **argv, struct sk_error **err) {
  int i, bad = 0, status, r;
  if ((r = profile_flags("profile lint", argc, argv, NULL, &status, err)) != 0)
    return r < 0 ? -1 : status;
  if (optind >= argc)
    return sk_error_set(err, 0, "expected FILE...; see stockadectl profile --help");
  for (i = optind; i < argc; i++) {
    cleanup_profile struct profile *p = NULL;
    cleanup_error struct sk_error *perr = NULL;
    if (profile_lint_file(argv[i], &p, &perr) < 0) {
      fprintf(stderr, "%s\n", perr->msg);
      bad++;
    } else {
      printf("%s: ok (profile \"%s\", sha256 %s)\n", argv[i], p->name, p->sha256);
    }
  }
  return bad ? CTL_EXIT_FINDINGS : 0;
}

/* stockadectl profile diff [--help|--version] A B */
static int cmd_profile_diff(int argc, char **argv, struct sk_error **err) {
  int status, r;
  if ((r = profile_flags("profile diff", argc, argv, NULL, &status, err)) != 0)
    return r < 0 ? -1 : status;
  return ctl_profile_diff(argc, argv, err);
}

/* stockadectl profile --help|--version (no subcommand). */
static int cmd_profile(int argc, char **argv, struct sk_error **err) {
  int status, r;
  if ((r = profile_flags("profile", argc, argv, NULL, &status, err)) != 0)
    return r < 0 ? -1 : status;
  return sk_error_set(err, 0, "unknown command \"%s\"; expected lint, show or diff", argc > 1 ? argv[1] : "");
}

/* `stockadectl version` takes --help and --version too, and nothing else. */
static int cmd_version(int argc, char **argv, struct sk_error **err) {
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("usage: stockadectl version\n  print stockadectl's version\n");
    return 0;
  }
  if (argc > 2 || (argc == 2 && strcmp(argv[1], "--version") != 0))
    return sk_error_set(err, 0, "unexpected argument %s; see stockadectl version --help", argv[1]);
  return ctl_version();
}

/* The commands; a failure is printed as "stockadectl <name>: <message>". */
static const struct command {
  const char *name, *sub; /* "profile" "lint" */
  int (*run)(int argc, char **argv, struct sk_error **err);
} commands[] = {
    {"check", NULL, ctl_check},
    {"profile", "lint", cmd_profile_lint},
    {"profile", "show", cmd_profile_show},
    {"profile", "diff", cmd_profile_diff},
    {"profile", NULL, cmd_profile},
    {"events", NULL, ctl_events},
    {"explain", NULL, ctl_explain},
    {"learn", NULL, ctl_learn},
    {"metrics", NULL, ctl_metrics},
    {"verify", NULL, ctl_verify},
    {"version", NULL, cmd_version},
};

static const struct command *find_command(int argc, char **argv) {
  size_t i;
  for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    const struct command *c = &commands[i];
    if (strcmp(argv[0], c->name) == 0 && (c->sub == NULL || (argc > 1 && strcmp(argv[1], c->sub) == 0)))
      return c;
  }
  return NULL;
}

int main(int argc, char **argv) {
  const struct command *cmd;
  cleanup_error struct sk_error *err = NULL;
  int i = 1, status;

  if (stdio_hold() < 0) {
    fprintf(stderr, "stockadectl: stdin, stdout or stderr is closed and /dev/null cannot be opened in its place: %s\n",
            strerror(errno));
    return 1;
  }

  while (i < argc && argv[i][0] == '-') {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-v") == 0)
      return ctl_version();
    if (strcmp(argv[i], "--profile-dir") == 0 && i + 1 < argc) {
      ctl_profile_dir = argv[i + 1];
      i += 2;
      continue;
    }
    if (strncmp(argv[i], "--profile-dir=", 14) == 0) {
      ctl_profile_dir = argv[i] + 14;
      i++;
      continue;
    }
    fprintf(stderr, "stockadectl: unknown flag %s; see stockadectl --help\n", argv[i]);
    return CTL_EXIT_BADINPUT;
  }
  if (i >= argc || (strcmp(argv[i], "profile") == 0 && i + 1 >= argc)) {
    usage(stderr);
    return CTL_EXIT_BADINPUT;
  }
  cmd = find_command(argc - i, argv + i);
  if (cmd == NULL) {
    fprintf(stderr, "stockadectl: unknown command \"%s\"; see stockadectl --help\n", argv[i]);
    return CTL_EXIT_BADINPUT;
  }
  if (cmd->sub)
    i++; /* the subcommand's arguments start at its own name */
  status = cmd->run(argc - i, argv + i, &err);
  if (status >= 0)
    return status;
  fprintf(stderr, "stockadectl %s%s%s: %s\n", cmd->name, cmd->sub ? " " : "", cmd->sub ? cmd->sub : "",
          err && err->msg ? err->msg : "unknown error");
  return CTL_EXIT_BADINPUT;
}

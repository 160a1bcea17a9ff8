/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl: the operator's tool. check a bundle against a profile,
 * lint and show profiles, read events (ctl/events.c), learn profiles and
 * compare them (ctl/learn.c, ctl/diff.c), verify the host (ctl/verify.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/apparmor.h"
#include "ctl.h"
#include "stockade/judge.h"
#include "stockade/lsm.h"
#include "stockade/profile.h"
#include "stockade/seccomp.h"
#include "stockade/spec.h"

static void usage(FILE *f) {
  fprintf(f, "usage: stockadectl [--profile-dir DIR] COMMAND [ARGS]\n"
             "\n"
             "commands:\n"
             "  check BUNDLE|CONFIG [--profile NAME|FILE] [--json]\n"
             "      judge a bundle (or its config.json) against a profile without running it;\n"
             "      exit 0 when clean, 1 with findings, 2 on bad input; also says which LSM layer\n"
             "      (AppArmor, SELinux or none) the profile gets on this host\n"
             "  profile lint FILE...      check profile files; exit 0 when all are valid, 1 otherwise\n"
             "  profile show NAME|FILE    print the resolved profile, with the seccomp filter it generates\n"
             "  profile show --apparmor NAME|FILE\n"
             "      print the AppArmor profile stockade generates from it\n"
             "  profile diff A B          what profile B does differently from A (names or files), one line\n"
             "      each (\"-\" only in A, \"+\" only in B); exit 0 when equal, 1 when different, 2 on bad input\n"
             "  learn RECORDING|DIR... [--base PROFILE] [--update PROFILE] [--name NAME] [--pin-hashes] [-o FILE]\n"
             "      make a profile from learning-mode recordings; the profile goes to FILE (else stdout),\n"
             "      the summary of what was learned to stdout with -o (else stderr); exit 2 on bad input\n"
             "  events [--follow] [--container ID] [--type T] [--decision D] [--severity S] [--since TIME]\n"
             "         [--pod P] [--namespace N] [--format human|json|ecs] [--validate] [--file PATH]\n"
             "      print the events of the event file (the config's eventFile), one line each;\n"
             "      exit 1 if a line is not an event; see stockadectl events --help\n"
             "  metrics [--file EVENTS] [--state-dir DIR] [--output FILE]\n"
             "      Prometheus metrics for node-exporter's textfile collector; see stockadectl metrics --help\n"
             "  verify [--json] [--profile NAME|FILE]\n"
             "      can this host enforce each protection (kernel features, LSMs,\n"
             "      runtime version)? one line each: ok, warn or fail and what is lost; exit 0 when none fails\n"
             "  version\n"
             "\n"
             "Profiles named without a '/' are read from --profile-dir, else from the profileDir of\n"
             "$STOCKADE_CONFIG (default " SK_CONFIG_DEFAULT ").\n");
}

static const char *default_profile_name(void) {
  static char name[80];
  cleanup_config struct sk_config *cfg = NULL;
  cleanup_error struct sk_error *err = NULL;
  if (config_load(config_path(), &cfg, &err) < 0)
    return "default";
  snprintf(name, sizeof(name), "%s", cfg->default_profile);
  return name;
}

static int print_json(const struct json *j, struct sk_error **err) {
  cleanup_free char *txt = NULL;
  size_t len;
  if (json_gen(j, &txt, &len, err) < 0)
    return -1;
  fwrite(txt, 1, len, stdout);
  return 0;
}

/* LSM layer: what the profile gets on this host, one sentence. */
static void lsm_sentence(const struct profile *p, const struct lsm_host *h, char *buf, size_t size) {
  enum lsm_layer l = lsm_layer_for(p, h);
  char name[AA_NAME_MAX];
  if (p->lsm == PROFILE_NEED_OFF) {
    snprintf(buf, size, "none: the profile says \"lsm\": \"off\"");
  } else if (l == LSM_LAYER_APPARMOR) {
    aa_profile_name(p, name);
    snprintf(buf, size, "apparmor: profile %s (stockadectl profile show --apparmor %s)", name, p->name);
  } else if (l == LSM_LAYER_SELINUX) {
    snprintf(buf, size, "selinux: the host's container contexts with a category pair of its own");
  } else {
    char why[512];
    lsm_missing_reason(p, h, why, sizeof(why));
    snprintf(buf, size, "none: %s; %s", why,
             p->lsm == PROFILE_NEED_REQUIRED ? "enforce mode refuses its containers"
                                             : "its containers run without one");
  }
}

static int check_json(const char *file, const struct profile *p, const struct findings *f, const struct lsm_host *h,
                      struct sk_error **err) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  struct json *arr = json_new(JSON_ARRAY);
  struct json *lsm = json_new(JSON_OBJECT);
  char line[1024];
  size_t i;
  if (o == NULL || arr == NULL || lsm == NULL) {
    json_free(arr);
    json_free(lsm);
    return sk_error_set(err, ENOMEM, "the report");
  }
  json_set(o, "config", json_new_string(file));
  json_set(o, "profile", json_new_string(p->name));
  json_set(o, "profileSha256", json_new_string(p->sha256));
  lsm_sentence(p, h, line, sizeof(line));
  json_set(lsm, "need", json_new_string(profile_need_name(p->lsm)));
  json_set(lsm, "layer",
           json_new_string(lsm_layer_name(p->lsm == PROFILE_NEED_OFF ? LSM_LAYER_NONE : lsm_layer_for(p, h))));
  json_set(lsm, "refuse", json_new_bool(findings_find(f, "SK-LSM-REQUIRED") != NULL));
  json_set(lsm, "detail", json_new_string(line));
  json_set(o, "lsm", lsm);
  json_set(o, "refusals", json_new_int((int64_t)findings_count(f, FINDING_REFUSE)));
  json_set(o, "fixes", json_new_int((int64_t)findings_count(f, FINDING_FIX)));
  for (i = 0; i < f->n; i++) {
    struct json *e = json_new(JSON_OBJECT);
    json_set(e, "rule", json_new_string(f->v[i].rule));
    json_set(e, "kind", json_new_string(f->v[i].kind == FINDING_REFUSE ? "refuse" : "fix"));
    json_set(e, "message", json_new_string(f->v[i].what));
    json_set(e, "fix", json_new_string(f->v[i].fix));
    json_set(e, "guide", json_new_string(f->v[i].guide));
    json_set(e, "technique", json_new_string(f->v[i].technique));
    json_append(arr, e);
  }
  json_set(o, "findings", arr);
  return print_json(o, err);
}

static int cmd_check(int argc, char **argv, struct sk_error **err) {
  static const struct option opts[] = {
      {"profile", required_argument, NULL, 'p'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
  const char *profile = NULL, *target;
  cleanup_free char *file = NULL;
  cleanup_json struct json *spec = NULL;
  cleanup_profile struct profile *p = NULL;
  struct findings f = {0};
  struct lsm_host lsmh;
  char lsm_line[1024];
  struct stat st;
  bool as_json = false, is_dir;
  size_t i;
  int c, status;

  optind = 1;
  while ((c = getopt_long(argc, argv, "p:j", opts, NULL)) != -1) {
    if (c == 'p')
      profile = optarg;
    else if (c == 'j')
      as_json = true;
    else
      return sk_error_set(err, 0, "see stockadectl --help");
  }
  if (optind + 1 != argc)
    return sk_error_set(err, 0, "expected one BUNDLE or CONFIG; see stockadectl --help");
  target = argv[optind];
  is_dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
  if (is_dir) {
    if (asprintf(&file, "%s/config.json", target) < 0)
      file = NULL;
  } else {
    file = strdup(target);
  }
  if (file == NULL)
    return sk_error_set(err, ENOMEM, "%s", target);
  if (spec_load(file, &spec, NULL, NULL, err) < 0 || spec_check(spec, file, err) < 0)
    return -1;
  if (profile == NULL)
    profile = spec_annotation(spec, "stockade.io/profile");
  if (profile == NULL)
    profile = default_profile_name();
  if (ctl_load_profile(profile, &p, err) < 0)
    return -1;
  /* Relative bind sources are the bundle's, as the runtime reads them. */
  if (judge_spec_in(spec, is_dir ? target : NULL, p, &f, err) < 0)
    return -1;
  lsm_host_probe(&lsmh);
  if (lsm_judge(p, &lsmh, &f, err) < 0) {
    findings_clear(&f);
    return -1;
  }

  status = f.n > 0 ? CTL_EXIT_FINDINGS : 0;
  if (as_json) {
    if (check_json(file, p, &f, &lsmh, err) < 0)
      status = -1;
  } else {
    printf("%s: profile \"%s\": %zu to refuse, %zu to harden\n", file, p->name, findings_count(&f, FINDING_REFUSE),
           findings_count(&f, FINDING_FIX));
    for (i = 0; i < f.n; i++) {
      const struct finding *x = &f.v[i];
      printf("%-7s %s: %s\n", x->kind == FINDING_REFUSE ? "REFUSE" : "HARDEN", x->rule, x->what);
      printf("        %s: %s\n", x->kind == FINDING_REFUSE ? "fix" : "stockade", x->fix);
      printf("        guide: %s\n", x->guide);
    }
    lsm_sentence(p, &lsmh, lsm_line, sizeof(lsm_line));
    printf("lsm (%s): %s\n", profile_need_name(p->lsm), lsm_line);
  }
  findings_clear(&f);
  return status;
}

/* stockadectl profile lint FILE...: each file's message (its findings) on
 * stderr; 1 when one is invalid. */
static int cmd_profile_lint(int argc, char **argv, struct sk_error **err) {
  int i, bad = 0;

  if (argc < 2)
    return sk_error_set(err, 0, "expected FILE...");
  for (i = 1; i < argc; i++) {
    cleanup_profile struct profile *p = NULL;
    cleanup_error struct sk_error *perr = NULL;
    if (profile_load_file(argv[i], &p, &perr) < 0) {
      fprintf(stderr, "%s\n", perr->msg);
      bad++;
    } else {
      printf("%s: ok (profile \"%s\", sha256 %s)\n", argv[i], p->name, p->sha256);
    }
  }
  return bad ? CTL_EXIT_FINDINGS : 0;
}

/* stockadectl profile show [--apparmor] NAME|FILE */
static int cmd_profile_show(int argc, char **argv, struct sk_error **err) {
  cleanup_profile struct profile *p = NULL;
  cleanup_json struct json *doc = NULL;
  cleanup_json struct json *arches = NULL;
  cleanup_json struct json *gen = NULL;
  cleanup_json struct json *empty = json_new(JSON_OBJECT);

  if (argc == 3 && (strcmp(argv[1], "--apparmor") == 0 || strcmp(argv[2], "--apparmor") == 0)) {
    cleanup_free char *text = NULL;
    if (ctl_load_profile(strcmp(argv[1], "--apparmor") == 0 ? argv[2] : argv[1], &p, err) < 0 ||
        aa_profile_generate(p, &text, err) < 0)
      return -1;
    fputs(text, stdout);
    return 0;
  }
  if (argc != 2 || argv[1][0] == '-')
    return sk_error_set(err, 0, "expected one NAME or FILE (and optionally --apparmor)");
  if (empty == NULL)
    return sk_error_set(err, ENOMEM, "profile show");
  if (ctl_load_profile(argv[1], &p, err) < 0 || profile_to_json(p, &doc, err) < 0)
    return -1;
  /* The filter as it would be written into a spec on this machine. */
  if (seccomp_spec_arches(empty, &arches, err) < 0 || seccomp_generate(p->seccomp, arches, &gen, err) < 0)
    return -1;
  json_set(doc, "generatedSeccomp", steal_pointer(&gen));
  return print_json(doc, err);
}

static int cmd_version(int argc, char **argv, struct sk_error **err) {
  printf("stockadectl version %s\n", STOCKADE_VERSION);
  return 0;
}

/* The commands; a failure is printed as "stockadectl <name>: <message>". */
static const struct command {
  const char *name, *sub; /* "profile" "lint" */
  int (*run)(int argc, char **argv, struct sk_error **err);
} commands[] = {
    {"check", NULL, cmd_check},
    {"profile", "lint", cmd_profile_lint},
    {"profile", "show", cmd_profile_show},
    {"profile", "diff", ctl_profile_diff},
    {"events", NULL, ctl_events},
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

  while (i < argc && argv[i][0] == '-') {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    }
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
  if (cmd == NULL && strcmp(argv[i], "profile") == 0) {
    fprintf(stderr, "stockadectl profile: unknown command \"%s\"; expected lint, show or diff\n", argv[i + 1]);
    return CTL_EXIT_BADINPUT;
  }
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

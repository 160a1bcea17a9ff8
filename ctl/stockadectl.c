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
#include "stockade/ctl.h"
#include "stockade/judge.h"
#include "stockade/lsm.h"
#include "stockade/profile.h"
#include "stockade/seccomp.h"
#include "stockade/spec.h"

#define EXIT_FINDINGS 1
#define EXIT_BADINPUT 2

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

static int report(struct sk_error **err, int status) {
  fprintf(stderr, "stockadectl: %s\n", (*err) && (*err)->msg ? (*err)->msg : "unknown error");
  sk_error_free(err);
  return status;
}

static const char *profile_dir_opt;

/* A profile named by file path or by name in the profile directory. */
static int load_profile(const char *what, struct profile **p, struct sk_error **err) {
  cleanup_config struct sk_config *cfg = NULL;
  if (strchr(what, '/') || strstr(what, ".json"))
    return profile_load_file(what, p, err);
  if (profile_dir_opt)
    return profile_load_named(profile_dir_opt, what, p, err);
  if (config_load(config_path(), &cfg, err) < 0)
    return sk_error_wrap(err, "finding profile \"%s\" (or use --profile-dir DIR, or a file path)", what);
  return profile_load_named(cfg->profile_dir, what, p, err);
}

int ctl_load_profile(const char *what, struct profile **p, struct sk_error **err) { return load_profile(what, p, err); }

static const char *default_profile_name(void) {
  static char name[80];
  cleanup_config struct sk_config *cfg = NULL;
  cleanup_error struct sk_error *err = NULL;
  if (config_load(config_path(), &cfg, &err) < 0)
    return "default";
  snprintf(name, sizeof(name), "%s", cfg->default_profile);
  return name;
}

static int print_json(const struct json *j) {
  cleanup_free char *txt = NULL;
  cleanup_error struct sk_error *err = NULL;
  size_t len;
  if (json_gen(j, &txt, &len, &err) < 0)
    return report(&err, EXIT_BADINPUT);
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

static int check_json(const char *file, const struct profile *p, const struct findings *f, const struct lsm_host *h) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  struct json *arr = json_new(JSON_ARRAY);
  struct json *lsm = json_new(JSON_OBJECT);
  char line[1024];
  size_t i;
  if (o == NULL || arr == NULL || lsm == NULL) {
    json_free(arr);
    json_free(lsm);
    return EXIT_BADINPUT;
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
  return print_json(o);
}

static int cmd_check(int argc, char **argv) {
  static const struct option opts[] = {
      {"profile", required_argument, NULL, 'p'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
  const char *profile = NULL, *target;
  cleanup_free char *file = NULL;
  cleanup_json struct json *spec = NULL;
  cleanup_profile struct profile *p = NULL;
  cleanup_error struct sk_error *err = NULL;
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
      return EXIT_BADINPUT;
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "stockadectl check: expected one BUNDLE or CONFIG; see stockadectl --help\n");
    return EXIT_BADINPUT;
  }
  target = argv[optind];
  is_dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
  if (is_dir) {
    if (asprintf(&file, "%s/config.json", target) < 0)
      return EXIT_BADINPUT;
  } else {
    file = strdup(target);
  }
  if (spec_load(file, &spec, NULL, NULL, &err) < 0 || spec_check(spec, file, &err) < 0)
    return report(&err, EXIT_BADINPUT);
  if (profile == NULL)
    profile = spec_annotation(spec, "stockade.io/profile");
  if (profile == NULL)
    profile = default_profile_name();
  if (load_profile(profile, &p, &err) < 0)
    return report(&err, EXIT_BADINPUT);
  /* Relative bind sources are the bundle's, as the runtime reads them. */
  if (judge_spec_in(spec, is_dir ? target : NULL, p, &f, &err) < 0)
    return report(&err, EXIT_BADINPUT);
  lsm_host_probe(&lsmh);
  if (lsm_judge(p, &lsmh, &f, &err) < 0) {
    findings_clear(&f);
    return report(&err, EXIT_BADINPUT);
  }

  status = f.n > 0 ? EXIT_FINDINGS : 0;
  if (as_json) {
    if (check_json(file, p, &f, &lsmh) != 0)
      status = EXIT_BADINPUT;
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

static int cmd_profile(int argc, char **argv) {
  int i, bad = 0;
  if (argc < 2) {
    usage(stderr);
    return EXIT_BADINPUT;
  }
  if (strcmp(argv[1], "lint") == 0) {
    if (argc < 3) {
      fprintf(stderr, "stockadectl profile lint: expected FILE...\n");
      return EXIT_BADINPUT;
    }
    for (i = 2; i < argc; i++) {
      cleanup_profile struct profile *p = NULL;
      cleanup_error struct sk_error *err = NULL;
      if (profile_load_file(argv[i], &p, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        bad++;
      } else {
        printf("%s: ok (profile \"%s\", sha256 %s)\n", argv[i], p->name, p->sha256);
      }
    }
    return bad ? EXIT_FINDINGS : 0;
  }
  if (strcmp(argv[1], "show") == 0) {
    cleanup_profile struct profile *p = NULL;
    cleanup_error struct sk_error *err = NULL;
    cleanup_json struct json *doc = NULL;
    cleanup_json struct json *arches = NULL;
    cleanup_json struct json *gen = NULL;
    cleanup_json struct json *empty = json_new(JSON_OBJECT);
    if (argc == 4 && (strcmp(argv[2], "--apparmor") == 0 || strcmp(argv[3], "--apparmor") == 0)) {
      cleanup_free char *text = NULL;
      if (load_profile(strcmp(argv[2], "--apparmor") == 0 ? argv[3] : argv[2], &p, &err) < 0 ||
          aa_profile_generate(p, &text, &err) < 0)
        return report(&err, EXIT_BADINPUT);
      fputs(text, stdout);
      return 0;
    }
    if (argc != 3 || argv[2][0] == '-') {
      fprintf(stderr, "stockadectl profile show: expected one NAME or FILE (and optionally --apparmor)\n");
      return EXIT_BADINPUT;
    }
    if (load_profile(argv[2], &p, &err) < 0 || profile_to_json(p, &doc, &err) < 0)
      return report(&err, EXIT_BADINPUT);
    /* The filter as it would be written into a spec on this machine. */
    if (seccomp_spec_arches(empty, &arches, &err) < 0 || seccomp_generate(p->seccomp, arches, &gen, &err) < 0)
      return report(&err, EXIT_BADINPUT);
    json_set(doc, "generatedSeccomp", steal_pointer(&gen));
    return print_json(doc);
  }
  if (strcmp(argv[1], "diff") == 0)
    return ctl_profile_diff(argc - 1, argv + 1);
  fprintf(stderr, "stockadectl profile: unknown command \"%s\"; expected lint, show or diff\n", argv[1]);
  return EXIT_BADINPUT;
}

int main(int argc, char **argv) {
  int i = 1;
  while (i < argc && argv[i][0] == '-') {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(argv[i], "--profile-dir") == 0 && i + 1 < argc) {
      profile_dir_opt = argv[i + 1];
      i += 2;
      continue;
    }
    if (strncmp(argv[i], "--profile-dir=", 14) == 0) {
      profile_dir_opt = argv[i] + 14;
      i++;
      continue;
    }
    fprintf(stderr, "stockadectl: unknown flag %s; see stockadectl --help\n", argv[i]);
    return EXIT_BADINPUT;
  }
  if (i >= argc) {
    usage(stderr);
    return EXIT_BADINPUT;
  }
  if (strcmp(argv[i], "check") == 0)
    return cmd_check(argc - i, argv + i);
  if (strcmp(argv[i], "profile") == 0)
    return cmd_profile(argc - i, argv + i);
  if (strcmp(argv[i], "events") == 0)
    return ctl_events(argc - i, argv + i);
  if (strcmp(argv[i], "learn") == 0)
    return ctl_learn(argc - i, argv + i);
  if (strcmp(argv[i], "metrics") == 0)
    return ctl_metrics(argc - i, argv + i);
  if (strcmp(argv[i], "verify") == 0)
    return ctl_verify(argc - i, argv + i);
  if (strcmp(argv[i], "version") == 0) {
    printf("stockadectl version %s\n", STOCKADE_VERSION);
    return 0;
  }
  fprintf(stderr, "stockadectl: unknown command \"%s\"; see stockadectl --help\n", argv[i]);
  return EXIT_BADINPUT;
}

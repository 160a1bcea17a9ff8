/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl learn: turn learning-mode recordings into a profile.
 *
 *   stockadectl learn RECORDING|DIR... [--base PROFILE] [--update PROFILE] [--name NAME] [--pin-hashes]
 *                     [-o FILE]
 *
 * --update PROFILE: the profile allows what PROFILE allowed and what the
 * recordings add (complain mode with complainRecords records while the
 * workload serves under PROFILE); PROFILE is also the base and gives the
 * name unless --base or --name say otherwise. `stockadectl profile diff`
 * shows the change.
 *
 * The image's programs are allowed by path (a rebuilt image with the same
 * programs runs without relearning); --pin-hashes pins each to the SHA-256
 * recorded. The learned profile's description says which.
 *
 * A DIR stands for every *.json recording in it (the supervisor writes one
 * per container run to <stateDir>/recordings/<profile>/, and a learning
 * filter only notifies what earlier runs did not record, so a profile
 * wants all of them). The profile goes to FILE, written atomically, or to
 * stdout; the summary of what was learned goes to stdout with -o (nothing
 * else is printed there) and to stderr without it, so that
 * `stockadectl learn DIR > web.json` keeps the file clean. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stockade/cleanup.h"
#include "ctl.h"
#include "stockade/learn.h"
#include "stockade/profile.h"
#include "stockade/str.h"
#include "stockade/sys.h"

static void learn_usage(FILE *f) {
  fprintf(f,
          "usage: stockadectl learn RECORDING|DIR... [--base PROFILE] [--update PROFILE] [--name NAME] [--pin-hashes]\n"
          "                         [-o FILE]\n"
          "\n"
          "Make a profile from learning-mode recordings (a DIR: every *.json recording in it).\n"
          "  --base PROFILE  keep this profile's user, allowRoot, writableRootfs, exec.allowWritable,\n"
          "                  blockHashes and action (a name or a file); default: the default profile's choices\n"
          "  --name NAME     the new profile's name; default: FILE's name without .json, else\n"
          "                  <the recordings' profile>-learned\n"
          "  --update PROFILE  what PROFILE allows, plus what the recordings add (an update; PROFILE is\n"
          "                  also the base and gives the name unless --base or --name say otherwise)\n"
          "  --pin-hashes    pin each program of the exec allow-list to its recorded SHA-256 (default: by\n"
          "                  path, so that a rebuilt image with the same programs needs no relearning)\n"
          "  -o FILE         write the profile to FILE (atomically) and the summary to stdout;\n"
          "                  without it the profile goes to stdout and the summary to stderr\n"
          "exit 0 when the profile was made, 2 on bad input (the message names the file)\n");
}

/* Append recs[0..n) to the list; takes the array (not the elements' ownership twice). */
static int take(struct learn_rec ***all, size_t *n, struct learn_rec **recs, size_t k) {
  struct learn_rec **v = reallocarray(*all, *n + k + 1, sizeof(*v));
  size_t i;
  if (v == NULL) {
    learn_free_all(recs, k);
    return -1;
  }
  for (i = 0; i < k; i++)
    v[(*n)++] = recs[i];
  free(recs);
  *all = v;
  return 0;
}

/* The default name: the -o file's, else "<profile>-learned". */
static char *default_name(const char *output, struct learn_rec **recs, size_t n, struct sk_error **err) {
  const char *profile = learn_rec_profile(recs[0]);
  char *name = NULL;
  size_t i;

  if (output) {
    const char *base = strrchr(output, '/') ? strrchr(output, '/') + 1 : output;
    if (str_has_suffix(base, ".json") && strlen(base) > 5)
      return strndup(base, strlen(base) - 5);
  }
  for (i = 1; i < n; i++) {
    if (strcmp(learn_rec_profile(recs[i]), profile) != 0) {
      sk_error_set(err, 0, "the recordings are of several profiles (%s, %s); name the new one with --name NAME",
                   profile, learn_rec_profile(recs[i]));
      return NULL;
    }
  }
  /* Profile names are at most 64 characters: keep room for the suffix. */
  if (asprintf(&name, "%.56s-learned", profile) < 0)
    return NULL;
  return name;
}

int ctl_learn(int argc, char **argv, struct sk_error **err) {
  static const struct option opts[] = {{"base", required_argument, NULL, 'b'},   {"name", required_argument, NULL, 'n'},
                                       {"output", required_argument, NULL, 'o'}, {"pin-hashes", no_argument, NULL, 'p'},
                                       {"update", required_argument, NULL, 'u'}, {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
  const char *base_arg = NULL, *name_arg = NULL, *output = NULL, *update_arg = NULL;
  cleanup_profile struct profile *update = NULL;
  cleanup_profile struct profile *base = NULL;
  cleanup_json struct json *profile = NULL;
  cleanup_free char *name = NULL;
  cleanup_free char *summary = NULL;
  cleanup_free char *text = NULL;
  struct learn_rec **recs = NULL;
  size_t n = 0, len = 0;
  enum learn_exec_pin pin = LEARN_PIN_PATHS;
  int c, i, status = -1;

  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":b:n:o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'b':
      base_arg = optarg;
      break;
    case 'n':
      name_arg = optarg;
      break;
    case 'o':
      output = optarg;
      break;
    case 'p':
      pin = LEARN_PIN_HASHES;
      break;
    case 'u':
      update_arg = optarg;
      break;
    case 'h':
      learn_usage(stdout);
      return 0;
    case 'V':
      return ctl_version();
    default:
      return ctl_bad_flag("learn", c, argv, err);
    }
  }
  if (optind >= argc)
    return sk_error_set(err, 0, "expected at least one RECORDING or DIR; see stockadectl learn --help");
  for (i = optind; i < argc; i++) {
    struct learn_rec **got = NULL, *one = NULL;
    size_t k = 0;
    struct stat st;

    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      if (learn_load_dir(argv[i], &got, &k, err) < 0)
        goto out;
      if (k == 0) {
        free(got);
        sk_error_set(err, 0, "%s: no recordings (*.json) in this directory", argv[i]);
        goto out;
      }
    } else {
      if (learn_load(argv[i], &one, err) < 0)
        goto out;
      got = calloc(1, sizeof(*got));
      if (got == NULL) {
        learn_free(one);
        goto oom;
      }
      got[0] = one;
      k = 1;
    }
    if (take(&recs, &n, got, k) < 0)
      goto oom;
  }
  if (update_arg) {
    struct learn_rec *prev = NULL, **one = NULL;
    size_t skipped = 0;
    if (ctl_load_profile(update_arg, &update, err) < 0 || learn_rec_from_profile(update, &prev, &skipped, err) < 0)
      goto out;
    one = calloc(1, sizeof(*one));
    if (one == NULL) {
      learn_free(prev);
      goto oom;
    }
    one[0] = prev;
    if (take(&recs, &n, one, 1) < 0)
      goto oom;
    fprintf(output ? stdout : stderr, "Updating profile \"%s\" (%s): what it allows is kept%s\n", update->name,
            update->file ? update->file : update_arg,
            skipped ? "; its exec.allow globs with wildcards are not (add them again by hand)" : "");
    if (base_arg == NULL)
      base_arg = update_arg;
    if (name_arg == NULL && output == NULL)
      name_arg = update->name;
  }
  if (base_arg && ctl_load_profile(base_arg, &base, err) < 0)
    goto out;
  name = name_arg ? strdup(name_arg) : default_name(output, recs, n, err);
  if (name == NULL) {
    if (*err)
      goto out;
    goto oom;
  }
  if (output && name_arg) {
    const char *fb = strrchr(output, '/') ? strrchr(output, '/') + 1 : output;
    if (!str_has_suffix(fb, ".json") || strlen(fb) != strlen(name) + 5 || strncmp(fb, name, strlen(name)) != 0) {
      sk_error_set(err, 0, "-o %s: a profile file is named after its profile; expected %s.json (or leave out --name)",
                   output, name);
      goto out;
    }
  }
  if (learn_make_profile_pin(recs, n, base, name, pin, &profile, &summary, err) < 0 ||
      json_gen(profile, &text, &len, err) < 0)
    goto out;
  if (output) {
    if (write_file_atomic(output, text, len, 0644, err) < 0)
      goto out;
    fputs(summary, stdout);
    printf("Wrote %s\n", output);
  } else {
    fwrite(text, 1, len, stdout);
    fputs(summary, stderr);
  }
  status = fflush(stdout) == 0 ? 0 : sk_error_set(err, errno, "cannot write the profile");
  goto out;
oom:
  sk_error_set(err, ENOMEM, "reading recordings");
out:
  learn_free_all(recs, n);
  return status;
}

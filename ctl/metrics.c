/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl metrics: Prometheus exposition text (format 0.0.4) for
 * node-exporter's textfile collector, from the event file (decisions by
 * type, decision and profile; refused creates; dropped and lost events)
 * and the state directory (running supervisors). The counters cover the
 * current event file: they start again from 0 when it is rotated, which
 * Prometheus' rate() and increase() take as a counter reset.
 * docs/operations.md ("Metrics") has the timer that refreshes the file. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stockade/analyzer.h"
#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "ctl.h"
#include "stockade/events.h"
#include "stockade/json.h"
#include "stockade/supervisor.h"

#define LINE_MAX_BYTES (1024 * 1024)

/* One labelled count. */
struct series {
  char *labels[3]; /* values, in the order of the family's label names */
  uint64_t n;
};

struct family {
  struct series *v;
  size_t n, cap;
};

struct counts {
  struct family decisions; /* type, decision, profile */
  struct family refused;   /* profile */
  struct family dropped;   /* type */
  uint64_t lost, lines, invalid;
};

static void family_free(struct family *f) {
  size_t i, k;
  for (i = 0; i < f->n; i++)
    for (k = 0; k < 3; k++)
      free(f->v[i].labels[k]);
  free(f->v);
}

/* gcc 12's analyzer loses strings stored in the series of a family the caller owns (family_free frees them) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int family_add(struct family *f, const char *a, const char *b, const char *c, uint64_t n) {
  const char *want[3] = {a, b, c};
  size_t i, k;
  for (i = 0; i < f->n; i++) {
    for (k = 0; k < 3; k++)
      if ((want[k] == NULL) != (f->v[i].labels[k] == NULL) || (want[k] && strcmp(want[k], f->v[i].labels[k]) != 0))
        break;
    if (k == 3) {
      f->v[i].n += n;
      return 0;
    }
  }
  if (f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 16;
    struct series *nv = reallocarray(f->v, cap, sizeof(*nv));
    if (nv == NULL)
      return -1;
    f->v = nv;
    f->cap = cap;
  }
  memset(&f->v[f->n], 0, sizeof(f->v[0]));
  for (k = 0; k < 3; k++) {
    if (want[k] && (f->v[f->n].labels[k] = strdup(want[k])) == NULL) {
      while (k-- > 0) /* not counted in f->n yet: family_free would miss them */
        free(f->v[f->n].labels[k]);
      return -1;
    }
  }
  f->v[f->n++].n = n;
  return 0;
}
SK_ANALYZER_END

static const char *or_none(const char *s) { return s && *s ? s : "none"; }

static int count_event(struct counts *c, const struct json *ev) {
  const char *type = json_string(json_get(ev, "type"));
  const char *profile = or_none(json_string(json_get_path(ev, "profile", "name", NULL)));
  const struct json *d = json_get(ev, "details");
  uint64_t n;
  size_t i;

  if (family_add(&c->decisions, type, json_string(json_get(ev, "decision")), profile, 1) < 0)
    return -1;
  if (strcmp(type, "refused") == 0 && family_add(&c->refused, profile, NULL, NULL, 1) < 0)
    return -1;
  if (strcmp(type, "dropped") == 0) {
    const struct json *types = json_get(d, "types");
    for (i = 0; json_is(types, JSON_OBJECT) && i < types->n; i++)
      if (json_uint64(types->items[i], &n) && family_add(&c->dropped, types->keys[i], NULL, NULL, n) < 0)
        return -1;
  }
  if (json_uint64(json_get(d, "lost"), &n))
    c->lost += n;
  return 0;
}

/* Count every event of path; a line that is not an event of schema v1 is
 * counted as invalid (and said on stderr), not in the decisions. A
 * missing file is no events. */
static int read_events(const char *path, struct counts *c, struct sk_error **err) {
  cleanup_fclose FILE *f = fopen(path, "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  ssize_t len;

  if (f == NULL) {
    if (errno == ENOENT)
      return 0;
    return sk_error_set(err, errno, "cannot open the event file %s", path);
  }
  while ((len = getline(&line, &cap, f)) >= 0) {
    cleanup_json struct json *ev = NULL;
    cleanup_error struct sk_error *bad = NULL;
    if (len > 0 && line[len - 1] == '\n')
      line[--len] = '\0';
    if (len == 0)
      continue;
    c->lines++;
    if (len > LINE_MAX_BYTES || json_parse(line, (size_t)len, &ev, &bad) < 0 || event_validate(ev, &bad) < 0) {
      if (c->invalid++ == 0)
        fprintf(stderr,
                "stockadectl metrics: %s:%llu: not an event of schema %s%s%s (counted in "
                "stockade_events_invalid_total)\n",
                path, (unsigned long long)c->lines, EVENT_SCHEMA, bad ? ": " : "", bad ? bad->msg : "");
      continue;
    }
    if (count_event(c, ev) < 0)
      return sk_error_set(err, 0, "out of memory");
  }
  if (ferror(f))
    return sk_error_set(err, errno, "cannot read %s", path);
  return 0;
}

/* Supervisors whose sup.pid names a live stockade process: the runtime's
 * (<stateDir>/<key>/) and the OCI hook's (<stateDir>/hook/<key>/). */
static unsigned long count_supervisors(const char *state_dir) {
  const char *subs[] = {"", "/hook"};
  unsigned long n = 0;
  size_t s;

  for (s = 0; s < 2; s++) {
    char dir[PATH_MAX];
    cleanup_dir DIR *d = NULL;
    struct dirent *e;
    snprintf(dir, sizeof(dir), "%s%s", state_dir, subs[s]);
    d = opendir(dir);
    while (d && (e = readdir(d)) != NULL) {
      char sub[PATH_MAX];
      pid_t pid;
      if (e->d_name[0] == '.' || strcmp(e->d_name, "hook") == 0 || strcmp(e->d_name, "recordings") == 0)
        continue;
      if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= sizeof(sub))
        continue;
      if (sup_alive(sub, &pid) == 1)
        n++;
    }
  }
  return n;
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *out, const char *name, const char *v) {
  fprintf(out, "%s=\"", name);
  for (; *v; v++) {
    if (*v == '\\')
      fputs("\\\\", out);
    else if (*v == '"')
      fputs("\\\"", out);
    else if (*v == '\n')
      fputs("\\n", out);
    else
      fputc(*v, out);
  }
  fputc('"', out);
}

static void header(FILE *out, const char *name, const char *type, const char *help) {
  fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_family(FILE *out, const char *name, const struct family *f, const char *const *label_names) {
  size_t i, k;
  for (i = 0; i < f->n; i++) {
    fprintf(out, "%s{", name);
    for (k = 0; k < 3 && label_names[k]; k++) {
      if (k)
        fputc(',', out);
      put_label(out, label_names[k], f->v[i].labels[k] ? f->v[i].labels[k] : "");
    }
    fprintf(out, "} %llu\n", (unsigned long long)f->v[i].n);
  }
}

static void print_metrics(FILE *out, const struct counts *c, unsigned long supervisors, bool have_state) {
  static const char *const dec_labels[] = {"type", "decision", "profile"};
  static const char *const prof_label[] = {"profile", NULL, NULL};
  static const char *const type_label[] = {"type", NULL, NULL};
  header(out, "stockade_decisions_total", "counter",
         "Events in the current event file by type, decision (allow, deny, report, harden, info) and profile.");
  put_family(out, "stockade_decisions_total", &c->decisions, dec_labels);
  header(out, "stockade_creates_refused_total", "counter", "Container creates refused, by profile.");
  put_family(out, "stockade_creates_refused_total", &c->refused, prof_label);
  header(out, "stockade_events_dropped_total", "counter",
         "Events not written because of the rate limit (eventRate, eventBurst), by the type of the event.");
  put_family(out, "stockade_events_dropped_total", &c->dropped, type_label);
  header(out, "stockade_events_lost_total", "counter",
         "Events a supervisor could not write (the event file gone, full or read-only), as counted by the next one "
         "it wrote.");
  fprintf(out, "stockade_events_lost_total %llu\n", (unsigned long long)c->lost);
  header(out, "stockade_events_invalid_total", "counter",
         "Lines of the event file that are not events of schema " EVENT_SCHEMA ".");
  fprintf(out, "stockade_events_invalid_total %llu\n", (unsigned long long)c->invalid);
  if (have_state) {
    header(out, "stockade_supervisors_running", "gauge", "Per-container supervisors running (runtime and OCI hook).");
    fprintf(out, "stockade_supervisors_running %lu\n", supervisors);
  }
}

/* Write to path atomically (a temporary file in its directory, renamed
 * over it), as the textfile collector needs: it must never read half a
 * file. */
static int write_atomic(const char *path, const struct counts *c, unsigned long supervisors, bool have_state,
                        struct sk_error **err) {
  cleanup_free char *tmp = NULL;
  FILE *f;
  int fd, e;

  if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
    return sk_error_set(err, ENOMEM, "%s", path);
  fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    return sk_error_set(err, errno, "cannot create a file beside %s", path);
  f = fdopen(fd, "w");
  if (f == NULL) {
    e = errno;
    close(fd);
    unlink(tmp);
    return sk_error_set(err, e, "cannot write %s", tmp);
  }
  print_metrics(f, c, supervisors, have_state);
  if (fchmod(fd, 0644) < 0 || fflush(f) != 0 || fsync(fd) < 0 || ferror(f)) {
    e = errno;
    fclose(f);
    unlink(tmp);
    return sk_error_set(err, e, "cannot write %s", tmp);
  }
  if (fclose(f) != 0 || rename(tmp, path) < 0) {
    e = errno;
    unlink(tmp);
    return sk_error_set(err, e, "cannot write %s", path);
  }
  return 0;
}

static void metrics_usage(FILE *f) {
  fprintf(f, "usage: stockadectl metrics [--file EVENTS] [--state-dir DIR] [--output FILE]\n"
             "\n"
             "Print Prometheus metrics (text exposition format 0.0.4) for node-exporter's textfile\n"
             "collector: decisions by type, decision and profile; refused creates; dropped, lost and\n"
             "invalid events (from the event file); running supervisors (from the state directory).\n"
             "\n"
             "      --file EVENTS    the event file (default: \"eventFile\" of $STOCKADE_CONFIG)\n"
             "      --state-dir DIR  stockade's state directory (default: \"stateDir\" of the config)\n"
             "  -o, --output FILE    write FILE atomically instead of stdout (e.g.\n"
             "                       /var/lib/prometheus/node-exporter/stockade.prom)\n"
             "  -h, --help           this text\n"
             "\n"
             "Exit status: 0; 2 on bad arguments or an event file that cannot be read.\n");
}

enum { OPT_FILE = 256, OPT_STATE };

int ctl_metrics(int argc, char **argv, struct sk_error **err) {
  static const struct option opts[] = {
      {"file", required_argument, NULL, OPT_FILE}, {"state-dir", required_argument, NULL, OPT_STATE},
      {"output", required_argument, NULL, 'o'},    {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},         {NULL, 0, NULL, 0}};
  cleanup_config struct sk_config *cfg = NULL;
  const char *file = NULL, *state = NULL, *output = NULL;
  struct counts c;
  int opt, rc = 0;

  optind = 1;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
    switch (opt) {
    case OPT_FILE:
      file = optarg;
      break;
    case OPT_STATE:
      state = optarg;
      break;
    case 'o':
      output = optarg;
      break;
    case 'h':
      metrics_usage(stdout);
      return 0;
    case 'V':
      return ctl_version();
    default:
      return ctl_bad_flag("metrics", opt, argv, err);
    }
  }
  if (optind != argc)
    return sk_error_set(err, 0, "unexpected argument \"%s\"; see stockadectl metrics --help", argv[optind]);
  if (file == NULL || state == NULL) {
    cleanup_error struct sk_error *e = NULL;
    if (config_load(config_path(), &cfg, &e) < 0) {
      sk_error_set(err, 0, "%s (or give --file and --state-dir)", e->msg);
      return sk_error_classify(err, e->code);
    }
    if (file == NULL)
      file = cfg->event_file;
    if (state == NULL)
      state = cfg->state_dir;
  }
  if (file == NULL)
    return sk_error_set(err, 0, "%s has no \"eventFile\"; set it there, or give --file EVENTS",
                        cfg ? cfg->path : config_path());
  memset(&c, 0, sizeof(c));
  if (read_events(file, &c, err) < 0) {
    rc = -1;
  } else if (output) {
    rc = write_atomic(output, &c, state ? count_supervisors(state) : 0, state != NULL, err);
  } else {
    print_metrics(stdout, &c, state ? count_supervisors(state) : 0, state != NULL);
    if (fflush(stdout) != 0 || ferror(stdout))
      rc = sk_error_set(err, errno, "cannot write the metrics");
  }
  family_free(&c.decisions);
  family_free(&c.refused);
  family_free(&c.dropped);
  return rc;
}

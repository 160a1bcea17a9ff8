/* SPDX-License-Identifier: Apache-2.0 */
/* stockadectl events: read the event file (one JSON object per line),
 * keep one container's events, print them for people or as they are, and
 * follow the file as it grows, is truncated or is rotated. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "ctl.h"
#include "stockade/events.h"
#include "stockade/json.h"
#include "stockade/str.h"
#include "stockade/sys.h"

/* A --container shorter than this is only ever an exact id: "a" must not
 * pick whichever container happens to start with an "a". */
#define PREFIX_MIN 4
#define SHORT_ID 12 /* as docker ps and crictl ps print ids */
#define LINE_MAX_BYTES SK_MAX_FILE_SIZE
#define POLL_NSEC (200L * 1000 * 1000)
#define AMBIGUOUS_SHOWN 3

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

/* Which events are shown. An event matches when its container.id is
 * want, or is resolved: the one full id that want is a prefix of; and
 * every other filter given matches too. */
struct filter {
  const char *want; /* --container, or NULL for every event */
  char *resolved;
  const char *types, *decisions; /* comma-separated lists, or NULL */
  int min_severity;              /* index in severities; 0: all */
  char since[64];                /* "" or an event time: only events at or after it */
  const char *pod, *namespace_;
};

static const char *const severities[] = {"info", "notice", "warning", "error", "critical", NULL};
static const char *const decisions[] = {"allow", "deny", "report", "harden", "info", NULL};

static bool str_eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static int index_of(const char *const *set, const char *s) {
  int i;
  for (i = 0; s && set[i]; i++)
    if (strcmp(set[i], s) == 0)
      return i;
  return -1;
}

/* Is s one of the comma-separated items of list? */
static bool in_list(const char *list, const char *s) {
  size_t n;
  if (s == NULL)
    return false;
  n = strlen(s);
  while (*list) {
    size_t len = strcspn(list, ",");
    if (len == n && strncmp(list, s, n) == 0)
      return true;
    list += len;
    if (*list == ',')
      list++;
  }
  return false;
}

/* Every item of list is in set; else says which is not. */
static int check_list(const char *opt, const char *list, const char *const *set, struct sk_error **err) {
  cleanup_free char *copy = strdup(list);
  char *save = NULL, *item;
  if (copy == NULL)
    return sk_error_set(err, ENOMEM, "%s", opt);
  if (*list == '\0')
    return sk_error_set(err, 0, "%s is empty", opt);
  for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
    if (index_of(set, item) < 0) {
      char expected[256];
      size_t i, off = 0;
      expected[0] = '\0';
      for (i = 0; set[i] && off < sizeof(expected); i++)
        off += (size_t)snprintf(expected + off, sizeof(expected) - off, "%s %s", i ? "," : "", set[i]);
      return sk_error_set(err, 0, "%s: unknown value \"%s\"; expected%s", opt, item, expected);
    }
  return 0;
}

/* --since: an RFC 3339 UTC time (2026-01-02T03:04:05Z, fraction
 * optional) or a duration before now (90s, 15m, 2h, 7d). Written as an
 * event's "time", which then compares as text. */
static int parse_since(const char *arg, char *out, size_t size, struct sk_error **err) {
  struct tm tm;
  time_t t;
  char *end;

  memset(&tm, 0, sizeof(tm));
  end = strptime(arg, "%Y-%m-%dT%H:%M:%S", &tm);
  if (end) {
    unsigned ms = 0;
    if (*end == '.') {
      unsigned scale = 100;
      for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
        ms += scale ? (unsigned)(*end - '0') * scale : 0;
    }
    if (strcmp(end, "Z") != 0)
      goto bad;
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, ms);
    return 0;
  }
  {
    unsigned long long n;
    unsigned long mult;
    errno = 0;
    n = strtoull(arg, &end, 10);
    if (errno || end == arg || *arg == '-' || end[0] == '\0' || end[1] != '\0')
      goto bad;
    mult = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
    if (mult == 0 || n > 100ull * 365 * 86400 / mult)
      goto bad;
    t = time(NULL) - (time_t)(n * mult);
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return 0;
  }
bad:
  return sk_error_set(err, 0,
                      "--since \"%s\": expected an RFC 3339 UTC time (2026-01-02T03:04:05Z) or a duration (90s, 15m, "
                      "2h, 7d)",
                      arg);
}

/* One open event file, read in chunks and split into lines. The fd is
 * ours; it is closed when the file is rotated away and at the end. */
struct reader {
  const char *path;
  int fd;
  dev_t dev;
  ino_t ino;
  off_t off;          /* bytes read from this file */
  unsigned long line; /* lines completed in this file */
  char *buf;          /* the line being assembled */
  size_t len, cap;
  bool overlong; /* dropping the rest of a line above LINE_MAX_BYTES */
};

/* Called for each line, without its '\n'; line is NULL for a line that
 * was too long to keep. */
typedef void (*line_fn)(struct reader *r, const char *line, size_t len, void *arg);

static void reader_reset(struct reader *r) {
  r->off = 0;
  r->line = 0;
  r->len = 0;
  r->overlong = false;
}

static int reader_open(struct reader *r) {
  struct stat st;
  int fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  r->fd = fd;
  r->dev = st.st_dev;
  r->ino = st.st_ino;
  reader_reset(r);
  return 0;
}

static void reader_close(struct reader *r) {
  if (r->fd >= 0)
    close(r->fd);
  r->fd = -1;
}

static void end_line(struct reader *r, line_fn fn, void *arg) {
  r->line++;
  fn(r, r->overlong ? NULL : r->buf, r->overlong ? 0 : r->len, arg);
  r->len = 0;
  r->overlong = false;
}

static void feed(struct reader *r, const char *p, size_t n, line_fn fn, void *arg) {
  while (n > 0) {
    const char *nl = memchr(p, '\n', n);
    size_t part = nl ? (size_t)(nl - p) : n;

    if (!r->overlong && r->len + part > LINE_MAX_BYTES)
      r->overlong = true;
    if (!r->overlong && r->len + part + 1 > r->cap) {
      size_t cap = r->cap ? r->cap : 4096;
      char *nb;
      while (cap < r->len + part + 1)
        cap *= 2;
      nb = realloc(r->buf, cap);
      if (nb == NULL) {
        r->overlong = true; /* reported as a line we could not keep */
      } else {
        r->buf = nb;
        r->cap = cap;
      }
    }
    if (!r->overlong) {
      memcpy(r->buf + r->len, p, part);
      r->len += part;
      r->buf[r->len] = '\0';
    }
    if (nl == NULL)
      return;
    end_line(r, fn, arg);
    p = nl + 1;
    n -= part + 1;
  }
}

/* Read up to the current end of the file. A line not yet ended by '\n'
 * stays in the buffer (the writer may be in the middle of it). Returns 0
 * at the end of the file (or when asked to stop), -1 with errno on a read
 * error. */
static int reader_pump(struct reader *r, line_fn fn, void *arg) {
  static char chunk[1 << 16];

  while (!stop_requested) {
    ssize_t n = read(r->fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      return 0;
    r->off += n;
    feed(r, chunk, (size_t)n, fn, arg);
  }
  return 0;
}

/* The end of a file that will not grow any more: its last line counts
 * even without a '\n'. */
static void reader_finish(struct reader *r, line_fn fn, void *arg) {
  if (r->len > 0 || r->overlong)
    end_line(r, fn, arg);
}

/* ---- resolving a prefix ------------------------------------------------ */

struct resolver {
  const char *want;
  bool exact;
  char *ids[AMBIGUOUS_SHOWN]; /* distinct ids want is a prefix of */
  size_t n;
  bool more; /* and at least one more */
};

static void resolve_line(struct reader *r, const char *line, size_t len, void *arg) {
  struct resolver *res = arg;
  cleanup_json struct json *ev = NULL;
  cleanup_error struct sk_error *err = NULL;
  const char *c;
  size_t i;
  (void)r;

  /* Runtimes allow only [A-Za-z0-9_.+-] in ids, which JSON never escapes:
   * a line without the text cannot be about such a container. */
  if (line == NULL || memmem(line, len, res->want, strlen(res->want)) == NULL)
    return;
  if (json_parse(line, len, &ev, &err) < 0)
    return; /* reported by the pass that prints */
  c = json_string(json_get_path(ev, "container", "id", NULL));
  if (c == NULL || !str_has_prefix(c, res->want))
    return;
  if (strcmp(c, res->want) == 0) {
    res->exact = true;
    return;
  }
  for (i = 0; i < res->n; i++)
    if (strcmp(res->ids[i], c) == 0)
      return;
  if (res->n == AMBIGUOUS_SHOWN) {
    res->more = true;
    return;
  }
  res->ids[res->n] = strdup(c);
  if (res->ids[res->n])
    res->n++;
}

static void resolver_clear(struct resolver *res) {
  size_t i;
  for (i = 0; i < res->n; i++)
    free(res->ids[i]);
  res->n = 0;
}

/* "a, b and more": the ids a prefix fits. */
static char *ambiguous_ids(const struct resolver *res) {
  char *list = NULL;
  size_t i;

  for (i = 0; i < res->n; i++) {
    char *next = NULL;
    if (asprintf(&next, "%s%s%s", list ? list : "", i ? ", " : "", res->ids[i]) < 0)
      next = NULL;
    free(list);
    if ((list = next) == NULL)
      return NULL;
  }
  return list;
}

/* Decide what --container stands for from the events already in the
 * file: an exact id wins; else the one container it is a prefix of; two
 * or more are an error. */
static int resolve(struct reader *r, struct filter *f, struct sk_error **err) {
  struct resolver res = {.want = f->want};
  int rc = 0;

  if (reader_pump(r, resolve_line, &res) < 0) {
    sk_error_set(err, errno, "cannot read %s", r->path);
    resolver_clear(&res);
    return -1;
  }
  reader_finish(r, resolve_line, &res);
  if (res.exact) {
    f->resolved = strdup(f->want);
  } else if (res.n == 1 && !res.more) {
    f->resolved = steal_pointer(&res.ids[0]);
  } else if (res.n > 1) {
    cleanup_free char *ids = ambiguous_ids(&res);
    rc = sk_error_set(err, 0, "container \"%s\" is ambiguous in %s: it begins %s%s; give more of the id", f->want,
                      r->path, ids ? ids : "with more than one id", res.more ? " and more" : "");
  }
  resolver_clear(&res);
  if (rc == 0 && lseek(r->fd, 0, SEEK_SET) < 0)
    return sk_error_set(err, errno, "cannot read %s again", r->path);
  reader_reset(r);
  return rc;
}

static bool field_filters_match(const struct filter *f, const struct json *ev) {
  const char *time_ = json_string(json_get(ev, "time"));
  if (f->types && !in_list(f->types, json_string(json_get(ev, "type"))))
    return false;
  if (f->decisions && !in_list(f->decisions, json_string(json_get(ev, "decision"))))
    return false;
  if (f->min_severity > 0 && index_of(severities, json_string(json_get(ev, "severity"))) < f->min_severity)
    return false;
  if (f->since[0] && (time_ == NULL || strcmp(time_, f->since) < 0))
    return false;
  if (f->pod && !str_eq(json_string(json_get_path(ev, "container", "pod", NULL)), f->pod))
    return false;
  if (f->namespace_ && !str_eq(json_string(json_get_path(ev, "container", "namespace", NULL)), f->namespace_))
    return false;
  return true;
}

static bool filter_match(struct filter *f, const char *container) {
  if (f->want == NULL)
    return true;
  if (container == NULL)
    return false;
  if (strcmp(container, f->want) == 0)
    return true;
  if (f->resolved)
    return strcmp(container, f->resolved) == 0;
  /* Nothing in the file when we started: the first container that the
   * prefix fits is the one followed. */
  if (strlen(f->want) >= PREFIX_MIN && str_has_prefix(container, f->want)) {
    f->resolved = strdup(container);
    return f->resolved != NULL;
  }
  return false;
}

/* ---- printing ------------------------------------------------------------ */

/* What a container wrote (a path, an argv) goes to an operator's
 * terminal: control characters (C0, DEL, C1) and the Unicode controls that
 * reorder or break text are escaped, and so is the backslash, so that
 * "\x1b" on the screen always means the byte was escaped. Returns a
 * malloc'd string ("-" for NULL), or NULL when out of memory. */
static char *clean(const char *s) {
  const unsigned char *p = (const unsigned char *)(s ? s : "-");
  char *out = malloc(strlen((const char *)p) * 6 + 1), *o = out;

  if (out == NULL)
    return NULL;
  for (; *p; p++) {
    if (*p == '\\') {
      o += sprintf(o, "\\\\");
    } else if (*p == '\n') {
      o += sprintf(o, "\\n");
    } else if (*p == '\t') {
      o += sprintf(o, "\\t");
    } else if (*p == '\r') {
      o += sprintf(o, "\\r");
    } else if (*p < 0x20 || *p == 0x7f) {
      o += sprintf(o, "\\x%02x", *p);
    } else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
      o += sprintf(o, "\\u%04x", p[1]); /* U+0080..U+009F */
      p++;
    } else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xa8 && p[2] <= 0xae))) {
      o += sprintf(o, "\\u20%02x", p[2] - 0x80); /* LRM, RLM, line/paragraph separators, embeddings, overrides */
      p += 2;
    } else if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9) {
      o += sprintf(o, "\\u20%02x", p[2] - 0x80 + 0x40); /* isolates U+2066..U+2069 */
      p += 2;
    } else {
      *o++ = (char)*p;
    }
  }
  *o = '\0';
  return out;
}

static const char *str_field(const struct json *ev, const char *block, const char *key) {
  return json_string(block ? json_get_path(ev, block, key, NULL) : json_get(ev, key));
}

/* time container type outcome mechanism path-or-rule technique message */
static void print_human(const struct json *ev) {
  const char *type = str_field(ev, NULL, "type");
  const char *container = str_field(ev, "container", "id");
  const char *decision = str_field(ev, NULL, "decision"), *action = str_field(ev, "details", "action");
  const char *what = str_field(ev, "process", "path");
  const char *message = str_field(ev, NULL, "message");
  cleanup_free char *outcome = NULL, *shortid = NULL, *msg = NULL;
  cleanup_free char *c_time = NULL, *c_id = NULL, *c_type = NULL, *c_out = NULL, *c_mech = NULL;
  cleanup_free char *c_what = NULL, *c_tech = NULL, *c_msg = NULL;
  uint64_t dropped = 0;

  /* What was decided and done: "deny/kill"; "deny" when the action is
   * the decision; what happened to the supervisor for its own events. */
  if (type && strcmp(type, "supervisor") == 0) {
    outcome = strdup(str_field(ev, "details", "event") ? str_field(ev, "details", "event") : "-");
  } else if (decision && action && strcmp(decision, action) != 0) {
    if (asprintf(&outcome, "%s/%s", decision, action) < 0)
      outcome = NULL;
  } else {
    outcome = strdup(decision ? decision : action ? action : "-");
  }
  if (what == NULL)
    what = str_field(ev, "details", "syscall"); /* a denied syscall's event */
  if (what == NULL)
    what = str_field(ev, NULL, "rule");
  if (container)
    shortid = strndup(container, SHORT_ID);
  if (json_uint64(json_get_path(ev, "details", "dropped", NULL), &dropped) && dropped > 0) {
    if (asprintf(&msg, "%s [%llu events dropped]", message ? message : "-", (unsigned long long)dropped) < 0)
      msg = NULL;
  } else if (message) {
    msg = strdup(message);
  }

  c_time = clean(str_field(ev, NULL, "time"));
  c_id = clean(shortid);
  c_type = clean(type);
  c_out = clean(outcome);
  c_mech = clean(str_field(ev, NULL, "mechanism"));
  c_what = clean(what);
  c_tech = clean(str_field(ev, "mitre", "technique"));
  c_msg = clean(msg);
  if (!c_time || !c_id || !c_type || !c_out || !c_mech || !c_what || !c_tech || !c_msg) {
    fprintf(stderr, "stockadectl events: out of memory\n");
    return;
  }
  printf("%-24s %-12s %-12s %-9s %-8s %s %s %s\n", c_time, c_id, c_type, c_out, c_mech, c_what, c_tech, c_msg);
}

enum format { FORMAT_HUMAN, FORMAT_JSON, FORMAT_ECS };

struct printer {
  struct filter *filter;
  enum format format;
  bool validate; /* check each event against schema v1 instead of printing */
  unsigned long malformed, invalid, shown;
};

__attribute__((format(printf, 3, 4))) static void malformed(struct printer *pr, const struct reader *r, const char *fmt,
                                                            ...) {
  va_list ap;

  fprintf(stderr, "stockadectl events: %s:%lu", r->path, r->line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "; skipped\n");
  pr->malformed++;
}

static void print_line(struct reader *r, const char *line, size_t len, void *arg) {
  struct printer *pr = arg;
  cleanup_json struct json *ev = NULL;
  cleanup_error struct sk_error *err = NULL;

  if (line == NULL) {
    malformed(pr, r, ": the line is longer than %u bytes", LINE_MAX_BYTES);
    return;
  }
  if (len == 0) {
    malformed(pr, r, ": an empty line; expected an event (a JSON object)");
    return;
  }
  if (json_parse(line, len, &ev, &err) < 0) {
    /* json_parse's line is always 1; the line in the file is ours to count */
    if (err && err->line > 0)
      malformed(pr, r, ":%u: %s", err->col, err->what);
    else
      malformed(pr, r, ": %s", err && err->msg ? err->msg : "invalid JSON");
    return;
  }
  if (!json_is(ev, JSON_OBJECT)) {
    malformed(pr, r, ":%u: got %s; expected an event (a JSON object)", ev->col, json_type_name(ev));
    return;
  }
  if (!field_filters_match(pr->filter, ev) || !filter_match(pr->filter, str_field(ev, "container", "id")))
    return;
  if (pr->validate) {
    if (event_validate(ev, &err) < 0) {
      fprintf(stderr, "stockadectl events: %s:%lu: %s\n", r->path, r->line, err->msg);
      pr->invalid++;
    }
    pr->shown++;
    return;
  }
  pr->shown++;
  if (pr->format == FORMAT_JSON) {
    fwrite(line, 1, len, stdout);
    putchar('\n');
  } else if (pr->format == FORMAT_ECS) {
    if (ecs_print(ev, stdout, &err) < 0)
      malformed(pr, r, ": %s", err->msg);
  } else {
    print_human(ev);
  }
}

/* ---- following ------------------------------------------------------------ */

/* After the end of the file: has it been rotated (another file at the
 * path now), truncated (copytruncate), or created? Reopens as needed;
 * what the old file still held is read first. Returns -1 on an error
 * that ends the command. */
static int follow_check(struct reader *r, struct printer *pr, struct sk_error **err) {
  struct stat st;

  if (stat(r->path, &st) < 0) {
    if (errno == ENOENT)
      return 0; /* moved away, the new one not yet created: keep reading the old one */
    return sk_error_set(err, errno, "cannot stat %s", r->path);
  }
  if (r->fd >= 0 && st.st_dev == r->dev && st.st_ino == r->ino) {
    if (st.st_size < r->off) {
      if (lseek(r->fd, 0, SEEK_SET) < 0)
        return sk_error_set(err, errno, "cannot rewind %s", r->path);
      reader_reset(r);
    }
    return 0;
  }
  if (r->fd >= 0) {
    /* Rotated: the old file is complete; finish it before the new one. */
    if (reader_pump(r, print_line, pr) == 0)
      reader_finish(r, print_line, pr);
    reader_close(r);
  }
  if (reader_open(r) < 0 && errno != ENOENT)
    return sk_error_set(err, errno, "cannot open %s", r->path);
  return 0;
}

static int follow(struct reader *r, struct printer *pr, struct sk_error **err) {
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_stop; /* no SA_RESTART: the sleep ends at once */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  while (!stop_requested) {
    struct timespec ts = {.tv_sec = 0, .tv_nsec = POLL_NSEC};
    if (r->fd >= 0 && reader_pump(r, print_line, pr) < 0)
      return sk_error_set(err, errno, "cannot read %s", r->path);
    fflush(stdout);
    nanosleep(&ts, NULL);
    if (!stop_requested && follow_check(r, pr, err) < 0)
      return -1;
  }
  fflush(stdout);
  return 0;
}

/* ---- the command ----------------------------------------------------------- */

static void events_usage(FILE *f) {
  fprintf(f,
          "usage: stockadectl events [--follow] [--container ID] [--type T[,T...]] [--decision D[,D...]]\n"
          "                          [--severity S] [--since TIME] [--pod NAME] [--namespace NAME]\n"
          "                          [--format human|json|ecs] [--json] [--validate] [--file PATH]\n"
          "\n"
          "Print the events of the event file (schema " EVENT_SCHEMA ", docs/events.md), one line\n"
          "each: time, container, type, decision[/action], mechanism, path or rule, technique, message.\n"
          "\n"
          "  -f, --follow        keep printing events as they are written, across truncation\n"
          "                      and rotation, until interrupted\n"
          "  -c, --container ID  only this container's events: its full id, or the start of it\n"
          "                      (at least %d characters) when that fits only one container\n"
          "  -t, --type T,...    only events of these types (drift, fileless, not-allowed,\n"
          "                      blocked-hash, error, exec, syscall, spec-finding, refused,\n"
          "                      landlock, lsm, memfd, capability, write, supervisor, dropped)\n"
          "  -d, --decision D,.. only these decisions: allow, deny, report, harden, info\n"
          "  -s, --severity S    only this severity or a higher one: info, notice, warning, error,\n"
          "                      critical\n"
          "      --since TIME    only events at or after TIME: RFC 3339 UTC (2026-01-02T03:04:05Z)\n"
          "                      or a duration before now (90s, 15m, 2h, 7d)\n"
          "      --pod NAME      only events of this Kubernetes pod (container.pod)\n"
          "      --namespace NS  only events of this Kubernetes namespace (container.namespace)\n"
          "      --format F      human (default); json: the events as they are in the file; ecs:\n"
          "                      one Elastic Common Schema document a line\n"
          "  -j, --json          the same as --format json\n"
          "      --validate      print nothing; check every (matching) event against the schema,\n"
          "                      naming each that does not follow it on stderr\n"
          "      --file PATH     the event file (default: \"eventFile\" of $STOCKADE_CONFIG,\n"
          "                      else " SK_CONFIG_DEFAULT ")\n"
          "  -h, --help          this text\n"
          "\n"
          "Exit status: 0; 1 when a line was not an event (each is named on stderr) or, with\n"
          "--validate, an event does not follow the schema; 2 on bad arguments or an event file\n"
          "that cannot be read.\n",
          PREFIX_MIN);
}

/* The event file named by the node's config. */
static int configured_event_file(char **path, struct sk_error **err) {
  cleanup_config struct sk_config *cfg = NULL;
  cleanup_error struct sk_error *e = NULL;

  if (config_load(config_path(), &cfg, &e) < 0) {
    sk_error_set(err, 0, "%s (or name the event file with --file PATH)", e->msg);
    return sk_error_classify(err, e->code);
  }
  if (cfg->event_file == NULL)
    return sk_error_set(err, 0,
                        "%s has no \"eventFile\", so events are not written to a file; set it there, or name the "
                        "event file with --file PATH",
                        cfg->path);
  *path = strdup(cfg->event_file);
  if (*path == NULL)
    return sk_error_set(err, 0, "out of memory");
  return 0;
}

enum { OPT_FILE = 256, OPT_SINCE, OPT_POD, OPT_NAMESPACE, OPT_FORMAT, OPT_VALIDATE };

int ctl_events(int argc, char **argv, struct sk_error **err) {
  static const struct option opts[] = {{"follow", no_argument, NULL, 'f'},
                                       {"container", required_argument, NULL, 'c'},
                                       {"type", required_argument, NULL, 't'},
                                       {"decision", required_argument, NULL, 'd'},
                                       {"severity", required_argument, NULL, 's'},
                                       {"since", required_argument, NULL, OPT_SINCE},
                                       {"pod", required_argument, NULL, OPT_POD},
                                       {"namespace", required_argument, NULL, OPT_NAMESPACE},
                                       {"format", required_argument, NULL, OPT_FORMAT},
                                       {"json", no_argument, NULL, 'j'},
                                       {"validate", no_argument, NULL, OPT_VALIDATE},
                                       {"file", required_argument, NULL, OPT_FILE},
                                       {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'V'},
                                       {NULL, 0, NULL, 0}};
  cleanup_free char *path = NULL;
  struct filter filter = {0};
  struct printer pr = {.filter = &filter};
  struct reader r = {.fd = -1};
  bool follow_mode = false;
  int c, status = 0;

  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":fc:t:d:s:jh", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      follow_mode = true;
      break;
    case 'c':
      filter.want = optarg;
      break;
    case 't':
      filter.types = optarg;
      if (*optarg == '\0')
        return sk_error_set(err, 0, "--type is empty");
      break;
    case 'd':
      filter.decisions = optarg;
      if (check_list("--decision", optarg, decisions, err) < 0)
        return -1;
      break;
    case 's':
      filter.min_severity = index_of(severities, optarg);
      if (filter.min_severity < 0)
        return sk_error_set(err, 0, "--severity \"%s\": expected info, notice, warning, error or critical", optarg);
      break;
    case OPT_SINCE:
      if (parse_since(optarg, filter.since, sizeof(filter.since), err) < 0)
        return -1;
      break;
    case OPT_POD:
      filter.pod = optarg;
      break;
    case OPT_NAMESPACE:
      filter.namespace_ = optarg;
      break;
    case OPT_FORMAT:
      if (strcmp(optarg, "human") == 0) {
        pr.format = FORMAT_HUMAN;
      } else if (strcmp(optarg, "json") == 0) {
        pr.format = FORMAT_JSON;
      } else if (strcmp(optarg, "ecs") == 0) {
        pr.format = FORMAT_ECS;
      } else {
        return sk_error_set(err, 0, "--format \"%s\": expected human, json or ecs", optarg);
      }
      break;
    case 'j':
      pr.format = FORMAT_JSON;
      break;
    case OPT_VALIDATE:
      pr.validate = true;
      break;
    case OPT_FILE:
      free(path);
      path = strdup(optarg);
      break;
    case 'h':
      events_usage(stdout);
      return 0;
    case 'V':
      return ctl_version();
    default:
      return ctl_bad_flag("events", c, argv, err);
    }
  }
  if (optind != argc)
    return sk_error_set(err, 0, "unexpected argument \"%s\"; see stockadectl events --help", argv[optind]);
  if (filter.want && filter.want[0] == '\0')
    return sk_error_set(err, 0, "--container is empty; expected a container id");
  if (path == NULL && configured_event_file(&path, err) < 0)
    return -1;
  if (path[0] == '\0')
    return sk_error_set(err, 0, "--file is empty; expected the path of the event file");
  r.path = path;

  if (reader_open(&r) < 0) {
    if (errno != ENOENT || !follow_mode)
      return sk_error_set(err, errno, "cannot open the event file %s", path);
    fprintf(stderr, "stockadectl events: %s does not exist yet; waiting for it\n", path);
  }
  if (r.fd >= 0 && filter.want && strlen(filter.want) >= PREFIX_MIN && resolve(&r, &filter, err) < 0) {
    status = -1;
    goto out;
  }

  if (follow_mode) {
    status = follow(&r, &pr, err);
    goto out;
  }
  if (reader_pump(&r, print_line, &pr) < 0) {
    status = sk_error_set(err, errno, "cannot read %s", path);
    goto out;
  }
  reader_finish(&r, print_line, &pr);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    status = sk_error_set(err, errno, "cannot write the events");
    goto out;
  }
  if (filter.want && pr.shown == 0)
    fprintf(stderr, "stockadectl events: no events of container \"%s\" in %s\n", filter.want, path);
  if (pr.invalid > 0) {
    fprintf(stderr, "stockadectl events: %lu of %lu events of %s do not follow schema " EVENT_SCHEMA "\n", pr.invalid,
            pr.shown, path);
    status = CTL_EXIT_FINDINGS;
  }
  if (pr.malformed > 0) {
    fprintf(stderr, "stockadectl events: %lu line%s of %s %s not an event\n", pr.malformed,
            pr.malformed == 1 ? "" : "s", path, pr.malformed == 1 ? "was" : "were");
    status = CTL_EXIT_FINDINGS;
  }
out:
  reader_close(&r);
  free(r.buf);
  free(filter.resolved);
  return status;
}

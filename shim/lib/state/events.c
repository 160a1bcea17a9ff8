/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/events.h"

struct json *event_new(const char *type) {
  struct json *ev = json_new(JSON_OBJECT);
  struct timespec now;
  struct tm tm;
  char ts[64], full[80];

  if (ev == NULL)
    return NULL;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(full, sizeof(full), "%s.%03ldZ", ts, now.tv_nsec / 1000000);
  if (json_set(ev, "time", json_new_string(full)) < 0 || json_set(ev, "type", json_new_string(type)) < 0) {
    json_free(ev);
    return NULL;
  }
  return ev;
}

int event_set_str(struct json *ev, const char *key, const char *value) {
  if (value == NULL)
    return 0;
  return json_set(ev, key, json_new_string(value));
}

int event_add_workload(struct json *ev, const struct json *spec) {
  static const struct {
    const char *field, *ann;
  } map[] = {
      {"pod", "io.kubernetes.cri.sandbox-name"},    {"namespace", "io.kubernetes.cri.sandbox-namespace"},
      {"image", "io.kubernetes.cri.image-name"},    {"pod", "io.kubernetes.pod.name"},
      {"namespace", "io.kubernetes.pod.namespace"}, {"image", "io.kubernetes.cri-o.ImageName"},
  };
  const struct json *ann = json_get(spec, "annotations");
  size_t i;
  for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
    const char *v = json_string(json_get(ann, map[i].ann));
    if (v && json_get(ev, map[i].field) == NULL && event_set_str(ev, map[i].field, v) < 0)
      return -1;
  }
  return 0;
}

int event_write(const char *path, const struct json *ev, struct sk_error **err) {
  cleanup_free char *txt = NULL;
  cleanup_close int fd = -1;
  size_t len;
  ssize_t w;

  if (path == NULL)
    return 0;
  if (json_gen_compact(ev, &txt, &len, err) < 0)
    return -1;
  txt[len] = '\n'; /* json_gen_compact leaves room for the NUL */
  fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0)
    return sk_error_set(err, errno, "cannot open the event file %s", path);
  do
    w = write(fd, txt, len + 1);
  while (w < 0 && errno == EINTR);
  if (w < 0)
    return sk_error_set(err, errno, "cannot write to the event file %s", path);
  if ((size_t)w != len + 1)
    return sk_error_set(err, ENOSPC, "short write to the event file %s", path);
  return 0;
}

/* The bucket starts full: a container's first burst of decisions (its
 * start-up) is never dropped. A burst below one would drop everything,
 * including the event that reports the drops, so it is raised to one; a
 * rate that is not positive never refills. */
void event_limiter_init(struct event_limiter *l, double rate, double burst) {
  l->rate = rate > 0 ? rate : 0; /* also NaN -> 0 */
  l->burst = burst >= 1 ? burst : 1;
  l->tokens = l->burst;
  l->last.tv_sec = 0;
  l->last.tv_nsec = 0;
  l->dropped = 0;
  memset(l->types, 0, sizeof(l->types));
}

/* Tokens are fractional, so 0.1 a second adds up to one after ten
 * seconds whether take is called once or every millisecond; the
 * tolerance keeps the rounding of many small additions from holding an
 * event back. */
#define TOKEN_EPSILON 1e-9

/* Count one drop of type: its slot, a free one, or the last ("other")
 * when every slot is taken, so hostile type variety cannot grow memory. */
static void count_type(struct event_limiter *l, const char *type) {
  size_t i, last = EVENT_LIMITER_TYPES - 1;
  if (type == NULL || strlen(type) >= sizeof(l->types[0].name))
    type = "other";
  for (i = 0; i < last; i++) {
    if (l->types[i].name[0] == '\0')
      snprintf(l->types[i].name, sizeof(l->types[i].name), "%s", type);
    if (strcmp(l->types[i].name, type) == 0)
      break;
  }
  if (i == last)
    snprintf(l->types[i].name, sizeof(l->types[i].name), "other");
  if (l->types[i].n < ~0ull)
    l->types[i].n++;
}

bool event_limiter_take_type(struct event_limiter *l, const struct timespec *now, const char *type) {
  if (event_limiter_take(l, now))
    return true;
  count_type(l, type);
  return false;
}

bool event_limiter_take(struct event_limiter *l, const struct timespec *now) {
  /* Computed in double: two timestamps far apart cannot overflow, and a
   * clock that steps back (never CLOCK_MONOTONIC, but a caller's mistake)
   * adds nothing and does not move last back. */
  double elapsed =
      ((double)now->tv_sec - (double)l->last.tv_sec) + ((double)now->tv_nsec - (double)l->last.tv_nsec) / 1e9;

  if (elapsed > 0) {
    double room = l->burst - l->tokens;
    /* elapsed * rate may be huge (a bucket idle for days): compare before
     * adding, so tokens never exceeds burst. */
    if (l->rate > 0 && elapsed >= room / l->rate)
      l->tokens = l->burst;
    else
      l->tokens += elapsed * l->rate;
    l->last = *now;
  }
  if (l->tokens >= 1 - TOKEN_EPSILON) {
    l->tokens -= 1;
    if (l->tokens < 0)
      l->tokens = 0;
    return true;
  }
  if (l->dropped < ~0ull)
    l->dropped++;
  return false;
}

unsigned long long event_limiter_dropped(struct event_limiter *l) {
  unsigned long long n = l->dropped;
  l->dropped = 0;
  memset(l->types, 0, sizeof(l->types));
  return n;
}

int event_dropped_new(struct event_limiter *l, struct json **out) {
  cleanup_json struct json *ev = NULL;
  struct json *types;
  unsigned long long typed = 0;
  size_t i;

  *out = NULL;
  if (l->dropped == 0)
    return 0;
  ev = event_new("dropped");
  types = json_new(JSON_OBJECT);
  if (ev == NULL || json_set(ev, "types", types) < 0)
    return -1;
  for (i = 0; i < EVENT_LIMITER_TYPES && l->types[i].name[0]; i++)
    typed += l->types[i].n;
  /* Drops counted without a type (event_limiter_take) are "other". */
  for (i = 0; i < EVENT_LIMITER_TYPES && l->types[i].name[0]; i++) {
    unsigned long long n = l->types[i].n;
    if (strcmp(l->types[i].name, "other") == 0) {
      n += l->dropped - typed;
      typed = l->dropped;
    }
    if (json_set(types, l->types[i].name, json_new_int((int64_t)n)) < 0)
      return -1;
  }
  if (typed < l->dropped && json_set(types, "other", json_new_int((int64_t)(l->dropped - typed))) < 0)
    return -1;
  if (json_set(ev, "dropped", json_new_int((int64_t)l->dropped)) < 0)
    return -1;
  event_limiter_dropped(l);
  *out = steal_pointer(&ev);
  return 0;
}

int event_syslog(const char *socket_path, const struct json *ev, struct sk_error **err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  cleanup_free char *txt = NULL;
  cleanup_free char *msg = NULL;
  cleanup_close int fd = -1;
  char host[256] = "-";
  const char *type = json_string(json_get(ev, "type"));
  const char *time_ = json_string(json_get(ev, "time"));
  const char *decision = json_string(json_get(ev, "decision"));
  /* authpriv (10) * 8 + warning (4) or notice (5) */
  int pri = 10 * 8 + (decision && strcmp(decision, "deny") == 0 ? 4 : 5);
  size_t len;
  int n;

  if (socket_path == NULL)
    return 0;
  if (strlen(socket_path) >= sizeof(addr.sun_path))
    return sk_error_set(err, ENAMETOOLONG, "syslog socket %s", socket_path);
  strcpy(addr.sun_path, socket_path);
  if (json_gen_compact(ev, &txt, &len, err) < 0)
    return -1;
  if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
    strcpy(host, "-");
  host[sizeof(host) - 1] = '\0';
  /* MSGID: printable ASCII, no spaces, at most 32 characters */
  n = asprintf(&msg, "<%d>1 %s %s stockade %d %.32s - %.*s", pri, time_ ? time_ : "-", host, (int)getpid(),
               type && *type && !strpbrk(type, " ") ? type : "-", (int)len, txt);
  if (n < 0)
    return sk_error_set(err, ENOMEM, "syslog");
  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return sk_error_set(err, errno, "syslog socket");
  if (sendto(fd, msg, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&addr, sizeof(addr)) < 0)
    return sk_error_set(err, errno, "cannot send the event to syslog at %s", socket_path);
  return 0;
}

int event_emit(const struct sk_config *cfg, const struct json *ev, struct sk_error **err) {
  cleanup_error struct sk_error *e2 = NULL;
  int r = event_write(cfg->event_file, ev, err);
  if (event_syslog(cfg->syslog, ev, r < 0 ? &e2 : err) < 0 && r == 0)
    r = -1;
  return r;
}

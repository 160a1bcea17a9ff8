/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/config.h"
#include "stockade/events.h"

/* The types of schema v1 and the rule id of each when the emitter names
 * none. A spec finding names its own rule; a refusal its first. */
static const struct {
  const char *type, *rule;
} type_rules[] = {
    {"exec", "SK-EXEC-ALLOWED"},
    {"drift", "SK-EXEC-DRIFT"},
    {"fileless", "SK-EXEC-FILELESS"},
    {"not-allowed", "SK-EXEC-NOT-ALLOWED"},
    {"blocked-hash", "SK-EXEC-BLOCKED-HASH"},
    {"error", "SK-EXEC-ERROR"},
    {"syscall", "SK-SYSCALL-DENIED"},
    {"supervisor", "SK-SUPERVISOR"},
    {"dropped", "SK-EVENTS-DROPPED"},
    {"spec-finding", "SK-SPEC"},
    {"refused", "SK-REFUSED"},
    {"landlock", "SK-LANDLOCK"},
    {"lsm", "SK-LSM"},
    {"memfd", "SK-MEMFD-NOEXEC"},
    {"capability", "SK-CAP-EXTRA"},
    {"write", "SK-ROOTFS-WRITABLE"},
};

const char *event_type_rule(const char *type) {
  size_t i;
  for (i = 0; type && i < sizeof(type_rules) / sizeof(type_rules[0]); i++)
    if (strcmp(type_rules[i].type, type) == 0)
      return type_rules[i].rule;
  return NULL;
}

/* MITRE ATT&CK (Enterprise, v15) tactics of the techniques stockade names:
 * the one tactic a technique is reported under. */
static const struct {
  const char *technique, *tactic, *name;
} tactics[] = {
    {"T1059", "TA0002", "Execution"},            /* Command and Scripting Interpreter */
    {"T1204.003", "TA0002", "Execution"},        /* User Execution: Malicious Image */
    {"T1610", "TA0002", "Execution"},            /* Deploy Container */
    {"T1105", "TA0011", "Command and Control"},  /* Ingress Tool Transfer */
    {"T1620", "TA0005", "Defense Evasion"},      /* Reflective Code Loading */
    {"T1611", "TA0004", "Privilege Escalation"}, /* Escape to Host */
    {"T1055", "TA0004", "Privilege Escalation"}, /* Process Injection */
    {"T1068", "TA0004", "Privilege Escalation"}, /* Exploitation for Privilege Escalation */
    {"T1562.001", "TA0005", "Defense Evasion"},  /* Impair Defenses: Disable or Modify Tools */
};

const char *event_tactic(const char *technique, const char **name) {
  size_t i;
  for (i = 0; technique && i < sizeof(tactics) / sizeof(tactics[0]); i++)
    if (strcmp(tactics[i].technique, technique) == 0) {
      if (name)
        *name = tactics[i].name;
      return tactics[i].tactic;
    }
  return NULL;
}

static bool eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

const char *event_severity(const char *type, const char *decision, const char *technique) {
  if (eq(decision, "deny") &&
      (eq(type, "blocked-hash") || eq(type, "fileless") || eq(technique, "T1611") || eq(technique, "T1620")))
    return "critical";
  if (eq(type, "error"))
    return "error";
  if (eq(decision, "deny") || eq(type, "dropped"))
    return "warning";
  if (eq(decision, "report") || eq(decision, "harden") || eq(type, "supervisor"))
    return "notice";
  return "info";
}

static void now_rfc3339(char *out, size_t size) {
  struct timespec now;
  struct tm tm;
  char ts[40];

  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, size, "%s.%03ldZ", ts, now.tv_nsec / 1000000);
}

/* 128 random bits in hex. Without entropy yet (early boot: getrandom
 * would block) the time, pid and a counter make it unique on this host,
 * which is what an event id needs. */
static void new_id(char out[33]) {
  static unsigned long long counter;
  unsigned char b[16];
  size_t i;

  if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
    struct timespec t;
    unsigned long long v[2];
    clock_gettime(CLOCK_REALTIME, &t);
    v[0] = ((unsigned long long)t.tv_sec << 30) ^ (unsigned long long)t.tv_nsec;
    v[1] = ((unsigned long long)getpid() << 32) ^ ++counter;
    memcpy(b, v, sizeof(b));
  }
  for (i = 0; i < sizeof(b); i++)
    snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void host_name(char *out, size_t size) {
  struct utsname u;
  if (uname(&u) == 0 && u.nodename[0])
    snprintf(out, size, "%s", u.nodename);
  else
    snprintf(out, size, "localhost");
}

static int set_str(struct json *obj, const char *key, const char *value) {
  if (value == NULL)
    return 0;
  return json_set(obj, key, json_new_string(value));
}

/* An optional member: absent rather than empty. */
static int set_opt(struct json *obj, const char *key, const char *value) {
  return value && *value ? set_str(obj, key, value) : 0;
}

/* pod, namespace and image from the CRI annotations: containerd's
 * io.kubernetes.cri.*, CRI-O's io.kubernetes.pod.* and
 * io.kubernetes.cri-o.ImageName; the first found wins. */
static int add_workload(struct json *c, const struct json *spec) {
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
    if (v && json_get(c, map[i].field) == NULL && set_opt(c, map[i].field, v) < 0)
      return -1;
  }
  return 0;
}

static struct json *container_block(const struct event_subject *s) {
  cleanup_json struct json *c = json_new(JSON_OBJECT);
  if (c == NULL || set_str(c, "id", s->container) < 0 || add_workload(c, s->spec) < 0)
    return NULL;
  return steal_pointer(&c);
}

static struct json *process_block(const struct event_process *p) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  if (o == NULL)
    return NULL;
  if (p == NULL)
    return steal_pointer(&o);
  if ((p->pid > 0 && json_set(o, "pid", json_new_int(p->pid)) < 0) || set_str(o, "path", p->path) < 0 ||
      (json_is(p->argv, JSON_ARRAY) && json_set(o, "argv", json_copy(p->argv)) < 0) ||
      set_opt(o, "sha256", p->sha256) < 0 || set_opt(o, "where", p->where) < 0)
    return NULL;
  return steal_pointer(&o);
}

static struct json *profile_block(const struct event_subject *s) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  if (o == NULL || set_opt(o, "name", s->profile) < 0 || set_opt(o, "sha256", s->profile_sha256) < 0 ||
      set_opt(o, "mode", s->mode) < 0)
    return NULL;
  return steal_pointer(&o);
}

static struct json *mitre_block(const char *technique) {
  cleanup_json struct json *o = json_new(JSON_OBJECT);
  const char *tactic = event_tactic(technique, NULL);
  if (o == NULL || set_str(o, "technique", technique) < 0 || set_str(o, "tactic", tactic) < 0)
    return NULL;
  return steal_pointer(&o);
}

struct json *event_build(const struct event_subject *s, const struct event_what *w, const struct event_process *p) {
  cleanup_json struct json *ev = json_new(JSON_OBJECT);
  char ts[64], host[HOST_NAME_MAX + 1], id[33];
  const char *rule = w->rule ? w->rule : event_type_rule(w->type);
  const char *severity = w->severity ? w->severity : event_severity(w->type, w->decision, w->technique);

  if (ev == NULL)
    return NULL;
  now_rfc3339(ts, sizeof(ts));
  host_name(host, sizeof(host));
  new_id(id);
  if (set_str(ev, "schema", EVENT_SCHEMA) < 0 || set_str(ev, "time", ts) < 0 || set_str(ev, "host", host) < 0 ||
      set_str(ev, "id", id) < 0 || set_str(ev, "severity", severity) < 0 || set_str(ev, "type", w->type) < 0 ||
      set_str(ev, "decision", w->decision) < 0 || set_str(ev, "mechanism", w->mechanism) < 0 ||
      set_str(ev, "rule", rule ? rule : "SK-UNKNOWN") < 0 || set_str(ev, "message", w->message) < 0 ||
      json_set(ev, "container", container_block(s)) < 0 || json_set(ev, "process", process_block(p)) < 0 ||
      json_set(ev, "profile", profile_block(s)) < 0 || json_set(ev, "mitre", mitre_block(w->technique)) < 0 ||
      json_set(ev, "details", json_new(JSON_OBJECT)) < 0)
    return NULL;
  return steal_pointer(&ev);
}

int event_detail(struct json *ev, const char *key, struct json *val) {
  struct json *d = json_get(ev, "details");
  if (!json_is(d, JSON_OBJECT)) {
    json_free(val);
    return -1;
  }
  return json_set(d, key, val);
}

int event_detail_str(struct json *ev, const char *key, const char *value) {
  if (value == NULL)
    return 0;
  return event_detail(ev, key, json_new_string(value));
}

int event_detail_int(struct json *ev, const char *key, int64_t value) {
  return event_detail(ev, key, json_new_int(value));
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
  /* O_NOCTTY: the supervisor leads a session of its own */
  fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
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

int event_dropped_details(struct event_limiter *l, struct json **out) {
  cleanup_json struct json *d = NULL;
  struct json *types;
  unsigned long long typed = 0;
  size_t i;

  *out = NULL;
  if (l->dropped == 0)
    return 0;
  d = json_new(JSON_OBJECT);
  types = json_new(JSON_OBJECT);
  if (d == NULL || json_set(d, "dropped", json_new_int((int64_t)l->dropped)) < 0 || json_set(d, "types", types) < 0)
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
  event_limiter_dropped(l);
  *out = steal_pointer(&d);
  return 0;
}

/* The syslog severity code of an event severity. */
static int syslog_code(const char *severity) {
  static const char *const names[] = {"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"};
  int i;
  for (i = 0; severity && i < 8; i++)
    if (strcmp(names[i], severity) == 0)
      return i;
  return 5;
}

int event_syslog(const char *socket_path, const struct json *ev, struct sk_error **err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  cleanup_free char *txt = NULL;
  cleanup_free char *msg = NULL;
  cleanup_close int fd = -1;
  char host[256] = "-";
  const char *type = json_string(json_get(ev, "type"));
  const char *time_ = json_string(json_get(ev, "time"));
  const char *severity = json_string(json_get(ev, "severity"));
  /* authpriv (10) * 8 + the event's severity (notice when unknown) */
  int pri = 10 * 8 + syslog_code(severity);
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

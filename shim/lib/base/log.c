/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stockade/json.h"
#include "stockade/log.h"

static int log_fd = -1;
static bool log_json;
static bool log_debug;
static bool log_quiet; /* stderr is the workload's: only errors go there */

void log_init(const char *log_file, const char *format, bool debug) {
  log_debug = debug;
  log_quiet = false;
  log_json = format && strcmp(format, "json") == 0;
  if (log_file && *log_file) {
    /* O_CLOEXEC: the real runtime opens the file itself. O_NOCTTY: the
     * supervisor leads a session; a terminal named here is no ctty. */
    log_fd = open(log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
  }
}

void log_stdio_is_workload(void) { log_quiet = true; }

static const char *level_name(enum log_level l) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  return names[l];
}

static void to_file(enum log_level level, const char *msg) {
  char ts[64];
  struct timespec now;
  struct tm tm;
  char *line = NULL;
  int n;

  if (log_fd < 0)
    return;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (log_json) {
    struct json *o = json_new(JSON_OBJECT);
    char *txt = NULL;
    if (o && json_set(o, "level", json_new_string(level_name(level))) == 0 &&
        json_set(o, "msg", json_new_string(msg)) == 0 && json_set(o, "time", json_new_string(ts)) == 0 &&
        json_gen_compact(o, &txt, NULL, NULL) == 0) {
      n = asprintf(&line, "%s\n", txt);
      if (n < 0)
        line = NULL;
    }
    free(txt);
    json_free(o);
  } else {
    n = asprintf(&line, "time=\"%s\" level=%s msg=\"stockade: %s\"\n", ts, level_name(level), msg);
    if (n < 0)
      line = NULL;
  }
  if (line) {
    /* One write per line: O_APPEND keeps lines whole among writers. */
    if (write(log_fd, line, strlen(line)) < 0) {
      /* nowhere left to report it; stderr already has the message */
    }
    free(line);
  }
}

static void vlog(enum log_level level, bool stderr_too, const char *fmt, va_list ap) {
  char *msg = NULL;
  int saved = errno;
  if (level == LOG_DEBUG && !log_debug)
    return;
  if (vasprintf(&msg, fmt, ap) < 0) {
    errno = saved;
    return;
  }
  if (stderr_too && (level == LOG_ERROR || !log_quiet))
    fprintf(stderr, "stockade: %s%s\n", level == LOG_WARNING ? "warning: " : "", msg);
  to_file(level, msg);
  free(msg);
  errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, true, fmt, ap);
  va_end(ap);
}

void log_file_only(enum log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, false, fmt, ap);
  va_end(ap);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* shim/lib/confine/memfd_noexec.c: the create step (the hook it puts into the spec, or
 * the event saying why not) and memfd_noexec_apply on a PID namespace of
 * the test's own making (root only). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "confine.h"
#include "stockade/events.h"
#include "stockade/memfd_noexec.h"
#include "stockade/sys.h"
#include "valgrind.h"

static const char *spec_text =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]},\"root\":{\"path\":\"rootfs\"},"
    "\"hooks\":{\"createRuntime\":[{\"path\":\"/usr/bin/engine-hook\"}]},"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}";

struct fx {
  struct sk_config cfg;
  char *dir, *events;
};

static int setup(void **state) {
  struct fx *f = calloc(1, sizeof(*f));
  void *d = NULL;
  if (f == NULL || tmpdir_setup(&d) < 0)
    return -1;
  f->dir = d;
  if (asprintf(&f->events, "%s/events.json", f->dir) < 0)
    return -1;
  f->cfg.path = "/etc/stockade/test-config.json";
  f->cfg.event_file = f->events;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fx *f = *state;
  void *d = f->dir;
  free(f->events);
  free(f);
  return tmpdir_teardown(&d);
}

/* The last event's memfdNoexec, as text ("2" or "not applied: ..."). */
static char *last_memfd_event(const struct fx *f) {
  char *text = NULL, *line, *last = NULL, *save = NULL, *out;
  size_t len;
  struct sk_error *err = NULL;
  struct json *ev = NULL;
  const struct json *v;
  if (read_file(f->events, &text, &len, &err) < 0) {
    sk_error_free(&err);
    return NULL;
  }
  for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    last = line;
  if (last == NULL || json_parse(last, strlen(last), &ev, &err) < 0)
    fail_msg("the event file has no event");
  assert_string_equal(json_string(json_get(ev, "type")), "memfd");
  assert_string_equal(json_string(json_get_path(ev, "container", "id", NULL)), "c1");
  assert_int_equal(event_validate(ev, NULL), 0);
  v = json_get_path(ev, "details", "memfdNoexec", NULL);
  if (json_is(v, JSON_STRING)) {
    out = strdup(v->str);
  } else {
    int64_t n = -1;
    assert_true(json_int64(v, &n));
    assert_true(asprintf(&out, "%lld", (long long)n) > 0);
  }
  json_free(ev);
  free(text);
  return out;
}

static const struct json *our_hook(const struct json *spec, size_t *count) {
  const struct json *list = json_get_path(spec, "hooks", "createRuntime", NULL), *found = NULL;
  *count = 0;
  for (size_t i = 0; json_is(list, JSON_ARRAY) && i < list->n; i++) {
    const struct json *a = json_get(list->items[i], "args");
    if (json_is(a, JSON_ARRAY) && a->n == 2 && strcmp(json_string(a->items[1]), MEMFD_NOEXEC_HOOK_ARG) == 0) {
      (*count)++;
      found = list->items[i];
    }
  }
  return found;
}

static void test_create_adds_hook(void **state) {
  struct fx *f = *state;
  struct json *spec = parse(spec_text);
  struct profile *p = profile("{\"name\":\"t\"}");
  struct sk_error *err = NULL;
  const struct json *h, *list;
  size_t n;
  char why[300];

  if (!memfd_noexec_supported(why, sizeof(why))) {
    /* an older kernel: no hook, the event says why */
    assert_int_equal(memfd_noexec_create(&f->cfg, "c1", spec, p, SK_MODE_ENFORCE, "/usr/bin/stockade", NULL, &err), 0);
    char *v = last_memfd_event(f);
    assert_null(our_hook(spec, &n));
    assert_string_equal(v, "not applied: kernel");
    free(v);
    json_free(spec);
    profile_free(p);
    return;
  }
  assert_int_equal(memfd_noexec_create(&f->cfg, "c1", spec, p, SK_MODE_ENFORCE, "/usr/bin/stockade", NULL, &err), 0);
  h = our_hook(spec, &n);
  assert_int_equal(n, 1);
  /* first, before the engine's hooks */
  list = json_get_path(spec, "hooks", "createRuntime", NULL);
  assert_int_equal(list->n, 2);
  assert_ptr_equal(list->items[0], h);
  assert_string_equal(json_string(json_get(h, "path")), "/usr/bin/stockade");
  assert_string_equal(json_string(json_get(h, "env")->items[0]), "STOCKADE_CONFIG=/etc/stockade/test-config.json");
  /* a spec hardened twice has it once */
  assert_int_equal(memfd_noexec_create(&f->cfg, "c1", spec, p, SK_MODE_ENFORCE, "/usr/bin/stockade", NULL, &err), 0);
  our_hook(spec, &n);
  assert_int_equal(n, 1);
  assert_int_equal(json_get_path(spec, "hooks", "createRuntime", NULL)->n, 2);
  json_free(spec);
  profile_free(p);
}

/* Supervised: no hook in the spec and no event from create; the
 * supervisor sets the level and writes the event (shim/supervisor/memfd.c). */
static void test_create_to_supervisor(void **state) {
  struct fx *f = *state;
  struct json *spec = parse(spec_text);
  struct profile *p = profile("{\"name\":\"t\"}");
  struct sk_error *err = NULL;
  bool to_sup = false;
  size_t n;
  char why[300], *v;

  assert_int_equal(memfd_noexec_create(&f->cfg, "c1", spec, p, SK_MODE_ENFORCE, "/usr/bin/stockade", &to_sup, &err), 0);
  assert_null(our_hook(spec, &n));
  if (memfd_noexec_supported(why, sizeof(why))) {
    assert_true(to_sup);
    assert_null(v = last_memfd_event(f));
  } else {
    assert_false(to_sup);
    assert_string_equal(v = last_memfd_event(f), "not applied: kernel");
  }
  free(v);
  json_free(spec);
  profile_free(p);
}

static void test_create_not_applied(void **state) {
  struct fx *f = *state;
  struct profile *p = profile("{\"name\":\"t\"}");
  struct profile *relaxed = profile("{\"name\":\"t\",\"exec\":{\"memfdExec\":true}}");
  struct sk_error *err = NULL;
  struct json *spec;
  size_t n;
  char *v;

  spec = parse(spec_text);
  assert_int_equal(memfd_noexec_create(&f->cfg, "c1", spec, relaxed, SK_MODE_ENFORCE, "/usr/bin/stockade", NULL, &err),
                   0);
  assert_null(our_hook(spec, &n));
  assert_string_equal(v = last_memfd_event(f), "not applied: profile exec.memfdExec");
  free(v);
  json_free(spec);

  spec = parse(spec_text);
  assert_int_equal(memfd_noexec_create(&f->cfg, "c1", spec, p, SK_MODE_COMPLAIN, "/usr/bin/stockade", NULL, &err), 0);
  assert_null(our_hook(spec, &n));
  assert_string_equal(v = last_memfd_event(f), "not applied: complain mode changes nothing");
  free(v);
  json_free(spec);

  /* no pid namespace in the spec: the host's */
  spec = parse("{\"ociVersion\":\"1.0.2\",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}");
  assert_int_equal(memfd_noexec_create(&f->cfg, "c1", spec, p, SK_MODE_ENFORCE, "/usr/bin/stockade", NULL, &err), 0);
  assert_null(our_hook(spec, &n));
  assert_string_equal(v = last_memfd_event(f), "not applied: host pid namespace");
  free(v);
  json_free(spec);

  /* a relative path for the hook: refused rather than a hook that cannot run */
  spec = parse(spec_text);
  if (access(MEMFD_NOEXEC_SYSCTL, F_OK) == 0) {
    assert_int_equal(memfd_noexec_create(&f->cfg, "c1", spec, p, SK_MODE_ENFORCE, "stockade", NULL, &err), -1);
    assert_non_null(strstr(err->msg, "refusing container \"c1\""));
    sk_error_free(&err);
  }
  json_free(spec);
  profile_free(p);
  profile_free(relaxed);
}

/* memfd_noexec_apply on this process's own namespace: never. */
static void test_apply_host(void **state) {
  struct sk_error *err = NULL;
  char why[300] = "";
  (void)state;
  assert_int_equal(memfd_noexec_apply(getpid(), MEMFD_NOEXEC_LEVEL, why, sizeof(why), &err), 0);
  assert_string_equal(why, "host pid namespace");
  assert_int_equal(memfd_noexec_apply(INT32_MAX, MEMFD_NOEXEC_LEVEL, why, sizeof(why), &err), -1);
  assert_non_null(strstr(err->msg, "/proc/2147483647/ns/pid"));
  sk_error_free(&err);
}

/* ... and on a PID namespace of our own: the value reads 2 inside it,
 * this namespace's is unchanged, and the caller's children are made in
 * its own namespace again. */
static void test_apply_child_namespace(void **state) {
  struct sk_error *err = NULL;
  char why[300], host_before[16] = "", host_after[16] = "", inside[16] = "";
  int go[2], back[2], status, fd;
  pid_t c;
  ssize_t n;
  (void)state;

  if (geteuid() != 0 || confine_under_valgrind() || access(MEMFD_NOEXEC_SYSCTL, F_OK) != 0) {
    fprintf(stderr, "skip: needs root, a kernel with %s (Linux 6.3) and no valgrind\n", MEMFD_NOEXEC_SYSCTL);
    skip();
    return;
  }
  fd = open(MEMFD_NOEXEC_SYSCTL, O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0 && read(fd, host_before, sizeof(host_before) - 1) > 0);
  close(fd);
  assert_int_equal(pipe2(go, O_CLOEXEC), 0);
  assert_int_equal(pipe2(back, O_CLOEXEC), 0);
  /* The child is pid 1 of a new namespace. clone, not unshare + fork:
   * this process's own later children (LeakSanitizer's at exit) must stay
   * in its namespace, where they can still be made. */
  c = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
  assert_true(c >= 0);
  if (c == 0) {
    char b;
    /* wait for the parent to set it, then say what this namespace reads;
     * the parent's end of "go" only, so that a parent that failed and
     * ended ends this wait too */
    close(go[1]);
    if (read(go[0], &b, 1) != 1)
      _exit(1);
    fd = open(MEMFD_NOEXEC_SYSCTL, O_RDONLY | O_CLOEXEC);
    n = fd >= 0 ? read(fd, inside, sizeof(inside) - 1) : -1;
    if (n <= 0 || write(back[1], inside, (size_t)n) != n)
      _exit(1);
    _exit(0);
  }
  assert_int_equal(memfd_noexec_apply(c, MEMFD_NOEXEC_LEVEL, why, sizeof(why), &err), 1);
  /* It joined the namespace to make the writer: it is back in its own,
   * for its children too. */
  {
    struct stat own, kids;
    assert_int_equal(stat("/proc/self/ns/pid", &own), 0);
    assert_int_equal(stat("/proc/self/ns/pid_for_children", &kids), 0);
    assert_true(own.st_dev == kids.st_dev && own.st_ino == kids.st_ino);
  }
  assert_int_equal(write(go[1], "x", 1), 1);
  n = read(back[0], inside, sizeof(inside) - 1);
  assert_true(n > 0);
  inside[n] = '\0';
  assert_int_equal(waitpid(c, &status, 0), c);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_int_equal(atoi(inside), 2);
  fd = open(MEMFD_NOEXEC_SYSCTL, O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0 && read(fd, host_after, sizeof(host_after) - 1) > 0);
  close(fd);
  assert_string_equal(host_after, host_before);
  close(go[0]);
  close(go[1]);
  close(back[0]);
  close(back[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_create_adds_hook, setup, teardown),
      cmocka_unit_test_setup_teardown(test_create_to_supervisor, setup, teardown),
      cmocka_unit_test_setup_teardown(test_create_not_applied, setup, teardown),
      cmocka_unit_test(test_apply_host),
      cmocka_unit_test(test_apply_child_namespace),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

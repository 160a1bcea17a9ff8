/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for shim/supervisor/resident.c: a read-only file mapping
 * leaves memory and reads back the same; a mapping holding copied pages
 * (as relocated data is) and a writable one stay as they are; the dead
 * stack below the caller is dropped and the stack still works. Each
 * figure is read back from /proc/self/smaps. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "confine.h"
#include "resident.h"

#define FILE_KB 64

/* Rss (kB) of the mapping that starts at addr, -1 if none does. */
static long rss_of(const void *addr) {
  FILE *f = fopen("/proc/self/smaps", "re");
  char line[512];
  bool in = false;
  long rss = -1;
  assert_non_null(f);
  while (fgets(line, sizeof(line), f)) {
    unsigned long s, e;
    if (sscanf(line, "%lx-%lx ", &s, &e) == 2) { /* a mapping's first line; fields start "Name:" */
      in = s == (uintptr_t)addr;
      continue;
    }
    if (in && strncmp(line, "Rss:", 4) == 0) {
      rss = strtol(line + 4, NULL, 10);
      break;
    }
  }
  fclose(f);
  return rss;
}

/* A file of FILE_KB kB, byte i being i % 251, mapped as asked. */
static char *map_file(int prot, char path[64]) {
  int fd, i;
  char *p, buf[1024];
  snprintf(path, 64, "/tmp/stockade-test-resident.XXXXXX");
  fd = mkstemp(path);
  assert_true(fd >= 0);
  for (i = 0; i < FILE_KB; i++) {
    for (int j = 0; j < 1024; j++)
      buf[j] = (char)((i * 1024 + j) % 251);
    assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
  }
  p = mmap(NULL, FILE_KB * 1024, prot, MAP_PRIVATE, fd, 0);
  assert_true(p != MAP_FAILED);
  close(fd);
  return p;
}

static unsigned touch(const volatile char *p) {
  unsigned sum = 0;
  for (size_t i = 0; i < FILE_KB * 1024; i += 4096)
    sum += (unsigned char)p[i];
  return sum;
}

static void check_contents(const char *p) {
  for (size_t i = 0; i < FILE_KB * 1024; i += 509)
    assert_int_equal((unsigned char)p[i], i % 251);
}

static void test_read_only_file_dropped(void **state) {
  struct resident_dropped d;
  char path[64];
  char *p = map_file(PROT_READ, path);
  (void)state;
  (void)touch(p);
  assert_int_equal(rss_of(p), FILE_KB);
  assert_int_equal(resident_drop(&d), 0);
  assert_int_equal(rss_of(p), 0);
  assert_true(d.mappings >= 1);
  assert_true(d.file_kb >= FILE_KB);
  check_contents(p); /* faulted back from the file */
  munmap(p, FILE_KB * 1024);
  unlink(path);
}

/* Written, then made read-only: what relocation does to RELRO. Dropping
 * it would bring the file's bytes back. */
static void test_copied_pages_kept(void **state) {
  struct resident_dropped d;
  char path[64];
  char *p = map_file(PROT_READ | PROT_WRITE, path);
  (void)state;
  (void)touch(p);
  p[4096] = 'X';
  assert_int_equal(mprotect(p, FILE_KB * 1024, PROT_READ), 0);
  assert_int_equal(resident_drop(&d), 0);
  assert_int_equal(p[4096], 'X');
  assert_int_equal(rss_of(p), FILE_KB);
  munmap(p, FILE_KB * 1024);
  unlink(path);
}

static void test_writable_kept(void **state) {
  struct resident_dropped d;
  char path[64];
  char *p = map_file(PROT_READ | PROT_WRITE, path);
  (void)state;
  (void)touch(p);
  assert_int_equal(resident_drop(&d), 0);
  assert_int_equal(rss_of(p), FILE_KB);
  check_contents(p);
  p[0] = 'Y'; /* still a private writable mapping */
  assert_int_equal(p[0], 'Y');
  munmap(p, FILE_KB * 1024);
  unlink(path);
}

/* 256 kB of stack dirtied by a deep frame, as create's parsing does. */
__attribute__((noinline)) static unsigned deep(unsigned seed) {
  volatile unsigned char big[256 * 1024];
  unsigned sum = 0;
  for (size_t i = 0; i < sizeof(big); i += 64)
    big[i] = (unsigned char)(seed + i);
  for (size_t i = 0; i < sizeof(big); i += 4096)
    sum += big[i];
  return sum;
}

static void test_dead_stack_dropped(void **state) {
  struct resident_dropped d;
  unsigned a, b;
  (void)state;
  if (confine_under_valgrind()) {
    print_message("skipped under valgrind: its client's stack is not the [stack] mapping smaps names\n");
    skip();
  }
  a = deep(7);
  assert_int_equal(resident_drop(&d), 0);
  assert_true(d.stack_kb >= 200);
  b = deep(7); /* the stack below is zero pages again, and works */
  assert_int_equal(a, b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_only_file_dropped),
      cmocka_unit_test(test_copied_pages_kept),
      cmocka_unit_test(test_writable_kept),
      cmocka_unit_test(test_dead_stack_dropped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Keep resident only what the event loop touches (resident.h).
 *
 * The supervisor is a fork of `stockade create`: it starts with create's
 * code and read-only data mapped, most of which (spec parsing, hardening,
 * the filter's compilation, libseccomp's syscall tables) it never runs
 * again. Those pages are the file's, shared with the page cache: unmapping
 * them loses nothing, and a page the loop needs is faulted back on its
 * first use (with up to 64 kB of its neighbours: the kernel's
 * fault-around, which MADV_RANDOM no longer turns off). It is done
 * twice: after start, and after the container's first exec, whose
 * one-time work (marking the mounts, the first events) touches code and
 * stack the loop does not need again.
 *
 * Only a mapping that holds no anonymous (copy-on-write) page and is not
 * writable is dropped: MADV_DONTNEED on a private mapping discards its
 * copied pages, and the relocated read-only data (RELRO) is such a page,
 * so dropping it would put the file's unrelocated bytes back. smaps says
 * which: its "Anonymous:" line per mapping. The supervisor is single-
 * threaded here and nothing writes these mappings, so what smaps said
 * still holds at the madvise. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "resident.h"

/* One mapping of smaps: its range, whether it may be dropped, its Rss. */
struct area {
  uintptr_t start, end;
  bool file, writable, stack;
  unsigned long anon_kb, rss_kb;
  bool have_anon;
};

static bool droppable(const struct area *a) {
  return a->end > a->start && a->file && !a->writable && a->have_anon && a->anon_kb == 0;
}

/* The part of the stack below the caller's frame (less a margin for this
 * function's own callees): dead bytes, which deep calls at start dirtied. */
static unsigned long drop_stack_below(const struct area *a, uintptr_t sp, size_t margin) {
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t top;
  if (page <= 0 || sp < a->start + margin || sp > a->end)
    return 0;
  top = (sp - margin) & ~((uintptr_t)page - 1);
  if (top <= a->start)
    return 0;
  if (madvise((void *)a->start, top - a->start, MADV_DONTNEED) < 0)
    return 0;
  return (unsigned long)((top - a->start) / 1024);
}

static unsigned long finish(const struct area *a, uintptr_t sp, struct resident_dropped *out) {
  if (droppable(a) && madvise((void *)a->start, a->end - a->start, MADV_DONTNEED) == 0) {
    out->mappings++;
    out->file_kb += a->rss_kb;
    return a->rss_kb;
  }
  if (a->stack)
    out->stack_kb += drop_stack_below(a, sp, RESIDENT_STACK_MARGIN);
  return 0;
}

int resident_drop(struct resident_dropped *out) {
  volatile char here = 0; /* where this frame is: the stack above it is live */
  uintptr_t sp = (uintptr_t)&here;
  struct area a = {0};
  bool open_area = false;
  char *line = NULL;
  size_t cap = 0;
  FILE *f;

  memset(out, 0, sizeof(*out));
  f = fopen("/proc/self/smaps", "re");
  if (f == NULL)
    return -1;
  while (getline(&line, &cap, f) > 0) {
    unsigned long s, e;
    char perms[8];
    int off = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s%n", &s, &e, perms, &off) == 3 && off > 0) {
      if (open_area)
        finish(&a, sp, out);
      memset(&a, 0, sizeof(a));
      open_area = true;
      a.start = s;
      a.end = e;
      a.writable = perms[1] == 'w';
      {
        const char *name = line + off;
        while (*name == ' ' || *name == '\t')
          name++;
        a.file = name[0] == '/';
        a.stack = strncmp(name, "[stack]", 7) == 0;
      }
      continue;
    }
    if (!open_area)
      continue;
    if (strncmp(line, "Rss:", 4) == 0)
      a.rss_kb = strtoul(line + 4, NULL, 10);
    else if (strncmp(line, "Anonymous:", 10) == 0) {
      a.anon_kb = strtoul(line + 10, NULL, 10);
      a.have_anon = true;
    }
  }
  if (open_area)
    finish(&a, sp, out);
  free(line);
  fclose(f);
  return 0;
}

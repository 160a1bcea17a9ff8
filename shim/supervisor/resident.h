/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor's resident memory: after start, drop from its address
 * space the file pages create left mapped and the stack start dirtied,
 * which the event loop does not need (shim/supervisor/resident.c). */
#ifndef STOCKADE_SUPERVISOR_RESIDENT_H
#define STOCKADE_SUPERVISOR_RESIDENT_H

#include <stdbool.h>

/* What the stack keeps below the caller's frame: this function's own
 * calls (fopen, getline, madvise) run there. */
#define RESIDENT_STACK_MARGIN (16 * 1024)

struct resident_dropped {
  unsigned mappings;      /* file mappings unmapped from memory */
  unsigned long file_kb;  /* their resident size before */
  unsigned long stack_kb; /* stack below the caller, dropped */
};

/* Drop (MADV_DONTNEED) every mapping of a file that is not writable and
 * holds no copied page, as /proc/self/smaps lists them, and the stack
 * below the caller's frame. Nothing is lost: a page is faulted back from
 * the file, or zero for the dead stack, when next touched.
 * 0, or -1 (errno) when smaps cannot be read: nothing was dropped, which
 * costs memory and nothing else. */
int resident_drop(struct resident_dropped *out);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Recording bytes -> learn_load (through a memfd, as recfile.c only reads
 * paths), then learn_to_json of what was loaded. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/json.h"
#include "stockade/learn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cleanup_close int fd = memfd_create("recording", MFD_CLOEXEC);
  cleanup_learn struct learn_rec *r = NULL;
  cleanup_json struct json *j = NULL;
  cleanup_error struct sk_error *err = NULL;
  char path[64];
  size_t off = 0;

  if (fd < 0)
    abort();
  while (off < size) {
    ssize_t n = write(fd, data + off, size - off);
    if (n <= 0)
      abort();
    off += (size_t)n;
  }
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  if (learn_load(path, &r, &err) < 0)
    return 0;
  if (learn_to_json(r, &j, &err) < 0)
    return 0;
  return 0;
}

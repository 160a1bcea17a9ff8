/* SPDX-License-Identifier: Apache-2.0 */
/* An exec's path and argv, read from the caller's memory
 * (include/stockade/argv.h). Nothing here opens a file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "argv.h"
#include "stockade/cleanup.h"
#include "stockade/supervisor.h"

#define ARGV_MAX 64     /* argv entries kept for the event */
#define ARG_MAX_LEN 256 /* bytes of each entry kept */

/* process_vm_readv stops at an unmapped page, so read page by page. */
ssize_t argv_read_string(pid_t pid, uint64_t addr, char *buf, size_t size) {
  size_t got = 0;
  while (got + 1 < size) {
    size_t page_left = 4096 - ((addr + got) & 4095);
    size_t want = size - 1 - got < page_left ? size - 1 - got : page_left;
    struct iovec local = {buf + got, want};
    struct iovec remote = {(void *)(uintptr_t)(addr + got), want};
    ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    char *nul;
    if (r <= 0)
      return -1;
    nul = memchr(buf + got, '\0', (size_t)r);
    if (nul)
      return nul - buf;
    got += (size_t)r;
  }
  buf[size - 1] = '\0';
  return (ssize_t)(size - 1);
}

static bool arch_is_32(uint32_t arch) {
  return arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_ARM || arch == SCMP_ARCH_MIPSEL || arch == SCMP_ARCH_MIPS ||
         arch == SCMP_ARCH_PPC || arch == SCMP_ARCH_S390;
}

struct json *argv_read(pid_t pid, uint32_t arch, uint64_t addr) {
  struct json *arr = json_new(JSON_ARRAY);
  size_t psize = arch_is_32(arch) ? 4 : 8;
  uint64_t ptrs[ARGV_MAX];
  int i, n;
  if (arr == NULL || addr == 0)
    return arr;
  /* The pointers in one read (up to the end of their page: the next page
   * may be unmapped), then each string. */
  {
    size_t page_left = 4096 - (addr & 4095), want = ARGV_MAX * psize;
    unsigned char raw[ARGV_MAX * 8];
    struct iovec local = {raw, want < page_left ? want : page_left};
    struct iovec remote = {(void *)(uintptr_t)addr, local.iov_len};
    ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (r <= 0)
      return arr;
    n = (int)((size_t)r / psize);
    for (i = 0; i < n; i++) {
      uint32_t p32;
      if (psize == 4) {
        memcpy(&p32, raw + (size_t)i * 4, 4);
        ptrs[i] = p32;
      } else {
        memcpy(&ptrs[i], raw + (size_t)i * 8, 8);
      }
    }
  }
  for (i = 0; i < ARGV_MAX; i++) {
    char s[ARG_MAX_LEN];
    if (i >= n) {
      /* the array went on past the page read above: one pointer at a time */
      uint64_t p = 0;
      struct iovec local = {&p, psize};
      struct iovec remote = {(void *)(uintptr_t)(addr + (uint64_t)i * psize), psize};
      if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)psize)
        break;
      ptrs[i] = p;
    }
    if (ptrs[i] == 0 || argv_read_string(pid, ptrs[i], s, sizeof(s)) < 0)
      break;
    if (json_append(arr, json_new_string(s)) < 0)
      break;
  }
  return arr;
}

void argv_remember(struct sup_ctx *ctx, pid_t tid, uint32_t arch, uint64_t addr) {
  unsigned n = sizeof(ctx->exec_argv) / sizeof(ctx->exec_argv[0]), i;
  for (i = 0; i < n; i++) { /* a thread has one exec at a time */
    if (ctx->exec_argv[i].tid == tid) {
      ctx->exec_argv[i].arch = arch;
      ctx->exec_argv[i].addr = addr;
      return;
    }
  }
  i = ctx->exec_argv_next++ % n;
  ctx->exec_argv[i].tid = tid;
  ctx->exec_argv[i].arch = arch;
  ctx->exec_argv[i].addr = addr;
}

struct json *argv_of_waiting_exec(struct sup_ctx *ctx, pid_t tid) {
  unsigned n = sizeof(ctx->exec_argv) / sizeof(ctx->exec_argv[0]), i;
  for (i = 0; i < n; i++)
    if (tid > 0 && ctx->exec_argv[i].tid == tid)
      return argv_read(tid, ctx->exec_argv[i].arch, ctx->exec_argv[i].addr);
  return NULL;
}

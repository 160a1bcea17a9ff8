/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor confines itself (confine.h): capabilities, no_new_privs,
 * and its filter, built from confine_rules.c when stockade was built. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cap-ng.h>

#include "stockade/compat.h"

#include "confine.h"
#include "confine_bpf.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

bool confine_under_valgrind(void) {
#ifdef HAVE_VALGRIND_H
  return RUNNING_ON_VALGRIND != 0;
#else
  return false;
#endif
}

/* With the syscalls themselves, not libcap-ng: capng_apply reads
 * /proc/self/status three times and asks twice for what it has just read
 * (0.8 ms of the supervisor's start here, against 0.09). Order: the
 * bounding set first, while CAP_SETPCAP is still effective; capset last.
 * Every set ends as confine.h says (test_confine checks each, starting
 * from inheritable and ambient sets that are not empty). */
int confine_caps_apply(struct sk_error **err) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
  uint64_t keep = 0;
  unsigned c;
  size_t i;

  for (i = 0; i < confine_n_caps; i++)
    keep |= 1ULL << confine_caps[i];
  /* Every capability the kernel knows, up to the first it does not
   * (EINVAL): dropping one already dropped succeeds. */
  for (c = 0; c < 64; c++) {
    if (keep & (1ULL << c))
      continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
      continue;
    if (errno == EINVAL)
      break;
    return sk_error_set(err, errno, "supervisor capabilities: cannot drop %s from the bounding set",
                        capng_capability_to_name(c) ? capng_capability_to_name(c) : "a capability");
  }
  /* Inheritable empty: the kernel empties the ambient set with it (ambient
   * stays within permitted and inheritable). */
  memset(d, 0, sizeof(d));
  d[0].effective = d[0].permitted = (uint32_t)keep;
  d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
  if (syscall(SYS_capset, &h, d) < 0)
    return sk_error_set(err, errno, "supervisor capabilities: cannot drop the others (capset)");
  return 0;
}

int confine_filter_pin(struct sock_filter *prog, size_t n, pid_t self, struct sk_error **err) {
  size_t i, marks = 0;
  for (i = 0; i < n; i++) {
    if (prog[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && prog[i].k == CONFINE_PID_MARK) {
      prog[i].k = (uint32_t)self;
      marks++;
    }
  }
  if (marks != 1)
    return sk_error_set(err, EINVAL,
                        "supervisor filter: the program built with stockade compares the pid in %zu places, not 1 "
                        "(rebuild stockade)",
                        marks);
  return 0;
}

int confine_filter_load(pid_t self, struct sk_error **err) {
  struct sock_filter prog[sizeof(confine_bpf) / sizeof(confine_bpf[0])];
  struct sock_fprog fp = {.len = (unsigned short)(sizeof(prog) / sizeof(prog[0])), .filter = prog};

  memcpy(prog, confine_bpf, sizeof(prog));
  if (confine_filter_pin(prog, sizeof(prog) / sizeof(prog[0]), self, err) < 0)
    return -1;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
    return sk_error_set(err, errno, "supervisor: cannot load its own seccomp filter");
  return 0;
}

int confine_self(struct sk_error **err) {
  if (confine_caps_apply(err) < 0)
    return -1;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sk_error_set(err, errno, "supervisor: prctl(PR_SET_NO_NEW_PRIVS)");
  /* valgrind (3.19) does not emulate seccomp(2), and its core makes
   * syscalls of its own in the same process: under it (make valgrind, a
   * test wrapper; never something a container or a config can ask for)
   * the supervisor runs with its capabilities cut and no_new_privs only. */
  if (confine_under_valgrind())
    return 0;
  return confine_filter_load(getpid(), err);
}

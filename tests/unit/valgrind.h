/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests under valgrind (make valgrind). valgrind 3.19 (Debian 12)
 * does not emulate seccomp(2) or openat2(2): it answers ENOSYS. So, only
 * when the test really runs under valgrind (a client request: never on a
 * real CPU):
 * - libseccomp is told the API level this kernel has (it would probe
 *   seccomp(2), get ENOSYS, and refuse KILL_PROCESS and NOTIFY rules);
 * - a case that loads a filter into the kernel says so and is skipped. */
#ifndef STOCKADE_TEST_VALGRIND_H
#define STOCKADE_TEST_VALGRIND_H

#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>

#include "confine.h"

__attribute__((constructor)) static void vg_seccomp_api(void) {
  if (confine_under_valgrind())
    seccomp_api_set(6);
}

/* In a case: skip it under valgrind, saying which syscall is missing. */
#define SKIP_UNDER_VALGRIND(syscall_name)                                                                              \
  do {                                                                                                                 \
    if (confine_under_valgrind()) {                                                                                    \
      print_message("skipped under valgrind: it does not emulate " syscall_name "\n");                                \
      skip();                                                                                                          \
    }                                                                                                                  \
  } while (0)

#endif

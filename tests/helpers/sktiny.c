/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sktiny: a program of a few hundred bytes, without libc (built with
 * -nostdlib, Makefile): its entry point makes one system call, exit_group(0).
 * The exec benchmark (bench/exec.sh) times its execve, so that what is
 * measured is the exec itself (and what stockade adds to it), not a
 * C library's start-up.
 */
#if !defined(__x86_64__) && !defined(__aarch64__)
#error "sktiny: only x86_64 and aarch64 are written out"
#endif

__attribute__((naked, noreturn)) void _start(void) {
#if defined(__x86_64__)
  __asm__ volatile("mov $231, %eax\n" /* exit_group */
                   "xor %edi, %edi\n"
                   "syscall\n");
#else
  __asm__ volatile("mov x8, #94\n" /* exit_group */
                   "mov x0, #0\n"
                   "svc #0\n");
#endif
}

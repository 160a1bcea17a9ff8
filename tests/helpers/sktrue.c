/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sktrue: the smallest static program that can be executed: exits 0 and does
 * nothing else, whatever its arguments. The exec tests use it as the
 * "allowed" program and the exec benchmark as the program whose execve is
 * timed, so that what is measured is the exec, not the program.
 */
int main(void) { return 0; }

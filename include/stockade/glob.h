/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_GLOB_H
#define STOCKADE_GLOB_H

#include <stddef.h>

/* Is s a well-formed glob of a profile's exec lists (shim/lib/policy/
 * glob.c)? Refused: white space at either end, an unclosed "[", a "]"
 * without its "[", braces (fnmatch has no alternatives), a trailing lone
 * backslash. Returns 0, or -1 with the reason and the fix in why. */
int glob_check_syntax(const char *s, char *why, size_t size);

#endif

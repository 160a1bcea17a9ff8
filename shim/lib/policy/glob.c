/* SPDX-License-Identifier: Apache-2.0 */
/* The globs of a profile's exec lists, checked before they are used: they
 * are matched with fnmatch(3) and FNM_PATHNAME against the absolute path
 * of the file the kernel opens for execution, so only what fnmatch
 * understands may be in them, written so that it means what it seems to. */
#define _GNU_SOURCE
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "stockade/glob.h"

/* "[...]" from s[i] == '[': the index of its closing ']', or 0 when it has
 * none (fnmatch would then match a literal '[', silently). A ']' right
 * after "[" or "[!" is a member, as in fnmatch. */
static size_t bracket_end(const char *s, size_t i) {
  size_t j = i + 1;
  if (s[j] == '!' || s[j] == '^')
    j++;
  if (s[j] == ']')
    j++;
  for (; s[j] && s[j] != '/'; j++)
    if (s[j] == ']')
      return j;
  return 0;
}

int glob_check_syntax(const char *s, char *why, size_t size) {
  size_t i, len = strlen(s);

  if (len > 0 && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1]))) {
    snprintf(why, size,
             "\"%s\" %s with white space, which no path of a program has by accident; expected the path without it", s,
             isspace((unsigned char)s[0]) ? "starts" : "ends");
    return -1;
  }
  for (i = 0; s[i]; i++) {
    if (s[i] == '\\') {
      if (s[i + 1] == '\0') {
        snprintf(why, size, "\"%s\" ends with a lone \"\\\"; expected a character after it (\"\\*\" is a literal *)",
                 s);
        return -1;
      }
      i++;
    } else if (s[i] == '[') {
      size_t end = bracket_end(s, i);
      if (end == 0) {
        snprintf(why, size,
                 "\"%s\" has an unclosed \"[\" at character %zu; expected \"[...]\" within one directory level, or "
                 "\"\\[\" for a literal [",
                 s, i + 1);
        return -1;
      }
      i = end;
    } else if (s[i] == '{' || s[i] == '}') {
      snprintf(why, size,
               "\"%s\" has \"%c\" at character %zu, but these globs have no braces (fnmatch matches {a,b} "
               "literally); expected one entry per alternative, or \"\\%c\" for a literal %c",
               s, s[i], i + 1, s[i], s[i]);
      return -1;
    } else if (s[i] == ']') {
      snprintf(why, size, "\"%s\" has a \"]\" at character %zu without its \"[\"; expected \"\\]\" for a literal ]", s,
               i + 1);
      return -1;
    }
  }
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_ERROR_H
#define STOCKADE_ERROR_H

#include <stdbool.h>

/* Errors travel up as a heap object so each layer can add context
 * ("profile web.json: seccomp.syscalls[3].names[0]: unknown syscall").
 * Functions return a negative value on failure and fill *err; only a
 * program's main() prints an error and turns it into an exit status.
 *
 * What a person needs (errno, where in which file, which field) is kept in
 * fields, never as text to be parsed back; msg is made from the fields by
 * one formatter (error.c) each time a field changes:
 *
 *   [context: ]<position>[field: ]what[: strerror(code)][; fix]
 *
 * where <position> is "file:L:C: " (or "file: " without a line), and for a
 * document that has no file name "line L, column C: " before the message,
 * or " (line L, column C)" after it when the error names a field (the
 * field's place, as seccomp_validate() reports it). */
struct sk_error {
  int code;          /* errno, or 0 when the error is not a system error */
  bool code_in_text; /* the message ends with strerror(code) (false: code only classifies, e.g. ENOENT = missing) */
  char *context;     /* what sk_error_wrap() added, outermost first ("a: b"), or NULL */
  char *file;        /* the file the position is in, or NULL */
  unsigned line;     /* 1-based position in the document; 0 when there is none */
  unsigned col;
  char *field; /* the value's path in the document ("syscalls[3].names[0]"; "" for the document itself), or NULL */
  char *what;  /* the problem */
  char *fix;   /* what is expected instead, or what to do; NULL when what says it */
  char *msg;   /* the whole message, made from the fields above; read it, never write it */
};

/* Where in a document: any part may be missing (NULL, 0). */
struct sk_where {
  const char *file;
  unsigned line, col;
  const char *field;
};

/* Each of these is -1, so that `return sk_error_set(...)` fails, and the
 * compiler (and gcc's analyzer) sees it fail: the macros make the -1 a
 * constant at the call rather than a value that comes back from error.c. */

/* A new error (replacing *err): what, with strerror(code) after it when
 * code is not 0. */
#define sk_error_set(err, code, ...)                                                                                   \
  ({                                                                                                                   \
    sk_error_set_((err), (code), __VA_ARGS__);                                                                         \
    -1;                                                                                                                \
  })

/* A new error about a value in a document (code 0). */
#define sk_error_set_at(err, ...)                                                                                      \
  ({                                                                                                                   \
    sk_error_set_at_((err), __VA_ARGS__);                                                                              \
    -1;                                                                                                                \
  }) /* at may be a compound literal */

/* Prefix the message with more context: "ctx: old". */
#define sk_error_wrap(err, ...)                                                                                        \
  ({                                                                                                                   \
    sk_error_wrap_((err), __VA_ARGS__);                                                                                \
    -1;                                                                                                                \
  })

/* The error is about the document in file: set its file, and its line and
 * column from at when it has no position of its own; at.field (when not
 * NULL) becomes the parent of its field ("seccomp" + "syscalls[0]" is
 * "seccomp.syscalls[0]"). Makes an error when *err has none. */
#define sk_error_locate(err, ...)                                                                                      \
  ({                                                                                                                   \
    sk_error_locate_((err), __VA_ARGS__);                                                                              \
    -1;                                                                                                                \
  })

/* Add what to do ("; fix") after the message. */
#define sk_error_fix(err, ...)                                                                                         \
  ({                                                                                                                   \
    sk_error_fix_((err), __VA_ARGS__);                                                                                 \
    -1;                                                                                                                \
  })

/* Give the error an errno that the message does not spell out (e.g. ENOENT
 * for "profile "x" not found: ... does not exist"). */
#define sk_error_classify(err, code)                                                                                   \
  ({                                                                                                                   \
    sk_error_classify_((err), (code));                                                                                 \
    -1;                                                                                                                \
  })

__attribute__((format(printf, 3, 4))) void sk_error_set_(struct sk_error **err, int code, const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void sk_error_set_at_(struct sk_error **err, struct sk_where at, const char *fmt,
                                                            ...);
__attribute__((format(printf, 2, 3))) void sk_error_wrap_(struct sk_error **err, const char *fmt, ...);
void sk_error_locate_(struct sk_error **err, struct sk_where at);
__attribute__((format(printf, 2, 3))) void sk_error_fix_(struct sk_error **err, const char *fmt, ...);
void sk_error_classify_(struct sk_error **err, int code);

void sk_error_free(struct sk_error **err);

#define cleanup_error __attribute__((cleanup(sk_error_free)))

#endif

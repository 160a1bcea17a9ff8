/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_ERROR_H
#define STOCKADE_ERROR_H

/* Errors travel up as a heap object so each layer can add context
 * ("profile web.json: seccomp.syscalls[3].names[0]: unknown syscall").
 * Functions return a negative value on failure and fill *err; only
 * main() prints and exits. */
struct sk_error {
  int code; /* errno, or 0 when the error is not a system error */
  char *msg;
};

__attribute__((format(printf, 3, 4))) int sk_error_set(struct sk_error **err, int code, const char *fmt, ...);

/* Prefix the existing message with more context: "ctx: old". Returns -1. */
__attribute__((format(printf, 2, 3))) int sk_error_wrap(struct sk_error **err, const char *fmt, ...);

void sk_error_free(struct sk_error **err);

#define cleanup_error __attribute__((cleanup(sk_error_free)))

#endif

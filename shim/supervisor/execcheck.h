/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_EXECCHECK_H
#define STOCKADE_EXECCHECK_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "stockade/decide.h"

/* The supervisor's fail-closed exec classification, shared by the seccomp
 * side (the program an execve names) and the fanotify side (the
 * interpreter a script's "#!" or an ELF's PT_INTERP names).
 *
 * An exec may go on (EXEC_CONTINUE) only when the file the kernel will
 * open, resolved for the calling thread (execpath.h), is a regular file on
 * a mount fanotify watches, on a mount that allows execution, and the
 * rules (decide_exec) admit it or only its hash can tell: fanotify then
 * takes the final decision on the file the kernel really opens. A path
 * that leads to nothing is answered with the kernel's own errno
 * (EXEC_ERRNO, no event). Everything else is EXEC_DENY, with a decision
 * whose type says why:
 *   fileless     the path enters /proc (fd, exe, cwd, root links, /dev/fd,
 *                self, thread-self, task/N), or execveat of a descriptor
 *                (unless the profile's exec.fdExec and the file passes the
 *                rest), or a memfd, or a descriptor's file on a mount
 *                fanotify does not watch
 *   drift        a file on a noexec mount (the kernel would refuse it
 *                silently), or what decide_exec calls drift
 *   not-allowed  a path's file on a mount fanotify does not watch, or
 *                outside exec.allow (block-list or not)
 *   error        the question could not be answered */

struct sup_ctx;

enum exec_answer { EXEC_CONTINUE, EXEC_DENY, EXEC_ERRNO };

struct exec_call {
  pid_t tid;        /* the calling thread, in the supervisor's PID namespace */
  bool by_fd;       /* execveat(dirfd, "", AT_EMPTY_PATH): fexecve of dirfd */
  int dirfd;        /* execveat's directory descriptor, else AT_FDCWD */
  unsigned flags;   /* EXECPATH_NOFOLLOW for AT_SYMLINK_NOFOLLOW */
  const char *path; /* as the program named it */
};

struct exec_verdict {
  enum exec_answer answer;
  int eno;            /* EXEC_ERRNO: the errno to answer with */
  struct exec_fact f; /* for the event: f.path is the resolved path when known, else the path named */
  struct decision d;  /* EXEC_DENY; EXEC_CONTINUE has type "exec" */
  int opath;          /* the file found (O_PATH), or -1: exec_verdict_done closes it */
  bool init;          /* the file is stockade-init, the host's (init_exec.c) */
  char reason[DECISION_REASON_MAX];
  char path[PATH_MAX];
};

/* Classify c for ctx (its profile, block-list, mounts). May mark the
 * container's mounts again when the file lies on a mount not seen before.
 * Only O_PATH opens. v is always filled. */
void exec_check(struct sup_ctx *ctx, const struct exec_call *c, struct exec_verdict *v);
void exec_verdict_done(struct exec_verdict *v);

/* One event per exec when nothing is refused (complain, learn): the
 * seccomp side remembers the file (fd, O_PATH is fine) it reported for
 * thread tid and let go on; fanotify asks whether the file it was handed
 * for that thread was reported already (and forgets it). */
void exec_told_remember(struct sup_ctx *ctx, pid_t tid, int fd);
bool exec_told_take(struct sup_ctx *ctx, pid_t tid, int fd);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_COMPAT_H
#define STOCKADE_COMPAT_H

/* Kernel interfaces newer than the build's headers (Linux 6.1 on Debian
 * 12). Each is detected at run time by whoever uses it. */

#include <linux/seccomp.h>

/* Linux 6.6 */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Landlock (linux/landlock.h). The 6.1 headers know ABI 1 and 2; the
 * rest came later. Our own structures carry every field and are passed
 * with the size the running kernel's ABI knows (see stockade-init). */
#include <linux/types.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444 /* the same on every architecture */
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#define SK_LANDLOCK_RULE_PATH_BENEATH 1
#define SK_LANDLOCK_RULE_NET_PORT 2

/* File system rights, with the ABI that brought each. */
#define SK_LL_FS_EXECUTE (1ULL << 0)     /* ABI 1 */
#define SK_LL_FS_WRITE_FILE (1ULL << 1)  /* ABI 1 */
#define SK_LL_FS_READ_FILE (1ULL << 2)   /* ABI 1 */
#define SK_LL_FS_READ_DIR (1ULL << 3)    /* ABI 1 */
#define SK_LL_FS_REMOVE_DIR (1ULL << 4)  /* ABI 1 */
#define SK_LL_FS_REMOVE_FILE (1ULL << 5) /* ABI 1 */
#define SK_LL_FS_MAKE_CHAR (1ULL << 6)   /* ABI 1 */
#define SK_LL_FS_MAKE_DIR (1ULL << 7)    /* ABI 1 */
#define SK_LL_FS_MAKE_REG (1ULL << 8)    /* ABI 1 */
#define SK_LL_FS_MAKE_SOCK (1ULL << 9)   /* ABI 1 */
#define SK_LL_FS_MAKE_FIFO (1ULL << 10)  /* ABI 1 */
#define SK_LL_FS_MAKE_BLOCK (1ULL << 11) /* ABI 1 */
#define SK_LL_FS_MAKE_SYM (1ULL << 12)   /* ABI 1 */
#define SK_LL_FS_REFER (1ULL << 13)      /* ABI 2 */
#define SK_LL_FS_TRUNCATE (1ULL << 14)   /* ABI 3 */
#define SK_LL_FS_IOCTL_DEV (1ULL << 15)  /* ABI 5 */
/* Network rights: ABI 4. */
#define SK_LL_NET_BIND_TCP (1ULL << 0)
#define SK_LL_NET_CONNECT_TCP (1ULL << 1)
/* Scopes: ABI 6. */
#define SK_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define SK_LL_SCOPE_SIGNAL (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 6: handled_access_net came with
 * ABI 4, scoped with ABI 6; an older kernel is given the shorter size. */
struct sk_landlock_ruleset_attr {
  __u64 handled_access_fs;
  __u64 handled_access_net;
  __u64 scoped;
};
struct sk_landlock_path_beneath_attr {
  __u64 allowed_access;
  __s32 parent_fd;
} __attribute__((packed));
struct sk_landlock_net_port_attr {
  __u64 allowed_access;
  __u64 port;
};

#endif

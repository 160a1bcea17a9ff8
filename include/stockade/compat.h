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

#endif

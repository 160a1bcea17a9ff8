/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stockade/caps.h"
#include "stockade/cleanup.h"

/* Capabilities newer than some libcap-ng releases. runc and crun accept
 * these names (their tables come from Go's capability package and from
 * libcap respectively), so a profile written for them must resolve here
 * too. libcap-ng also refuses a number above the running kernel's
 * cap_last_cap in capng_capability_to_name(), and a profile must mean the
 * same thing whichever node lints it, so the table is consulted whenever
 * libcap-ng does not answer. Numbers are ABI (include/uapi/linux/capability.h)
 * and never change. */
static const struct {
  const char *name; /* lower case, without "cap_", as libcap-ng spells them */
  int number;
} caps_fallback[] = {
    {"perfmon", 38},            /* Linux 5.8 */
    {"bpf", 39},                /* Linux 5.8 */
    {"checkpoint_restore", 40}, /* Linux 5.9 */
};

/* Privileged-like capabilities (see profiles/README.md, "Dangerous
 * capabilities", for the reason behind each). None of these is in the
 * default set Docker, containerd or CRI-O give a container, so refusing a
 * spec that asks for one (instead of cutting it silently) only affects
 * workloads whose owner asked for more than a container normally has. */
static const int caps_dangerous[] = {
    21, /* SYS_ADMIN: mount, namespaces, most of the kernel's admin interface */
    16, /* SYS_MODULE: load kernel code */
    19, /* SYS_PTRACE: read and write other processes' memory */
    17, /* SYS_RAWIO: iopl, /dev/mem, raw block and SCSI commands */
    39, /* BPF: load BPF programs; kernel memory reads with PERFMON */
    38, /* PERFMON: perf_event_open on the host's CPUs, kernel addresses */
    12, /* NET_ADMIN: routes, firewall, interfaces of the namespace (or host) */
    2,  /* DAC_READ_SEARCH: open_by_handle_at, the "shocker" escape */
    22, /* SYS_BOOT: reboot, kexec_load */
    25, /* SYS_TIME: set the host's clock (not namespaced) */
    33, /* MAC_ADMIN: change AppArmor/SELinux/Smack policy */
    32, /* MAC_OVERRIDE: bypass the MAC policy */
    34, /* SYSLOG: read the kernel log, kernel addresses (kptr_restrict) */
    9,  /* LINUX_IMMUTABLE: clear immutable and append-only flags */
    24, /* SYS_RESOURCE: exceed quotas and rlimits, reserved space */
    35, /* WAKE_ALARM: wake the host from suspend */
    36, /* BLOCK_SUSPEND: keep the host from suspending */
    30, /* AUDIT_CONTROL: change or disable the host's audit rules */
    40, /* CHECKPOINT_RESTORE: choose PIDs, read other processes' state */
    20, /* SYS_PACCT: turn process accounting on, writing where it says */
    23, /* SYS_NICE: real-time scheduling escapes cgroup cpu.max and can
         * starve the host; move_pages and ioprio of other processes */
};

/* Strip an optional "cap_" prefix (any case) and lower-case the rest, so
 * "CAP_NET_BIND_SERVICE", "cap_net_bind_service" and "NET_BIND_SERVICE"
 * all become "net_bind_service". Returns NULL for a name that cannot be a
 * capability: empty, not starting with a letter (some libcap-ng versions
 * take a bare number as a name, which a profile must not do), or with
 * characters other than letters, digits and '_'. */
static char *caps_key(const char *name) {
  char *key;
  size_t i;

  if (name == NULL)
    return NULL;
  if (strncasecmp(name, "cap_", 4) == 0)
    name += 4;
  if (!isalpha((unsigned char)*name))
    return NULL;
  key = strdup(name);
  if (key == NULL)
    return NULL;
  for (i = 0; key[i]; i++) {
    unsigned char ch = (unsigned char)key[i];
    if (!isalnum(ch) && ch != '_') {
      free(key);
      return NULL;
    }
    key[i] = (char)tolower(ch);
  }
  return key;
}

static int caps_key_number(const char *key) {
  size_t i;
  int n = capng_name_to_capability(key);

  if (n >= 0)
    return n;
  for (i = 0; i < sizeof(caps_fallback) / sizeof(caps_fallback[0]); i++)
    if (strcmp(caps_fallback[i].name, key) == 0)
      return caps_fallback[i].number;
  return -1;
}

int caps_number(const char *name) {
  cleanup_free char *key = caps_key(name);
  return key ? caps_key_number(key) : -1;
}

int caps_canonical(const char *name, char **out, struct sk_error **err) {
  cleanup_free char *key = caps_key(name);
  char *canon;
  size_t i;

  if (key == NULL || caps_key_number(key) < 0)
    return sk_error_set(err, 0,
                        "unknown capability \"%s\"; expected a name from capabilities(7) such as NET_BIND_SERVICE",
                        name ? name : "");
  /* The key is the lower-case spelling libcap-ng and the fallback table
   * agree on, so the canonical name is simply its upper case. */
  if (asprintf(&canon, "CAP_%s", key) < 0)
    return sk_error_set(err, ENOMEM, "cannot canonicalise capability \"%s\"", name);
  for (i = 4; canon[i]; i++)
    canon[i] = (char)toupper((unsigned char)canon[i]);
  *out = canon;
  return 0;
}

bool caps_is_dangerous(const char *canonical) {
  int n = caps_number(canonical);
  size_t i;

  if (n < 0)
    return false;
  for (i = 0; i < sizeof(caps_dangerous) / sizeof(caps_dangerous[0]); i++)
    if (caps_dangerous[i] == n)
      return true;
  return false;
}

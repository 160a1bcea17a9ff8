/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CONFIG_H
#define STOCKADE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "stockade/error.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define SK_CONFIG_DEFAULT SYSCONFDIR "/stockade/config.json"

/* enforce: harden and refuse; complain: run the spec as given (plus the
 * supervisor's listener) and report; off: pass through; learn: harden what
 * does not change behaviour, deny nothing, record what the workload does. */
enum sk_mode { SK_MODE_ENFORCE, SK_MODE_COMPLAIN, SK_MODE_OFF, SK_MODE_LEARN };
#define SK_N_MODES 4

/* /etc/stockade/config.json (or $STOCKADE_CONFIG): the node's settings. */
struct sk_config {
  char *path;            /* the file it came from */
  char *runtime;         /* absolute path of runc or crun */
  char *profile_dir;     /* default SYSCONFDIR/stockade/profiles */
  char *default_profile; /* default "default" */
  enum sk_mode default_mode;
  char *state_dir;     /* default /run/stockade */
  char *event_file;    /* JSON lines; NULL: no event file */
  char *syslog;        /* datagram socket for RFC 5424 copies of events ("/dev/log"); NULL: none */
  char **block_hashes; /* "blockHashes": SHA-256 of known-bad programs, every container */
  size_t n_block_hashes;
  double event_rate;  /* "eventRate": events a second per container (default 20) */
  double event_burst; /* "eventBurst": (default 200) */
  /* "summaryInterval": seconds between a supervisor's summaries (the
   * counts of denied syscalls, what the rate limiter dropped), written
   * only when something changed; again at its stop (default 60). */
  double summary_interval;
  /* Modes a workload may pick with the stockade.io/mode annotation.
   * "enforce" is always allowed: it can only tighten. */
  bool annotation_mode[SK_N_MODES];
  /* Landlock layer (docs/security.md). */
  char *init_path;  /* "initPath": stockade-init; NULL: found beside the binary */
  int landlock_abi; /* "landlockAbi": the highest ABI used (0: none); -1: the kernel's */
  /* "supervisor": false runs enforce mode without the supervisor (no
   * exec decisions, no drift detection): for hosts that cannot run it
   * and for testing the other layers alone. Default true. */
  bool supervisor;
  /* "complainRecords": true makes complain mode record too, as learning
   * does (the learning filter, noNewPrivileges set; nothing else of the
   * spec changes): a workload's profile follows it while it serves
   * (stockadectl learn --update). Default false. */
  bool complain_records;
  /* Hashing bounds of the supervisor (docs/operations.md): a file larger
   * than hashMaxBytes (default 256 MiB) or that takes longer than
   * hashMaxMillis (default 2000) to read is not hashed; where a rule needs
   * its hash, its exec is denied. */
  unsigned long long hash_max_bytes;
  unsigned hash_max_ms;
  /* "supervisorCpuPercent": each supervisor runs in a cgroup of its own
   * limited to this much of one CPU (default 100); 0 leaves it in its
   * caller's cgroup. */
  unsigned supervisor_cpu_percent;
  /* "privilegedProfiles": the profiles with an "admit" field (privileged
   * system pods) this node accepts, by default or by annotation. A
   * profile with "admit" not listed here is refused. Default: none. */
  char **privileged_profiles;
  size_t n_privileged_profiles;
};

/* The file named by $STOCKADE_CONFIG, else SK_CONFIG_DEFAULT. */
const char *config_path(void);

/* Load and check the config. Errors name the file, line and column and
 * field: "/etc/stockade/config.json:3:14: runtime: must be an absolute path". */
int config_load(const char *path, struct sk_config **out, struct sk_error **err);
int config_parse(const char *path, const char *buf, size_t len, struct sk_config **out, struct sk_error **err);
/* For commands that must work whatever state the config is in (teardown
 * and pass-through): a config with the defaults and, as far as the file
 * can still be read (even when it is not valid JSON), its "runtime" and
 * "stateDir". runtime stays NULL when the file names none. */
int config_fallback(const char *path, struct sk_config **out, struct sk_error **err);
void config_free(struct sk_config *c);
void config_freep(struct sk_config **c);
#define cleanup_config __attribute__((cleanup(config_freep)))

const char *mode_name(enum sk_mode m);
/* "enforce", "complain", "off" -> mode; -1 if unknown. */
int mode_parse(const char *s);
/* Mode implied by the name the program was invoked as ("stockade-complain"),
 * or -1 when the name carries none. */
int mode_from_argv0(const char *argv0);

struct json;
struct profile;

/* A container's mode and profile: annotation stockade.io/mode where the
 * config's annotationModes allows it (enforce always), else base (the
 * invoked name's mode or defaultMode); annotation stockade.io/profile,
 * else defaultProfile, loaded from profileDir. annotations is the spec's
 * (or the OCI state's) "annotations" object, or NULL; specfile names it in
 * messages. *p stays NULL in mode off. */
int config_choose(const struct sk_config *cfg, enum sk_mode base, const struct json *annotations, const char *specfile,
                  struct profile **p, enum sk_mode *mode, struct sk_error **err);

#endif

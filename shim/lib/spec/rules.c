/* SPDX-License-Identifier: Apache-2.0 */
/* Where each rule of the judge comes from: the Kubernetes Pod Security
 * Standards control, the CIS Docker Benchmark item (v1.6.0 numbering: 5.1
 * is swarm mode there, so the runtime items are one above the numbers of
 * v1.1-v1.5) and the section of the NSA/CISA Kubernetes Hardening Guide
 * (v1.2, August 2022, whose sections carry titles, not numbers). A rule
 * that no document covers has NULL there. */
#include <string.h>

#include "stockade/judge.h"

#define CIS "CIS Docker Benchmark v1.6.0 "
#define NSA "NSA/CISA Kubernetes Hardening Guide v1.2, Kubernetes Pod security: "
#define NSA_NONROOT NSA "Non-root containers and \"rootless\" container engines"
#define NSA_IMMUTABLE NSA "Immutable container file systems"
#define NSA_ENFORCE NSA "Pod security enforcement"
#define NSA_HARDEN NSA "Hardening container environments"
#define PSS_B "PSS baseline: "
#define PSS_R "PSS restricted: "

/* rule, PSS, CIS, NSA: the guide line is the three joined. */
#define R(rule, pss, cis, nsa)                                                                                         \
  { rule, pss, cis, nsa, pss "; " cis "; " nsa }
#define R_NO_PSS(rule, cis, nsa)                                                                                       \
  { rule, NULL, cis, nsa, cis "; " nsa }

static const struct rule_ref refs[] = {
    R("SK-USER-ROOT", PSS_R "Running as Non-root", CIS "4.1 (a user for the container has been created)", NSA_NONROOT),
    R("SK-NNP", PSS_R "Privilege Escalation",
      CIS "5.26 (the container is restricted from acquiring additional privileges)", NSA_ENFORCE),
    R("SK-CAP-DANGEROUS", PSS_B "Capabilities; " PSS_B "Privileged Containers",
      CIS "5.4 (Linux kernel capabilities are restricted), 5.5 (privileged containers are not used)", NSA_ENFORCE),
    R("SK-CAP-EXTRA", PSS_R "Capabilities", CIS "5.4 (Linux kernel capabilities are restricted)", NSA_ENFORCE),
    R_NO_PSS("SK-ROOTFS-WRITABLE", CIS "5.13 (the container's root filesystem is mounted as read only)", NSA_IMMUTABLE),
    R("SK-NS-HOST-PID", PSS_B "Host Namespaces", CIS "5.16 (the host's process namespace is not shared)", NSA_ENFORCE),
    R("SK-NS-HOST-IPC", PSS_B "Host Namespaces", CIS "5.17 (the host's IPC namespace is not shared)", NSA_ENFORCE),
    R("SK-NS-HOST-NET", PSS_B "Host Namespaces", CIS "5.10 (the host's network namespace is not shared)", NSA_ENFORCE),
    R("SK-NS-HOST-MNT", PSS_B "HostPath Volumes",
      CIS "5.6 (sensitive host system directories are not mounted on containers)", NSA_ENFORCE),
    R_NO_PSS("SK-NS-HOST-USER", CIS "5.31 (the host's user namespaces are not shared)", NSA_HARDEN),
    R("SK-MOUNT-SENSITIVE", PSS_B "HostPath Volumes",
      CIS "5.6 (sensitive host system directories are not mounted on containers), 5.32 (the Docker socket is not "
          "mounted inside any containers)",
      NSA_ENFORCE),
    R("SK-MOUNT-PROC", PSS_B "/proc Mount Type",
      CIS "5.6 (sensitive host system directories are not mounted on containers)", NSA_ENFORCE),
    R_NO_PSS("SK-MOUNT-EXEC", CIS "5.13 (the container's root filesystem is mounted as read only)", NSA_IMMUTABLE),
    R("SK-DEVICES-ALL", PSS_B "Privileged Containers", CIS "5.18 (host devices are not directly exposed to containers)",
      NSA_ENFORCE),
    R("SK-DEVICE-HOST", PSS_B "Privileged Containers", CIS "5.18 (host devices are not directly exposed to containers)",
      NSA_ENFORCE),
    R("SK-SECCOMP", PSS_R "Seccomp", CIS "5.22 (the default seccomp profile is not disabled)", NSA_HARDEN),
    R("SK-SECCOMP-LISTENER", PSS_R "Seccomp", CIS "5.22 (the default seccomp profile is not disabled)", NSA_HARDEN),
    R("SK-SECCOMP-ANNOTATION", PSS_R "Seccomp", CIS "5.22 (the default seccomp profile is not disabled)", NSA_HARDEN),
    R_NO_PSS("SK-RUNTIME-ANNOTATION", CIS "5.26 (the container is restricted from acquiring additional privileges)",
             NSA_ENFORCE),
    R("SK-MASKED-PATHS", PSS_B "/proc Mount Type",
      CIS "5.6 (sensitive host system directories are not mounted on "
          "containers)",
      NSA_ENFORCE),
    R("SK-LSM-REQUIRED", PSS_B "AppArmor; " PSS_B "SELinux",
      CIS "5.2 (an AppArmor profile is enabled), 5.3 (SELinux security options are set)", NSA_HARDEN),
    R("SK-LSM-UNCONFINED", PSS_B "AppArmor; " PSS_B "SELinux",
      CIS "5.2 (an AppArmor profile is enabled), 5.3 (SELinux security options are set)", NSA_HARDEN),
    R("SK-PRIVILEGED", PSS_B "Privileged Containers", CIS "5.5 (privileged containers are not used)", NSA_ENFORCE),
};

static const struct rule_ref unknown = {NULL, NULL, NULL, NULL, "stockade"};

const struct rule_ref *rule_ref(const char *rule) {
  size_t i;
  for (i = 0; rule && i < sizeof(refs) / sizeof(refs[0]); i++)
    if (strcmp(refs[i].rule, rule) == 0)
      return &refs[i];
  return &unknown;
}

void finding_set_refs(struct finding *f) {
  const struct rule_ref *r = rule_ref(f->rule);
  f->pss = r->pss;
  f->cis = r->cis;
  f->nsa = r->nsa;
  f->guide = r->guide;
}

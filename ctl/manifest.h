/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CTL_MANIFEST_H
#define STOCKADE_CTL_MANIFEST_H

/* Kubernetes manifests for `stockadectl check` (ctl/manifest.c): the
 * containers of every Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * Job and CronJob in a YAML file of one or more documents, each turned
 * into the OCI spec a CRI runtime (containerd, CRI-O) would hand stockade
 * for it, so that the runtime's own judge decides. Only stockadectl
 * reads manifests; the runtime never does. */

#include <stdbool.h>
#include <stddef.h>

#include "stockade/error.h"
#include "stockade/json.h"

/* Bounds on hostile input: a bigger file, a deeper tree, more nodes
 * (aliases count the nodes they copy, so an alias bomb stops here) or
 * more documents is refused with a message that names the limit. */
#define MANIFEST_MAX_BYTES (8u << 20)
#define MANIFEST_MAX_DEPTH 64
#define MANIFEST_MAX_NODES 200000
#define MANIFEST_MAX_DOCS 1000

struct manifest_workload {
  unsigned doc;        /* 1-based index of the document in the file */
  unsigned line;       /* line of the container in the file */
  char *kind, *name;   /* "Deployment", "web" */
  char *namespace_;    /* metadata.namespace, NULL when not given */
  char *container;     /* the container's name */
  bool init;           /* an initContainer */
  bool privileged;     /* securityContext.privileged */
  char *runtime_class; /* spec.runtimeClassName, NULL when not given */
  char *seccomp;       /* "RuntimeDefault", "Unconfined" (also when unset), "Localhost" */
  bool uid_known;      /* runAsUser given, or runAsNonRoot: true */
  struct json *spec;   /* the OCI spec the runtime would get */
};

struct manifest {
  struct manifest_workload *v;
  size_t n;
  unsigned docs;  /* documents in the file, empty ones included */
  char **skipped; /* "document 3: Service web" for kinds without containers */
  size_t n_skipped;
};

/* Read file; on error *err names the file, the line and column where
 * libyaml stopped or the limit that was reached, and what to do. */
int manifest_load(const char *file, struct manifest *out, struct sk_error **err);
void manifest_clear(struct manifest *m);

/* Is this file a YAML manifest rather than an OCI config.json? By name
 * (.yaml, .yml) or, for any other name, a first non-blank byte other than
 * '{'. */
bool manifest_looks_like(const char *file);

/* Which field of a manifest a finding's rule comes from, for messages:
 * "spec.hostPID", "securityContext.capabilities". */
const char *manifest_field(const struct manifest_workload *w, const char *rule);

#endif

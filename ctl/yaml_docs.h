/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STOCKADE_CTL_YAML_DOCS_H
#define STOCKADE_CTL_YAML_DOCS_H

/* YAML documents read with libyaml's event parser into stockade's JSON
 * trees (ctl/yaml_docs.c), with the line and column of every value. Plain
 * scalars are typed as Kubernetes' YAML 1.1 reader types them (null, ~,
 * true/false/yes/no/on/off, integers); quoted ones are strings. Anchors
 * and aliases are expanded by copy, within the node limit. Duplicate keys
 * and merge keys ("<<") are refused. */

#include <stddef.h>

#include "stockade/error.h"
#include "stockade/json.h"

struct yaml_limits {
  unsigned max_depth;
  size_t max_nodes;
  size_t max_docs;
};

/* Parse buf (len bytes, the text of file) into *docs (n documents; an
 * empty document is a JSON null). On error *err says
 * "<file>:<line>:<col>: <problem>; <fix>". */
int yaml_load_docs(const char *file, const char *buf, size_t len, const struct yaml_limits *lim, struct json ***docs,
                   size_t *n, struct sk_error **err);
void yaml_docs_free(struct json **docs, size_t n);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* YAML to JSON trees with libyaml's event parser (ctl/yaml_docs.h). The tree is
 * built with an explicit stack, never by recursion, so the depth limit is
 * the only bound on nesting, and every node is counted so that neither a
 * huge document nor an alias bomb can take more than the limit. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "stockade/analyzer.h"
#include "stockade/cleanup.h"
#include "yaml_docs.h"

struct anchor {
  char *name;
  struct json *node; /* owned by the tree; valid until the document ends */
};

struct frame {
  struct json *node;
  char *key;     /* a mapping's key waiting for its value */
  char *anchor;  /* the anchor of this collection, registered at its end */
  unsigned line; /* where the collection starts */
};

struct builder {
  const char *file;
  const struct yaml_limits *lim;
  struct frame *stack;
  size_t depth;
  size_t nodes;
  struct anchor *anchors;
  size_t n_anchors;
  struct json *root;
  struct sk_error **err;
};

/* "<file>:<line>:<col>: <what>; <fix>". Returns -1. */
__attribute__((format(printf, 3, 4))) static int fail_at(struct builder *b, const yaml_mark_t *m, const char *fmt,
                                                         ...) {
  cleanup_free char *what = NULL;
  va_list ap;
  int r;
  va_start(ap, fmt);
  r = vasprintf(&what, fmt, ap);
  va_end(ap);
  if (r < 0)
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  return sk_error_set(b->err, 0, "%s:%zu:%zu: %s", b->file, m->line + 1, m->column + 1, what);
}

static void anchors_clear(struct builder *b) {
  size_t i;
  for (i = 0; i < b->n_anchors; i++)
    free(b->anchors[i].name);
  free(b->anchors);
  b->anchors = NULL;
  b->n_anchors = 0;
}

/* gcc 12's analyzer loses names stored in the builder's anchor array (anchors_clear frees them) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int anchor_add(struct builder *b, const char *name, struct json *node) {
  struct anchor *a;
  char *copy;
  if (name == NULL)
    return 0;
  copy = strdup(name);
  if (copy == NULL)
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  a = realloc(b->anchors, (b->n_anchors + 1) * sizeof(*a));
  if (a == NULL) {
    free(copy);
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  }
  b->anchors = a;
  /* A later anchor of the same name hides the earlier one (YAML 1.1). */
  a[b->n_anchors].name = copy;
  a[b->n_anchors].node = node;
  b->n_anchors++;
  return 0;
}
SK_ANALYZER_END

/* Nodes of j, counting no further than limit. */
static size_t count_nodes(const struct json *j, size_t limit) {
  size_t n = 1, i;
  for (i = 0; j && i < j->n && n <= limit; i++)
    n += count_nodes(j->items[i], limit - n);
  return n;
}

static bool word_in(const char *s, const char *const list[]) {
  size_t i;
  for (i = 0; list[i]; i++)
    if (strcmp(s, list[i]) == 0)
      return true;
  return false;
}

/* A plain scalar as Kubernetes' reader (go-yaml, YAML 1.1) types it. */
static struct json *plain_scalar(const char *s, size_t len) {
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  static const char *const trues[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", NULL};
  static const char *const falses[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", NULL};
  size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0;
  struct json *j;

  if (strlen(s) != len)
    return json_new_stringn(s, len);
  if (word_in(s, nulls))
    return json_new(JSON_NULL);
  if (word_in(s, trues))
    return json_new_bool(true);
  if (word_in(s, falses))
    return json_new_bool(false);
  if (len > i && len - i < 19 && strspn(s + i, "0123456789") == len - i) {
    j = json_new(JSON_NUMBER);
    if (j && (j->str = strndup(s[0] == '+' ? s + 1 : s, s[0] == '+' ? len - 1 : len)) == NULL) {
      json_free(j);
      return NULL;
    }
    if (j)
      j->len = strlen(j->str);
    return j;
  }
  return json_new_stringn(s, len);
}

/* Attach a finished node to the collection on top of the stack, or make
 * it the document's root. Takes ownership of node. */
/* gcc 12's analyzer loses keys stored in the builder's frames (on_end, a value or builder_reset frees them) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int attach(struct builder *b, struct json *node, const yaml_mark_t *m) {
  struct frame *top;
  if (node == NULL)
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  node->line = (unsigned)m->line + 1;
  node->col = (unsigned)m->column + 1;
  if (b->depth == 0) {
    b->root = node;
    return 0;
  }
  top = &b->stack[b->depth - 1];
  if (top->node->type == JSON_ARRAY)
    return json_append(top->node, node) < 0 ? sk_error_set(b->err, ENOMEM, "%s", b->file) : 0;
  if (top->key == NULL) {
    /* A key: only scalars are keys in a manifest. */
    if (node->type == JSON_ARRAY || node->type == JSON_OBJECT) {
      json_free(node);
      return fail_at(b, m, "a mapping or sequence used as a key; keys of a manifest are plain names");
    }
    top->key = strdup(node->str ? node->str : "");
    json_free(node);
    if (top->key == NULL)
      return sk_error_set(b->err, ENOMEM, "%s", b->file);
    if (strcmp(top->key, "<<") == 0)
      return fail_at(b, m, "a merge key (<<); write the merged fields out, stockadectl does not expand merge keys");
    if (json_get(top->node, top->key) != NULL)
      return fail_at(b, m,
                     "duplicate key \"%s\"; remove one: Kubernetes would take one of them and stockadectl cannot tell "
                     "which you meant",
                     top->key);
    return 0;
  }
  if (json_set(top->node, top->key, node) < 0)
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  free(top->key);
  top->key = NULL;
  return 0;
}
SK_ANALYZER_END

static int count(struct builder *b, size_t n, const yaml_mark_t *m) {
  b->nodes += n;
  if (b->nodes > b->lim->max_nodes)
    return fail_at(b, m,
                   "more than %zu values (aliases count every value they copy); split the file, or look for an "
                   "alias bomb (anchors that refer to anchors)",
                   b->lim->max_nodes);
  return 0;
}

/* gcc 12's analyzer loses anchor names stored in the builder's frames (on_end or builder_reset frees them) */
SK_ANALYZER_IGNORE("-Wanalyzer-malloc-leak")
static int on_start(struct builder *b, enum json_type type, const yaml_char_t *anchor, const yaml_mark_t *m) {
  struct frame *f;
  struct json *node;
  if (count(b, 1, m) < 0)
    return -1;
  if (b->depth >= b->lim->max_depth)
    return fail_at(b, m, "nested deeper than %u levels; no Kubernetes object is that deep", b->lim->max_depth);
  node = json_new(type);
  if (node == NULL)
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  node->line = (unsigned)m->line + 1;
  node->col = (unsigned)m->column + 1;
  f = realloc(b->stack, (b->depth + 1) * sizeof(*f));
  if (f == NULL) {
    json_free(node);
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  }
  b->stack = f;
  f = &b->stack[b->depth++];
  f->node = node;
  f->key = NULL;
  f->line = (unsigned)m->line + 1;
  f->anchor = anchor ? strdup((const char *)anchor) : NULL;
  if (anchor && f->anchor == NULL)
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  return 0;
}
SK_ANALYZER_END

static int on_end(struct builder *b, const yaml_mark_t *m) {
  struct frame f = b->stack[--b->depth];
  yaml_mark_t start = {.line = f.line - 1, .column = f.node->col ? f.node->col - 1 : 0};
  cleanup_free char *anchor = f.anchor;
  free(f.key);
  if (attach(b, f.node, &start) < 0)
    return -1;
  return anchor_add(b, anchor, f.node);
}

static int on_scalar(struct builder *b, const yaml_event_t *ev) {
  const char *s = (const char *)ev->data.scalar.value;
  size_t len = ev->data.scalar.length;
  const char *tag = (const char *)ev->data.scalar.tag;
  bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (tag == NULL || strcmp(tag, "!") != 0);
  struct json *node;

  if (count(b, 1, &ev->start_mark) < 0)
    return -1;
  if (tag && strcmp(tag, YAML_STR_TAG) == 0)
    plain = false;
  /* A key keeps its text: "on:" is the key "on", not true. */
  if (b->depth > 0 && b->stack[b->depth - 1].node->type == JSON_OBJECT && b->stack[b->depth - 1].key == NULL)
    plain = false;
  node = plain ? plain_scalar(s, len) : json_new_stringn(s, len);
  if (node == NULL)
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  if (attach(b, node, &ev->start_mark) < 0)
    return -1;
  return anchor_add(b, (const char *)ev->data.scalar.anchor, node);
}

static int on_alias(struct builder *b, const yaml_event_t *ev) {
  const char *name = (const char *)ev->data.alias.anchor;
  struct json *copy;
  size_t i, n;

  for (i = b->n_anchors; i > 0; i--)
    if (strcmp(b->anchors[i - 1].name, name) == 0)
      break;
  if (i == 0)
    return fail_at(b, &ev->start_mark,
                   "alias *%s refers to no anchor defined (and finished) before it; define &%s first", name, name);
  n = count_nodes(b->anchors[i - 1].node, b->lim->max_nodes + 1);
  if (count(b, n, &ev->start_mark) < 0)
    return -1;
  copy = json_copy(b->anchors[i - 1].node);
  return attach(b, copy, &ev->start_mark);
}

static const char *parser_problem(const yaml_parser_t *p) {
  switch (p->error) {
  case YAML_READER_ERROR:
    return "not valid UTF-8 or UTF-16 text";
  case YAML_SCANNER_ERROR:
  case YAML_PARSER_ERROR:
    return "not valid YAML";
  case YAML_MEMORY_ERROR:
    return "out of memory";
  default:
    return "cannot be read";
  }
}

static int parser_error(struct builder *b, const yaml_parser_t *p) {
  if (p->error == YAML_READER_ERROR)
    return sk_error_set(b->err, 0, "%s: byte %zu: %s (%s); manifests are UTF-8 text", b->file, p->problem_offset,
                        parser_problem(p), p->problem ? p->problem : "?");
  return sk_error_set(b->err, 0, "%s:%zu:%zu: %s: %s%s%s; fix the YAML syntax", b->file, p->problem_mark.line + 1,
                      p->problem_mark.column + 1, parser_problem(p), p->problem ? p->problem : "?",
                      p->context ? " " : "", p->context ? p->context : "");
}

static void builder_reset(struct builder *b) {
  while (b->depth > 0) {
    struct frame *f = &b->stack[--b->depth];
    json_free(f->node);
    free(f->key);
    free(f->anchor);
  }
  json_free(b->root);
  b->root = NULL;
  anchors_clear(b);
}

static int push_doc(struct builder *b, struct json ***docs, size_t *n, const yaml_mark_t *m) {
  struct json **d;
  if (*n >= b->lim->max_docs)
    return fail_at(b, m, "more than %zu documents; split the file", b->lim->max_docs);
  d = realloc(*docs, (*n + 1) * sizeof(*d));
  if (d == NULL)
    return sk_error_set(b->err, ENOMEM, "%s", b->file);
  *docs = d;
  d[(*n)++] = b->root ? b->root : json_new(JSON_NULL);
  b->root = NULL;
  anchors_clear(b); /* anchors do not cross documents */
  return d[*n - 1] ? 0 : sk_error_set(b->err, ENOMEM, "%s", b->file);
}

static int handle(struct builder *b, const yaml_event_t *ev, struct json ***docs, size_t *n) {
  switch (ev->type) {
  case YAML_MAPPING_START_EVENT:
    return on_start(b, JSON_OBJECT, ev->data.mapping_start.anchor, &ev->start_mark);
  case YAML_SEQUENCE_START_EVENT:
    return on_start(b, JSON_ARRAY, ev->data.sequence_start.anchor, &ev->start_mark);
  case YAML_MAPPING_END_EVENT:
  case YAML_SEQUENCE_END_EVENT:
    return on_end(b, &ev->start_mark);
  case YAML_SCALAR_EVENT:
    return on_scalar(b, ev);
  case YAML_ALIAS_EVENT:
    return on_alias(b, ev);
  case YAML_DOCUMENT_END_EVENT:
    return push_doc(b, docs, n, &ev->start_mark);
  default:
    return 0;
  }
}

int yaml_load_docs(const char *file, const char *buf, size_t len, const struct yaml_limits *lim, struct json ***docs,
                   size_t *n, struct sk_error **err) {
  struct builder b = {.file = file, .lim = lim, .err = err};
  struct json **out = NULL;
  size_t nout = 0;
  yaml_parser_t p;
  yaml_event_t ev;
  bool done = false;
  int r = 0;

  if (!yaml_parser_initialize(&p))
    return sk_error_set(err, ENOMEM, "%s", file);
  yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
  while (!done && r == 0) {
    if (!yaml_parser_parse(&p, &ev)) {
      r = parser_error(&b, &p);
      break;
    }
    done = ev.type == YAML_STREAM_END_EVENT;
    r = handle(&b, &ev, &out, &nout);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  builder_reset(&b);
  free(b.stack);
  if (r < 0) {
    yaml_docs_free(out, nout);
    return -1;
  }
  *docs = out;
  *n = nout;
  return 0;
}

void yaml_docs_free(struct json **docs, size_t n) {
  size_t i;
  for (i = 0; docs && i < n; i++)
    json_free(docs[i]);
  free(docs);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* OCI seccomp documents made here: the shipped default, a spec's
 * architectures, the filter generated for them, and the dry run of a
 * filter through libseccomp. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stockade/cleanup.h"
#include "stockade/json.h"
#include "stockade/seccomp.h"
#include "stockade/str.h"

#include "seccomp_default.h"
#include "seccomp_doc.h"

/* ---- the default document ----------------------------------------------------- */

/* Remove names for which keep() is false; drop rules left without names. */
static void filter_names(struct json *doc, bool (*keep)(const void *ctx, const char *name), const void *ctx) {
  struct json *syscalls = json_get(doc, "syscalls");
  size_t i, k;
  if (!json_is(syscalls, JSON_ARRAY))
    return;
  for (i = syscalls->n; i-- > 0;) {
    struct json *names = json_get(syscalls->items[i], "names");
    if (!json_is(names, JSON_ARRAY))
      continue;
    for (k = names->n; k-- > 0;)
      if (json_is(names->items[k], JSON_STRING) && !keep(ctx, names->items[k]->str))
        json_remove_at(names, k);
    if (names->n == 0)
      json_remove_at(syscalls, i);
  }
}

static bool keep_if_on_any(const void *ctx, const char *name) { return syscall_on_any(ctx, name); }

/* The file is shared by every architecture: it names the private syscalls
 * of several (arch_prctl, set_tls, riscv_flush_icache). Keep those this
 * machine and its compat architectures have, so that the document validates
 * here. On s390 clone takes the stack first and the flags second. */
int seccomp_default_doc(struct json **out, struct sk_error **err) {
  cleanup_json struct json *doc = NULL;
  struct sc_arches native;
  uint32_t tok = seccomp_arch_native();

  if (json_parse(seccomp_default_json, strlen(seccomp_default_json), &doc, err) < 0)
    return sk_error_wrap(err, "the built-in default seccomp profile");
  if (arches_native(&native, err) < 0)
    return -1;
  filter_names(doc, keep_if_on_any, &native);
  if (tok == SCMP_ARCH_S390X || tok == SCMP_ARCH_S390) {
    struct json *syscalls = json_get(doc, "syscalls");
    size_t i, k;
    for (i = 0; syscalls && i < syscalls->n; i++) {
      struct json *args = json_get(syscalls->items[i], "args");
      if (!json_array_has_string(json_get(syscalls->items[i], "names"), "clone") || !json_is(args, JSON_ARRAY))
        continue;
      for (k = 0; k < args->n; k++) {
        uint64_t idx;
        if (json_uint64(json_get(args->items[k], "index"), &idx) && idx == 0 &&
            json_set(args->items[k], "index", json_new_int(1)) < 0)
          return sk_error_set(err, ENOMEM, "the built-in default seccomp profile");
      }
    }
  }
  *out = steal_pointer(&doc);
  return 0;
}

/* ---- architectures of a spec ------------------------------------------------ */

static struct json *arches_json(const struct sc_arches *a) {
  cleanup_json struct json *arr = json_new(JSON_ARRAY);
  size_t i;
  if (arr == NULL)
    return NULL;
  for (i = 0; i < a->n; i++)
    if (json_append(arr, json_new_string(a->name[i])) < 0)
      return NULL;
  return steal_pointer(&arr);
}

int seccomp_spec_arches(const struct json *spec, struct json **out, struct sk_error **err) {
  const struct json *v = json_get_path(spec, "linux", "seccomp", "architectures", NULL);
  struct sc_arches a = {0};
  struct json *arr;
  size_t i;

  if (!is_absent(v)) {
    if (parse_string_array(v, "linux.seccomp.architectures", err) < 0)
      return -1;
    for (i = 0; i < v->n; i++)
      if (check_arch(v, i, "linux.seccomp.architectures", &a, err) < 0)
        return -1;
  }
  /* No architectures in the spec: the native one only. 32-bit and x32
   * programs are then refused by the kernel (killed), which few containers
   * notice and which keeps their syscalls out of reach; a spec that needs
   * them lists them. */
  if (a.n == 0) {
    uint32_t native = seccomp_arch_native();
    if (arch_name_of(native) == NULL)
      return sk_error_set(err, 0, "the native architecture (libseccomp token 0x%" PRIx32 ") is not one runc supports",
                          native);
    arches_add(&a, native, arch_name_of(native));
  }
  arr = arches_json(&a);
  if (arr == NULL)
    return sk_error_set(err, ENOMEM, "architectures");
  *out = arr;
  return 0;
}

/* ---- generation ------------------------------------------------------------- */

int seccomp_generate(const struct json *profile_doc, const struct json *arches, struct json **out,
                     struct sk_error **err) {
  cleanup_sc_doc struct sc_doc d = {0};
  cleanup_json struct json *doc = NULL;
  struct sc_arches target = {0};
  size_t i;

  if (sc_doc_load_valid(profile_doc, &d, err) < 0)
    return -1;
  if (!json_is(arches, JSON_ARRAY))
    return sk_error_set(err, 0, "architectures: expected an array of \"SCMP_ARCH_*\" names");
  if (parse_string_array(arches, "architectures", err) < 0)
    return -1;
  for (i = 0; i < arches->n; i++)
    if (check_arch(arches, i, "architectures", &target, err) < 0)
      return -1;
  if (target.n == 0)
    return sk_error_set(err, 0, "architectures: is empty; expected the architectures the filter is for");

  /* the fields in the runtime-spec's order, "syscalls" last, as
   * seccomp_intersect() writes them */
  doc = json_new(JSON_OBJECT);
  if (doc == NULL)
    return sk_error_set(err, ENOMEM, "seccomp");
  for (i = 0; doc_fields[i]; i++) {
    const struct json *v = json_get(profile_doc, doc_fields[i]);
    struct json *copy;
    if (strcmp(doc_fields[i], "architectures") == 0)
      copy = arches_json(&target);
    else if (v)
      copy = json_copy(v);
    else
      continue;
    if (json_set(doc, doc_fields[i], copy) < 0)
      return sk_error_set(err, ENOMEM, "seccomp");
  }
  /* Names of other architectures (validation proved each exists somewhere)
   * are dropped: for the target they are no syscall at all, so an allow rule
   * for them allows nothing and a deny rule denies nothing. */
  filter_names(doc, keep_if_on_any, &target);
  *out = steal_pointer(&doc);
  return 0;
}

/* ---- the dry run ---------------------------------------------------------------- */

static void seccomp_releasep(scmp_filter_ctx *ctx) {
  if (*ctx)
    seccomp_release(*ctx);
}
#define cleanup_seccomp __attribute__((cleanup(seccomp_releasep)))

/* Length in instructions of the BPF program libseccomp makes of ctx. */
static int bpf_length(scmp_filter_ctx ctx, size_t *insns, struct sk_error **err) {
  cleanup_close int fd = memfd_create("stockade-seccomp-check", MFD_CLOEXEC);
  struct stat st;
  int rc;
  if (fd < 0)
    return sk_error_set(err, errno, "memfd_create for the seccomp dry run");
  rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0)
    return sk_error_set(err, -rc, "libseccomp could not generate the filter");
  if (fstat(fd, &st) < 0)
    return sk_error_set(err, errno, "fstat of the seccomp dry run");
  *insns = (size_t)st.st_size / 8; /* sizeof(struct sock_filter) */
  return 0;
}

/* Add rules the way runc and crun do: by the name's native number, which
 * libseccomp translates for every architecture of the filter. */
static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *r, size_t k, struct sk_error **err) {
  const struct json *v = r->names->items[k];
  struct scmp_arg_cmp cmp[SC_MAX_ARGS];
  int nr = seccomp_syscall_resolve_name(v->str), rc = 0;
  char p[64];
  size_t i;

  if (nr == __NR_SCMP_ERROR)
    return 0; /* runc and crun skip it with a warning; validation ruled it out */
  for (i = 0; i < r->nargs; i++)
    cmp[i] = (struct scmp_arg_cmp){r->args[i].index, r->args[i].op, r->args[i].value, r->args[i].value_two};
  if (r->repeated_index) {
    for (i = 0; i < r->nargs && rc == 0; i++)
      rc = seccomp_rule_add_array(ctx, act_scmp(&r->action), nr, 1, &cmp[i]);
  } else {
    rc = seccomp_rule_add_array(ctx, act_scmp(&r->action), nr, (unsigned)r->nargs, cmp);
  }
  if (rc == 0)
    return 0;
  snprintf(p, sizeof(p), "syscalls[%zu].names[%zu]", r->src, k);
  return at_error(err, v, p, "libseccomp refuses the rule for \"%s\" (%s): %s", v->str, r->action.name,
                  rc == -EEXIST ? "another rule for the same call and conditions has a different action"
                                : strerror(-rc));
}

int seccomp_compile_check(const struct json *doc, struct sk_error **err) {
  cleanup_sc_doc struct sc_doc d = {0};
  cleanup_seccomp scmp_filter_ctx ctx = NULL;
  size_t i, k, insns = 0, optimized = 0;
  int rc;

  if (sc_doc_load_valid(doc, &d, err) < 0)
    return -1;
  ctx = seccomp_init(act_scmp(&d.def));
  if (ctx == NULL)
    return at_error(err, json_get(doc, "defaultAction"), "defaultAction",
                    "libseccomp refuses %s as the default action (not supported by this kernel?)", d.def.name);
  /* runc and crun start from the native architecture and add the listed */
  for (i = 0; d.lists_arches && i < d.arches.n; i++) {
    rc = seccomp_arch_add(ctx, d.arches.tok[i]);
    if (rc < 0 && rc != -EEXIST) {
      sk_error_set(err, -rc, "libseccomp cannot add %s", d.arches.name[i]);
      return sk_error_locate(err, (struct sk_where){.field = "architectures"});
    }
  }
  for (i = 0; i < d.n; i++) {
    if (act_eq(&d.rules[i].action, &d.def))
      continue; /* runc and crun skip these; libseccomp would refuse them */
    for (k = 0; k < d.rules[i].names->n; k++)
      if (add_rule(ctx, &d.rules[i], k, err) < 0)
        return -1;
  }
  /* crun loads libseccomp's default layout, runc its binary tree (for more
   * than 32 rules); both must fit in the kernel's limit. */
  if (bpf_length(ctx, &insns, err) < 0)
    return -1;
  rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc == 0 && bpf_length(ctx, &optimized, err) < 0)
    return -1;
  if (optimized > insns)
    insns = optimized;
  if (insns > SC_BPF_MAXINSNS)
    return sk_error_set(err, 0, "the filter has %zu BPF instructions, more than the kernel's limit of %d", insns,
                        SC_BPF_MAXINSNS);
  return 0;
}

const char *seccomp_arch_name(uint32_t token) { return arch_name_of(token); }

uint32_t seccomp_arch_token(const char *name) { return arch_runc_name(name) ? arch_token(name) : 0; }

int seccomp_arch_syscalls(const char *arch, char ***names, size_t *n, struct sk_error **err) {
  uint32_t tok = arch_token(arch);
  char **v = NULL;
  size_t count = 0, cap = 0;
  int nr, base = 0;

  if (tok == 0)
    return sk_error_set(err, 0, "unknown architecture %s", arch);
  if (tok == SCMP_ARCH_X32)
    base = 0x40000000; /* __X32_SYSCALL_BIT */
  for (nr = 0; nr < 1024; nr++) {
    char *name = seccomp_syscall_resolve_num_arch(tok, base + nr);
    if (name == NULL)
      continue;
    if (count == cap) {
      char **nv = realloc(v, (cap = cap ? cap * 2 : 512) * sizeof(*v));
      if (nv == NULL) {
        free(name);
        goto oom;
      }
      v = nv;
    }
    v[count++] = name;
  }
  *names = v;
  *n = count;
  return 0;
oom:
  while (count > 0)
    free(v[--count]);
  free(v);
  return sk_error_set(err, ENOMEM, "syscall names");
}

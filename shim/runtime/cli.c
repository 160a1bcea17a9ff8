/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum opt_id {
  O_NONE,
  O_ROOT,
  O_LOG,
  O_LOG_FORMAT,
  O_CRIU,
  O_ROOTLESS,
  O_DEBUG,
  O_SYSTEMD,
  O_VERSION,
  O_HELP,
  O_BUNDLE,
  O_CONFIG,
  O_DETACH,
  O_KEEP,
  O_PROCESS,
  O_USER,
  O_CAP,
  O_OTHER_VALUE,
  O_OTHER_SWITCH,
};

struct opt {
  const char *name; /* long name without dashes */
  char shortname;
  enum opt_id id;
  bool value;
};

/* runc 1.1 and crun 1.8 global flags. */
static const struct opt global_opts[] = {
    {"root", 0, O_ROOT, true},
    {"log", 0, O_LOG, true},
    {"log-format", 0, O_LOG_FORMAT, true},
    {"log-level", 0, O_OTHER_VALUE, true}, /* crun */
    {"criu", 0, O_CRIU, true},
    {"rootless", 0, O_ROOTLESS, true},
    {"cgroup-manager", 0, O_OTHER_VALUE, true}, /* crun */
    {"debug", 0, O_DEBUG, false},
    {"systemd-cgroup", 0, O_SYSTEMD, false},
    {"version", 'v', O_VERSION, false},
    {"help", 'h', O_HELP, false},
    {NULL, 0, O_NONE, false},
};

/* create, run and restore (runc and crun). */
static const struct opt create_opts[] = {
    {"bundle", 'b', O_BUNDLE, true},
    {"config", 'f', O_CONFIG, true}, /* crun */
    {"console-socket", 0, O_OTHER_VALUE, true},
    {"pid-file", 0, O_OTHER_VALUE, true},
    {"preserve-fds", 0, O_OTHER_VALUE, true},
    {"detach", 'd', O_DETACH, false},
    {"keep", 0, O_KEEP, false},
    {"help", 'h', O_HELP, false},
    /* restore */
    {"image-path", 0, O_OTHER_VALUE, true},
    {"work-path", 0, O_OTHER_VALUE, true},
    {"manage-cgroups-mode", 0, O_OTHER_VALUE, true},
    {"empty-ns", 0, O_OTHER_VALUE, true},
    {"lsm-profile", 0, O_OTHER_VALUE, true},
    {"lsm-mount-context", 0, O_OTHER_VALUE, true},
    {"page-server", 0, O_OTHER_VALUE, true},
    {"parent-path", 0, O_OTHER_VALUE, true},
    {NULL, 0, O_NONE, false},
};

static const struct opt exec_opts[] = {
    {"console-socket", 0, O_OTHER_VALUE, true},
    {"cwd", 0, O_OTHER_VALUE, true},
    {"env", 'e', O_OTHER_VALUE, true},
    {"user", 'u', O_USER, true},
    {"additional-gids", 'g', O_OTHER_VALUE, true},
    {"process", 'p', O_PROCESS, true},
    {"pid-file", 0, O_OTHER_VALUE, true},
    {"process-label", 0, O_OTHER_VALUE, true},
    {"apparmor", 0, O_OTHER_VALUE, true},
    {"cap", 'c', O_CAP, true},
    {"preserve-fds", 0, O_OTHER_VALUE, true},
    {"cgroup", 0, O_OTHER_VALUE, true},
    {"detach", 'd', O_DETACH, false},
    {"tty", 't', O_OTHER_SWITCH, false},
    {"help", 'h', O_HELP, false},
    {NULL, 0, O_NONE, false},
};

bool cli_is_hardened_cmd(const char *cmd) {
  return cmd && (strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0 || strcmp(cmd, "exec") == 0 ||
                 strcmp(cmd, "restore") == 0);
}

/* Match argv[*i] against table, reading it both the way runc (urfave/cli:
 * -name, --name, -name=value, --name=value) and the way crun (argp: -x,
 * -xVALUE, grouped switches -dt, --name=value and unique abbreviations
 * --bun=value) read it. Where the two would read a word differently
 * ("-b=x" is "x" to runc and "=x" to crun) the line is refused. Returns the
 * option, or a synthetic "other" for unknown flags, and sets *val
 * (consuming the next word when the option takes a value). */
static int match(const struct opt *table, int argc, char **argv, int *i, const struct opt **o, const char **val,
                 int *val_index, bool *detach, struct sk_error **err) {
  static const struct opt other_value = {"", 0, O_OTHER_VALUE, true};
  static const struct opt other_switch = {"", 0, O_OTHER_SWITCH, false};
  const char *arg = argv[*i];
  bool dashdash = arg[1] == '-';
  const char *name = arg + (dashdash ? 2 : 1);
  const char *eq = strchr(name, '=');
  size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
  const struct opt *t, *found = NULL;
  const char *attached = NULL; /* value glued to a short option */

  *val = NULL;
  *val_index = -1;
  for (t = table; t->name; t++)
    if (strlen(t->name) == nlen && strncmp(t->name, name, nlen) == 0)
      found = t;
  if (found == NULL && dashdash) {
    /* argp's abbreviations: a unique prefix of a long name. */
    for (t = table; t->name; t++) {
      if (nlen > 0 && strncmp(t->name, name, nlen) == 0) {
        if (found)
          return sk_error_set(err, 0, "flag %s is ambiguous (--%s or --%s); write it in full", arg, found->name,
                              t->name);
        found = t;
      }
    }
  }
  if (found == NULL && !dashdash) {
    /* Short options, possibly grouped: -d, -dt, -bDIR, -dbDIR. */
    const char *c;
    for (c = name; *c; c++) {
      const struct opt *s = NULL;
      for (t = table; t->name; t++)
        if (t->shortname && t->shortname == *c)
          s = t;
      if (s == NULL) {
        found = NULL;
        break;
      }
      found = s;
      if (s->id == O_DETACH)
        *detach = true;
      if (s->value) {
        /* Only where the value matters to hardening. */
        if (c[1] == '=' && s->id != O_OTHER_VALUE)
          return sk_error_set(err, 0,
                              "flag %s is read as value \"%s\" by runc and \"%s\" by crun; write -%c VALUE or "
                              "--%s=VALUE",
                              arg, c + 2, c + 1, *c, s->name);
        attached = c[1] ? c + 1 + (c[1] == '=') : NULL;
        break;
      }
    }
  }
  if (found == NULL) {
    *o = eq ? &other_value : &other_switch;
    if (eq) {
      *val = eq + 1;
      *val_index = *i;
    }
    return 0;
  }
  *o = found;
  if (!found->value)
    return 0;
  if (attached) {
    *val = attached;
    *val_index = *i;
    return 0;
  }
  if (eq) {
    *val = eq + 1;
    *val_index = *i;
    return 0;
  }
  if (*i + 1 >= argc)
    return sk_error_set(err, 0, "flag %s needs a value", arg);
  (*i)++;
  *val = argv[*i];
  *val_index = *i;
  return 0;
}

static bool is_flag(const char *s) { return s[0] == '-' && s[1] != '\0'; }

int cli_parse(int argc, char **argv, struct cli *c, struct sk_error **err) {
  const struct opt *table;
  const struct opt *o;
  const char *val;
  int vi, i;
  bool is_exec, ended = false, detach = false;

  memset(c, 0, sizeof(*c));
  c->argc = argc;
  c->argv = argv;
  c->bundle = ".";
  c->cmd_index = argc;
  c->id_index = -1;
  c->process_index = -1;
  c->user_index = -1;
  c->cmd_args_index = argc;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (!is_flag(argv[i]))
      break;
    if (match(global_opts, argc, argv, &i, &o, &val, &vi, &detach, err) < 0)
      return -1;
    switch (o->id) {
    case O_ROOT:
      c->root = val;
      break;
    case O_LOG:
      c->log = val;
      break;
    case O_LOG_FORMAT:
      c->log_format = val;
      break;
    case O_CRIU:
      c->criu = val;
      break;
    case O_ROOTLESS:
      c->rootless = val;
      break;
    case O_DEBUG:
      c->debug = true;
      break;
    case O_SYSTEMD:
      c->systemd_cgroup = true;
      break;
    case O_VERSION:
      c->version = true;
      break;
    case O_HELP:
      c->help = true;
      break;
    default:
      break;
    }
  }
  if (i >= argc)
    return 0;
  c->cmd_index = i;
  c->cmd = argv[i];
  if (!cli_is_hardened_cmd(c->cmd))
    return 0; /* passed through untouched; the runtime parses the rest */

  is_exec = strcmp(c->cmd, "exec") == 0;
  table = is_exec ? exec_opts : create_opts;
  for (i = c->cmd_index + 1; i < argc; i++) {
    const char *a = argv[i];
    if (!ended && strcmp(a, "--") == 0) {
      ended = true;
      continue;
    }
    if (ended || !is_flag(a)) {
      if (c->id == NULL) {
        c->id = a;
        c->id_index = i;
        if (is_exec) {
          /* runc and crun stop at the id: the rest is the command, even
           * words that look like flags. */
          if (i + 1 < argc && strcmp(argv[i + 1], "--") == 0)
            i++;
          c->cmd_args_index = i + 1;
          break;
        }
        continue;
      }
      /* A second word for create/run: an unknown flag took a value we did
       * not expect, or the line is wrong. Refuse rather than guess which
       * word is the container. */
      return sk_error_set(err, 0, "%s: unexpected argument \"%s\" after container id \"%s\"", c->cmd, a, c->id);
    }
    if (match(table, argc, argv, &i, &o, &val, &vi, &detach, err) < 0)
      return -1;
    if (detach)
      c->detach = true;
    if (o->id == O_HELP) {
      /* runc and crun print the command's help whatever else the line
       * says, and start nothing: the line goes to them as it is. */
      c->cmd_help = true;
      return 0;
    }
    switch (o->id) {
    case O_BUNDLE:
      c->bundle = val;
      break;
    case O_CONFIG:
      c->config_file = val;
      break;
    case O_DETACH:
      c->detach = true;
      break;
    case O_KEEP:
      c->keep = true;
      break;
    case O_PROCESS:
      c->process = val;
      c->process_index = vi;
      break;
    case O_USER:
      c->user = val;
      c->user_index = vi;
      break;
    case O_CAP: {
      const char **n = realloc(c->caps, sizeof(*n) * (size_t)(c->n_caps + 1));
      if (n == NULL)
        return sk_error_set(err, ENOMEM, "parsing the command line");
      c->caps = n;
      c->caps[c->n_caps++] = val;
      break;
    }
    default:
      break;
    }
  }
  return 0;
}

void cli_free(struct cli *c) {
  free(c->caps);
  c->caps = NULL;
  c->n_caps = 0;
}

/* Flags of the commands stockade passes through that take their value as
 * the next word (runc 1.1 and crun 1.8); every other flag is a switch or
 * carries its value after "=". Only used to find the container id. */
static const char *const passthrough_value_flags[] = {
    /* update */
    "r", "resources", "blkio-weight", "cpu-period", "cpu-quota", "cpu-share", "cpu-rt-period", "cpu-rt-runtime",
    "cpuset-cpus", "cpuset-mems", "kernel-memory", "kernel-memory-tcp", "memory", "memory-reservation", "memory-swap",
    "pids-limit", "l3-cache-schema", "mem-bw-schema",
    /* events */
    "interval",
    /* ps (runc -f/--format) */
    "f", "format",
    /* checkpoint */
    "image-path", "work-path", "parent-path", "page-server", "manage-cgroups-mode", "empty-ns", "status-fd",
    "lsm-profile", NULL};

static bool passthrough_takes_value(const char *cmd, const char *flag) {
  const char *name = flag + 1 + (flag[1] == '-');
  size_t i;
  if (strchr(name, '='))
    return false;
  /* delete -f is --force; crun's delete -r takes a regular expression. */
  if (strcmp(cmd, "delete") == 0)
    return strcmp(name, "r") == 0 || strcmp(name, "regex") == 0;
  if (strcmp(name, "f") == 0 && strcmp(cmd, "ps") != 0)
    return false;
  for (i = 0; passthrough_value_flags[i]; i++)
    if (strcmp(name, passthrough_value_flags[i]) == 0)
      return true;
  return false;
}

const char *cli_container_id(const struct cli *c) {
  int i;
  if (c->cmd == NULL)
    return NULL;
  if (cli_is_hardened_cmd(c->cmd))
    return c->id;
  if (strcmp(c->cmd, "list") == 0 || strcmp(c->cmd, "features") == 0 || strcmp(c->cmd, "spec") == 0 ||
      strcmp(c->cmd, "help") == 0)
    return NULL;
  for (i = c->cmd_index + 1; i < c->argc; i++) {
    const char *a = c->argv[i];
    if (strcmp(a, "--") == 0)
      return i + 1 < c->argc ? c->argv[i + 1] : NULL;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
      return NULL;
    if (!is_flag(a))
      return a;
    if (passthrough_takes_value(c->cmd, a))
      i++;
  }
  return NULL;
}

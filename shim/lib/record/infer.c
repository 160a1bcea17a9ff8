/* SPDX-License-Identifier: Apache-2.0 */
/* Inference: the capabilities and network facts a notified syscall
 * implies, read from its arguments. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include "stockade/learn.h"

/* ---- inference --------------------------------------------------------------------------- */

enum infer_kind {
  I_BIND,
  I_CONNECT,
  I_SOCKET,
  I_CHOWN,
  I_SETUID,
  I_SETGID,
  I_SETGROUPS,
  I_KILL,
  I_MKNOD,
  I_CHROOT,
  I_MKDIR
};

struct infer_rule {
  const char *name;
  enum infer_kind kind;
  int a, b; /* argument positions: ids (first, count), the mode, the target */
};

static const struct infer_rule infer_rules[] = {
    {"bind", I_BIND, 0, 0},           {"connect", I_CONNECT, 0, 0},
    {"socket", I_SOCKET, 0, 0},       {"chown", I_CHOWN, 1, 2},
    {"fchown", I_CHOWN, 1, 2},        {"lchown", I_CHOWN, 1, 2},
    {"chown32", I_CHOWN, 1, 2},       {"fchown32", I_CHOWN, 1, 2},
    {"lchown32", I_CHOWN, 1, 2},      {"fchownat", I_CHOWN, 2, 3},
    {"setuid", I_SETUID, 0, 1},       {"setuid32", I_SETUID, 0, 1},
    {"setreuid", I_SETUID, 0, 2},     {"setreuid32", I_SETUID, 0, 2},
    {"setresuid", I_SETUID, 0, 3},    {"setresuid32", I_SETUID, 0, 3},
    {"setfsuid", I_SETUID, 0, 1},     {"setfsuid32", I_SETUID, 0, 1},
    {"setgid", I_SETGID, 0, 1},       {"setgid32", I_SETGID, 0, 1},
    {"setregid", I_SETGID, 0, 2},     {"setregid32", I_SETGID, 0, 2},
    {"setresgid", I_SETGID, 0, 3},    {"setresgid32", I_SETGID, 0, 3},
    {"setfsgid", I_SETGID, 0, 1},     {"setfsgid32", I_SETGID, 0, 1},
    {"setgroups", I_SETGROUPS, 0, 0}, {"setgroups32", I_SETGROUPS, 0, 0},
    {"kill", I_KILL, 0, 0},           {"tkill", I_KILL, 0, 0},
    {"tgkill", I_KILL, 1, 0},         {"mknod", I_MKNOD, 1, 0},
    {"mknodat", I_MKNOD, 2, 0},       {"chroot", I_CHROOT, 0, 0},
    {"mkdir", I_MKDIR, 0, 0},         {"mkdirat", I_MKDIR, 1, 0},
};

__attribute__((format(printf, 3, 4))) static int cap_why(struct learn_rec *r, const char *cap, const char *fmt, ...) {
  char why[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof(why), fmt, ap);
  va_end(ap);
  return learn_add_cap(r, cap, why, NULL) < 0 ? -1 : 0;
}

#define ID_UNCHANGED 0xffffffffu /* (uid_t)-1: "leave it" to chown(2) and set*id(2) */

/* bind and connect: the address family and port the caller names. */
static int infer_sockaddr(struct learn_rec *r, const struct learn_call *c, bool is_bind, learn_read_fn rd, void *ctx) {
  struct sockaddr_storage ss;
  uint64_t len = c->args[2];
  size_t n = len > sizeof(ss) ? sizeof(ss) : (size_t)len;
  const char *family;
  int port;

  if (rd == NULL || c->args[1] == 0 || n < sizeof(sa_family_t))
    return 0;
  memset(&ss, 0, sizeof(ss));
  /* Never more than the caller said its buffer holds: reading past it
   * could fault on the next page. */
  if (rd(ctx, c->pid, c->args[1], &ss, n) != 0)
    return 0;
  switch (ss.ss_family) {
  case AF_UNIX:
    /* No path: socket paths are often per run, and the set must stay small. */
    return learn_add_net(r, is_bind ? "bind" : "connect", "unix", 0, NULL) < 0 ? -1 : 0;
  case AF_INET:
  case AF_INET6:
    /* sin_port and sin6_port are both at offset 2. */
    if (n < offsetof(struct sockaddr_in, sin_port) + sizeof(in_port_t))
      return 0;
    family = ss.ss_family == AF_INET ? "inet" : "inet6";
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    break;
  default:
    return 0;
  }
  if (is_bind && port == 0)
    return 0; /* any free port: says nothing about the workload */
  if (learn_add_net(r, is_bind ? "bind" : "connect", family, port, NULL) < 0)
    return -1;
  /* Below net.ipv4.ip_unprivileged_port_start (1024 unless changed), a
   * bind needs the capability. Some engines lower that sysctl inside the
   * container; the profile must also work where they do not. */
  if (is_bind && port < 1024)
    return cap_why(r, "CAP_NET_BIND_SERVICE", "bind to port %d (%s)", port, family);
  return 0;
}

static int infer_socket(struct learn_rec *r, const struct learn_call *c) {
  int domain = (int)c->args[0], type = (int)(c->args[1] & 0xf); /* SOCK_TYPE_MASK: without NONBLOCK, CLOEXEC */

  if (domain == AF_PACKET)
    return cap_why(r, "CAP_NET_RAW", "socket(AF_PACKET)");
  /* Raw netlink sockets need no capability (netlink is SOCK_RAW or
   * SOCK_DGRAM alike); ping's SOCK_DGRAM ICMP sockets need none either. */
  if ((domain == AF_INET || domain == AF_INET6) && (type == SOCK_RAW || type == SOCK_PACKET))
    return cap_why(r, "CAP_NET_RAW", "socket(%s, %s)", domain == AF_INET ? "AF_INET" : "AF_INET6",
                   type == SOCK_RAW ? "SOCK_RAW" : "SOCK_PACKET");
  return 0;
}

/* The first of n ids from args[first] that is neither "unchanged" nor
 * mine; false when there is none. */
static bool other_id(const struct learn_call *c, int first, int n, uint32_t mine, uint32_t *id) {
  int i;
  for (i = first; i < first + n; i++) {
    uint32_t v = (uint32_t)c->args[i];
    if (v != ID_UNCHANGED && v != mine) {
      *id = v;
      return true;
    }
  }
  return false;
}

static int infer_kill(struct learn_rec *r, const struct learn_call *c, int arg, learn_uid_fn uid_of, void *ctx) {
  pid_t target = (pid_t)(int32_t)c->args[arg];
  uid_t owner;

  /* 0, -1 and -pgid signal groups: only the members the caller may signal
   * get it, so nothing is implied. */
  if (uid_of == NULL || target <= 0 || uid_of(ctx, c->pid, target, &owner) != 0)
    return 0;
  /* The kernel lets a signal through when the sender's real or effective
   * uid is the target's real or saved uid; effective against effective is
   * what a workload that does not juggle ids does. */
  if ((uint32_t)owner == (uint32_t)c->uid)
    return 0;
  return cap_why(r, "CAP_KILL", "%s of a process of uid %u by uid %u", c->name, (unsigned)owner, (unsigned)c->uid);
}

/* A directory the workload makes is a place it writes (fanotify reports
 * only the files it writes and closes: nginx makes its temporary
 * directories and writes nothing in them until a request needs it). Only
 * an absolute path is taken: a relative one depends on a working directory
 * or descriptor the call does not show. The string is read in pieces that
 * never cross a page the target may not have. */
static int infer_mkdir(struct learn_rec *r, const struct learn_call *c, int arg, learn_read_fn rd, void *ctx) {
  char path[PATH_MAX];
  uint64_t addr = c->args[arg];
  size_t got = 0;

  if (rd == NULL || addr == 0)
    return 0;
  while (got < sizeof(path) - 1) {
    size_t page_left = 4096 - (size_t)((addr + got) % 4096);
    size_t chunk = sizeof(path) - 1 - got;
    if (chunk > page_left)
      chunk = page_left;
    if (chunk > 256)
      chunk = 256;
    if (rd(ctx, c->pid, addr + got, path + got, chunk) != 0)
      return 0;
    if (memchr(path + got, '\0', chunk))
      break;
    got += chunk;
  }
  path[sizeof(path) - 1] = '\0';
  if (path[0] != '/')
    return 0;
  return learn_add_write(r, path, NULL) < 0 ? -1 : 0;
}

int learn_infer(struct learn_rec *r, const struct learn_call *c, learn_read_fn rd, learn_uid_fn uid_of, void *ctx) {
  const struct infer_rule *rule = NULL;
  uint32_t id;
  mode_t mode;
  size_t i;

  for (i = 0; c->name && i < sizeof(infer_rules) / sizeof(infer_rules[0]); i++)
    if (strcmp(infer_rules[i].name, c->name) == 0)
      rule = &infer_rules[i];
  if (rule == NULL)
    return 0;
  switch (rule->kind) {
  case I_BIND:
  case I_CONNECT:
    return infer_sockaddr(r, c, rule->kind == I_BIND, rd, ctx);
  case I_SOCKET:
    return infer_socket(r, c);
  case I_CHOWN:
    /* Giving a file away, or to a group that is not the caller's. (A
     * supplementary group of the caller needs no capability either; the
     * call does not say which groups those are, so that case is counted.) */
    if (other_id(c, rule->a, 1, (uint32_t)c->uid, &id))
      return cap_why(r, "CAP_CHOWN", "%s to uid %u by uid %u", c->name, id, (unsigned)c->uid);
    if (other_id(c, rule->b, 1, (uint32_t)c->gid, &id))
      return cap_why(r, "CAP_CHOWN", "%s to gid %u by gid %u", c->name, id, (unsigned)c->gid);
    return 0;
  case I_SETUID:
    if (other_id(c, rule->a, rule->b, (uint32_t)c->uid, &id))
      return cap_why(r, "CAP_SETUID", "%s to uid %u by uid %u", c->name, id, (unsigned)c->uid);
    return 0;
  case I_SETGID:
    if (other_id(c, rule->a, rule->b, (uint32_t)c->gid, &id))
      return cap_why(r, "CAP_SETGID", "%s to gid %u by gid %u", c->name, id, (unsigned)c->gid);
    return 0;
  case I_SETGROUPS:
    return cap_why(r, "CAP_SETGID", "%s", c->name);
  case I_KILL:
    return infer_kill(r, c, rule->a, uid_of, ctx);
  case I_MKNOD:
    mode = (mode_t)c->args[rule->a];
    if (S_ISCHR(mode) || S_ISBLK(mode))
      return cap_why(r, "CAP_MKNOD", "%s of a %s device", c->name, S_ISCHR(mode) ? "character" : "block");
    return 0; /* a fifo, socket or regular file needs no capability */
  case I_CHROOT:
    return cap_why(r, "CAP_SYS_CHROOT", "chroot");
  case I_MKDIR:
    return infer_mkdir(r, c, rule->a, rd, ctx);
  }
  return 0;
}

int learn_infer_ids(struct learn_rec *r, uid_t start_uid, gid_t start_gid, uid_t uid, gid_t gid, const char *path) {
  if (start_uid != 0 || uid == start_uid)
    return 0;
  if (cap_why(r, "CAP_SETUID", "uid %u became uid %u (seen at its exec of %s)", (unsigned)start_uid, (unsigned)uid,
              path ? path : "a program") < 0)
    return -1;
  if (gid != start_gid)
    return cap_why(r, "CAP_SETGID", "gid %u became gid %u (seen at its exec of %s)", (unsigned)start_gid, (unsigned)gid,
                   path ? path : "a program");
  return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* dgramsink SOCKET FILE SECONDS: a stand-in for a syslog daemon (host side,
 * tests only). Binds a datagram socket at SOCKET and appends every message
 * received, one a line, to FILE, for SECONDS at most. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  char buf[65536];
  time_t end;
  int s, out;
  if (argc != 4 || strlen(argv[1]) >= sizeof(a.sun_path)) {
    fprintf(stderr, "usage: dgramsink SOCKET FILE SECONDS\n");
    return 2;
  }
  strcpy(a.sun_path, argv[1]);
  unlink(argv[1]);
  s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  out = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (s < 0 || out < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
    perror("dgramsink");
    return 1;
  }
  end = time(NULL) + atoi(argv[3]);
  while (time(NULL) < end) {
    struct pollfd p = {.fd = s, .events = POLLIN};
    ssize_t n;
    if (poll(&p, 1, 200) <= 0)
      continue;
    n = recv(s, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
      continue;
    buf[n++] = '\n';
    if (write(out, buf, (size_t)n) != n)
      return 1;
  }
  unlink(argv[1]);
  return 0;
}

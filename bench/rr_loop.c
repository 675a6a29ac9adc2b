// A TCP request/response loop for bench/overhead_rr, in the manner of netperf's TCP_RR
// (not in Debian main): one connection, a 1-byte request, a 1-byte response, the next
// request only after the response. Transactions per second measure per-packet latency
// through the path, which is where a tracer on every packet costs most.
//
//   rr_loop server PORT            answers every connection, one at a time, until killed
//   rr_loop client HOST PORT SECS  prints "transactions N seconds S rate R" (R per second)
//
// Built by the benchmark with `cc -O2` into bench/out; not part of fwpath.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(const char* what) {
  fprintf(stderr, "rr_loop: %s: %s\n", what, strerror(errno));
  return 1;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

// Reads or writes exactly one byte, retrying on EINTR. 1 on success, 0 at EOF, -1 on error.
static int one_byte(int fd, char* c, int writing) {
  for (;;) {
    ssize_t n = writing ? write(fd, c, 1) : read(fd, c, 1);
    if (n == 1) return 1;
    if (n == 0) return 0;
    if (errno != EINTR) return -1;
  }
}

static int server(int port) {
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return fail("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  if (bind(fd, (struct sockaddr*)&a, sizeof(a)) != 0) return fail("bind");
  if (listen(fd, 8) != 0) return fail("listen");
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR) continue;
      return fail("accept");
    }
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char b;
    while (one_byte(c, &b, 0) == 1 && one_byte(c, &b, 1) == 1) {
    }
    close(c);
  }
}

static int client(const char* host, int port, double secs) {
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return fail("socket");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    fprintf(stderr, "rr_loop: not an IPv4 address: %s\n", host);
    return 2;
  }
  if (connect(fd, (struct sockaddr*)&a, sizeof(a)) != 0) return fail("connect");
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const double start = now_s();
  double end = start;
  unsigned long n = 0;
  char b = 'x';
  // The clock is read every 256 transactions: often enough for a run of seconds.
  for (;;) {
    if (one_byte(fd, &b, 1) != 1) return fail("write request");
    if (one_byte(fd, &b, 0) != 1) return fail("read response");
    if ((++n & 255) == 0 && (end = now_s()) - start >= secs) break;
  }
  close(fd);
  printf("transactions %lu seconds %.6f rate %.1f\n", n, end - start, (double)n / (end - start));
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "server") == 0) return server(atoi(argv[2]));
  if (argc == 5 && strcmp(argv[1], "client") == 0) return client(argv[2], atoi(argv[3]), atof(argv[4]));
  fprintf(stderr, "usage: rr_loop server PORT | rr_loop client HOST PORT SECS\n");
  return 2;
}

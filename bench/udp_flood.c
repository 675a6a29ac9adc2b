// A UDP sender for bench/event_rate: COUNT datagrams of 148 bytes (the size of fwpath's UDP
// probe) from source port SPORT to HOST:PORT, as fast as the kernel takes them, or at most
// RATE a second when RATE > 0. Every one is traced, so this floods the trace with events.
//
//   udp_flood HOST PORT SPORT COUNT [RATE]   prints "sent N seconds S"
//
// Built by the benchmark with `cc -O2` into bench/out; not part of fwpath.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: udp_flood HOST PORT SPORT COUNT [RATE]\n");
    return 2;
  }
  const long count = atol(argv[4]);
  const double rate = argc == 6 ? atof(argv[5]) : 0;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
  struct sockaddr_in from = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[3]))};
  if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
    fprintf(stderr, "udp_flood: not an IPv4 address: %s\n", argv[1]);
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || bind(fd, (struct sockaddr*)&from, sizeof(from)) != 0) {
    fprintf(stderr, "udp_flood: socket/bind: %s\n", strerror(errno));
    return 1;
  }
  char payload[148];
  memset(payload, 0, sizeof(payload));
  payload[0] = 1;  // shaped like a WireGuard handshake initiation, as fwpath's probe
  const double start = now_s();
  long sent = 0;
  while (sent < count) {
    if (rate > 0) {
      // Paced: sleep until this datagram is due (no busy wait: the machine has 2 cores).
      const double ahead = (double)sent / rate - (now_s() - start);
      if (ahead > 0) {
        struct timespec d = {.tv_sec = (time_t)ahead, .tv_nsec = (long)((ahead - (double)(time_t)ahead) * 1e9)};
        nanosleep(&d, NULL);
      }
    }
    if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr*)&to, sizeof(to)) == (ssize_t)sizeof(payload)) {
      ++sent;
    } else if (errno != EINTR && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
      fprintf(stderr, "udp_flood: sendto: %s\n", strerror(errno));
      return 1;
    }
  }
  printf("sent %ld seconds %.6f\n", sent, now_s() - start);
  return 0;
}

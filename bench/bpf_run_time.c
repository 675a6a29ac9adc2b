// Turns on the kernel's run-time accounting of BPF programs (BPF_ENABLE_STATS,
// BPF_STATS_RUN_TIME) for as long as it runs, without touching the
// kernel.bpf_stats_enabled sysctl: the accounting lasts while the returned descriptor is
// open, and this process holds it until its stdin closes. Then `bpftool prog show` gives
// each program's run_cnt and run_time_ns. For bench/overhead_iperf3.
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.enable_stats.type = BPF_STATS_RUN_TIME;
  long fd = syscall(__NR_bpf, BPF_ENABLE_STATS, &attr, sizeof(attr));
  if (fd < 0) {
    perror("bpf(BPF_ENABLE_STATS)");
    return 1;
  }
  printf("enabled\n");
  fflush(stdout);
  char buf[64];
  while (read(0, buf, sizeof(buf)) > 0) {
  }
  return 0;
}

#pragma once
// The capabilities a command needs, checked before it touches the kernel so that an
// unprivileged run ends with one line naming what is missing (exit 3) instead of an
// obscure EPERM halfway through.
#include <string>
#include <vector>

#include "util/error.h"

namespace fwpath {

enum class Cap : int {
  DacReadSearch = 2,
  NetAdmin = 12,
  SysAdmin = 21,
  Perfmon = 38,
  Bpf = 39,
};

std::string cap_name(Cap c);

// Effective capabilities of this process, from /proc/self/status.
Result<unsigned long long> effective_caps();

// What tracing (fwpath probe, fwpath demo) needs, found by trying on 6.18 with
// `setpriv` (docs/privileges.md has the table and what fails without each):
//   CAP_NET_ADMIN    the nftables trace table and the NFNLGRP_NFTRACE socket
//   CAP_SYS_ADMIN    only for setns() into another network namespace, or unshare(CLONE_NEWNS)
//                    + mount when tracefs is not mounted (util/tracefs.h); it also stands
//                    for the next two, which the kernel then does not ask for separately
//   CAP_BPF          otherwise: loading the tracer's programs and maps
//   CAP_PERFMON      otherwise: attaching them to tracepoints (perf_event_open)
//   CAP_DAC_READ_SEARCH  for a uid other than 0 only: tracefs is root's, mode 0700, and
//                    libbpf reads the tracepoint ids from it
std::vector<Cap> tracing_caps(bool other_netns);

// Returns an Environment error naming every missing capability, or success.
Status require_caps(const std::vector<Cap>& caps, const std::string& command);

}  // namespace fwpath

#pragma once
// The capabilities a command needs, checked before it touches the kernel so that an
// unprivileged run ends with one line naming what is missing (exit 3) instead of an
// obscure EPERM halfway through.
#include <string>
#include <vector>

#include "util/error.h"

namespace fwpath {

enum class Cap : int {
  DacOverride = 1,
  DacReadSearch = 2,
  NetAdmin = 12,
  NetRaw = 13,
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

// What a lab of namespaces that fwpath builds, and traces in, needs (fwpath lab run|up|down,
// audit, demo), found the same way:
//   CAP_NET_ADMIN    links, addresses, routes, sysctls and rulesets in the lab's namespaces;
//                    the trace
//   CAP_SYS_ADMIN    unshare(CLONE_NEWNET), the bind mount on /run/netns/NAME, setns() into
//                    the lab's namespaces; it stands for CAP_BPF and CAP_PERFMON
//   CAP_DAC_OVERRIDE for a uid other than 0 only: /run/netns and /run/fwpath are root's
//                    (mode 0755) and get the lab's names; it covers tracefs's 0700 as well
//   CAP_NET_RAW      only to load an iptables-legacy-save ruleset: iptables-legacy-restore
//                    reaches x_tables through a raw socket
std::vector<Cap> lab_caps(bool iptables_legacy);

// What fwpath kernel-check needs: CAP_NET_ADMIN and CAP_SYS_ADMIN (a private network
// namespace, the tracefs mount; standing for CAP_BPF and CAP_PERFMON, so that kernels
// without those two are covered too), and for a uid other than 0 CAP_DAC_READ_SEARCH:
// tracefs (0700) and /proc/net/ip_tables_names (0440) are root's.
std::vector<Cap> kernel_check_caps();

// Returns an Environment error naming every missing capability, or success.
Status require_caps(const std::vector<Cap>& caps, const std::string& command);

}  // namespace fwpath

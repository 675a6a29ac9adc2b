#include "util/capabilities.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "util/tracefs.h"

namespace fwpath {

std::string cap_name(Cap c) {
  switch (c) {
    case Cap::DacOverride: return "CAP_DAC_OVERRIDE";
    case Cap::DacReadSearch: return "CAP_DAC_READ_SEARCH";
    case Cap::NetAdmin: return "CAP_NET_ADMIN";
    case Cap::NetRaw: return "CAP_NET_RAW";
    case Cap::SysAdmin: return "CAP_SYS_ADMIN";
    case Cap::Perfmon: return "CAP_PERFMON";
    case Cap::Bpf: return "CAP_BPF";
  }
  return "CAP_?";
}

Result<unsigned long long> effective_caps() {
  std::ifstream in("/proc/self/status");
  if (!in) return sys_error("read", "/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      std::istringstream hex(line.substr(7));
      unsigned long long mask = 0;
      hex >> std::hex >> mask;
      if (!hex) return env_error("parse CapEff in", "/proc/self/status");
      return mask;
    }
  }
  return env_error("no CapEff line in", "/proc/self/status");
}

std::vector<Cap> tracing_caps(bool other_netns) {
  std::vector<Cap> caps{Cap::NetAdmin};
  if (other_netns || !tracefs_mounted()) {
    // The kernel accepts CAP_SYS_ADMIN wherever it asks for CAP_BPF or CAP_PERFMON
    // (bpf_capable(), perfmon_capable()): asking for those too would be asking for more.
    caps.push_back(Cap::SysAdmin);
  } else {
    caps.push_back(Cap::Bpf);
    caps.push_back(Cap::Perfmon);
  }
  if (::geteuid() != 0) caps.push_back(Cap::DacReadSearch);
  return caps;
}

std::vector<Cap> lab_caps(bool iptables_legacy) {
  std::vector<Cap> caps{Cap::NetAdmin, Cap::SysAdmin};
  if (::geteuid() != 0) caps.push_back(Cap::DacOverride);
  if (iptables_legacy) caps.push_back(Cap::NetRaw);
  return caps;
}

std::vector<Cap> kernel_check_caps() {
  std::vector<Cap> caps{Cap::NetAdmin, Cap::SysAdmin};
  if (::geteuid() != 0) caps.push_back(Cap::DacReadSearch);
  return caps;
}

Status require_caps(const std::vector<Cap>& caps, const std::string& command) {
  auto eff = effective_caps();
  if (!eff) return eff.take_error();
  std::string missing;
  for (Cap c : caps) {
    if ((*eff & (1ULL << static_cast<int>(c))) == 0) {
      missing += missing.empty() ? "" : ", ";
      missing += cap_name(c);
    }
  }
  if (missing.empty()) return {};
  return Error{ErrorKind::Environment, command + " needs " + missing + " (run as root)", "", 0};
}

}  // namespace fwpath

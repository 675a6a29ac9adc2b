#include <algorithm>
#include <sstream>

#include "audit/audit_report.h"
#include "output/probe_report.h"

namespace fwpath::audit {

size_t AuditReport::blocked() const {
  return static_cast<size_t>(std::count_if(results.begin(), results.end(), [](const auto& r) { return !r.allowed; }));
}

std::string path_text(const AuditSetup& setup, const PlannedProbe& probe) {
  const auto ip_of = [&](const std::string& host) { return host == kNodeHost ? setup.node_ip : setup.peer_ip; };
  return probe.from_host + " " + ip_of(probe.from_host) + " -> " + probe.to_host + " " + probe.target;
}

std::string audit_text(const AuditReport& report) {
  std::ostringstream os;
  size_t width = 0;
  for (const auto& r : report.results) width = std::max(width, r.probe.requirement.str().size());
  for (const auto& r : report.results) {
    const std::string req = r.probe.requirement.str();
    os << (r.allowed ? "allowed  " : "BLOCKED  ") << req << std::string(width - req.size() + 2, ' ')
       << path_text(report.setup, r.probe) << ": " << r.summary << "\n";
  }
  os << "\n"
     << report.blocked() << " of " << report.results.size() << " required paths blocked: ruleset " << report.ruleset
     << " (" << report.format << ") on a " << to_string(report.setup.role) << " node, " << report.setup.iface << " "
     << report.setup.node_ip << ", peer " << report.setup.peer_ip << "\n\n";
  // The traced paths, without the probe report's own one-line-per-target head: the lines
  // above already say it in the audit's terms.
  const std::string details = output::probe_report_text(report.probes);
  const auto body = details.find("\n\n");
  os << (body == std::string::npos ? details : details.substr(body + 2));
  return os.str();
}

}  // namespace fwpath::audit

#include <sstream>

#include "output/probe_report.h"

namespace fwpath::output {

namespace {

using model::Direction;

std::string target_name(const model::ProbeReport& t) {
  return t.spec.label + " " + model::to_string(t.spec.proto) + " " + t.spec.target_text;
}

void write_hop(std::ostringstream& os, const model::Hop& h) {
  os << "    " << (h.direction == Direction::Reply ? "<- " : "-> ") << "[" << h.netns << "] "
     << model::to_string(h.hook) << "  " << h.family << " " << h.table << " " << h.chain;
  if (h.handle != 0) os << " #" << h.handle;
  os << "  " << h.verdict;
  if (!h.rule.empty()) os << "  `" << h.rule << "`";
  os << "\n";
}

}  // namespace

std::string probe_report_text(const model::Report& report) {
  std::ostringstream os;
  for (const auto& t : report.targets) {
    os << (t.passed ? "ok   " : "FAIL ") << target_name(t) << ": " << t.summary << "\n";
  }
  for (const auto& t : report.targets) {
    os << "\n"
       << target_name(t) << " from " << t.socket.local.str() << " (" << model::to_string(t.socket.outcome) << ")\n";
    if (t.hops.empty()) os << "    (no nftables rule saw this probe)\n";
    for (const auto& h : t.hops) write_hop(os, h);
    for (const auto& w : t.rewrites) {
      os << "    rewrite [" << w.netns << "] " << model::to_string(w.hook) << " " << w.field << " " << w.before
         << " -> " << w.after << "  by `" << w.rule << "`\n";
    }
    for (const auto& s : t.wire) {
      os << "    wire [" << s.netns << "] " << model::to_string(s.kind) << " " << s.device << "  " << s.flow << "\n";
    }
    if (t.drop) {
      os << "    died [" << t.drop->netns << "]";
      if (!t.drop->reason.empty()) os << " reason " << t.drop->reason;
      if (!t.drop->location.empty()) os << " at " << t.drop->location;
      if (!t.drop->device.empty()) os << " dev " << t.drop->device;
      if (!t.drop->note.empty()) os << "  (" << t.drop->note << ")";
      os << "\n";
    }
    for (const auto& n : t.notes) os << "    note: " << n << "\n";
  }
  if (report.lost_events > 0) {
    os << "\nlost events: " << report.lost_events << " (nft trace " << report.lost_trace_events << ", bpf "
       << report.lost_bpf_events << "): the reports above may be incomplete\n";
  }
  for (const auto& n : report.notes) os << "note: " << n << "\n";
  return os.str();
}

}  // namespace fwpath::output

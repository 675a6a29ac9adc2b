#include <algorithm>
#include <sstream>

#include "model/held_packet.h"
#include "output/probe_report.h"

namespace fwpath::output {

namespace {

using model::Direction;

std::string target_name(const model::ProbeReport& t) {
  return t.spec.label + " " + model::to_string(t.spec.proto) + " " + t.spec.target_text;
}

// Namespaces in the order the packet visited them: device sightings come in kernel order,
// and a namespace seen only by nft (no BPF) follows in the order of its first hop.
std::vector<std::string> visit_order(const model::ProbeReport& t, Direction d) {
  std::vector<std::string> order;
  auto add = [&](const std::string& ns) {
    if (std::find(order.begin(), order.end(), ns) == order.end()) order.push_back(ns);
  };
  for (const auto& s : t.wire) {
    if (s.direction == d) add(s.netns);
  }
  for (const auto& h : t.hops) {
    if (h.direction == d) add(h.netns);
  }
  if (t.drop && t.drop->direction == d) add(t.drop->netns);
  return order;
}

void write_hop(std::ostringstream& os, const model::Hop& h) {
  os << "      " << model::to_string(h.hook) << "  " << h.family << " " << h.table << " " << h.chain;
  if (h.handle != 0) os << " #" << h.handle;
  os << "  " << h.verdict;
  if (!h.rule.empty()) os << "  `" << h.rule << "`";
  os << "\n";
}

// One namespace's part of the path: arrival at a device (before any hook), the nft
// steps, the rewrites made there, departure (after postrouting), and death if it died.
void write_netns(std::ostringstream& os, const model::ProbeReport& t, Direction d, const std::string& ns) {
  os << "    [" << ns << "]\n";
  for (const auto& s : t.wire) {
    if (s.direction == d && s.netns == ns && s.kind == model::PacketEventKind::Receive) {
      os << "      arrived on " << s.device << "  " << s.flow << "\n";
    }
  }
  for (const auto& h : t.hops) {
    if (h.direction == d && h.netns == ns) write_hop(os, h);
  }
  for (const auto& w : t.rewrites) {
    if (w.direction == d && w.netns == ns) {
      os << "      rewrite " << w.field << " " << w.before << " -> " << w.after << " at " << model::to_string(w.hook)
         << " by `" << w.rule << "`" << (w.confirmed ? " (conntrack agrees)" : "") << "\n";
    }
  }
  for (const auto& s : t.wire) {
    if (s.direction == d && s.netns == ns && s.kind == model::PacketEventKind::Transmit) {
      os << "      left by " << s.device << "  " << s.flow << "\n";
    }
  }
  if (t.held && t.held->direction == d && t.held->netns == ns) os << "      HELD " << model::held_text(*t.held) << "\n";
  if (t.drop && t.drop->direction == d && t.drop->netns == ns) {
    os << "      DIED";
    if (!t.drop->reason.empty()) os << " reason " << t.drop->reason;
    if (!t.drop->location.empty()) os << " at " << t.drop->location;
    if (!t.drop->device.empty()) os << " (dev " << t.drop->device << ")";
    if (!t.drop->hook_evidence.empty()) {
      os << "\n      hook: " << (t.drop->hook_inferred ? model::to_string(t.drop->hook) + " (inferred): " : "")
         << t.drop->hook_evidence;
    }
    if (!t.drop->note.empty()) os << "\n      note: " << t.drop->note;
    os << "\n";
  }
}

}  // namespace

std::string probe_report_text(const model::Report& report) {
  std::ostringstream os;
  for (const auto& t : report.targets) {
    os << (t.passed ? "ok   " : "FAIL ") << target_name(t) << ": " << t.summary << "\n";
  }
  for (const auto& t : report.targets) {
    os << "\n"
       << target_name(t) << " from " << t.socket.local.str() << " (socket: " << model::to_string(t.socket.outcome)
       << ")\n";
    for (Direction d : {Direction::Request, Direction::Reply}) {
      const auto order = visit_order(t, d);
      if (order.empty()) continue;
      os << "  " << (d == Direction::Request ? "request" : "reply") << ":\n";
      for (const auto& ns : order) write_netns(os, t, d, ns);
    }
    if (t.hops.empty()) os << "  (no nftables rule saw this probe)\n";
    for (const auto& n : t.notes) os << "  note: " << n << "\n";
  }
  if (report.lost.any()) {
    // An overrun is counted once however many events it cost: say so, not "N events".
    os << "\nlost: " << report.lost.trace_overruns << " trace socket overrun(s) (each lost an unknown number of nft "
       << "events), " << report.lost.bpf_events << " BPF event(s), " << report.lost.undecodable
       << " undecodable message(s); probes that ran meanwhile are marked incomplete\n";
  }
  if (report.over_cap_events > 0) {
    os << "not kept: " << report.over_cap_events << " event(s) past a probe's cap of stored events\n";
  }
  for (const auto& n : report.notes) os << "note: " << n << "\n";
  return os.str();
}

}  // namespace fwpath::output

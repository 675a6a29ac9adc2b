#include "model/outcome.h"

#include <algorithm>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "model/held_packet.h"

namespace fwpath::model {

namespace {

bool is_drop_verdict(const std::string& v) {
  return v == "drop" || v == "reject" || v == "policy drop";
}

std::string where(const Hop& h) {
  return h.family + " " + h.table + " " + h.chain + (h.handle != 0 ? " handle " + std::to_string(h.handle) : "");
}

std::string decider(const Hop& h) {
  if (h.verdict == "policy drop")
    return "the policy of " + h.family + " " + h.table + " " + h.chain + " (no rule matched)";
  return "`" + h.rule + "` (" + where(h) + ")";
}

const Hop* first_drop_hop(const ProbeReport& r) {
  auto it = std::find_if(r.hops.begin(), r.hops.end(), [](const Hop& h) { return is_drop_verdict(h.verdict); });
  return it == r.hops.end() ? nullptr : &*it;
}

// The nft verdict behind a drop: a drop verdict in its namespace and direction (and at its
// hook, when known). Another drop (an ICMP error about the probe dropped on its way back)
// is not this one's reason.
const Hop* drop_hop_of(const ProbeReport& r, const DropInfo& d) {
  auto it = std::find_if(r.hops.begin(), r.hops.end(), [&](const Hop& h) {
    return is_drop_verdict(h.verdict) && h.netns == d.netns && h.direction == d.direction &&
           (d.hook == Hook::Unknown || d.hook_inferred || h.hook == d.hook);
  });
  return it == r.hops.end() ? nullptr : &*it;
}

std::string ms(double v) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << v << " ms";
  return os.str();
}

std::string rewrite_suffix(const ProbeReport& r) {
  std::string before;
  std::string after;
  for (const auto& w : r.rewrites) {
    if (w.direction != Direction::Request) continue;
    before += (before.empty() ? "" : ", ") + w.field + " " + w.before;
    after += (after.empty() ? "" : ", ") + w.after;
  }
  return before.empty() ? "" : "; rewritten " + before + " -> " + after;
}

std::string icmp_text(const SocketResult& s) {
  std::string name;
  if (s.icmp_type == 3) {
    static const char* const kNames[] = {
        "net-unreachable",     "host-unreachable",    "protocol-unreachable", "port-unreachable", "frag-needed",
        "source-route-failed", "net-unknown",         "host-unknown",         "host-isolated",    "net-prohibited",
        "host-prohibited",     "net-unreachable-tos", "host-unreachable-tos", "admin-prohibited"};
    if (s.icmp_code < sizeof(kNames) / sizeof(kNames[0])) name = kNames[s.icmp_code];
  }
  std::string out = "ICMP " + std::to_string(s.icmp_type) + "/" + std::to_string(s.icmp_code);
  if (!name.empty()) out += " " + name;
  if (!s.peer.empty()) out += " from " + s.peer;
  return out;
}

std::string drop_summary(const ProbeReport& r, const DropInfo& d, const Hop* hop) {
  std::string s = d.direction == Direction::Reply ? "the reply was dropped" : "dropped";
  if (hop != nullptr) {
    s += " at " + to_string(hop->hook) + " by " + decider(*hop);
  } else if (d.hook != Hook::Unknown) {
    s += " at " + to_string(d.hook) + (d.hook_inferred ? " (inferred)" : "") + (d.rule.empty() ? "" : " by " + d.rule);
  }
  s += " in netns " + d.netns;
  if (!d.reason.empty()) s += ", kernel reason " + d.reason;
  if (!d.location.empty()) s += " at " + d.location;
  if (!d.note.empty()) s += " (" + d.note + ")";
  return s + rewrite_suffix(r);
}

}  // namespace

void decide_outcome(ProbeReport& r) {
  // The hop that made the drop the devices saw, when nft made it; else the first nft drop.
  const Hop* drop_hop = r.drop ? drop_hop_of(r, *r.drop) : first_drop_hop(r);
  if (!r.drop && drop_hop != nullptr) {
    DropInfo d;
    d.direction = drop_hop->direction;
    d.netns = drop_hop->netns;
    d.hook = drop_hop->hook;
    d.rule = drop_hop->verdict == "policy drop" ? "policy drop" : drop_hop->rule;
    r.drop = d;
  }
  const SocketResult& s = r.socket;
  const bool udp = r.spec.proto == L4::Udp;
  switch (s.outcome) {
    case SocketOutcome::Connected:
      r.outcome = Outcome::Reached;
      r.passed = true;
      r.summary = "reached (SYN-ACK after " + ms(s.elapsed_ms) + ")" + rewrite_suffix(r);
      return;
    case SocketOutcome::Reply:
      r.outcome = Outcome::Reached;
      r.passed = true;
      r.summary = "reached (reply from " + s.peer + " after " + ms(s.elapsed_ms) + ")" + rewrite_suffix(r);
      return;
    case SocketOutcome::Reset:
      r.outcome = Outcome::Rejected;
      if (drop_hop != nullptr && drop_hop->verdict == "reject") {
        r.summary = "rejected at " + to_string(drop_hop->hook) + " by " + decider(*drop_hop) + " with TCP RST";
      } else {
        r.summary = "rejected with TCP RST from " + (s.peer.empty() ? r.spec.target.str() : s.peer) +
                    " (nothing listens on the port, or a host outside the trace reset it)";
      }
      r.summary += rewrite_suffix(r);
      return;
    case SocketOutcome::IcmpError:
      r.outcome = Outcome::Rejected;
      if (drop_hop != nullptr && drop_hop->verdict == "reject") {
        r.summary = "rejected at " + to_string(drop_hop->hook) + " by " + decider(*drop_hop) + " with " + icmp_text(s);
      } else {
        r.summary = "rejected with " + icmp_text(s);
        if (r.drop && !r.drop->reason.empty())
          r.summary += " (kernel reason " + r.drop->reason + " in netns " + r.drop->netns + ")";
      }
      r.summary += rewrite_suffix(r);
      return;
    case SocketOutcome::Error:
    case SocketOutcome::Timeout: break;
  }
  if (r.drop) {
    r.outcome = Outcome::Dropped;
    r.summary = drop_summary(r, *r.drop, drop_hop);
    return;
  }
  if (s.outcome == SocketOutcome::Error) {
    r.outcome = Outcome::Error;
    r.summary = "error: " + (s.detail.empty() ? std::string(std::strerror(s.err)) : s.detail);
    return;
  }
  r.outcome = Outcome::NoReply;
  if (r.held) {
    // Not a clean silence: the packet never left a namespace on its way, and would die
    // there (NEIGH_FAILED) or go on after the window.
    r.summary =
        std::string(udp ? "no reply" : "no reply within the timeout") + "; " + held_text(*r.held) + rewrite_suffix(r);
  } else if (udp) {
    // WireGuard never answers a datagram it cannot authenticate: silence is expected.
    // What counts is what the trace saw happen to the datagram.
    r.passed = true;
    r.summary = std::string(r.left_node ? "left the node" : "not seen leaving the node") + rewrite_suffix(r) +
                ", no drop seen; no reply (expected: WireGuard never answers an unauthenticated packet)";
    if (!r.left_node) r.passed = false;
  } else {
    r.summary = "no reply within the timeout and no drop seen on the traced path" + rewrite_suffix(r);
  }
  if (r.incomplete) {
    r.passed = false;
    std::string why;
    for (const auto& b : r.incomplete_because) why += (why.empty() ? "" : "; ") + b;
    r.summary += " [incomplete: " + (why.empty() ? std::string("events were lost") : why) + "]";
  }
}

}  // namespace fwpath::model

#include "model/correlator.h"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "model/outcome.h"

namespace fwpath::model {

namespace {

bool is_own_table(const NftTraceEvent& e) {
  return e.table.rfind("fwpath", 0) == 0;
}

// The trace carries the IP header (up to the transport offset) and the first bytes of
// the transport header as two attributes; glue them back into one packet prefix.
std::optional<ParsedPacket> trace_packet(const NftTraceEvent& e) {
  std::vector<uint8_t> buf = e.network_header;
  buf.insert(buf.end(), e.transport_header.begin(), e.transport_header.end());
  if (buf.empty()) return std::nullopt;
  return parse_ip_packet(buf.data(), buf.size());
}

std::optional<ParsedPacket> bpf_packet(const PacketEvent& e) {
  if (e.packet.empty()) return std::nullopt;
  return parse_ip_packet(e.packet.data(), e.packet.size());
}

// "icmp 3/13 from 198.51.100.20 about tcp 192.0.2.10:47459 -> 198.51.100.20:6443"
std::string icmp_error_text(const ParsedPacket& p) {
  return "icmp " + std::to_string(p.icmp_type) + "/" + std::to_string(p.icmp_code) + " from " + p.outer_src.str() +
         " about " + p.flow.str();
}

bool in_window(Clock::time_point t, const ProbeWindow& w) {
  return t >= w.start && t <= w.end;
}

// Ports that identify one probe's packets; grows as NAT rewrites reveal new ones.
struct ProbeKeys {
  L4 proto;
  std::set<uint16_t> ports;
  Endpoint origin;  // the probe's source as the kernel chose it
  Endpoint target;

  [[nodiscard]] bool matches(const ParsedPacket& p) const {
    if (p.flow.proto != proto) return false;
    return ports.count(p.flow.src.port) > 0 || ports.count(p.flow.dst.port) > 0;
  }
  // Request when it comes from our source port or goes to the target; reply otherwise.
  [[nodiscard]] std::optional<Direction> direction(const Flow& f) const {
    if (f.src == origin || f.dst == target) return Direction::Request;
    if (f.dst == origin || f.src == target) return Direction::Reply;
    if (f.src.port == origin.port) return Direction::Request;
    if (f.dst.port == origin.port) return Direction::Reply;
    return std::nullopt;
  }
};

// A netfilter drop that nf_tables did not make: recent kernels free packets that an nft
// verdict dropped inside nft_do_chain; a drop freed in nf_hook_slow (or x_tables' own
// functions) came from another hook user, in practice an iptables-legacy table.
bool netfilter_outside_nftables(const PacketEvent& e) {
  const auto& loc = e.location_symbol;
  if (loc.rfind("nft_do_chain", 0) == 0) return false;
  const bool netfilter_site =
      loc.rfind("nf_hook_slow", 0) == 0 || loc.rfind("ipt_do_table", 0) == 0 || loc.rfind("ip6t_do_table", 0) == 0;
  return e.reason == "NETFILTER_DROP" || (e.reason.empty() && netfilter_site);
}

bool is_nat_rule(const std::string& text) {
  static const std::regex nat(R"(\b(dnat|snat|masquerade|redirect)\b)");
  return std::regex_search(text, nat);
}

std::string verdict_text(const NftTraceEvent& e, const std::string& rule_text) {
  if (e.type == TraceType::Policy) return "policy " + to_string(e.verdict);
  if (e.type == TraceType::Return) return "return";
  if (e.verdict == Verdict::Jump || e.verdict == Verdict::Goto) return to_string(e.verdict) + " " + e.jump_target;
  // `reject` answers the sender and then drops: the trace says drop, the rule says why.
  if (e.verdict == Verdict::Drop && rule_text.find("reject") != std::string::npos) return "reject";
  return to_string(e.verdict);
}

void add_field_rewrites(const Flow& before, const Flow& after, Rewrite base, std::vector<Rewrite>& out) {
  auto push = [&](const char* field, const std::string& b, const std::string& a) {
    // Later packets of the flow show the same rewrite again (conntrack applies the
    // binding the first packet's rule made): the first sighting names the rule.
    const bool known = std::any_of(out.begin(), out.end(), [&](const Rewrite& w) {
      return w.direction == base.direction && w.netns == base.netns && w.field == field && w.before == b &&
             w.after == a;
    });
    if (known) return;
    Rewrite r = base;
    r.field = field;
    r.before = b;
    r.after = a;
    out.push_back(std::move(r));
  };
  if (before.src.addr != after.src.addr) push("saddr", before.src.addr.str(), after.src.addr.str());
  if (before.src.port != after.src.port) push("sport", std::to_string(before.src.port), std::to_string(after.src.port));
  if (before.dst.addr != after.dst.addr) push("daddr", before.dst.addr.str(), after.dst.addr.str());
  if (before.dst.port != after.dst.port) push("dport", std::to_string(before.dst.port), std::to_string(after.dst.port));
}

// One packet's passage through one namespace's hooks: nft events sharing a trace id.
struct Passage {
  uint32_t netns = 0;
  uint32_t trace_id = 0;
  std::optional<Direction> direction;
  std::vector<size_t> events;  // indices into traces, in order
  Hook hook = Hook::Unknown;   // hook of the latest base chain entered
};

class ProbeCorrelator {
 public:
  ProbeCorrelator(const CorrelatorInput& in, const ProbeWindow& w, RuleBook& rules) : in_(in), w_(w), rules_(rules) {
    keys_.proto = w.spec.proto;
    keys_.origin = w.socket.local;
    keys_.target = w.spec.target;
    keys_.ports = {w.spec.source_port, w.spec.target.port};
    if (w.socket.local.port != 0) keys_.ports.insert(w.socket.local.port);
  }

  ProbeReport run() {
    ProbeReport r;
    r.spec = w_.spec;
    r.socket = w_.socket;
    collect_passages();
    // Hops come from the first packet each way in each namespace (a SYN, its SYN-ACK);
    // retransmissions and the rest of the exchange only add rewrites and ports.
    std::set<std::pair<uint32_t, Direction>> walked;
    for (auto& p : passages_) {
      const bool first = walked.insert({p.netns, p.direction.value_or(Direction::Request)}).second;
      walk_passage(p, r, first);
    }
    attach_wire_events(r);
    rewrites_from_conntrack(r);
    confirm_with_conntrack(r);
    r.incomplete = in_.lost_trace_events + in_.lost_bpf_events > 0;
    decide_outcome(r);
    // Every outcome says so, not only a silent one: a reply proves the probe got through,
    // but the path shown may miss the hops whose events were lost.
    if (r.incomplete && r.summary.find("[incomplete") == std::string::npos) {
      r.summary += " [incomplete: events were lost]";
    }
    return r;
  }

 private:
  std::string ns_name(uint32_t inode) const { return in_.netns_name ? in_.netns_name(inode) : std::to_string(inode); }

  // Groups the window's trace events into passages, learning ports from NAT variants
  // until nothing new is learnt (a DNAT to another port shows only in later events).
  void collect_passages() {
    std::map<std::pair<uint32_t, uint32_t>, std::vector<size_t>> groups;
    for (size_t i = 0; i < in_.traces.size(); ++i) {
      const auto& e = in_.traces[i];
      // The tracer's own chains are kept: they see the packet first on every hook, so
      // their headers show rewrites even where the node has no chain of its own.
      if (!in_window(e.received, w_)) continue;
      groups[{e.netns, e.trace_id}].push_back(i);
    }
    std::set<std::pair<uint32_t, uint32_t>> taken;
    bool learnt = true;
    while (learnt) {
      learnt = false;
      for (const auto& [key, idx] : groups) {
        if (taken.count(key) > 0) continue;
        const bool ours = std::any_of(idx.begin(), idx.end(), [&](size_t i) {
          auto p = trace_packet(in_.traces[i]);
          return p && keys_.matches(*p);
        });
        if (!ours) continue;
        taken.insert(key);
        for (size_t i : idx) {
          if (auto p = trace_packet(in_.traces[i]); p && p->flow.proto == keys_.proto) {
            learnt |= keys_.ports.insert(p->flow.src.port).second;
            learnt |= keys_.ports.insert(p->flow.dst.port).second;
          }
        }
      }
    }
    for (const auto& [key, idx] : groups) {
      if (taken.count(key) == 0) continue;
      Passage p;
      p.netns = key.first;
      p.trace_id = key.second;
      p.events = idx;
      for (size_t i : idx) {
        if (auto pkt = trace_packet(in_.traces[i])) {
          if (auto d = keys_.direction(pkt->flow)) {
            p.direction = d;
            break;
          }
        }
      }
      passages_.push_back(std::move(p));
    }
    // Order passages by when their first event arrived: the packet's own order.
    std::sort(passages_.begin(), passages_.end(), [&](const Passage& a, const Passage& b) {
      return in_.traces[a.events.front()].received < in_.traces[b.events.front()].received;
    });
  }

  void walk_passage(Passage& p, ProbeReport& r, bool record_hops) {
    const Direction dir = p.direction.value_or(Direction::Request);
    const std::string ns = ns_name(p.netns);
    std::optional<Flow> previous;
    std::optional<Hop> last_nat;
    std::string iif;
    std::string oif;
    for (size_t i : p.events) {
      const auto& e = in_.traces[i];
      if (is_own_table(e)) {
        // The tracer's chains are named after their hooks and are not in the snapshot.
        p.hook = hook_from_string(e.chain).value_or(p.hook);
      } else if (auto chain = rules_.chain(e.netns, e.family, e.table, e.chain); chain && chain->base) {
        p.hook = chain->hook;
      }
      // Headers and interfaces come only with the first event of each base chain the
      // packet enters; later events of the passage inherit them.
      auto pkt = trace_packet(e);
      if (pkt) {
        iif = e.iif;
        oif = e.oif;
        if (previous && !(pkt->flow == *previous)) {
          Rewrite base;
          base.direction = dir;
          base.netns = ns;
          base.hook = last_nat ? last_nat->hook : p.hook;
          base.rule = last_nat ? last_nat->rule : "conntrack NAT of an established flow (nat chains are skipped)";
          add_field_rewrites(*previous, pkt->flow, base, r.rewrites);
        }
        previous = pkt->flow;
      }
      // The kernel marks the end of a chain's rules with a handle-0 "continue": it decides
      // nothing, so it is not a hop; nor is anything in the tracer's own table.
      if (e.type == TraceType::Rule && e.rule_handle == 0 && e.verdict == Verdict::Continue) continue;
      if (is_own_table(e)) continue;

      Hop h;
      h.direction = dir;
      h.netns = ns;
      h.hook = p.hook;
      h.family = e.family;
      h.table = e.table;
      h.chain = e.chain;
      h.handle = e.rule_handle;
      h.iif = iif;
      h.oif = oif;
      if (e.type == TraceType::Rule && e.rule_handle != 0) {
        auto rule = rules_.rule(e.netns, e.family, e.table, e.chain, e.rule_handle);
        h.rule = rule.found ? rule.text : "(" + rule.missing + ")";
      }
      h.verdict = verdict_text(e, h.rule);
      if (previous) h.flow = previous->str();
      if (!h.rule.empty() && is_nat_rule(h.rule)) last_nat = h;
      if (record_hops) r.hops.push_back(std::move(h));
    }
    last_flow_[{p.netns, dir}] = previous;
    if (last_nat) last_nat_[{p.netns, dir}] = *last_nat;
  }

  // Device sightings (BPF): the packet as it left and arrived, and where it died.
  void attach_wire_events(ProbeReport& r) {
    std::set<std::pair<uint32_t, Direction>> snat_checked;
    for (const auto& e : in_.packets) {
      if (!in_window(e.received, w_)) continue;
      auto pkt = bpf_packet(e);
      // A packet the kernel side knew by this probe's UDP marker is the probe, whatever
      // NAT made of its ports (a DNAT to another port, then a random SNAT).
      const bool by_marker = e.marker_probe == w_.spec.id;
      if (!pkt || !(keys_.matches(*pkt) || by_marker)) continue;
      const Direction dir = keys_.direction(pkt->flow).value_or(Direction::Request);
      if (e.kind == PacketEventKind::Drop) {
        if (!r.drop) r.drop = drop_info(e, dir, r);
        continue;
      }
      if (pkt->icmp_error) {
        // An ICMP error about the probe travels back to its sender. Shown as the flow it
        // quotes it would read like the request going backwards; it is neither the probe
        // leaving the node nor a candidate for source NAT.
        r.wire.push_back(WireSighting{Direction::Reply, ns_name(e.netns), e.kind, e.ifname, icmp_error_text(*pkt)});
        continue;
      }
      r.wire.push_back(WireSighting{dir, ns_name(e.netns), e.kind, e.ifname, pkt->flow.str()});
      if (e.kind == PacketEventKind::Transmit && dir == Direction::Request && e.netns == in_.origin_netns) {
        r.left_node = true;
      }
      // Source NAT happens after the last nft hook (postrouting): compare what nft saw
      // last in this namespace with what the device transmits.
      if (e.kind != PacketEventKind::Transmit || snat_checked.count({e.netns, dir}) > 0) continue;
      auto seen = last_flow_.find({e.netns, dir});
      if (seen == last_flow_.end() || !seen->second) continue;
      snat_checked.insert({e.netns, dir});
      if (*seen->second == pkt->flow) continue;
      Rewrite base;
      base.direction = dir;
      base.netns = ns_name(e.netns);
      auto nat = last_nat_.find({e.netns, dir});
      base.hook = nat != last_nat_.end() ? nat->second.hook : Hook::Postrouting;
      base.rule = nat != last_nat_.end() ? nat->second.rule : "conntrack NAT of an established flow";
      add_field_rewrites(*seen->second, pkt->flow, base, r.rewrites);
    }
  }

  // A NAT rule the trace saw whose effect no later event showed: the tracer marks packets
  // only where they enter a namespace, so when the node has no chain after its NAT chain
  // (a DNAT to a local socket, with no input chain) no trace event carries the rewritten
  // headers, and no device transmits them. Conntrack's entry in that namespace does: its
  // reply tuple is what NAT made of the flow. Only the fields the rule's kind rewrites
  // are taken from it (dnat/redirect: destination; snat/masquerade: source).
  void rewrites_from_conntrack(ProbeReport& r) const {
    static const std::regex destination(R"(\b(dnat|redirect)\b)");
    for (const auto& [key, nat] : last_nat_) {
      const uint32_t netns = key.first;
      const Direction dir = key.second;
      const std::string ns = ns_name(netns);
      const bool shown = std::any_of(r.rewrites.begin(), r.rewrites.end(),
                                     [&](const Rewrite& w) { return w.netns == ns && w.direction == dir; });
      if (shown) continue;
      const bool dst = std::regex_search(nat.rule, destination);
      for (const auto& c : w_.conntrack) {
        if (c.netns != netns) continue;
        const Flow from = dir == Direction::Request ? c.original : c.reply;
        Flow to = dir == Direction::Request ? c.reply.reversed() : c.original.reversed();
        if (dst) {
          to.src = from.src;
        } else {
          to.dst = from.dst;
        }
        if (from == to) continue;
        Rewrite base;
        base.direction = dir;
        base.netns = ns;
        base.hook = nat.hook;
        base.rule = nat.rule;
        add_field_rewrites(from, to, base, r.rewrites);
      }
    }
  }

  // Conntrack's reply tuple is what NAT made of the flow: a rewrite the trace reported
  // is confirmed when an entry in the same namespace shows the same change.
  void confirm_with_conntrack(ProbeReport& r) const {
    for (const auto& c : w_.conntrack) {
      r.conntrack.push_back({ns_name(c.netns), c.original.str(), c.reply.str(), c.status});
    }
    for (auto& rw : r.rewrites) {
      for (const auto& c : w_.conntrack) {
        if (ns_name(c.netns) != rw.netns) continue;
        // Request: original -> (reversed) reply. Reply: the other way round.
        const Flow from = rw.direction == Direction::Request ? c.original : c.reply;
        const Flow to = rw.direction == Direction::Request ? c.reply.reversed() : c.original.reversed();
        std::string before;
        std::string after;
        if (rw.field == "saddr") {
          before = from.src.addr.str();
          after = to.src.addr.str();
        } else if (rw.field == "sport") {
          before = std::to_string(from.src.port);
          after = std::to_string(to.src.port);
        } else if (rw.field == "daddr") {
          before = from.dst.addr.str();
          after = to.dst.addr.str();
        } else if (rw.field == "dport") {
          before = std::to_string(from.dst.port);
          after = std::to_string(to.dst.port);
        }
        if (before == rw.before && after == rw.after) rw.confirmed = true;
      }
    }
  }

  DropInfo drop_info(const PacketEvent& e, Direction dir, const ProbeReport& r) const {
    DropInfo d;
    d.direction = dir;
    d.netns = ns_name(e.netns);
    d.reason = e.reason;
    d.location = e.location_symbol;
    d.device = e.ifname;
    // The nft verdict that dropped it, if there was one in that namespace.
    const std::string ns = d.netns;
    auto it = std::find_if(r.hops.rbegin(), r.hops.rend(), [&](const Hop& h) {
      return h.netns == ns && h.direction == dir &&
             (h.verdict == "drop" || h.verdict == "reject" || h.verdict == "policy drop");
    });
    if (it != r.hops.rend()) {
      d.hook = it->hook;
      d.rule =
          it->verdict == "policy drop" ? "policy drop of " + it->family + " " + it->table + " " + it->chain : it->rule;
    } else if (netfilter_outside_nftables(e)) {
      d.note =
          "netfilter dropped it but no nftables rule did: an iptables-legacy (x_tables) rule, invisible to nft "
          "tracing, is the likely cause";
    }
    return d;
  }

  const CorrelatorInput& in_;
  const ProbeWindow& w_;
  RuleBook& rules_;
  ProbeKeys keys_;
  std::vector<Passage> passages_;
  std::map<std::pair<uint32_t, Direction>, std::optional<Flow>> last_flow_;
  std::map<std::pair<uint32_t, Direction>, Hop> last_nat_;
};

}  // namespace

Report correlate(const CorrelatorInput& in, RuleBook& rules) {
  Report report;
  report.lost_trace_events = in.lost_trace_events;
  report.lost_bpf_events = in.lost_bpf_events;
  report.lost_events = in.lost_trace_events + in.lost_bpf_events;
  for (const auto& w : in.probes) {
    ProbeCorrelator c(in, w, rules);
    report.targets.push_back(c.run());
  }
  return report;
}

}  // namespace fwpath::model

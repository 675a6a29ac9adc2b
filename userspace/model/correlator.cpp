#include "model/correlator.h"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <tuple>

#include "model/drop_hook.h"
#include "model/held_packet.h"
#include "model/icmp_twin.h"
#include "model/legacy_attribution.h"
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

bool unspecified(const IpAddr& a) {
  return std::all_of(a.bytes.begin(), a.bytes.end(), [](uint8_t b) { return b == 0; });
}

// The probe's flows as exact tuples, each way. Seeded with the tuple its socket used;
// grows with the tuples the trace and conntrack show the same packets rewritten to.
class FlowKeys {
 public:
  FlowKeys(L4 proto, Endpoint origin, Endpoint target) : proto_(proto), origin_(origin), target_(target) {
    if (!unspecified(origin_.addr) && origin_.port != 0) learn(Flow{proto_, origin_, target_}, Direction::Request);
  }

  [[nodiscard]] bool has(const Flow& f, Direction d) const {
    const auto& set = d == Direction::Request ? request_ : reply_;
    if (set.count(key(f)) > 0) return true;
    // A socket that failed before the kernel bound an address: the port and target tell.
    if (d == Direction::Request && unspecified(origin_.addr)) {
      return f.proto == proto_ && f.dst == target_ && f.src.port == origin_.port;
    }
    if (d == Direction::Reply && unspecified(origin_.addr)) {
      return f.proto == proto_ && f.src == target_ && f.dst.port == origin_.port;
    }
    return false;
  }
  [[nodiscard]] std::optional<Direction> direction(const Flow& f) const {
    if (has(f, Direction::Request)) return Direction::Request;
    if (has(f, Direction::Reply)) return Direction::Reply;
    return std::nullopt;
  }
  // Which way the packet goes: an ICMP error travels against the flow it quotes.
  [[nodiscard]] std::optional<Direction> direction(const ParsedPacket& p) const {
    auto d = direction(p.flow);
    if (!d || !p.icmp_error) return d;
    return *d == Direction::Request ? Direction::Reply : Direction::Request;
  }
  // Adds f as a tuple of direction d (and its reverse the other way); true if new.
  bool learn(const Flow& f, Direction d) {
    auto& same = d == Direction::Request ? request_ : reply_;
    auto& other = d == Direction::Request ? reply_ : request_;
    const bool added = same.insert(key(f)).second;
    other.insert(key(f.reversed()));
    return added;
  }

 private:
  // The printed flow names protocol, addresses and ports: unique, and cheap at this size.
  using Key = std::string;
  static Key key(const Flow& f) { return f.str(); }
  L4 proto_;
  Endpoint origin_;
  Endpoint target_;
  std::set<Key> request_;
  std::set<Key> reply_;
};

// Order of the hooks along one packet's way through a namespace.
int hook_rank(Hook h) {
  switch (h) {
    case Hook::Ingress: return 0;
    case Hook::Prerouting:
    case Hook::Output: return 1;
    case Hook::Input:
    case Hook::Forward: return 2;
    case Hook::Postrouting: return 3;
    case Hook::Egress: return 4;
    case Hook::Unknown: break;
  }
  return -1;
}

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
// Trace ids are derived from the skb and come back with later packets, so a passage also
// ends where the events cannot be the same packet any more (see starts_new_packet).
struct Passage {
  uint32_t netns = 0;
  uint32_t trace_id = 0;
  std::optional<Direction> direction;
  std::vector<size_t> events;  // indices into traces, in order
  Hook hook = Hook::Unknown;   // hook of the latest base chain entered
  // An ICMP error whose quote the trace cuts short: its bytes, to find it whole on the wire.
  std::vector<uint8_t> unquoted_icmp;

  // For telling packets apart while grouping.
  int max_rank = -1;
  std::set<Hook> own_hooks;           // hooks whose tracer chain this packet already passed
  std::vector<ParsedPacket> headers;  // the headers each base chain saw, in order
  bool dnat_rule_seen = false;        // dnat/redirect
  bool snat_rule_seen = false;        // snat/masquerade: the source changes after the last hook
};

bool is_src_nat_rule(const std::string& text) {
  static const std::regex nat(R"(\b(snat|masquerade)\b)");
  return std::regex_search(text, nat);
}

class ProbeCorrelator {
 public:
  ProbeCorrelator(const CorrelatorInput& in, const ProbeWindow& w, RuleBook& rules)
      : in_(in),
        w_(w),
        rules_(rules),
        keys_(w.spec.proto,
              Endpoint{w.socket.local.addr, w.socket.local.port != 0 ? w.socket.local.port : w.spec.source_port},
              w.spec.target) {}

  ProbeReport run() {
    ProbeReport r;
    r.spec = w_.spec;
    r.socket = w_.socket;
    r.notes = w_.notes;
    collect_passages();
    attribute();
    // Hops come from the first packet each way in each namespace (a SYN, its SYN-ACK);
    // retransmissions and the rest of the exchange only add rewrites.
    std::set<std::pair<uint32_t, Direction>> walked;
    for (auto& p : passages_) {
      if (!p.direction) continue;
      const bool first = walked.insert({p.netns, *p.direction}).second;
      walk_passage(p, r, first);
    }
    attach_wire_events(r);
    r.held = find_held_packet(r, request_sightings(), w_.neighbours, in_.devices_watched);
    rewrites_from_conntrack(r);
    confirm_with_conntrack(r);
    order_rewrites(r);
    mark_incomplete(r);
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

  std::optional<Hook> hook_of(const NftTraceEvent& e) const {
    if (is_own_table(e)) return hook_from_string(e.chain);
    if (auto chain = rules_.chain(e.netns, e.family, e.table, e.chain); chain && chain->base) return chain->hook;
    return std::nullopt;
  }

  // Whether an event with headers belongs to another packet than the passage so far:
  // a packet goes through a namespace's hooks in order and through the tracer's chain of
  // each hook once, and between two chains only NAT changes its headers: destination
  // NAT the destination, source NAT (postrouting, input) the source.
  static bool starts_new_packet(const Passage& p, const NftTraceEvent& e, std::optional<Hook> hook,
                                const ParsedPacket& pkt) {
    if (p.events.empty()) return false;
    if (hook && p.max_rank >= 0 && hook_rank(*hook) < p.max_rank) return true;
    if (hook && is_own_table(e) && p.own_hooks.count(*hook) > 0) return true;
    if (p.headers.empty()) return false;
    const Flow& before = p.headers.back().flow;
    const Flow& after = pkt.flow;
    if (before == after) return false;
    if (before.proto != after.proto || p.headers.back().icmp_error != pkt.icmp_error) return true;
    const bool advanced = hook && hook_rank(*hook) > p.max_rank;
    // Destination NAT shows at the next chain: later on its own hook (an established
    // flow's binding is applied there without a rule event), or at any later hook.
    const bool dst_ok = !hook || advanced || p.dnat_rule_seen || *hook == Hook::Prerouting || *hook == Hook::Output;
    // Source NAT happens on the last hooks and shows only to later chains of that hook.
    const bool src_ok =
        !hook || p.snat_rule_seen || (!advanced && (*hook == Hook::Postrouting || *hook == Hook::Input));
    const bool dst_changed = !(before.dst == after.dst);
    const bool src_changed = !(before.src == after.src);
    return (dst_changed && !dst_ok) || (src_changed && !src_ok);
  }

  // Groups the window's trace events into passages, in arrival order.
  void collect_passages() {
    std::map<std::pair<uint32_t, uint32_t>, size_t> open;  // (netns, trace id) -> passage
    for (size_t i = 0; i < in_.traces.size(); ++i) {
      const auto& e = in_.traces[i];
      // The tracer's own chains are kept: they see the packet first on every hook, so
      // their headers show rewrites even where the node has no chain of its own.
      if (!in_window(e.received, w_)) continue;
      const std::pair<uint32_t, uint32_t> id{e.netns, e.trace_id};
      const auto hook = hook_of(e);
      const auto pkt = trace_packet(e);
      auto it = open.find(id);
      if (it == open.end() || (pkt && starts_new_packet(passages_[it->second], e, hook, *pkt))) {
        Passage fresh;
        fresh.netns = e.netns;
        fresh.trace_id = e.trace_id;
        passages_.push_back(std::move(fresh));
        it = open.insert_or_assign(id, passages_.size() - 1).first;
      }
      Passage& p = passages_[it->second];
      p.events.push_back(i);
      if (hook) {
        p.max_rank = std::max(p.max_rank, hook_rank(*hook));
        if (is_own_table(e)) p.own_hooks.insert(*hook);
      }
      if (pkt) {
        if (p.headers.empty() && pkt->icmp_error_unquoted) p.unquoted_icmp = trace_bytes(e);
        p.headers.push_back(*pkt);
      }
      if (e.type == TraceType::Rule && e.rule_handle != 0 && !is_own_table(e)) {
        auto rule = rules_.rule(e.netns, e.family, e.table, e.chain, e.rule_handle);
        if (rule.found && is_nat_rule(rule.text)) {
          const bool snat = is_src_nat_rule(rule.text);
          p.snat_rule_seen |= snat;
          p.dnat_rule_seen |= !snat;
        }
      }
    }
    // Events were appended in arrival order, so passages are ordered by their first event.
  }

  // Decides which passages are the probe's, learning the tuples its packets are rewritten
  // to until nothing new is learnt: a DNAT in one namespace makes the next namespace's
  // passages recognisable.
  void attribute() {
    bool learnt = true;
    while (learnt) {
      learnt = false;
      for (auto& p : passages_) {
        if (p.direction || p.headers.empty()) continue;
        p.direction = p.unquoted_icmp.empty() ? keys_.direction(p.headers.front()) : icmp_error_direction(p);
        if (!p.direction || p.headers.front().icmp_error || !p.unquoted_icmp.empty()) continue;
        for (const auto& h : p.headers) learnt |= keys_.learn(h.flow, *p.direction);
      }
      // Conntrack's entry of a flow of ours says what NAT made of it, the source NAT
      // after the last hook included.
      for (const auto& c : w_.conntrack) {
        if (keys_.has(c.original, Direction::Request) || keys_.has(c.reply, Direction::Reply)) {
          learnt |= keys_.learn(c.original, Direction::Request);
          learnt |= keys_.learn(c.reply, Direction::Reply);
        }
      }
      learnt |= learn_source_nat_on_the_wire();
    }
  }

  // The direction of an ICMP error the trace cut short: that of the same error the devices
  // saw whole in that namespace (model/icmp_twin.h), when it quotes one of the probe's flows.
  std::optional<Direction> icmp_error_direction(const Passage& p) const {
    for (const auto& e : in_.packets) {
      if (e.netns != p.netns || !in_window(e.received, w_) || !same_icmp_error(p.unquoted_icmp, e.packet)) continue;
      auto pkt = bpf_packet(e);
      if (pkt && pkt->icmp_error) return keys_.direction(*pkt);
    }
    return std::nullopt;
  }

  // Without a conntrack entry, a source NAT done after the last hook shows only on the
  // wire. A transmitted packet is taken for the probe's, rewritten, only where the probe's
  // passage in that namespace ran a snat/masquerade rule, towards the same destination.
  bool learn_source_nat_on_the_wire() {
    bool learnt = false;
    for (const auto& e : in_.packets) {
      if (e.kind != PacketEventKind::Transmit || !in_window(e.received, w_)) continue;
      auto pkt = bpf_packet(e);
      if (!pkt || pkt->icmp_error || keys_.direction(pkt->flow)) continue;
      for (const auto& p : passages_) {
        if (!p.direction || p.netns != e.netns || !p.snat_rule_seen || p.headers.empty()) continue;
        const Flow& last = p.headers.back().flow;
        const std::string& oif = in_.traces[p.events.back()].oif;
        if (last.proto != pkt->flow.proto || !(last.dst == pkt->flow.dst)) continue;
        if (!oif.empty() && oif != e.ifname) continue;
        learnt |= keys_.learn(pkt->flow, *p.direction);
        break;
      }
    }
    return learnt;
  }

  // Losses that happened while this probe's window was open make it incomplete; so does
  // reaching the cap of stored events.
  void mark_incomplete(ProbeReport& r) const {
    LossCounts during;
    for (const auto& m : in_.loss_marks) {
      if (m.since > w_.end || m.noticed < w_.start) continue;
      during.trace_overruns += m.counts.trace_overruns;
      during.bpf_events += m.counts.bpf_events;
      during.undecodable += m.counts.undecodable;
    }
    // Counts without marks cannot be placed in time: every probe may be affected.
    if (in_.loss_marks.empty()) during = in_.losses;
    if (during.trace_overruns > 0) {
      r.incomplete_because.push_back(std::to_string(during.trace_overruns) +
                                     " trace socket overrun(s) (ENOBUFS: an unknown number of nft trace events lost)");
    }
    if (during.bpf_events > 0) {
      r.incomplete_because.push_back(std::to_string(during.bpf_events) + " BPF event(s) lost (ring buffer full)");
    }
    if (during.undecodable > 0) {
      r.incomplete_because.push_back(std::to_string(during.undecodable) + " undecodable trace message(s)");
    }
    if (in_.capped_probes.count(w_.spec.id) > 0) {
      r.incomplete_because.emplace_back(
          "its events reached the cap of stored events per probe; later ones were not kept");
    }
    r.incomplete = !r.incomplete_because.empty();
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
          base.seen = e.received;
          add_field_rewrites(*previous, pkt->flow, base, r.rewrites);
        }
        previous = pkt->flow;
      }
      note_seen(p.netns, dir, p.hook, oif, previous);
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

  // The furthest hook nft saw the probe's packets at in a namespace, the tracer's own
  // chains included (where it was last known to be alive there), with the interface it
  // was routed to and its headers at that hook.
  struct Seen {
    Hook hook = Hook::Unknown;
    std::string oif;
    std::optional<Flow> flow;
    size_t order = 0;  // namespaces in the order nft first saw the probe there
  };
  void note_seen(uint32_t netns, Direction dir, Hook hook, const std::string& oif, const std::optional<Flow>& flow) {
    if (hook == Hook::Unknown) return;
    auto [it, added] = seen_.try_emplace({netns, dir}, Seen{hook, oif, flow, seen_.size()});
    if (added || hook_rank(hook) < hook_rank(it->second.hook)) return;
    it->second.hook = hook;
    if (!oif.empty()) it->second.oif = oif;
    if (flow) it->second.flow = flow;
  }

  [[nodiscard]] std::vector<NetnsSighting> request_sightings() const {
    std::vector<std::pair<size_t, NetnsSighting>> ordered;
    for (const auto& [key, seen] : seen_) {
      if (key.second != Direction::Request) continue;
      ordered.emplace_back(seen.order, NetnsSighting{key.first, ns_name(key.first), seen.hook, seen.oif, seen.flow});
    }
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<NetnsSighting> out;
    out.reserve(ordered.size());
    for (auto& [order, s] : ordered) out.push_back(std::move(s));
    return out;
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
      auto d = pkt ? keys_.direction(*pkt) : std::nullopt;
      if (!d && pkt && by_marker) d = Direction::Request;
      if (!d) continue;
      const Direction dir = *d;
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
      base.seen = e.received;
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

  // Rewrites in the order the packet met them, the request's before the reply's. The nft
  // trace and the ring buffer are read apart, so arrival times order rewrites only within
  // a namespace; the namespaces go in the order the devices saw the packet cross them
  // (the ring buffer is in kernel order), then those only the nft trace saw.
  static void order_rewrites(ProbeReport& r) {
    std::map<std::pair<Direction, std::string>, size_t> rank;
    for (const auto& w : r.wire) rank.try_emplace({w.direction, w.netns}, rank.size());
    for (const auto& h : r.hops) rank.try_emplace({h.direction, h.netns}, rank.size());
    auto key = [&](const Rewrite& w) {
      auto it = rank.find({w.direction, w.netns});
      return std::tuple(w.direction != Direction::Request, it != rank.end() ? it->second : rank.size(), w.seen);
    };
    std::stable_sort(r.rewrites.begin(), r.rewrites.end(),
                     [&](const Rewrite& a, const Rewrite& b) { return key(a) < key(b); });
  }

  // Conntrack's reply tuple is what NAT made of the flow: a rewrite the trace reported
  // is confirmed when an entry in the same namespace shows the same change.
  void confirm_with_conntrack(ProbeReport& r) const {
    // The runner lists entries by port; only those of the probe's own flows count.
    std::vector<const ConntrackSighting*> ours;
    for (const auto& c : w_.conntrack) {
      if (!keys_.has(c.original, Direction::Request) && !keys_.has(c.reply, Direction::Reply)) continue;
      ours.push_back(&c);
      r.conntrack.push_back({ns_name(c.netns), c.original.str(), c.reply.str(), c.status});
    }
    for (auto& rw : r.rewrites) {
      for (const auto* cp : ours) {
        const auto& c = *cp;
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
      // The drop site (nf_hook_slow) does not say which hook; the hooks nft saw the packet
      // at in that namespace bound it.
      auto seen = seen_.find({e.netns, dir});
      if (seen != seen_.end()) {
        const auto inferred = infer_netfilter_drop_hook(seen->second.hook);
        d.hook = inferred.hook;
        d.hook_inferred = inferred.inferred;
        d.hook_evidence = inferred.note;
      }
      attribute_to_legacy_rule(d, e.netns, seen != seen_.end() ? hooks_from(seen->second.hook) : std::vector<Hook>{});
    }
    return d;
  }

  // The legacy rules whose counters say they dropped packets while the probe was out, in
  // the drop's namespace, among those at a hook the packet could still meet there.
  void attribute_to_legacy_rule(DropInfo& d, uint32_t netns, const std::vector<Hook>& possible) const {
    const auto it =
        std::find_if(w_.legacy.begin(), w_.legacy.end(), [&](const LegacyCounterMoves& l) { return l.netns == netns; });
    if (it == w_.legacy.end()) return;
    d.legacy_rules = legacy_drop_candidates(it->moved, possible);
    if (d.legacy_rules.empty()) return;
    d.note = legacy_drop_note(d.legacy_rules);
    if (d.legacy_rules.size() != 1) return;
    const LegacyRule& l = d.legacy_rules.front();
    d.rule = l.position == 0 ? "iptables-legacy " + l.rule + " of " + l.table + " " + l.chain
                             : "iptables-legacy " + l.table + ": " + l.rule;
    if (l.hook == Hook::Unknown) return;
    d.hook = l.hook;
    d.hook_inferred = false;
    d.hook_evidence = "the iptables-legacy rule is in the chain " + l.chain + " of table " + l.table +
                      (builtin_chain_hook(l.chain) != Hook::Unknown
                           ? ""
                           : ", reached from " + to_string(l.hook) + " by a jump whose counter also went up");
  }

  const CorrelatorInput& in_;
  const ProbeWindow& w_;
  RuleBook& rules_;
  FlowKeys keys_;
  std::vector<Passage> passages_;
  std::map<std::pair<uint32_t, Direction>, std::optional<Flow>> last_flow_;
  std::map<std::pair<uint32_t, Direction>, Hop> last_nat_;
  std::map<std::pair<uint32_t, Direction>, Seen> seen_;
};

}  // namespace

Report correlate(const CorrelatorInput& in, RuleBook& rules) {
  Report report;
  report.lost = in.losses;
  report.lost_events = in.losses.total();
  report.ignored_foreign_events = in.tally.ignored_foreign;
  report.over_cap_events = in.tally.over_cap;
  for (const auto& w : in.probes) {
    ProbeCorrelator c(in, w, rules);
    report.targets.push_back(c.run());
  }
  return report;
}

}  // namespace fwpath::model

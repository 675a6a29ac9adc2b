#include "model/event_gate.h"

#include <algorithm>

#include "model/icmp_twin.h"

namespace fwpath::model {

namespace {

std::optional<ParsedPacket> parse(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.empty()) return std::nullopt;
  std::vector<uint8_t> buf = a;
  buf.insert(buf.end(), b.begin(), b.end());
  return parse_ip_packet(buf.data(), buf.size());
}

Clock::time_point received(const std::variant<NftTraceEvent, PacketEvent>& e) {
  return std::visit([](const auto& v) { return v.received; }, e);
}

template <typename T>
std::vector<T> in_arrival_order(std::vector<std::pair<uint64_t, T>>& kept) {
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<T> out;
  out.reserve(kept.size());
  for (auto& [seq, e] : kept) out.push_back(std::move(e));
  kept.clear();
  return out;
}

}  // namespace

EventGate::EventGate(std::vector<ProbeSpec> probes, size_t cap_per_probe)
    : probes_(std::move(probes)), cap_(cap_per_probe) {}

std::optional<uint32_t> EventGate::owner(const Flow& f) const {
  for (const auto& p : probes_) {
    if (p.proto != f.proto) continue;
    // Without a chosen source port (never the case for fwpath's own probes) fall back to
    // the target's port, which a flood to the target also carries.
    const uint16_t port = p.source_port != 0 ? p.source_port : p.target.port;
    if (f.src.port == port || f.dst.port == port) return p.id;
  }
  for (const auto& l : learnt_) {
    if (l.flow == f) return l.probe;
  }
  return std::nullopt;
}

std::optional<uint32_t> EventGate::twin_owner(uint32_t netns, const std::vector<uint8_t>& start) const {
  for (const auto& t : icmp_twins_) {
    if (t.netns == netns && same_icmp_error(start, t.packet)) return t.probe;
  }
  return std::nullopt;
}

void EventGate::learn(const Flow& f, uint32_t probe) {
  if (owner(f)) return;
  learnt_.push_back(Learnt{f, probe});
  learnt_.push_back(Learnt{f.reversed(), probe});
  learnt_since_release_ = true;
}

// Between two hooks of one packet's passage only a DNAT (or a DNAT-like redirect) changes
// the headers; the source endpoint stays. A packet that reuses the trace id of one of the
// probe's has another source (a flood from another port) and is not taken for it.
std::optional<uint32_t> EventGate::same_packet_after_dnat(const TraceKey& key, const ParsedPacket& pkt) {
  // An ICMP error is another packet than the one it is about, whatever trace id it has.
  if (pkt.icmp_error || pkt.icmp_error_unquoted) return std::nullopt;
  auto it = in_view_.find(key);
  if (it == in_view_.end() || !it->second.probe) return std::nullopt;
  const Flow& before = it->second.flow;
  if (before.proto != pkt.flow.proto || !(before.src == pkt.flow.src)) return std::nullopt;
  learn(pkt.flow, *it->second.probe);
  return it->second.probe;
}

bool EventGate::admit(uint32_t probe_id) {
  size_t& n = kept_per_probe_[probe_id];
  if (n >= cap_) {
    capped_.insert(probe_id);
    ++tally_.over_cap;
    return false;
  }
  ++n;
  return true;
}

void EventGate::keep(std::variant<NftTraceEvent, PacketEvent>&& e, uint32_t probe, uint64_t seq) {
  if (!admit(probe)) return;
  if (auto* t = std::get_if<NftTraceEvent>(&e)) {
    kept_traces_.emplace_back(seq, std::move(*t));
    return;
  }
  auto& p = std::get<PacketEvent>(e);
  // An ICMP error about the probe seen whole: the nft trace of the same error, cut short,
  // is recognised by its bytes.
  auto pkt = p.packet.empty() ? std::nullopt : parse_ip_packet(p.packet.data(), p.packet.size());
  if (pkt && pkt->icmp_error) {
    icmp_twins_.push_back(IcmpTwin{p.netns, p.packet, probe});
    learnt_since_release_ = true;
  }
  kept_packets_.emplace_back(seq, std::move(p));
}

void EventGate::drop_held_front() {
  const Held& h = held_.front();
  // What is known of a foreign packet lives only as long as its held events.
  if (h.flow && h.trace) {
    auto view = in_view_.find(*h.trace);
    if (view != in_view_.end() && view->second.seq == h.seq) in_view_.erase(view);
  }
  held_.pop_front();
  ++tally_.ignored_foreign;
}

void EventGate::hold(Held h) {
  if (held_.size() >= kMaxHeld) drop_held_front();
  held_.push_back(std::move(h));
}

void EventGate::offer(NftTraceEvent e) {
  ++tally_.traces_decoded;
  if (!tally_.first_trace || e.received < *tally_.first_trace) tally_.first_trace = e.received;
  if (!tally_.last_trace || e.received > *tally_.last_trace) tally_.last_trace = e.received;
  const uint64_t seq = next_seq_++;
  const TraceKey key{e.netns, e.trace_id};
  auto pkt = parse(e.network_header, e.transport_header);
  if (!pkt) {
    // Headers come only with the first event of each base chain; the rest of the
    // packet's passage follows the decision taken on them.
    auto it = in_view_.find(key);
    if (it == in_view_.end()) {
      ++tally_.ignored_foreign;
    } else if (it->second.probe) {
      keep(std::move(e), *it->second.probe, seq);
    } else {
      hold(Held{seq, std::move(e), std::nullopt, false, key, it->second.seq, {}});
    }
    return;
  }
  std::vector<uint8_t> unquoted = pkt->icmp_error_unquoted ? trace_bytes(e) : std::vector<uint8_t>{};
  auto probe = unquoted.empty() ? owner(pkt->flow) : twin_owner(e.netns, unquoted);
  if (!probe) probe = same_packet_after_dnat(key, *pkt);
  in_view_[key] = PacketInView{pkt->flow, seq, probe};  // a trace id is reused by later packets
  if (probe) {
    keep(std::move(e), *probe, seq);
  } else {
    hold(Held{seq, std::move(e), pkt->flow, pkt->icmp_error, key, std::nullopt, std::move(unquoted)});
  }
}

void EventGate::offer(PacketEvent e) {
  ++tally_.packets_decoded;
  const uint64_t seq = next_seq_++;
  auto pkt = e.packet.empty() ? std::nullopt : parse_ip_packet(e.packet.data(), e.packet.size());
  auto probe = pkt ? owner(pkt->flow) : std::nullopt;
  // The kernel side recognised the probe's UDP marker: the probe itself, whatever a
  // port-changing NAT made of its ports; the flow it has now is the probe's from here on.
  if (!probe && e.marker_probe) {
    probe = e.marker_probe;
    if (pkt && !pkt->icmp_error) learn(pkt->flow, *probe);
  }
  if (probe) {
    keep(std::move(e), *probe, seq);
  } else if (pkt) {
    hold(Held{seq, std::move(e), pkt->flow, pkt->icmp_error, std::nullopt, std::nullopt, {}});
  } else {
    ++tally_.ignored_foreign;
  }
}

// Releases the held events a learnt flow now makes a probe's, until releasing teaches
// nothing more (a released header can show a DNAT that makes further events the probe's).
void EventGate::release_recognised() {
  while (learnt_since_release_) {
    learnt_since_release_ = false;
    std::map<uint64_t, uint32_t> released_headers;  // seq -> probe
    // The last held header of each packet in this pass, and its probe if released.
    std::map<TraceKey, std::pair<Flow, std::optional<uint32_t>>> previous_header;
    std::deque<Held> still_held;
    for (auto& h : held_) {
      std::optional<uint32_t> probe;
      if (h.flow && !h.unquoted_icmp.empty()) {
        probe = twin_owner(h.trace->first, h.unquoted_icmp);
        previous_header[*h.trace] = {*h.flow, probe};
      } else if (h.flow) {
        probe = owner(*h.flow);
        if (h.trace) {
          auto prev = previous_header.find(*h.trace);
          if (!probe && !h.icmp_error && prev != previous_header.end() && prev->second.second &&
              prev->second.first.proto == h.flow->proto && prev->second.first.src == h.flow->src) {
            probe = prev->second.second;  // a DNAT between hooks, as in same_packet_after_dnat()
            learn(*h.flow, *probe);
          }
          previous_header[*h.trace] = {*h.flow, probe};
        }
      } else if (h.follows) {
        auto it = released_headers.find(*h.follows);
        if (it != released_headers.end()) probe = it->second;
      }
      if (!probe) {
        still_held.push_back(std::move(h));
        continue;
      }
      if (h.flow && h.trace) {
        released_headers[h.seq] = *probe;
        auto view = in_view_.find(*h.trace);
        if (view != in_view_.end() && view->second.seq == h.seq) view->second.probe = probe;
      }
      keep(std::move(h.event), *probe, h.seq);
    }
    held_ = std::move(still_held);
  }
}

KeptEvents EventGate::take_kept() {
  release_recognised();
  KeptEvents out;
  out.traces = in_arrival_order(kept_traces_);
  out.packets = in_arrival_order(kept_packets_);
  return out;
}

void EventGate::note_losses(Clock::time_point now, const LossCounts& cumulative) {
  while (!held_.empty() && received(held_.front().event) + kHoldFor < now) drop_held_front();
  LossCounts delta;
  delta.trace_overruns = cumulative.trace_overruns - std::min(cumulative.trace_overruns, losses_.trace_overruns);
  delta.bpf_events = cumulative.bpf_events - std::min(cumulative.bpf_events, losses_.bpf_events);
  delta.undecodable = cumulative.undecodable - std::min(cumulative.undecodable, losses_.undecodable);
  if (delta.any()) {
    // Before the first read there is no earlier one: the losses may date from the start.
    marks_.push_back(LossMark{last_read_.value_or(Clock::time_point::min()), now, delta});
    losses_ = cumulative;
  }
  last_read_ = now;
}

EventTally EventGate::tally() const {
  EventTally t = tally_;
  t.ignored_foreign += held_.size();
  return t;
}

}  // namespace fwpath::model

#include "model/event_gate.h"

#include <algorithm>

namespace fwpath::model {

namespace {

std::optional<ParsedPacket> parse(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.empty()) return std::nullopt;
  std::vector<uint8_t> buf = a;
  buf.insert(buf.end(), b.begin(), b.end());
  return parse_ip_packet(buf.data(), buf.size());
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
  return std::nullopt;
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

bool EventGate::keep(const NftTraceEvent& e) {
  ++tally_.traces_decoded;
  if (!tally_.first_trace || e.received < *tally_.first_trace) tally_.first_trace = e.received;
  if (!tally_.last_trace || e.received > *tally_.last_trace) tally_.last_trace = e.received;
  const std::pair<uint32_t, uint32_t> id{e.netns, e.trace_id};
  auto pkt = parse(e.network_header, e.transport_header);
  if (!pkt) {
    // Headers come only with the first event of each base chain; the rest of the
    // packet's passage follows the decision taken on them.
    auto it = kept_ids_.find(id);
    if (it == kept_ids_.end()) {
      ++tally_.ignored_foreign;
      return false;
    }
    return admit(it->second);
  }
  auto probe = owner(pkt->flow);
  if (!probe) {
    kept_ids_.erase(id);  // a trace id is reused by later packets
    ++tally_.ignored_foreign;
    return false;
  }
  kept_ids_[id] = *probe;
  return admit(*probe);
}

bool EventGate::keep(const PacketEvent& e) {
  ++tally_.packets_decoded;
  auto pkt = e.packet.empty() ? std::nullopt : parse_ip_packet(e.packet.data(), e.packet.size());
  auto probe = pkt ? owner(pkt->flow) : std::nullopt;
  // The kernel side recognised the probe's UDP marker: the probe itself, whatever a
  // port-changing NAT made of its ports.
  if (!probe && e.marker_probe) probe = e.marker_probe;
  if (!probe) {
    ++tally_.ignored_foreign;
    return false;
  }
  return admit(*probe);
}

void EventGate::note_losses(Clock::time_point now, const LossCounts& cumulative) {
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

}  // namespace fwpath::model

#include "model/held_packet.h"

#include <algorithm>

namespace fwpath::model {

namespace {

bool routes_out(Hook h) {
  return h == Hook::Forward || h == Hook::Postrouting || h == Hook::Output;
}

bool transmitted_in(const ProbeReport& r, const std::string& netns) {
  return std::any_of(r.wire.begin(), r.wire.end(), [&](const WireSighting& w) {
    return w.direction == Direction::Request && w.kind == PacketEventKind::Transmit && w.netns == netns;
  });
}

// How far along the path the devices saw the request: the index of its last sighting in
// `netns`, -1 when none.
long wire_rank(const ProbeReport& r, const std::string& netns) {
  long rank = -1;
  for (size_t i = 0; i < r.wire.size(); ++i) {
    if (r.wire[i].direction == Direction::Request && r.wire[i].netns == netns) rank = static_cast<long>(i);
  }
  return rank;
}

std::optional<HeldPacket::Neighbour> waited_for(const NetnsSighting& s, const std::vector<NeighbourSighting>& all) {
  std::vector<const NeighbourSighting*> on_device;
  for (const auto& n : all) {
    if (n.netns == s.netns && (s.oif.empty() || n.device == s.oif)) on_device.push_back(&n);
  }
  const NeighbourSighting* chosen = nullptr;
  bool is_destination = false;
  if (s.flow) {
    auto it = std::find_if(on_device.begin(), on_device.end(),
                           [&](const NeighbourSighting* n) { return n->addr == s.flow->dst.addr; });
    if (it != on_device.end()) {
      chosen = *it;
      is_destination = true;
    }
  }
  // A gateway's entry: only when the device has no other unresolved one to confuse it with.
  if (chosen == nullptr && on_device.size() == 1 && !s.oif.empty()) chosen = on_device.front();
  if (chosen == nullptr) return std::nullopt;
  return HeldPacket::Neighbour{chosen->addr.v6 ? "ND" : "ARP", chosen->addr.str(), chosen->device, chosen->state,
                               is_destination};
}

// Whether the devices would have known the packet had it been transmitted: BPF matches a
// UDP probe by its marker whatever NAT did, a TCP probe only by its ports, which a source
// NAT there may have changed.
bool recognisable_on_the_wire(const ProbeReport& r, const NetnsSighting& s) {
  if (r.spec.proto == L4::Udp) return true;
  if (!s.flow || s.flow->src.port != r.spec.source_port) return false;
  return std::none_of(r.hops.begin(), r.hops.end(), [&](const Hop& h) {
    return h.direction == Direction::Request && h.netns == s.name &&
           (h.rule.find("snat") != std::string::npos || h.rule.find("masquerade") != std::string::npos);
  });
}

}  // namespace

std::optional<HeldPacket> find_held_packet(const ProbeReport& r, const std::vector<NetnsSighting>& sightings,
                                           const std::vector<NeighbourSighting>& neighbours, bool devices_watched) {
  if (!devices_watched || r.drop || r.socket.outcome != SocketOutcome::Timeout) return std::nullopt;
  // An nft verdict that dropped it is a death even where no device event showed it.
  const bool nft_dropped = std::any_of(r.hops.begin(), r.hops.end(), [](const Hop& h) {
    return h.verdict == "drop" || h.verdict == "reject" || h.verdict == "policy drop";
  });
  if (nft_dropped) return std::nullopt;
  const NetnsSighting* held = nullptr;
  for (const auto& s : sightings) {
    if (!routes_out(s.hook) || transmitted_in(r, s.name) || !recognisable_on_the_wire(r, s)) continue;
    if (held == nullptr || wire_rank(r, s.name) >= wire_rank(r, held->name)) held = &s;
  }
  if (held == nullptr) return std::nullopt;
  HeldPacket h;
  h.netns = held->name;
  h.hook = held->hook;
  h.device = held->oif;
  if (held->flow) h.flow = held->flow->str();
  h.neighbour = waited_for(*held, neighbours);
  return h;
}

std::string held_text(const HeldPacket& h) {
  std::string out = "routed out";
  if (!h.device.empty()) out += " of " + h.device;
  out += " at " + to_string(h.hook) + " in netns " + h.netns +
         " but no device transmitted it and no drop was seen before the window closed";
  if (!h.neighbour) return out;
  const auto& n = *h.neighbour;
  if (n.is_destination) {
    out += ": waiting for " + n.protocol + " of " + n.address + " on " + n.device + " (" + n.state + ")";
  } else {
    out += ": " + n.device + "'s only unresolved neighbour is " + n.address + " (" + n.protocol + " " + n.state +
           "), most likely the gateway it waits for";
  }
  return out;
}

}  // namespace fwpath::model

#pragma once
// Whether a probe's packet was held in a namespace when the probe's window closed: routed
// out (nft saw it at forward, postrouting or output there), never transmitted by a device,
// never seen dying. Without this a silent UDP probe would read "left the node, no drop
// seen" while the datagram waited for ARP a few hops on (and died later, NEIGH_FAILED,
// after the window). The neighbour entry it most likely waits in is named when the
// neighbour table, listed after the window, shows one. Pure.
#include <optional>
#include <string>
#include <vector>

#include "model/events.h"
#include "model/path.h"

namespace fwpath::model {

// What nft last saw of the request in one namespace.
struct NetnsSighting {
  uint32_t netns = 0;
  std::string name;           // as the report names it
  Hook hook = Hook::Unknown;  // the furthest hook there
  std::string oif;            // the interface nft said it was routed to at that hook
  std::optional<Flow> flow;   // its headers there
};

// The held packet, when devices were watched (else "no transmit seen" means nothing), the
// probe got no answer (socket timeout) and no drop was seen, and a namespace that routed
// the request out shows no device transmitting it. Of several such namespaces, the one the
// packet reached last (r.wire order). The neighbour named is the unresolved entry on the
// routed-to device for the packet's destination, else the only unresolved one there.
std::optional<HeldPacket> find_held_packet(const ProbeReport& r, const std::vector<NetnsSighting>& sightings,
                                           const std::vector<NeighbourSighting>& neighbours, bool devices_watched);

// "waiting for ARP of 198.18.1.5 on cni0 (INCOMPLETE)", or what is known without an entry.
std::string held_text(const HeldPacket& h);

}  // namespace fwpath::model

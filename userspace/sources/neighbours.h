#pragma once
// The neighbour table (ARP for IPv4, ND for IPv6) of one namespace, read with an rtnetlink
// RTM_GETNEIGH dump. A packet routed to a next hop whose link-layer address is not known
// yet waits in that entry's queue: it is neither transmitted nor dropped until the kernel
// gives up (NEIGH_FAILED), so a probe's window can close while it waits. The entry says
// so: INCOMPLETE (still asking), FAILED (gave up).
#include <linux/netlink.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/flow.h"
#include "util/error.h"

namespace fwpath::sources {

struct NeighbourEntry {
  model::IpAddr addr;
  uint32_t ifindex = 0;
  uint16_t state = 0;  // NUD_* bits
};

// "INCOMPLETE", "REACHABLE", "FAILED", ... for the NUD_* bits set, joined by ','; "NONE"
// for none.
std::string neighbour_state_text(uint16_t state);

// Whether the entry has no link-layer address to send to: INCOMPLETE or FAILED.
bool neighbour_unresolved(uint16_t state);

// Pure: one RTM_NEWNEIGH message (a dump reply) into an entry; `len` is the number of
// bytes available at nlh. BadInput for a malformed message or one without an address.
Result<NeighbourEntry> decode_neighbour(const nlmsghdr* nlh, size_t len);

// The entries of both address families in the namespace `netns_fd` whose state
// neighbour_unresolved() says, with their interface names.
struct UnresolvedNeighbour {
  model::IpAddr addr;
  std::string device;
  std::string state;  // neighbour_state_text()
};
Result<std::vector<UnresolvedNeighbour>> unresolved_neighbours(int netns_fd, const std::string& netns_label);

}  // namespace fwpath::sources

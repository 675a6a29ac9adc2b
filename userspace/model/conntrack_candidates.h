#pragma once
// Which conntrack entries to ask a namespace for after a probe: conntrack files an entry
// under both of its tuples (the original, and the reply as NAT made it), so every header of
// the probe's packets that entered or left the namespace (a request before NAT, a reply)
// names the entry, and a lookup by it costs one hash probe. A dump would walk the whole
// table, which every namespace shares: tens of milliseconds on a quiet machine, far more
// on a busy node.
#include <cstdint>
#include <vector>

#include "model/events.h"
#include "model/flow.h"

namespace fwpath::model {

// The distinct flows of protocol `proto` that the events received at or after `since`
// show in namespace `netns` (ICMP errors left out: they name no entry of their own),
// with `socket_flow` first: the flow as the probe's socket sent it, which is the
// original tuple wherever no NAT came before.
std::vector<Flow> conntrack_candidates(const Flow& socket_flow, uint32_t netns, Clock::time_point since,
                                       const std::vector<NftTraceEvent>& traces,
                                       const std::vector<PacketEvent>& packets);

}  // namespace fwpath::model

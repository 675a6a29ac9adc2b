#include "model/conntrack_candidates.h"

#include <algorithm>

namespace fwpath::model {

namespace {

void add(std::vector<Flow>& out, const std::optional<ParsedPacket>& p, L4 proto) {
  if (!p || p->icmp_error || p->flow.proto != proto) return;
  if (std::find(out.begin(), out.end(), p->flow) == out.end()) out.push_back(p->flow);
}

}  // namespace

std::vector<Flow> conntrack_candidates(const Flow& socket_flow, uint32_t netns, Clock::time_point since,
                                       const std::vector<NftTraceEvent>& traces,
                                       const std::vector<PacketEvent>& packets) {
  std::vector<Flow> out{socket_flow};
  for (const auto& e : packets) {
    if (e.netns != netns || e.received < since || e.packet.empty()) continue;
    add(out, parse_ip_packet(e.packet.data(), e.packet.size()), socket_flow.proto);
  }
  for (const auto& e : traces) {
    if (e.netns != netns || e.received < since || e.network_header.empty()) continue;
    std::vector<uint8_t> buf = e.network_header;
    buf.insert(buf.end(), e.transport_header.begin(), e.transport_header.end());
    add(out, parse_ip_packet(buf.data(), buf.size()), socket_flow.proto);
  }
  return out;
}

}  // namespace fwpath::model

#include "model/probe_spec.h"

#include <algorithm>

namespace fwpath::model {

uint32_t longest_probe_skb(const std::vector<ProbeSpec>& probes) {
  // Room for link headers, VLAN tags and a tunnel's outer headers around the packet.
  constexpr uint32_t kHeadroom = 256;
  // TCP probes send and get back segments without data; every probe may meet an ICMP
  // error, which quotes at most 1280 bytes of it (IPv6; IPv4 quotes less).
  constexpr uint32_t kSmallest = 1280 + 48;
  constexpr uint32_t kWireGuardInitiation = 148;
  uint32_t longest = kSmallest;
  for (const auto& p : probes) {
    if (p.proto != L4::Udp) continue;
    const uint32_t payload = p.udp_payload != 0 ? p.udp_payload : kWireGuardInitiation;
    const uint32_t ip_header = p.target.addr.v6 ? 40 : 20;
    longest = std::max(longest, ip_header + 8 + payload);
  }
  return longest + kHeadroom;
}

}  // namespace fwpath::model

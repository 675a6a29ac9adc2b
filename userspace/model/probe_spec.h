#pragma once
// What the user asked to probe, after parsing and name resolution.
#include <cstdint>
#include <string>
#include <vector>

#include "model/flow.h"

namespace fwpath::model {

struct ProbeSpec {
  uint32_t id = 0;          // also the value in the BPF watch map
  std::string label;        // "api-server", "gateway", "tcp", "udp"
  std::string target_text;  // as the user wrote it (host name kept for the report)
  L4 proto = L4::Tcp;
  Endpoint target;
  uint16_t source_port = 0;  // chosen so that the probe's packets are recognisable
  uint32_t marker = 0;       // UDP: the WireGuard-shaped datagram's sender index
  // UDP: the datagram's payload size; 0 is the 148-byte WireGuard handshake initiation. A
  // larger one keeps those 148 bytes first (zeros after), e.g. to test a path's MTU.
  uint32_t udp_payload = 0;
  bool dont_fragment = false;  // UDP: DF set and no local fragmentation (PMTU tests)
};

// The longest skb (link header included) any packet of these probes can be, with room to
// spare: their own packets, replies, and ICMP errors quoting them (IPv6 quotes up to 1280
// bytes), on any link layer and through a tunnel header or two. Longer skbs are bulk
// traffic's GSO aggregates, which the BPF side skips.
uint32_t longest_probe_skb(const std::vector<ProbeSpec>& probes);

}  // namespace fwpath::model

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
};

}  // namespace fwpath::model

#include "model/icmp_twin.h"

#include <algorithm>

namespace fwpath::model {

namespace {
// An IPv4 header and the ICMP header: less could be any error from that sender.
constexpr size_t kMinBytes = 28;
}  // namespace

std::vector<uint8_t> trace_bytes(const NftTraceEvent& e) {
  std::vector<uint8_t> out = e.network_header;
  out.insert(out.end(), e.transport_header.begin(), e.transport_header.end());
  return out;
}

bool same_icmp_error(const std::vector<uint8_t>& start, const std::vector<uint8_t>& packet) {
  if (start.size() < kMinBytes || packet.size() < start.size()) return false;
  return std::equal(start.begin(), start.end(), packet.begin());
}

}  // namespace fwpath::model

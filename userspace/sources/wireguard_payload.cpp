#include "sources/wireguard_payload.h"

#include <algorithm>
#include <random>

namespace fwpath::sources {

WireguardInitiation wireguard_like_initiation(uint32_t marker, uint64_t seed) {
  WireguardInitiation msg{};
  std::copy(kWireguardInitiationType.begin(), kWireguardInitiationType.end(), msg.begin());
  const auto index = wireguard_sender_index_bytes(marker);
  std::copy(index.begin(), index.end(), msg.begin() + kWireguardSenderIndexOffset);
  std::mt19937_64 gen(seed);
  for (size_t i = 8; i < msg.size(); i += 8) {
    const uint64_t r = gen();
    for (size_t j = 0; j < 8 && i + j < msg.size(); ++j) msg[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  return msg;
}

std::optional<uint32_t> wireguard_initiation_marker(const uint8_t* payload, size_t len) {
  if (payload == nullptr || len != kWireguardInitiationSize) return std::nullopt;
  if (!std::equal(kWireguardInitiationType.begin(), kWireguardInitiationType.end(), payload)) return std::nullopt;
  uint32_t marker = 0;
  for (size_t i = 0; i < 4; ++i) marker |= static_cast<uint32_t>(payload[kWireguardSenderIndexOffset + i]) << (8 * i);
  return marker;
}

}  // namespace fwpath::sources

#pragma once
// The UDP probe's payload: shaped like a WireGuard handshake initiation, so that it takes
// the same path through firewalls and classifiers as a real one (message type 1, 148
// bytes), but carries a caller-chosen marker in the sender-index field so that the
// tracer can tell the probe from real traffic. A WireGuard peer silently drops it: its
// MACs are random.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace fwpath::sources {

constexpr size_t kWireguardInitiationSize = 148;
// The message's first four bytes: type 1 (handshake initiation), three reserved zeros.
constexpr std::array<uint8_t, 4> kWireguardInitiationType = {1, 0, 0, 0};
// Where the sender index (the marker) sits, and its bytes as WireGuard writes them
// (little endian). The tracer's nft rules match these bytes too (nft/tracer_rules.h).
constexpr size_t kWireguardSenderIndexOffset = 4;
constexpr std::array<uint8_t, 4> wireguard_sender_index_bytes(uint32_t marker) {
  return {static_cast<uint8_t>(marker), static_cast<uint8_t>(marker >> 8), static_cast<uint8_t>(marker >> 16),
          static_cast<uint8_t>(marker >> 24)};
}

using WireguardInitiation = std::array<uint8_t, kWireguardInitiationSize>;

// byte 0 = 1 (handshake initiation), bytes 1..3 = 0 (reserved), bytes 4..7 = marker as
// WireGuard writes its sender index (little endian), bytes 8..147 from a generator seeded
// with `seed` (the same seed gives the same bytes).
WireguardInitiation wireguard_like_initiation(uint32_t marker, uint64_t seed);

// The marker of a payload shaped as above; std::nullopt for anything else.
std::optional<uint32_t> wireguard_initiation_marker(const uint8_t* payload, size_t len);

}  // namespace fwpath::sources

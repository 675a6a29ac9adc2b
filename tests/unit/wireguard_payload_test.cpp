#include "sources/wireguard_payload.h"

#include <gtest/gtest.h>

namespace fwpath::sources {
namespace {

TEST(WireguardPayload, HasTheInitiationHeaderAndTheMarker) {
  const auto msg = wireguard_like_initiation(0x11223344, 7);
  EXPECT_EQ(msg.size(), 148U);
  EXPECT_EQ(msg[0], 1);  // handshake initiation
  EXPECT_EQ(msg[1], 0);
  EXPECT_EQ(msg[2], 0);
  EXPECT_EQ(msg[3], 0);
  // Sender index, little endian as WireGuard writes it.
  EXPECT_EQ(msg[4], 0x44);
  EXPECT_EQ(msg[5], 0x33);
  EXPECT_EQ(msg[6], 0x22);
  EXPECT_EQ(msg[7], 0x11);
}

TEST(WireguardPayload, RestIsRandomButReproducible) {
  const auto a = wireguard_like_initiation(1, 42);
  const auto b = wireguard_like_initiation(1, 42);
  const auto c = wireguard_like_initiation(1, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  size_t zeros = 0;
  for (size_t i = 8; i < a.size(); ++i) zeros += a[i] == 0 ? 1 : 0;
  EXPECT_LT(zeros, 20U) << "the body should look random, not empty";
}

TEST(WireguardPayload, MarkerRoundTrips) {
  const auto msg = wireguard_like_initiation(0xdeadbeef, 1);
  EXPECT_EQ(wireguard_initiation_marker(msg.data(), msg.size()), 0xdeadbeefU);
}

TEST(WireguardPayload, OtherPayloadsHaveNoMarker) {
  auto msg = wireguard_like_initiation(5, 1);
  EXPECT_FALSE(wireguard_initiation_marker(msg.data(), msg.size() - 1));
  EXPECT_FALSE(wireguard_initiation_marker(nullptr, 148));
  msg[0] = 2;  // handshake response
  EXPECT_FALSE(wireguard_initiation_marker(msg.data(), msg.size()));
  msg[0] = 1;
  msg[2] = 1;
  EXPECT_FALSE(wireguard_initiation_marker(msg.data(), msg.size()));
}

}  // namespace
}  // namespace fwpath::sources

#include "model/conntrack_candidates.h"

#include <gtest/gtest.h>

namespace fwpath::model {
namespace {

// An IPv4 + UDP header: SRC:SPORT -> DST:DPORT.
std::vector<uint8_t> udp(std::array<uint8_t, 4> src, uint16_t sport, std::array<uint8_t, 4> dst, uint16_t dport) {
  std::vector<uint8_t> p = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0};
  p.insert(p.end(), src.begin(), src.end());
  p.insert(p.end(), dst.begin(), dst.end());
  const std::vector<uint8_t> l4 = {static_cast<uint8_t>(sport >> 8),
                                   static_cast<uint8_t>(sport & 0xff),
                                   static_cast<uint8_t>(dport >> 8),
                                   static_cast<uint8_t>(dport & 0xff),
                                   0,
                                   8,
                                   0,
                                   0};
  p.insert(p.end(), l4.begin(), l4.end());
  return p;
}

Flow flow(const std::string& src, const std::string& dst) {
  return Flow{L4::Udp, parse_endpoint(src).value(), parse_endpoint(dst).value()};
}

struct ConntrackCandidates : ::testing::Test {
  Clock::time_point since = Clock::now();
  Flow sent = flow("192.0.2.10:40000", "198.51.100.20:30742");

  [[nodiscard]] PacketEvent packet(uint32_t netns, std::vector<uint8_t> bytes,
                                   Clock::duration after = std::chrono::milliseconds(1)) const {
    PacketEvent e;
    e.netns = netns;
    e.packet = std::move(bytes);
    e.received = since + after;
    return e;
  }
};

TEST_F(ConntrackCandidates, TheSocketsFlowFirstThenEachDistinctHeaderOfThatNamespace) {
  std::vector<PacketEvent> packets = {
      packet(7, udp({192, 0, 2, 10}, 40000, {198, 51, 100, 20}, 30742)),  // = the socket's flow
      packet(7, udp({192, 0, 2, 10}, 40000, {198, 18, 1, 5}, 51840)),     // after DNAT
      packet(7, udp({192, 0, 2, 10}, 40000, {198, 18, 1, 5}, 51840)),     // again
      packet(9, udp({203, 0, 113, 1}, 1, {203, 0, 113, 2}, 2)),           // another namespace
  };
  const auto c = conntrack_candidates(sent, 7, since, {}, packets);
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[0], sent);
  EXPECT_EQ(c[1], flow("192.0.2.10:40000", "198.18.1.5:51840"));
}

TEST_F(ConntrackCandidates, TraceHeadersCountAndEarlierProbesDoNot) {
  NftTraceEvent t;
  t.netns = 7;
  const auto reply = udp({198, 18, 1, 5}, 51840, {192, 0, 2, 10}, 40000);
  t.network_header.assign(reply.begin(), reply.begin() + 20);
  t.transport_header.assign(reply.begin() + 20, reply.end());
  t.received = since + std::chrono::milliseconds(2);
  NftTraceEvent before = t;
  before.received = since - std::chrono::milliseconds(1);  // a previous probe's window
  const auto old = udp({192, 0, 2, 10}, 40001, {198, 51, 100, 20}, 6443);
  before.network_header.assign(old.begin(), old.begin() + 20);
  before.transport_header.assign(old.begin() + 20, old.end());
  const auto c = conntrack_candidates(sent, 7, since, {before, t}, {});
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[1], flow("198.18.1.5:51840", "192.0.2.10:40000")) << "a reply names the entry too";
}

TEST_F(ConntrackCandidates, OtherProtocolsAndEmptyEventsAreLeftOut) {
  auto tcp = udp({192, 0, 2, 10}, 40000, {198, 51, 100, 20}, 6443);
  tcp[9] = 6;  // the same bytes read as TCP are too short a header: nothing parsed
  const auto c = conntrack_candidates(sent, 7, since, {}, {packet(7, tcp), packet(7, {})});
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0], sent);
}

}  // namespace
}  // namespace fwpath::model

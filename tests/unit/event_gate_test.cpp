// The gate keeps the probes' events and only those, so that a flood through the probed
// port cannot grow memory; it counts what it did not keep and places losses in time.
#include "model/event_gate.h"

#include <gtest/gtest.h>

namespace fwpath::model {
namespace {

using namespace std::chrono_literals;

std::vector<uint8_t> udp4(uint16_t sport, uint16_t dport) {
  std::vector<uint8_t> h(28, 0);
  h[0] = 0x45;
  h[3] = 28;
  h[9] = 17;
  h[12] = 192;
  h[15] = 10;
  h[16] = 198;
  h[17] = 51;
  h[18] = 100;
  h[19] = 20;
  h[20] = static_cast<uint8_t>(sport >> 8);
  h[21] = static_cast<uint8_t>(sport & 0xff);
  h[22] = static_cast<uint8_t>(dport >> 8);
  h[23] = static_cast<uint8_t>(dport & 0xff);
  h[25] = 8;
  return h;
}

ProbeSpec gateway(uint32_t id, uint16_t sport) {
  ProbeSpec p;
  p.id = id;
  p.proto = L4::Udp;
  p.target = Endpoint{IpAddr::parse("198.51.100.20").value(), 30742};
  p.source_port = sport;
  return p;
}

NftTraceEvent trace(uint32_t id, uint16_t sport, uint16_t dport) {
  NftTraceEvent e;
  e.netns = 2;
  e.trace_id = id;
  auto pkt = udp4(sport, dport);
  e.network_header.assign(pkt.begin(), pkt.begin() + 20);
  e.transport_header.assign(pkt.begin() + 20, pkt.end());
  return e;
}

NftTraceEvent bare(uint32_t id) {
  NftTraceEvent e;
  e.netns = 2;
  e.trace_id = id;
  return e;
}

TEST(EventGate, KeepsTheProbesSourcePortEitherWayAndNothingElse) {
  EventGate gate({gateway(1, 40000)});
  EXPECT_TRUE(gate.keep(trace(1, 40000, 30742)));
  EXPECT_TRUE(gate.keep(trace(2, 30742, 40000)));   // its reply
  EXPECT_FALSE(gate.keep(trace(3, 40999, 30742)));  // the flood to the same port
  EXPECT_FALSE(gate.keep(trace(4, 30742, 40999)));  // the flood's reply
  PacketEvent p;
  p.packet = udp4(40999, 30742);
  EXPECT_FALSE(gate.keep(p));
  p.packet = udp4(40000, 51840);  // after a DNAT: the source port is still there
  EXPECT_TRUE(gate.keep(p));
  EXPECT_EQ(gate.tally().traces_decoded, 4U);
  EXPECT_EQ(gate.tally().packets_decoded, 2U);
  EXPECT_EQ(gate.tally().ignored_foreign, 3U);
}

TEST(EventGate, KeepsAPacketTheKernelKnewByTheProbesMarkerWhateverItsPorts) {
  EventGate gate({gateway(1, 40000)});
  PacketEvent p;
  p.packet = udp4(51234, 51840);  // after a DNAT to another port and a random SNAT
  EXPECT_FALSE(gate.keep(p));
  p.marker_probe = 1;
  EXPECT_TRUE(gate.keep(p));
}

TEST(EventGate, EventsWithoutHeadersFollowTheirPacketEvenWhenTheIdIsReused) {
  EventGate gate({gateway(1, 40000)});
  EXPECT_TRUE(gate.keep(trace(7, 40000, 30742)));
  EXPECT_TRUE(gate.keep(bare(7)));
  EXPECT_FALSE(gate.keep(bare(8)));
  EXPECT_FALSE(gate.keep(trace(7, 40999, 30742)));  // a later packet with the same id
  EXPECT_FALSE(gate.keep(bare(7)));
  EXPECT_EQ(gate.tally().ignored_foreign, 3U);
}

TEST(EventGate, CapsEachProbeAndSaysWhich) {
  EventGate gate({gateway(1, 40000), gateway(2, 40001)}, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(gate.keep(trace(1, 40000, 30742)));
  EXPECT_FALSE(gate.keep(trace(1, 40000, 30742)));
  EXPECT_TRUE(gate.keep(trace(2, 40001, 30742)));  // the other probe has its own cap
  EXPECT_EQ(gate.capped(), std::set<uint32_t>{1});
  EXPECT_EQ(gate.tally().over_cap, 1U);
}

TEST(EventGate, LossesBecomeMarksWithTheIntervalTheyHappenedIn) {
  EventGate gate({});
  const auto t0 = Clock::now();
  gate.note_losses(t0, {});
  gate.note_losses(t0 + 5ms, {});
  LossCounts c;
  c.trace_overruns = 2;
  gate.note_losses(t0 + 10ms, c);
  c.bpf_events = 7;
  gate.note_losses(t0 + 15ms, c);
  gate.note_losses(t0 + 20ms, c);  // nothing new: no mark
  ASSERT_EQ(gate.loss_marks().size(), 2U);
  EXPECT_EQ(gate.loss_marks()[0].since, t0 + 5ms);
  EXPECT_EQ(gate.loss_marks()[0].noticed, t0 + 10ms);
  EXPECT_EQ(gate.loss_marks()[0].counts.trace_overruns, 2U);
  EXPECT_EQ(gate.loss_marks()[1].counts.trace_overruns, 0U);
  EXPECT_EQ(gate.loss_marks()[1].counts.bpf_events, 7U);
  EXPECT_EQ(gate.losses().total(), 9U);
}

}  // namespace
}  // namespace fwpath::model

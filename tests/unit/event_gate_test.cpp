// The gate keeps the probes' events and only those, so that a flood through the probed
// port cannot grow memory; it follows the flows a probe's packets are rewritten to, holds
// what it cannot place yet for a bounded while, counts what it did not keep and places
// losses in time.
#include "model/event_gate.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace fwpath::model {
namespace {

using namespace std::chrono_literals;

// A UDP/IPv4 header pair, src:sport -> dst:dport.
std::vector<uint8_t> udp4(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  std::vector<uint8_t> h(28, 0);
  h[0] = 0x45;
  h[3] = 28;
  h[9] = 17;
  std::copy_n(IpAddr::parse(src).value().bytes.begin(), 4, h.begin() + 12);
  std::copy_n(IpAddr::parse(dst).value().bytes.begin(), 4, h.begin() + 16);
  h[20] = static_cast<uint8_t>(sport >> 8);
  h[21] = static_cast<uint8_t>(sport & 0xff);
  h[22] = static_cast<uint8_t>(dport >> 8);
  h[23] = static_cast<uint8_t>(dport & 0xff);
  h[25] = 8;
  return h;
}

constexpr const char* kConsumer = "192.0.2.10";
constexpr const char* kNode = "198.51.100.20";
constexpr const char* kPod = "198.18.1.5";

std::vector<uint8_t> udp4(uint16_t sport, uint16_t dport) {
  return udp4(kConsumer, sport, kNode, dport);
}

ProbeSpec gateway(uint32_t id, uint16_t sport) {
  ProbeSpec p;
  p.id = id;
  p.proto = L4::Udp;
  p.target = Endpoint{IpAddr::parse(kNode).value(), 30742};
  p.source_port = sport;
  return p;
}

NftTraceEvent trace(uint32_t id, const std::vector<uint8_t>& pkt, uint32_t netns = 2) {
  NftTraceEvent e;
  e.netns = netns;
  e.trace_id = id;
  e.network_header.assign(pkt.begin(), pkt.begin() + 20);
  e.transport_header.assign(pkt.begin() + 20, pkt.end());
  return e;
}

NftTraceEvent trace(uint32_t id, uint16_t sport, uint16_t dport) {
  return trace(id, udp4(sport, dport));
}

NftTraceEvent bare(uint32_t id, uint32_t netns = 2) {
  NftTraceEvent e;
  e.netns = netns;
  e.trace_id = id;
  return e;
}

PacketEvent packet(const std::vector<uint8_t>& pkt, std::optional<uint32_t> marker = std::nullopt) {
  PacketEvent p;
  p.packet = pkt;
  p.marker_probe = marker;
  return p;
}

// Offers one event and says whether it came out of the gate right away.
bool kept_now(EventGate& gate, const NftTraceEvent& e) {
  gate.offer(e);
  return !gate.take_kept().traces.empty();
}
bool kept_now(EventGate& gate, const PacketEvent& e) {
  gate.offer(e);
  return !gate.take_kept().packets.empty();
}

TEST(EventGate, KeepsTheProbesSourcePortEitherWayAndNothingElse) {
  EventGate gate({gateway(1, 40000)});
  EXPECT_TRUE(kept_now(gate, trace(1, 40000, 30742)));
  EXPECT_TRUE(kept_now(gate, trace(2, 30742, 40000)));   // its reply
  EXPECT_FALSE(kept_now(gate, trace(3, 40999, 30742)));  // the flood to the same port
  EXPECT_FALSE(kept_now(gate, trace(4, 30742, 40999)));  // the flood's reply
  EXPECT_FALSE(kept_now(gate, packet(udp4(40999, 30742))));
  EXPECT_TRUE(kept_now(gate, packet(udp4(40000, 51840))));  // after a DNAT: the source port is still there
  EXPECT_EQ(gate.tally().traces_decoded, 4U);
  EXPECT_EQ(gate.tally().packets_decoded, 2U);
  EXPECT_EQ(gate.tally().ignored_foreign, 3U);
}

TEST(EventGate, KeepsAPacketTheKernelKnewByTheProbesMarkerWhateverItsPorts) {
  EventGate gate({gateway(1, 40000)});
  const auto after_snat = udp4(51234, 51840);  // after a DNAT to another port and a random SNAT
  EXPECT_FALSE(kept_now(gate, packet(after_snat)));
  EXPECT_TRUE(kept_now(gate, packet(after_snat, 1)));
}

// The S10 path: the consumer masquerades the probe to a random port; the next namespace's
// hooks, and the reply, show only that port.
TEST(EventGate, FollowsTheFlowAMarkedPacketWasRewrittenTo) {
  EventGate gate({gateway(1, 40000)});
  EXPECT_TRUE(kept_now(gate, packet(udp4(51234, 30742), 1)));
  EXPECT_TRUE(kept_now(gate, trace(5, udp4(51234, 30742), 3)));
  EXPECT_TRUE(kept_now(gate, trace(6, udp4(kNode, 30742, kConsumer, 51234), 3)));  // the reply
  EXPECT_FALSE(kept_now(gate, trace(7, udp4(51235, 30742), 3)));                   // another masqueraded flow
}

// The trace socket is read before the ring buffer: the next namespace's hook can be read
// before the device sighting that shows the rewritten flow.
TEST(EventGate, ReleasesHeldEventsInArrivalOrderOnceALaterEventTeachesTheirFlow) {
  EventGate gate({gateway(1, 40000)});
  auto first = trace(5, udp4(51234, 30742), 3);
  first.chain = "prerouting";
  gate.offer(first);
  auto follower = bare(5, 3);
  follower.chain = "prerouting-rule";
  gate.offer(follower);
  gate.offer(trace(8, 40999, 30742));  // the flood stays out
  auto nothing = gate.take_kept();
  EXPECT_TRUE(nothing.traces.empty());
  gate.offer(packet(udp4(51234, 30742), 1));
  auto kept = gate.take_kept();
  ASSERT_EQ(kept.traces.size(), 2U);
  EXPECT_EQ(kept.traces[0].chain, "prerouting");
  EXPECT_EQ(kept.traces[1].chain, "prerouting-rule");
  EXPECT_EQ(kept.packets.size(), 1U);
  EXPECT_EQ(gate.tally().ignored_foreign, 1U);
}

// Between two hooks of one packet only a DNAT changes its headers; the source stays.
TEST(EventGate, LearnsTheDnatBetweenTwoHooksOfOnePacketAndItsReply) {
  EventGate gate({gateway(1, 40000)});
  EXPECT_TRUE(kept_now(gate, packet(udp4(51234, 30742), 1)));
  EXPECT_TRUE(kept_now(gate, trace(9, udp4(51234, 30742), 3)));                    // prerouting
  EXPECT_TRUE(kept_now(gate, trace(9, udp4(kConsumer, 51234, kPod, 51840), 3)));   // forward
  EXPECT_TRUE(kept_now(gate, trace(10, udp4(kPod, 51840, kConsumer, 51234), 3)));  // the pod's reply
  // A later packet that reuses the trace id, from another source: not the probe's.
  EXPECT_FALSE(kept_now(gate, trace(9, udp4(kConsumer, 40999, kPod, 51840), 3)));
}

// The same DNAT learnt while both headers were held, released by a later marker.
TEST(EventGate, LearnsTheDnatAmongHeldEventsToo) {
  EventGate gate({gateway(1, 40000)});
  gate.offer(trace(9, udp4(51234, 30742), 3));
  gate.offer(trace(9, udp4(kConsumer, 51234, kPod, 51840), 3));
  gate.offer(trace(10, udp4(kPod, 51840, kConsumer, 51234), 3));
  EXPECT_TRUE(gate.take_kept().traces.empty());
  gate.offer(packet(udp4(51234, 30742), 1));
  EXPECT_EQ(gate.take_kept().traces.size(), 3U);
  EXPECT_EQ(gate.tally().ignored_foreign, 0U);
}

// ICMP 3/4 from the router about the probe's datagram udp4(40000, 30742), whole.
std::vector<uint8_t> frag_needed(uint16_t ip_id = 0x1234) {
  std::vector<uint8_t> h(28, 0);
  h[0] = 0x45;
  h[3] = 56;
  h[4] = static_cast<uint8_t>(ip_id >> 8);
  h[5] = static_cast<uint8_t>(ip_id & 0xff);
  h[9] = 1;
  std::copy_n(IpAddr::parse("192.0.2.1").value().bytes.begin(), 4, h.begin() + 12);
  std::copy_n(IpAddr::parse(kConsumer).value().bytes.begin(), 4, h.begin() + 16);
  h[20] = 3;
  h[21] = 4;
  h[22] = 0xab;  // checksum
  h[26] = 0x05;  // mtu 1400
  h[27] = 0x78;
  const auto quoted = udp4(40000, 30742);
  h.insert(h.end(), quoted.begin(), quoted.end());
  return h;
}

// The same error as nft traces it: 20 bytes of transport header, so the quote stops
// before its addresses.
NftTraceEvent frag_needed_trace(uint32_t netns, uint16_t ip_id = 0x1234) {
  const auto whole = frag_needed(ip_id);
  return trace(9, std::vector<uint8_t>(whole.begin(), whole.begin() + 40), netns);
}

TEST(EventGate, KeepsAnIcmpErrorTheTraceCutShortWhenTheDevicesSawItWhole) {
  // The trace first: held until the devices' sighting of the same error arrives.
  EventGate gate({gateway(1, 40000)});
  EXPECT_FALSE(kept_now(gate, frag_needed_trace(1)));
  PacketEvent whole = packet(frag_needed());
  whole.netns = 1;
  gate.offer(whole);
  auto kept = gate.take_kept();
  EXPECT_EQ(kept.packets.size(), 1U);
  ASSERT_EQ(kept.traces.size(), 1U);
  EXPECT_EQ(kept.traces[0].netns, 1U);
  // The devices first: kept at once.
  EventGate after({gateway(1, 40000)});
  EXPECT_TRUE(kept_now(after, whole));
  EXPECT_TRUE(kept_now(after, frag_needed_trace(1)));
  // Another error (another IP id: another packet), or the same bytes in another
  // namespace, is not the probe's.
  EXPECT_FALSE(kept_now(after, frag_needed_trace(1, 0x4321)));
  EXPECT_FALSE(kept_now(after, frag_needed_trace(3)));
}

TEST(EventGate, HeldEventsExpireAndCountAsIgnored) {
  EventGate gate({gateway(1, 40000)});
  const auto t0 = Clock::now();
  auto e = trace(5, udp4(51234, 30742), 3);
  e.received = t0;
  gate.offer(e);
  gate.note_losses(t0 + EventGate::kHoldFor + 1ms, {});
  EXPECT_EQ(gate.tally().ignored_foreign, 1U);
  gate.offer(packet(udp4(51234, 30742), 1));
  EXPECT_TRUE(gate.take_kept().traces.empty()) << "released after it expired";
}

TEST(EventGate, HoldsABoundedNumberOfEventsOldestOut) {
  EventGate gate({gateway(1, 40000)});
  gate.offer(trace(5, udp4(51234, 30742), 3));
  for (size_t i = 0; i < EventGate::kMaxHeld; ++i) gate.offer(trace(6, 40999, 30742));
  EXPECT_EQ(gate.tally().ignored_foreign, EventGate::kMaxHeld + 1);
  gate.offer(packet(udp4(51234, 30742), 1));
  EXPECT_TRUE(gate.take_kept().traces.empty()) << "the oldest held event was pushed out";
}

TEST(EventGate, EventsWithoutHeadersFollowTheirPacketEvenWhenTheIdIsReused) {
  EventGate gate({gateway(1, 40000)});
  EXPECT_TRUE(kept_now(gate, trace(7, 40000, 30742)));
  EXPECT_TRUE(kept_now(gate, bare(7)));
  EXPECT_FALSE(kept_now(gate, bare(8)));
  EXPECT_FALSE(kept_now(gate, trace(7, 40999, 30742)));  // a later packet with the same id
  EXPECT_FALSE(kept_now(gate, bare(7)));
  EXPECT_EQ(gate.tally().ignored_foreign, 3U);
}

TEST(EventGate, CapsEachProbeAndSaysWhich) {
  EventGate gate({gateway(1, 40000), gateway(2, 40001)}, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(kept_now(gate, trace(1, 40000, 30742)));
  EXPECT_FALSE(kept_now(gate, trace(1, 40000, 30742)));
  EXPECT_TRUE(kept_now(gate, trace(2, 40001, 30742)));  // the other probe has its own cap
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

#include "sources/bpf_event_convert.h"

#include <gtest/gtest.h>

#include <cstring>

namespace fwpath::sources {
namespace {

fwpath_event sample_drop() {
  fwpath_event ev{};
  ev.ts_ns = 123456789;
  ev.skb = 0xffff888012345600;
  ev.location = 0xffffffff81f2afde;
  ev.kind = FWPATH_EV_DROP;
  ev.reason = 12;
  ev.flags = FWPATH_F_HAS_REASON;
  ev.netns = 4026532316;
  ev.ifindex = 2;
  ev.pkt_len = 176;
  ev.snap_len = 4;
  std::memcpy(ev.ifname, "p-r", 4);
  const uint8_t head[4] = {0x45, 0x00, 0x00, 0xb0};
  std::memcpy(ev.pkt, head, sizeof(head));
  return ev;
}

struct BpfEventConvert : ::testing::Test {
  Kallsyms symbols = Kallsyms::parse("ffffffff81f2af50 T nf_hook_slow\n");
  DropReasons reasons;  // empty: names are tested in drop_reasons_test
};

TEST_F(BpfEventConvert, DropCarriesReasonLocationAndPacket) {
  auto ev = to_packet_event(sample_drop(), reasons);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, model::PacketEventKind::Drop);
  EXPECT_EQ(ev->ts_ns, 123456789U);
  EXPECT_EQ(ev->skb, 0xffff888012345600U);
  EXPECT_EQ(ev->netns, 4026532316U);
  EXPECT_EQ(ev->ifindex, 2U);
  EXPECT_EQ(ev->ifname, "p-r");
  ASSERT_TRUE(ev->reason_code);
  EXPECT_EQ(*ev->reason_code, 12U);
  EXPECT_EQ(ev->reason, "");  // not in this (empty) table: code kept, no name invented
  EXPECT_EQ(ev->location, 0xffffffff81f2afdeU);
  EXPECT_EQ(ev->location_symbol, "") << "named later, by symbolize_drop()";
  symbolize_drop(*ev, symbols);
  EXPECT_EQ(ev->location_symbol, "nf_hook_slow+0x8e");
  EXPECT_EQ(ev->pkt_len, 176U);
  EXPECT_EQ(ev->packet, (std::vector<uint8_t>{0x45, 0x00, 0x00, 0xb0}));
}

TEST_F(BpfEventConvert, ALocationTheKernelNamedIsTakenAsIsWithoutSizeOrModule) {
  fwpath_event raw = sample_drop();
  raw.flags |= FWPATH_F_LOCATION_NAMED;
  std::strncpy(raw.location_name, "nft_do_chain+0x46f/0x9a0 [nf_tables]", sizeof(raw.location_name));
  auto ev = to_packet_event(raw, reasons);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->location_symbol, "nft_do_chain+0x46f");
  symbolize_drop(*ev, symbols);
  EXPECT_EQ(ev->location_symbol, "nft_do_chain+0x46f") << "kallsyms is not asked again";
  // No symbol for the address: the kernel prints it bare, which names nothing.
  std::strncpy(raw.location_name, "0xffffffffc0ffee00", sizeof(raw.location_name));
  EXPECT_EQ(to_packet_event(raw, reasons)->location_symbol, "");
  // A name filling the whole field, without its terminator, is read within the field.
  std::memset(raw.location_name, 'a', sizeof(raw.location_name));
  EXPECT_EQ(to_packet_event(raw, reasons)->location_symbol, std::string(FWPATH_LOCATION_NAME, 'a'));
  // The flag, not the bytes, says whether the kernel named it.
  raw.flags &= ~FWPATH_F_LOCATION_NAMED;
  EXPECT_EQ(to_packet_event(raw, reasons)->location_symbol, "");
}

TEST_F(BpfEventConvert, NoReasonWhenTheKernelHasNone) {
  fwpath_event raw = sample_drop();
  raw.flags = 0;
  raw.reason = 0;
  auto ev = to_packet_event(raw, reasons);
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->reason_code);
  symbolize_drop(*ev, symbols);
  EXPECT_EQ(ev->location_symbol, "nf_hook_slow+0x8e");
}

TEST_F(BpfEventConvert, AMarkerMatchNamesItsProbe) {
  fwpath_event raw = sample_drop();
  raw.watch_id = 7;
  EXPECT_FALSE(to_packet_event(raw, reasons)->marker_probe) << "matched by port: no marker";
  raw.flags |= FWPATH_F_MARKER;
  auto ev = to_packet_event(raw, reasons);
  ASSERT_TRUE(ev);
  ASSERT_TRUE(ev->marker_probe);
  EXPECT_EQ(*ev->marker_probe, 7U);
}

TEST_F(BpfEventConvert, TransmitAndReceiveHaveNoLocation) {
  fwpath_event raw = sample_drop();
  raw.kind = FWPATH_EV_XMIT;
  raw.flags = 0;
  auto xmit = to_packet_event(raw, reasons);
  ASSERT_TRUE(xmit);
  EXPECT_EQ(xmit->kind, model::PacketEventKind::Transmit);
  symbolize_drop(*xmit, symbols);
  EXPECT_EQ(xmit->location_symbol, "") << "only a drop's location is named";
  raw.kind = FWPATH_EV_RECV;
  auto recv = to_packet_event(raw, reasons);
  ASSERT_TRUE(recv);
  EXPECT_EQ(recv->kind, model::PacketEventKind::Receive);
}

TEST_F(BpfEventConvert, FullLengthInterfaceNameWithoutTerminator) {
  fwpath_event raw = sample_drop();
  std::memcpy(raw.ifname, "0123456789abcdef", 16);  // no NUL: must not run past the field
  auto ev = to_packet_event(raw, reasons);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->ifname, "0123456789abcdef");
}

TEST_F(BpfEventConvert, SnapshotLengthIsClampedToTheBuffer) {
  fwpath_event raw = sample_drop();
  raw.snap_len = 100000;
  auto ev = to_packet_event(raw, reasons);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->packet.size(), static_cast<size_t>(FWPATH_PKT_SNAP));
}

TEST_F(BpfEventConvert, UnknownKindIsRejected) {
  fwpath_event raw = sample_drop();
  raw.kind = 99;
  EXPECT_FALSE(to_packet_event(raw, reasons));
}

}  // namespace
}  // namespace fwpath::sources

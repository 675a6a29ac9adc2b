// Pins the layout of every structure that crosses between the BPF programs and user
// space. The BPF object is compiled by clang for the BPF target and this test by the
// host compiler: if the two ever disagreed on a size or an offset, events would be
// misread silently. A deliberate change to bpf/fwpath_events.h updates these numbers.
#include <gtest/gtest.h>

#include <cstddef>

#include "fwpath_events.h"

TEST(SharedLayout, EventSizeAndOffsets) {
  EXPECT_EQ(sizeof(fwpath_event), 304U);
  EXPECT_EQ(offsetof(fwpath_event, ts_ns), 0U);
  EXPECT_EQ(offsetof(fwpath_event, skb), 8U);
  EXPECT_EQ(offsetof(fwpath_event, location), 16U);
  EXPECT_EQ(offsetof(fwpath_event, kind), 24U);
  EXPECT_EQ(offsetof(fwpath_event, reason), 28U);
  EXPECT_EQ(offsetof(fwpath_event, netns), 32U);
  EXPECT_EQ(offsetof(fwpath_event, ifindex), 36U);
  EXPECT_EQ(offsetof(fwpath_event, pkt_len), 40U);
  EXPECT_EQ(offsetof(fwpath_event, snap_len), 44U);
  EXPECT_EQ(offsetof(fwpath_event, watch_id), 48U);
  EXPECT_EQ(offsetof(fwpath_event, l3proto), 52U);
  EXPECT_EQ(offsetof(fwpath_event, l4proto), 54U);
  EXPECT_EQ(offsetof(fwpath_event, flags), 55U);
  EXPECT_EQ(offsetof(fwpath_event, saddr), 56U);
  EXPECT_EQ(offsetof(fwpath_event, daddr), 72U);
  EXPECT_EQ(offsetof(fwpath_event, sport), 88U);
  EXPECT_EQ(offsetof(fwpath_event, dport), 90U);
  EXPECT_EQ(offsetof(fwpath_event, ifname), 92U);
  EXPECT_EQ(offsetof(fwpath_event, pkt), 108U);
  EXPECT_EQ(offsetof(fwpath_event, location_name), 236U);
  EXPECT_EQ(alignof(fwpath_event), 8U);
}

TEST(SharedLayout, WatchKey) {
  EXPECT_EQ(sizeof(fwpath_watch_key), 4U);
  EXPECT_EQ(offsetof(fwpath_watch_key, l4proto), 0U);
  EXPECT_EQ(offsetof(fwpath_watch_key, port), 2U);
}

TEST(SharedLayout, EnumsMatchTheProtocol) {
  EXPECT_EQ(FWPATH_EV_DROP, 1);
  EXPECT_EQ(FWPATH_EV_XMIT, 2);
  EXPECT_EQ(FWPATH_EV_RECV, 3);
  EXPECT_EQ(FWPATH_CNT_RINGBUF_LOST, 0);
  EXPECT_EQ(FWPATH_CNT_MAX, 2);
}

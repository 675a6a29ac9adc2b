#include "sources/drop_reasons.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include "util/c_handle.h"

namespace fwpath::sources {
namespace {

using BtfHandle = CHandle<struct btf, btf__free>;

// A BTF shaped like a kernel's: enum skb_drop_reason (values in the kernel's order, which
// is not the same on every kernel) and the kfree_skb tracepoint record, with or without
// its reason field.
BtfHandle make_btf(bool with_enum, bool with_reason_field) {
  BtfHandle btf(btf__new_empty());
  EXPECT_TRUE(btf);
  const int u64 = btf__add_int(btf.get(), "long long unsigned int", 8, 0);
  const int u16 = btf__add_int(btf.get(), "short unsigned int", 2, 0);
  int reason_enum = 0;
  if (with_enum) {
    reason_enum = btf__add_enum(btf.get(), "skb_drop_reason", 4);
    EXPECT_EQ(btf__add_enum_value(btf.get(), "SKB_NOT_DROPPED_YET", 0), 0);
    EXPECT_EQ(btf__add_enum_value(btf.get(), "SKB_CONSUMED", 1), 0);
    EXPECT_EQ(btf__add_enum_value(btf.get(), "SKB_DROP_REASON_NOT_SPECIFIED", 2), 0);
    EXPECT_EQ(btf__add_enum_value(btf.get(), "SKB_DROP_REASON_NO_SOCKET", 3), 0);
    EXPECT_EQ(btf__add_enum_value(btf.get(), "SKB_DROP_REASON_NETFILTER_DROP", 12), 0);
  }
  const int size = with_reason_field ? 40 : 26;
  EXPECT_GT(btf__add_struct(btf.get(), "trace_event_raw_kfree_skb", size), 0);
  EXPECT_EQ(btf__add_field(btf.get(), "skbaddr", u64, 64, 0), 0);
  EXPECT_EQ(btf__add_field(btf.get(), "location", u64, 128, 0), 0);
  EXPECT_EQ(btf__add_field(btf.get(), "protocol", u16, 192, 0), 0);
  if (with_reason_field) {
    EXPECT_EQ(btf__add_field(btf.get(), "reason", reason_enum, 288, 0), 0);
  }
  return btf;
}

TEST(DropReasons, StripsThePrefixOnly) {
  EXPECT_EQ(strip_drop_reason_prefix("SKB_DROP_REASON_NETFILTER_DROP"), "NETFILTER_DROP");
  EXPECT_EQ(strip_drop_reason_prefix("SKB_CONSUMED"), "SKB_CONSUMED");
  EXPECT_EQ(strip_drop_reason_prefix("SKB_DROP_REASON_"), "SKB_DROP_REASON_");
}

TEST(DropReasons, NamesComeFromTheKernelsEnum) {
  const auto btf = make_btf(true, true);
  const DropReasons r = DropReasons::from_btf(btf.get());
  EXPECT_TRUE(r.tracepoint_has_reason());
  EXPECT_EQ(r.size(), 5U);
  EXPECT_EQ(r.name(12), "NETFILTER_DROP");
  EXPECT_EQ(r.name(3), "NO_SOCKET");
  EXPECT_EQ(r.name(1), "SKB_CONSUMED");
  EXPECT_FALSE(r.name(4));
  // A subsystem reason (upper 16 bits set) belongs to another enum.
  EXPECT_FALSE(r.name(0x10000 | 12));
}

TEST(DropReasons, KernelWithoutReasonsGivesAnEmptyTable) {
  // 5.10: no enum, and kfree_skb has only skbaddr, location and protocol.
  const auto btf = make_btf(false, false);
  const DropReasons r = DropReasons::from_btf(btf.get());
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.tracepoint_has_reason());
  EXPECT_FALSE(r.name(12));
}

}  // namespace
}  // namespace fwpath::sources

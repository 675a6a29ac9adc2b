// The tracer's sets, rules and table names. The rules are compared with what
// `nft --debug=netlink` generates for the same rule text, and checked to contain no
// verdict: the tracer must never change one.
#include <gtest/gtest.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <vector>

#include "nft/tracer_name.h"
#include "nft/tracer_rules.h"

namespace fwpath::nft {
namespace {

std::string dump(const NftnlRule& rule) {
  std::array<char, 4096> buf{};
  nftnl_rule_snprintf(buf.data(), buf.size(), rule.get(), NFTNL_OUTPUT_DEFAULT, 0);
  return buf.data();
}

std::vector<std::string> expression_names(const NftnlRule& rule) {
  std::vector<std::string> names;
  nftnl_expr_iter* it = nftnl_expr_iter_create(rule.get());
  for (nftnl_expr* e = nftnl_expr_iter_next(it); e != nullptr; e = nftnl_expr_iter_next(it)) {
    names.emplace_back(nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
    if (names.back() == "immediate") {
      // A verdict would be written to the verdict register or carried as IMM_VERDICT.
      EXPECT_NE(nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG), static_cast<uint32_t>(NFT_REG_VERDICT));
      EXPECT_FALSE(nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT));
    }
    if (names.back() == "meta" && nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG)) {
      EXPECT_EQ(nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY), static_cast<uint32_t>(NFT_META_NFTRACE));
    }
  }
  nftnl_expr_iter_destroy(it);
  return names;
}

std::string dump_set(const NftnlSet& set) {
  std::array<char, 4096> buf{};
  nftnl_set_snprintf(buf.data(), buf.size(), set.get(), NFTNL_OUTPUT_DEFAULT, 0);
  return buf.data();
}

TEST(NftTracerRules, OneSetHoldsEveryWatchedPortOnce) {
  auto set =
      tracer_set(TracerConfig{{{model::L4::Udp, 40001}, {model::L4::Tcp, 6443}, {model::L4::Udp, 40001}}, false});
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->name, "watch");
  EXPECT_EQ(set->key_type, 781U);  // what nft gives `type inet_proto . inet_service`
  EXPECT_EQ(set->text, (std::vector<std::string>{"udp . 40001", "tcp . 6443"}));
  // l4proto, then the port in network order, each in its own zero-padded 4-byte slot.
  ASSERT_EQ(set->keys.size(), 2U);
  EXPECT_EQ(set->keys[0], (SetKey{17, 0, 0, 0, 0x9c, 0x41, 0, 0}));
  EXPECT_EQ(set->keys[1], (SetKey{6, 0, 0, 0, 0x19, 0x2b, 0, 0}));
}

// The prefilter holds each watched number once, whatever its protocol, in wire order: a
// TCP and a UDP probe to one port share an element, and so do the ICMP errors whose type
// and code read as the same two bytes in ICMP and ICMPv6.
TEST(NftTracerRules, PrefilterHoldsEachTwoByteValueOnce) {
  auto set = tracer_set(TracerConfig{{{model::L4::Udp, 6443}, {model::L4::Tcp, 6443}, {model::L4::Udp, 40001}}});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->ports_name, "ports");
  auto has = [&](PortKey k) { return std::find(set->ports.begin(), set->ports.end(), k) != set->ports.end(); };
  EXPECT_TRUE(has(PortKey{0x19, 0x2b}));  // 6443
  EXPECT_TRUE(has(PortKey{0x9c, 0x41}));  // 40001
  EXPECT_TRUE(has(PortKey{3, 13}));       // icmp admin-prohibited
  EXPECT_TRUE(has(PortKey{2, 0}));        // icmpv6 packet too big
  EXPECT_FALSE(has(PortKey{8, 0})) << "echo request is not an error";
  std::set<PortKey> distinct(set->ports.begin(), set->ports.end());
  EXPECT_EQ(distinct.size(), set->ports.size());
  // 56 ICMP/ICMPv6 errors, of which ICMP unreachable codes 0-1 and ICMPv6 time exceeded
  // codes 0-1 are the same bytes (type 3): 2 ports + 56 - 2.
  EXPECT_EQ(set->ports.size(), 2U + 56U - 2U);
}

TEST(NftTracerRules, IcmpErrorsAreTypeAndCodeElementsIncludedByDefault) {
  auto set = tracer_set(TracerConfig{{{model::L4::Tcp, 6443}}});
  ASSERT_TRUE(set.ok());
  // 1 port; ICMP: unreachable 0-15, time exceeded 0-1, parameter problem 0-2; ICMPv6:
  // unreachable 0-15, packet too big 0, time exceeded 0-1, parameter problem 0-15.
  ASSERT_EQ(set->keys.size(), 1U + 16U + 2U + 3U + 16U + 1U + 2U + 16U);
  auto has = [&](const SetKey& k) { return std::find(set->keys.begin(), set->keys.end(), k) != set->keys.end(); };
  EXPECT_TRUE(has(SetKey{1, 0, 0, 0, 3, 13, 0, 0}));  // icmp admin-prohibited
  EXPECT_TRUE(has(SetKey{1, 0, 0, 0, 3, 4, 0, 0}));   // icmp fragmentation needed
  EXPECT_TRUE(has(SetKey{58, 0, 0, 0, 2, 0, 0, 0}));  // icmpv6 packet too big
  EXPECT_TRUE(has(SetKey{58, 0, 0, 0, 1, 4, 0, 0}));  // icmpv6 port unreachable
  EXPECT_FALSE(has(SetKey{1, 0, 0, 0, 8, 0, 0, 0})) << "echo request is not an error";
  EXPECT_FALSE(has(SetKey{58, 0, 0, 0, 128, 0, 0, 0})) << "echo request is not an error";
  EXPECT_NE(std::find(set->text.begin(), set->text.end(), "icmp . 781 (destination-unreachable code 13)"),
            set->text.end());
}

TEST(NftTracerRules, TwoRulesLookTheSetUp) {
  auto set = tracer_set(TracerConfig{{{model::L4::Udp, 40001}}});
  ASSERT_TRUE(set.ok());
  const auto m = tracer_matches(*set);
  ASSERT_EQ(m.size(), 2U);
  EXPECT_EQ(m[0].description, "th sport @ports meta l4proto . th sport @watch");
  EXPECT_EQ(m[1].description, "th dport @ports meta l4proto . th dport @watch");
  EXPECT_EQ(m[0].offset, 0);
  EXPECT_EQ(m[1].offset, 2);
  EXPECT_EQ(m[1].length, 2);
}

TEST(NftTracerRules, BadWatchListsAreRefused) {
  EXPECT_FALSE(tracer_set(TracerConfig{{}, false}).ok());
  EXPECT_FALSE(tracer_set(TracerConfig{{{model::L4::Udp, 0}}}).ok());
  auto icmp = tracer_set(TracerConfig{{{model::L4::Icmp, 3}}});
  ASSERT_FALSE(icmp.ok());
  EXPECT_EQ(icmp.error().kind, ErrorKind::BadInput);
  // ICMP errors alone are a valid watch list.
  auto only_icmp = tracer_set(TracerConfig{{}, true});
  ASSERT_TRUE(only_icmp.ok());
  EXPECT_EQ(only_icmp->keys.size(), 56U);
}

TEST(NftTracerRules, RuleIsExactlyWhatNftGeneratesForTheMatch) {
  auto set = tracer_set(TracerConfig{{{model::L4::Udp, 40001}}, false});
  ASSERT_TRUE(set.ok());
  const auto m = tracer_matches(*set);
  auto rule = build_trace_rule("fwpath_1_0", "prerouting", m[1], TraceSetIds{1, 2});
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  // As `nft --debug=netlink add rule inet t c th dport @ports meta l4proto . th dport @watch
  // meta nftrace set 1` prints it (nft 1.0.6).
  EXPECT_EQ(dump(*rule),
            "inet fwpath_1_0 prerouting\n"
            "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "  [ lookup reg 1 set ports ]\n"
            "  [ meta load l4proto => reg 1 ]\n"
            "  [ payload load 2b @ transport header + 2 => reg 9 ]\n"
            "  [ lookup reg 1 set watch ]\n"
            "  [ immediate reg 1 0x00000001 ]\n"
            "  [ meta set nftrace with reg 1 ]\n");
}

TEST(NftTracerRules, NoRuleCarriesAVerdict) {
  auto set = tracer_set(TracerConfig{{{model::L4::Udp, 53}, {model::L4::Tcp, 443}}});
  ASSERT_TRUE(set.ok());
  for (const auto& match : tracer_matches(*set)) {
    auto rule = build_trace_rule("fwpath_1_0", "output", match, TraceSetIds{1, 2});
    ASSERT_TRUE(rule.ok()) << rule.error().message();
    EXPECT_EQ(expression_names(*rule),
              (std::vector<std::string>{"payload", "lookup", "meta", "payload", "lookup", "immediate", "meta"}))
        << match.description;
  }
}

TEST(NftTracerRules, MarkerRuleIsExactlyWhatNftGeneratesForIt) {
  // The sender index 0x7856340a, as WireGuard writes it (little endian): 0a 34 56 78.
  auto rule = build_marker_rule("fwpath_1_0", "prerouting", 0x7856340aU);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  // As `nft --debug=netlink add rule inet t c meta l4proto udp @th,64,32 0x01000000
  // @th,96,32 0x0a345678 meta nftrace set 1` prints it (nft 1.0.6).
  EXPECT_EQ(dump(*rule),
            "inet fwpath_1_0 prerouting\n"
            "  [ meta load l4proto => reg 1 ]\n"
            "  [ cmp eq reg 1 0x00000011 ]\n"
            "  [ payload load 4b @ transport header + 8 => reg 1 ]\n"
            "  [ cmp eq reg 1 0x00000001 ]\n"
            "  [ payload load 4b @ transport header + 12 => reg 1 ]\n"
            "  [ cmp eq reg 1 0x7856340a ]\n"
            "  [ immediate reg 1 0x00000001 ]\n"
            "  [ meta set nftrace with reg 1 ]\n");
  EXPECT_EQ(expression_names(*rule),
            (std::vector<std::string>{"meta", "cmp", "payload", "cmp", "payload", "cmp", "immediate", "meta"}));
  // And as `nft list` prints that rule back.
  EXPECT_EQ(marker_match_text(0x7856340aU), "meta l4proto udp @th,64,32 0x1000000 @th,96,32 0xa345678");
}

TEST(NftTracerRules, SetIsAConstantHashWithItsElements) {
  auto ts = tracer_set(TracerConfig{{{model::L4::Udp, 40001}, {model::L4::Tcp, 6443}}, false});
  ASSERT_TRUE(ts.ok());
  auto set = build_trace_set("fwpath_1_0", *ts, 1);
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(nftnl_set_get_u32(set->get(), NFTNL_SET_FLAGS), static_cast<uint32_t>(NFT_SET_CONSTANT));
  EXPECT_EQ(nftnl_set_get_u32(set->get(), NFTNL_SET_KEY_LEN), 8U);
  EXPECT_EQ(nftnl_set_get_u32(set->get(), NFTNL_SET_DESC_SIZE), 2U);
  EXPECT_EQ(nftnl_set_get_u32(set->get(), NFTNL_SET_ID), 1U);
  const std::string text = dump_set(*set);
  EXPECT_NE(text.find("element 00000011 0000419c"), std::string::npos) << text;
  EXPECT_NE(text.find("element 00000006 00002b19"), std::string::npos) << text;
  TraceSet empty;
  empty.name = "watch";
  EXPECT_FALSE(build_trace_set("fwpath_1_0", empty, 1).ok());
}

TEST(NftTracerName, NamesCarryThePid) {
  EXPECT_EQ(tracer_table_name(4242, 0), "fwpath_4242_0");
  EXPECT_EQ(tracer_table_pid("fwpath_4242_0"), 4242);
  EXPECT_EQ(tracer_table_pid("fwpath_1_17"), 1);
}

TEST(NftTracerName, OnlyOurExactShapeHasAPid) {
  for (const char* name : {"fwpath", "fwpath_", "fwpath_12", "fwpath_12_", "fwpath_x_1", "fwpath_12_3x", "fwpathology",
                           "fwpath_0_1", "fwpath_-5_1", "fwpath_99999999999_1", "filter", "xfwpath_1_1"}) {
    EXPECT_FALSE(tracer_table_pid(name).has_value()) << name;
  }
}

TEST(NftTracerName, TracerTablesAreRecognisedByPrefix) {
  EXPECT_TRUE(is_tracer_table("fwpath_4242_0"));
  EXPECT_TRUE(is_tracer_table("fwpath"));
  EXPECT_FALSE(is_tracer_table("filter"));
  EXPECT_FALSE(is_tracer_table("fwpat"));
  EXPECT_FALSE(is_tracer_table(""));
}

}  // namespace
}  // namespace fwpath::nft

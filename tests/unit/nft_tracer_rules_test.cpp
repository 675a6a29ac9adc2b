// The tracer's sets, rules and table names. The rules are compared with what
// `nft --debug=netlink` generates for the same rule text, and checked to contain no
// verdict: the tracer must never change one.
#include <gtest/gtest.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>

#include <array>
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
  auto sets =
      tracer_sets(TracerConfig{{{model::L4::Udp, 40001}, {model::L4::Tcp, 6443}, {model::L4::Udp, 40001}}, false});
  ASSERT_TRUE(sets.ok()) << sets.error().message();
  ASSERT_EQ(sets->size(), 1U);
  const TraceSet& ports = sets->front();
  EXPECT_EQ(ports.name, "ports");
  EXPECT_EQ(ports.key_type, 781U);  // what nft gives `type inet_proto . inet_service`
  EXPECT_EQ(ports.text, (std::vector<std::string>{"udp . 40001", "tcp . 6443"}));
  // l4proto, then the port in network order, each in its own zero-padded 4-byte slot.
  EXPECT_EQ(ports.keys[0], (SetKey{17, 0, 0, 0, 0x9c, 0x41, 0, 0}));
  EXPECT_EQ(ports.keys[1], (SetKey{6, 0, 0, 0, 0x19, 0x2b, 0, 0}));
}

TEST(NftTracerRules, IcmpErrorsAreASecondSetIncludedByDefault) {
  auto sets = tracer_sets(TracerConfig{{{model::L4::Tcp, 6443}}});
  ASSERT_TRUE(sets.ok());
  ASSERT_EQ(sets->size(), 2U);
  const TraceSet& icmp = (*sets)[1];
  EXPECT_EQ(icmp.name, "icmp_errors");
  EXPECT_EQ(icmp.text, (std::vector<std::string>{"icmp . destination-unreachable", "icmp . time-exceeded",
                                                 "icmp . parameter-problem", "icmpv6 . destination-unreachable",
                                                 "icmpv6 . packet-too-big", "icmpv6 . time-exceeded",
                                                 "icmpv6 . parameter-problem"}));
  EXPECT_EQ(icmp.keys[4], (SetKey{58, 0, 0, 0, 2, 0, 0, 0}));  // icmpv6 packet-too-big
}

TEST(NftTracerRules, ThreeRulesLookTheSetsUp) {
  auto sets = tracer_sets(TracerConfig{{{model::L4::Udp, 40001}}});
  ASSERT_TRUE(sets.ok());
  const auto m = tracer_matches(*sets);
  ASSERT_EQ(m.size(), 3U);
  EXPECT_EQ(m[0].description, "meta l4proto . th sport @ports");
  EXPECT_EQ(m[1].description, "meta l4proto . th dport @ports");
  EXPECT_EQ(m[2].description, "meta l4proto . @th,0,8 @icmp_errors");
  EXPECT_EQ(m[1].offset, 2);
  EXPECT_EQ(m[1].length, 2);
  EXPECT_EQ(m[2].length, 1);
}

TEST(NftTracerRules, BadWatchListsAreRefused) {
  EXPECT_FALSE(tracer_sets(TracerConfig{{}, false}).ok());
  EXPECT_FALSE(tracer_sets(TracerConfig{{{model::L4::Udp, 0}}}).ok());
  auto icmp = tracer_sets(TracerConfig{{{model::L4::Icmp, 3}}});
  ASSERT_FALSE(icmp.ok());
  EXPECT_EQ(icmp.error().kind, ErrorKind::BadInput);
  // ICMP errors alone are a valid watch list: no ports set, one rule.
  auto only_icmp = tracer_sets(TracerConfig{{}, true});
  ASSERT_TRUE(only_icmp.ok());
  EXPECT_EQ(tracer_matches(*only_icmp).size(), 1U);
}

TEST(NftTracerRules, RuleIsExactlyWhatNftGeneratesForTheMatch) {
  auto sets = tracer_sets(TracerConfig{{{model::L4::Udp, 40001}}, false});
  ASSERT_TRUE(sets.ok());
  const auto m = tracer_matches(*sets);
  auto rule = build_trace_rule("fwpath_1_0", "prerouting", m[1], 1);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  // As `nft --debug=netlink add rule inet t c meta l4proto . th dport @ports meta nftrace set 1`.
  EXPECT_EQ(dump(*rule),
            "inet fwpath_1_0 prerouting\n"
            "  [ meta load l4proto => reg 1 ]\n"
            "  [ payload load 2b @ transport header + 2 => reg 9 ]\n"
            "  [ lookup reg 1 set ports ]\n"
            "  [ immediate reg 1 0x00000001 ]\n"
            "  [ meta set nftrace with reg 1 ]\n");
}

TEST(NftTracerRules, IcmpRuleLoadsTheTypeByte) {
  auto sets = tracer_sets(TracerConfig{{}, true});
  ASSERT_TRUE(sets.ok());
  auto rule = build_trace_rule("fwpath_1_0", "output", tracer_matches(*sets)[0], 2);
  ASSERT_TRUE(rule.ok());
  const std::string text = dump(*rule);
  EXPECT_NE(text.find("[ payload load 1b @ transport header + 0 => reg 9 ]"), std::string::npos) << text;
  EXPECT_NE(text.find("[ lookup reg 1 set icmp_errors ]"), std::string::npos) << text;
}

TEST(NftTracerRules, NoRuleCarriesAVerdict) {
  auto sets = tracer_sets(TracerConfig{{{model::L4::Udp, 53}, {model::L4::Tcp, 443}}});
  ASSERT_TRUE(sets.ok());
  for (const auto& match : tracer_matches(*sets)) {
    auto rule = build_trace_rule("fwpath_1_0", "output", match, 1);
    ASSERT_TRUE(rule.ok()) << rule.error().message();
    EXPECT_EQ(expression_names(*rule), (std::vector<std::string>{"meta", "payload", "lookup", "immediate", "meta"}))
        << match.description;
  }
}

TEST(NftTracerRules, SetIsAConstantHashWithItsElements) {
  auto sets = tracer_sets(TracerConfig{{{model::L4::Udp, 40001}, {model::L4::Tcp, 6443}}, false});
  ASSERT_TRUE(sets.ok());
  auto set = build_trace_set("fwpath_1_0", sets->front(), 1);
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(nftnl_set_get_u32(set->get(), NFTNL_SET_FLAGS), static_cast<uint32_t>(NFT_SET_CONSTANT));
  EXPECT_EQ(nftnl_set_get_u32(set->get(), NFTNL_SET_KEY_LEN), 8U);
  EXPECT_EQ(nftnl_set_get_u32(set->get(), NFTNL_SET_DESC_SIZE), 2U);
  EXPECT_EQ(nftnl_set_get_u32(set->get(), NFTNL_SET_ID), 1U);
  const std::string text = dump_set(*set);
  EXPECT_NE(text.find("element 00000011 0000419c"), std::string::npos) << text;
  EXPECT_NE(text.find("element 00000006 00002b19"), std::string::npos) << text;
  TraceSet empty;
  empty.name = "ports";
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

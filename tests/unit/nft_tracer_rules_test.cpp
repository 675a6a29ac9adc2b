// The tracer's rules and table names. The rules are compared with what
// `nft --debug=netlink add rule inet t c meta l4proto udp th dport 40001 meta nftrace set 1`
// generates, and checked to contain no verdict: the tracer must never change one.
#include <gtest/gtest.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
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

TEST(NftTracerRules, MatchesForAPort) {
  auto m = tracer_matches(TracerConfig{{{model::L4::Udp, 40001}}, false});
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->size(), 2U);
  EXPECT_EQ((*m)[0].description, "udp sport 40001");
  EXPECT_EQ((*m)[0].offset, 0);
  EXPECT_EQ((*m)[1].description, "udp dport 40001");
  EXPECT_EQ((*m)[1].offset, 2);
  EXPECT_EQ((*m)[1].l4proto, 17);
  EXPECT_EQ((*m)[1].value, (std::vector<uint8_t>{0x9c, 0x41}));  // 40001 in network order
}

TEST(NftTracerRules, IcmpErrorsAreIncludedByDefault) {
  auto m = tracer_matches(TracerConfig{{{model::L4::Tcp, 6443}}});
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 2U + 7U);
  std::vector<std::string> icmp;
  for (const auto& x : *m) {
    if (x.l4proto == 1 || x.l4proto == 58) icmp.push_back(x.description);
  }
  EXPECT_EQ(icmp, (std::vector<std::string>{"icmp type destination-unreachable", "icmp type time-exceeded",
                                            "icmp type parameter-problem", "icmpv6 type destination-unreachable",
                                            "icmpv6 type packet-too-big", "icmpv6 type time-exceeded",
                                            "icmpv6 type parameter-problem"}));
}

TEST(NftTracerRules, BadWatchListsAreRefused) {
  EXPECT_FALSE(tracer_matches(TracerConfig{{}, false}).ok());
  EXPECT_FALSE(tracer_matches(TracerConfig{{{model::L4::Udp, 0}}}).ok());
  auto icmp = tracer_matches(TracerConfig{{{model::L4::Icmp, 3}}});
  ASSERT_FALSE(icmp.ok());
  EXPECT_EQ(icmp.error().kind, ErrorKind::BadInput);
}

TEST(NftTracerRules, RuleIsExactlyWhatNftGeneratesForTheMatch) {
  auto m = tracer_matches(TracerConfig{{{model::L4::Udp, 40001}}, false});
  ASSERT_TRUE(m.ok());
  auto rule = build_trace_rule("fwpath_1_0", "prerouting", (*m)[1]);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  EXPECT_EQ(dump(*rule),
            "inet fwpath_1_0 prerouting\n"
            "  [ meta load l4proto => reg 1 ]\n"
            "  [ cmp eq reg 1 0x00000011 ]\n"
            "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "  [ cmp eq reg 1 0x0000419c ]\n"
            "  [ immediate reg 1 0x00000001 ]\n"
            "  [ meta set nftrace with reg 1 ]\n");
}

TEST(NftTracerRules, NoRuleCarriesAVerdict) {
  auto m = tracer_matches(TracerConfig{{{model::L4::Udp, 53}, {model::L4::Tcp, 443}}});
  ASSERT_TRUE(m.ok());
  for (const auto& match : *m) {
    auto rule = build_trace_rule("fwpath_1_0", "input", match);
    ASSERT_TRUE(rule.ok()) << rule.error().message();
    EXPECT_EQ(expression_names(*rule), (std::vector<std::string>{"meta", "cmp", "payload", "cmp", "immediate", "meta"}))
        << match.description;
  }
}

TEST(NftTracerRules, IcmpRuleMatchesTheTypeByte) {
  auto m = tracer_matches(TracerConfig{{}, true});
  ASSERT_TRUE(m.ok());
  auto rule = build_trace_rule("fwpath_1_0", "input", (*m)[4]);  // icmpv6 packet-too-big
  ASSERT_TRUE(rule.ok());
  const std::string text = dump(*rule);
  EXPECT_NE(text.find("[ cmp eq reg 1 0x0000003a ]"), std::string::npos) << text;
  EXPECT_NE(text.find("[ payload load 1b @ transport header + 0 => reg 1 ]"), std::string::npos) << text;
  EXPECT_NE(text.find("[ cmp eq reg 1 0x00000002 ]"), std::string::npos) << text;
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

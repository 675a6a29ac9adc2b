// decode_trace() on messages built here the way the kernel builds them
// (net/netfilter/nf_tables_trace.c), including broken ones: every broken message must
// give an Error. libnftnl 1.2.4 calls exit() on some of them, so a test that reaches its
// end also shows the pre-check kept them away from libnftnl.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "nft/trace_decode.h"

namespace fwpath::nft {
namespace {

using model::TraceType;
using model::Verdict;

// A netlink message under construction, in an aligned buffer.
class TraceMsg {
 public:
  explicit TraceMsg(uint8_t family = NFPROTO_INET) : buf_(4096 / sizeof(uint64_t)) {
    nlh_ = mnl_nlmsg_put_header(buf_.data());
    nlh_->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE;
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(nfgenmsg)));
    nfg->nfgen_family = family;
    nfg->version = NFNETLINK_V0;
  }
  TraceMsg& u32(uint16_t type, uint32_t host_value) {
    mnl_attr_put_u32(nlh_, type, htonl(host_value));
    return *this;
  }
  TraceMsg& u16(uint16_t type, uint16_t host_value) {
    mnl_attr_put_u16(nlh_, type, htons(host_value));
    return *this;
  }
  TraceMsg& str(uint16_t type, const char* s) {
    mnl_attr_put_strz(nlh_, type, s);
    return *this;
  }
  TraceMsg& bytes(uint16_t type, const std::vector<uint8_t>& b) {
    mnl_attr_put(nlh_, type, b.size(), b.data());
    return *this;
  }
  TraceMsg& handle(uint64_t h) {
    mnl_attr_put_u64(nlh_, NFTA_TRACE_RULE_HANDLE, htobe64(h));
    return *this;
  }
  TraceMsg& verdict(int32_t code, const char* target = nullptr) {
    nlattr* nest = mnl_attr_nest_start(nlh_, NFTA_TRACE_VERDICT);
    mnl_attr_put_u32(nlh_, NFTA_VERDICT_CODE, htonl(static_cast<uint32_t>(code)));
    if (target != nullptr) mnl_attr_put_strz(nlh_, NFTA_VERDICT_CHAIN, target);
    mnl_attr_nest_end(nlh_, nest);
    return *this;
  }
  // The usual head of an event: nfproto, type, id, chain and table.
  TraceMsg& head(uint32_t type, const char* table = "filter", const char* chain = "input") {
    return u32(NFTA_TRACE_NFPROTO, NFPROTO_IPV4)
        .u32(NFTA_TRACE_TYPE, type)
        .u32(NFTA_TRACE_ID, 0xabcd1234)
        .str(NFTA_TRACE_CHAIN, chain)
        .str(NFTA_TRACE_TABLE, table);
  }
  [[nodiscard]] nlmsghdr* nlh() const { return nlh_; }
  [[nodiscard]] size_t len() const { return nlh_->nlmsg_len; }
  Result<DecodedTrace> decode() const { return decode_trace(nlh_, len()); }

 private:
  std::vector<uint64_t> buf_;
  nlmsghdr* nlh_ = nullptr;
};

const std::vector<uint8_t> kIpHeader = {0x45, 0, 0, 29, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1};
const std::vector<uint8_t> kUdpHeader = {0x9c, 0x40, 0x9c, 0x41, 0, 9, 0, 0};

TEST(NftTraceDecode, RuleEventWithEverything) {
  TraceMsg m;
  m.head(NFT_TRACETYPE_RULE)
      .handle(6)
      .verdict(NF_DROP)
      .u32(NFTA_TRACE_MARK, 0x40)
      .u32(NFTA_TRACE_IIF, 1)
      .u16(NFTA_TRACE_IIFTYPE, 772)
      .u32(NFTA_TRACE_OIF, 7)
      .u16(NFTA_TRACE_OIFTYPE, 1)
      .bytes(NFTA_TRACE_NETWORK_HEADER, kIpHeader)
      .bytes(NFTA_TRACE_TRANSPORT_HEADER, kUdpHeader);
  auto d = m.decode();
  ASSERT_TRUE(d.ok()) << d.error().message();
  const auto& ev = d->event;
  EXPECT_EQ(ev.family, "inet");
  EXPECT_EQ(ev.trace_id, 0xabcd1234U);
  EXPECT_EQ(ev.table, "filter");
  EXPECT_EQ(ev.chain, "input");
  EXPECT_EQ(ev.type, TraceType::Rule);
  EXPECT_EQ(ev.rule_handle, 6U);
  EXPECT_EQ(ev.verdict, Verdict::Drop);
  EXPECT_TRUE(ev.jump_target.empty());
  EXPECT_EQ(ev.nfproto, static_cast<uint32_t>(NFPROTO_IPV4));
  EXPECT_EQ(ev.mark, 0x40U);
  EXPECT_EQ(d->iif_index, 1U);
  EXPECT_EQ(d->oif_index, 7U);
  EXPECT_EQ(ev.network_header, kIpHeader);
  EXPECT_EQ(ev.transport_header, kUdpHeader);
  // Filled in by the listener, not by the decoder.
  EXPECT_EQ(ev.netns, 0U);
  EXPECT_TRUE(ev.iif.empty());
}

TEST(NftTraceDecode, FamilyComesFromTheNfgenHeader) {
  for (const auto& [nfproto, name] : std::vector<std::pair<uint8_t, std::string>>{
           {NFPROTO_IPV4, "ip"}, {NFPROTO_IPV6, "ip6"}, {NFPROTO_BRIDGE, "bridge"}, {NFPROTO_NETDEV, "netdev"}}) {
    TraceMsg m(nfproto);
    m.head(NFT_TRACETYPE_RULE).handle(2).verdict(NF_ACCEPT);
    auto d = m.decode();
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(d->event.family, name);
  }
}

TEST(NftTraceDecode, JumpAndGotoCarryTheirTarget) {
  TraceMsg jump;
  jump.head(NFT_TRACETYPE_RULE, "filter", "INPUT").handle(4).verdict(NFT_JUMP, "KUBE-FIREWALL");
  auto j = jump.decode();
  ASSERT_TRUE(j.ok()) << j.error().message();
  EXPECT_EQ(j->event.verdict, Verdict::Jump);
  EXPECT_EQ(j->event.jump_target, "KUBE-FIREWALL");

  TraceMsg go;
  go.head(NFT_TRACETYPE_RULE, "kube-proxy", "external-x")
      .handle(74)
      .verdict(NFT_GOTO, "service-ULMVA6XW-demo/web/tcp/http");
  auto g = go.decode();
  ASSERT_TRUE(g.ok()) << g.error().message();
  EXPECT_EQ(g->event.verdict, Verdict::Goto);
  EXPECT_EQ(g->event.jump_target, "service-ULMVA6XW-demo/web/tcp/http");
}

TEST(NftTraceDecode, PolicyEventTakesItsVerdictFromThePolicy) {
  TraceMsg m;
  m.head(NFT_TRACETYPE_POLICY).u32(NFTA_TRACE_POLICY, NF_DROP);
  auto d = m.decode();
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->event.type, TraceType::Policy);
  EXPECT_EQ(d->event.verdict, Verdict::Drop);
  EXPECT_EQ(d->event.policy, static_cast<uint32_t>(NF_DROP));
  EXPECT_EQ(d->event.rule_handle, 0U);
}

TEST(NftTraceDecode, PolicyInHostOrderFromOlderKernelsIsUnderstood) {
  // Before the byte-order fix the kernel put the policy without htonl(): on a
  // little-endian machine, accept (1) reads as 0x01000000.
  TraceMsg m;
  m.head(NFT_TRACETYPE_POLICY).u32(NFTA_TRACE_POLICY, 0x01000000);
  auto d = m.decode();
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->event.verdict, Verdict::Accept);
  EXPECT_EQ(d->event.policy, 1U);
}

TEST(NftTraceDecode, ImplicitReturnAtTheEndOfARegularChain) {
  // The kernel sends no rule handle for it and a continue verdict.
  TraceMsg m;
  m.head(NFT_TRACETYPE_RETURN, "filter", "KUBE-FIREWALL").verdict(NFT_CONTINUE);
  auto d = m.decode();
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->event.type, TraceType::Return);
  EXPECT_EQ(d->event.verdict, Verdict::Continue);
  EXPECT_EQ(d->event.rule_handle, 0U);
}

TEST(NftTraceDecode, AttributesNewerThanOurHeadersAreIgnored) {
  // Kernels since 6.7 add conntrack attributes after NFTA_TRACE_PAD.
  TraceMsg m;
  m.head(NFT_TRACETYPE_RULE).handle(3).verdict(NF_ACCEPT).u32(NFTA_TRACE_MAX + 1, 7).u32(NFTA_TRACE_MAX + 4, 2);
  auto d = m.decode();
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->event.verdict, Verdict::Accept);
}

TEST(NftTraceDecode, VerdictCodes) {
  EXPECT_EQ(verdict_from_code(NF_ACCEPT), Verdict::Accept);
  EXPECT_EQ(verdict_from_code(NF_DROP), Verdict::Drop);
  EXPECT_EQ(verdict_from_code(NF_STOLEN), Verdict::Stolen);
  EXPECT_EQ(verdict_from_code(NF_QUEUE), Verdict::Queue);
  EXPECT_EQ(verdict_from_code(NF_REPEAT), Verdict::Repeat);
  EXPECT_EQ(verdict_from_code(NF_STOP), Verdict::Stop);
  // NF_DROP_ERR(-EPERM) and NF_QUEUE_NR(3): extra bits above the verdict byte.
  EXPECT_EQ(verdict_from_code((static_cast<uint32_t>(EPERM) << 16) | NF_DROP), Verdict::Drop);
  EXPECT_EQ(verdict_from_code((3U << 16) | NF_QUEUE), Verdict::Queue);
  EXPECT_EQ(verdict_from_code(static_cast<uint32_t>(NFT_CONTINUE)), Verdict::Continue);
  EXPECT_EQ(verdict_from_code(static_cast<uint32_t>(NFT_BREAK)), Verdict::Break);
  EXPECT_EQ(verdict_from_code(static_cast<uint32_t>(NFT_JUMP)), Verdict::Jump);
  EXPECT_EQ(verdict_from_code(static_cast<uint32_t>(NFT_GOTO)), Verdict::Goto);
  EXPECT_EQ(verdict_from_code(static_cast<uint32_t>(NFT_RETURN)), Verdict::Return);
  EXPECT_EQ(verdict_from_code(static_cast<uint32_t>(-42)), Verdict::Unknown);
  EXPECT_EQ(verdict_from_code(9), Verdict::Unknown);
}

TEST(NftTraceDecode, FamilyNames) {
  EXPECT_EQ(family_name(NFPROTO_INET), "inet");
  EXPECT_EQ(family_name(NFPROTO_IPV4), "ip");
  EXPECT_EQ(family_name(NFPROTO_IPV6), "ip6");
  EXPECT_EQ(family_name(NFPROTO_ARP), "arp");
  EXPECT_EQ(family_name(NFPROTO_BRIDGE), "bridge");
  EXPECT_EQ(family_name(NFPROTO_NETDEV), "netdev");
  EXPECT_EQ(family_name(42), "family42");
}

// Each of these would make libnftnl 1.2.4 exit(), read out of bounds, or give a
// meaningless event.
TEST(NftTraceDecode, MissingIdIsAnError) {
  TraceMsg m;
  m.u32(NFTA_TRACE_TYPE, NFT_TRACETYPE_RULE).str(NFTA_TRACE_TABLE, "filter").str(NFTA_TRACE_CHAIN, "input");
  auto d = m.decode();
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("no trace id"), std::string::npos) << d.error().message();
}

TEST(NftTraceDecode, MissingTypeIsAnError) {
  TraceMsg m;
  m.u32(NFTA_TRACE_ID, 1).str(NFTA_TRACE_TABLE, "filter").str(NFTA_TRACE_CHAIN, "input");
  EXPECT_FALSE(m.decode().ok());
}

TEST(NftTraceDecode, MissingTableOrChainIsAnError) {
  TraceMsg m;
  m.u32(NFTA_TRACE_TYPE, NFT_TRACETYPE_RULE).u32(NFTA_TRACE_ID, 1).str(NFTA_TRACE_TABLE, "filter").verdict(NF_DROP);
  EXPECT_FALSE(m.decode().ok());
}

TEST(NftTraceDecode, RuleEventWithoutVerdictIsAnError) {
  TraceMsg m;
  m.head(NFT_TRACETYPE_RULE).handle(5);
  EXPECT_FALSE(m.decode().ok());
}

TEST(NftTraceDecode, PolicyEventWithoutPolicyIsAnError) {
  TraceMsg m;
  m.head(NFT_TRACETYPE_POLICY);
  EXPECT_FALSE(m.decode().ok());
}

TEST(NftTraceDecode, JumpWithoutTargetIsAnError) {
  TraceMsg m;
  m.head(NFT_TRACETYPE_RULE).handle(5).verdict(NFT_JUMP);
  EXPECT_FALSE(m.decode().ok());
}

TEST(NftTraceDecode, VerdictWithoutCodeIsAnError) {
  TraceMsg m;
  m.head(NFT_TRACETYPE_RULE).handle(5);
  nlattr* nest = mnl_attr_nest_start(m.nlh(), NFTA_TRACE_VERDICT);
  mnl_attr_put_strz(m.nlh(), NFTA_VERDICT_CHAIN, "x");
  mnl_attr_nest_end(m.nlh(), nest);
  EXPECT_FALSE(m.decode().ok());
}

TEST(NftTraceDecode, WrongSizedAttributesAreErrors) {
  TraceMsg short_u32;
  short_u32.head(NFT_TRACETYPE_RULE).handle(5).verdict(NF_DROP);
  mnl_attr_put_u16(short_u32.nlh(), NFTA_TRACE_MARK, 1);
  EXPECT_FALSE(short_u32.decode().ok());

  TraceMsg short_handle;
  short_handle.head(NFT_TRACETYPE_RULE).u32(NFTA_TRACE_RULE_HANDLE, 5).verdict(NF_DROP);
  EXPECT_FALSE(short_handle.decode().ok());

  TraceMsg empty_header;
  empty_header.head(NFT_TRACETYPE_RULE).handle(5).verdict(NF_DROP).bytes(NFTA_TRACE_NETWORK_HEADER, {});
  EXPECT_FALSE(empty_header.decode().ok());
}

TEST(NftTraceDecode, NamesWithoutTerminatorAreErrors) {
  TraceMsg m;
  m.u32(NFTA_TRACE_TYPE, NFT_TRACETYPE_RULE).u32(NFTA_TRACE_ID, 1).str(NFTA_TRACE_CHAIN, "input");
  const char unterminated[] = {'f', 'i', 'l', 't'};
  mnl_attr_put(m.nlh(), NFTA_TRACE_TABLE, sizeof(unterminated), unterminated);
  m.handle(5).verdict(NF_DROP);
  EXPECT_FALSE(m.decode().ok());
}

TEST(NftTraceDecode, TruncatedMessagesAreErrors) {
  TraceMsg m;
  m.head(NFT_TRACETYPE_RULE).handle(6).verdict(NF_DROP).bytes(NFTA_TRACE_NETWORK_HEADER, kIpHeader);
  // Fewer bytes received than the header claims.
  EXPECT_FALSE(decode_trace(m.nlh(), m.len() - 1).ok());
  EXPECT_FALSE(decode_trace(m.nlh(), 8).ok());
  EXPECT_FALSE(decode_trace(nullptr, 0).ok());

  // A header claiming less than nlmsghdr + nfgenmsg.
  TraceMsg tiny;
  tiny.nlh()->nlmsg_len = NLMSG_HDRLEN + 2;
  EXPECT_FALSE(decode_trace(tiny.nlh(), 4096).ok());

  // The last attribute cut in the middle.
  const uint32_t full = m.nlh()->nlmsg_len;
  m.nlh()->nlmsg_len = full - 6;
  auto d = m.decode();
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("truncated attribute"), std::string::npos) << d.error().message();
}

TEST(NftTraceDecode, EveryTruncationIsHandled) {
  TraceMsg m;
  m.head(NFT_TRACETYPE_RULE)
      .handle(6)
      .verdict(NFT_JUMP, "somewhere")
      .u32(NFTA_TRACE_IIF, 1)
      .bytes(NFTA_TRACE_NETWORK_HEADER, kIpHeader)
      .bytes(NFTA_TRACE_TRANSPORT_HEADER, kUdpHeader);
  const uint32_t full = m.nlh()->nlmsg_len;
  size_t ok = 0;
  for (uint32_t len = 0; len < full; ++len) {
    m.nlh()->nlmsg_len = len;
    if (m.decode().ok()) ++ok;
  }
  // Cuts at attribute boundaries after the verdict leave a shorter valid message.
  EXPECT_GT(ok, 0U);
  EXPECT_LT(ok, 8U);
  m.nlh()->nlmsg_len = full;
  EXPECT_TRUE(m.decode().ok());
}

TEST(NftTraceDecode, CorruptedBytesNeverCrash) {
  TraceMsg good;
  good.head(NFT_TRACETYPE_RULE).handle(6).verdict(NFT_GOTO, "target").bytes(NFTA_TRACE_NETWORK_HEADER, kIpHeader);
  const size_t len = good.len();
  std::vector<uint8_t> original(len);
  std::memcpy(original.data(), good.nlh(), len);
  std::mt19937 rng(12345);  // fixed seed: the same inputs on every run
  std::vector<uint64_t> buf(4096 / sizeof(uint64_t));
  auto* bytes = reinterpret_cast<uint8_t*>(buf.data());
  size_t errors = 0;
  for (int i = 0; i < 5000; ++i) {
    std::memcpy(bytes, original.data(), len);
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      // Leave the netlink length alone half of the time so the attributes get hit.
      const size_t at = (i % 2 == 0 ? 4 : 0) + rng() % (len - 4);
      bytes[at] = static_cast<uint8_t>(rng());
    }
    if (!decode_trace(reinterpret_cast<const nlmsghdr*>(bytes), len).ok()) ++errors;
  }
  EXPECT_GT(errors, 0U);
}

TEST(NftTraceDecode, OtherMessageTypesAreRefused) {
  TraceMsg m;
  m.head(NFT_TRACETYPE_RULE).handle(6).verdict(NF_DROP);
  m.nlh()->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE;
  EXPECT_FALSE(m.decode().ok());
}

}  // namespace
}  // namespace fwpath::nft

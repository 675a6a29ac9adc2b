#include "nft/tracer_rules.h"

#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <array>

namespace fwpath::nft {

namespace {

using NftnlExpr = CHandle<nftnl_expr, nftnl_expr_free>;

constexpr uint8_t kSportOffset = 0;
constexpr uint8_t kDportOffset = 2;
constexpr uint8_t kIcmpTypeOffset = 0;

struct IcmpError {
  model::L4 proto;
  uint8_t type;
  const char* name;
};

// ICMP (RFC 792) and ICMPv6 (RFC 4443) messages that quote the packet they are about.
// IPv4 has no separate "packet too big": it is destination-unreachable code 4.
constexpr std::array<IcmpError, 7> kIcmpErrors = {{
    {model::L4::Icmp, 3, "icmp type destination-unreachable"},
    {model::L4::Icmp, 11, "icmp type time-exceeded"},
    {model::L4::Icmp, 12, "icmp type parameter-problem"},
    {model::L4::Icmpv6, 1, "icmpv6 type destination-unreachable"},
    {model::L4::Icmpv6, 2, "icmpv6 type packet-too-big"},
    {model::L4::Icmpv6, 3, "icmpv6 type time-exceeded"},
    {model::L4::Icmpv6, 4, "icmpv6 type parameter-problem"},
}};

Result<NftnlExpr> new_expr(const char* name) {
  NftnlExpr e(nftnl_expr_alloc(name));
  if (!e) return sys_error("allocate nftnl expression", name, ENOMEM);
  return e;
}

}  // namespace

Result<std::vector<TraceMatch>> tracer_matches(const TracerConfig& config) {
  if (config.ports.empty() && !config.icmp_errors) return input_error("nothing to trace: empty watch list");
  std::vector<TraceMatch> out;
  for (const WatchPort& w : config.ports) {
    if (w.proto != model::L4::Tcp && w.proto != model::L4::Udp) {
      return input_error("cannot watch ports of protocol", model::to_string(w.proto));
    }
    if (w.port == 0) return input_error("cannot watch port 0 of", model::to_string(w.proto));
    // Network byte order, as the port appears in the header.
    const std::vector<uint8_t> value{static_cast<uint8_t>(w.port >> 8), static_cast<uint8_t>(w.port & 0xff)};
    const std::string proto = model::to_string(w.proto);
    const auto l4 = static_cast<uint8_t>(w.proto);
    out.push_back({l4, kSportOffset, value, proto + " sport " + std::to_string(w.port)});
    out.push_back({l4, kDportOffset, value, proto + " dport " + std::to_string(w.port)});
  }
  if (config.icmp_errors) {
    for (const IcmpError& e : kIcmpErrors) {
      out.push_back({static_cast<uint8_t>(e.proto), kIcmpTypeOffset, {e.type}, e.name});
    }
  }
  return out;
}

Result<NftnlRule> build_trace_rule(const std::string& table, const std::string& chain, const TraceMatch& match) {
  if (match.value.empty() || match.value.size() > 4) {
    return input_error("trace match value must be 1-4 bytes:", match.description);
  }
  NftnlRule rule(nftnl_rule_alloc());
  if (!rule) return sys_error("allocate nftnl rule for", match.description, ENOMEM);
  nftnl_rule_set_u32(rule.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  nftnl_rule_set_str(rule.get(), NFTNL_RULE_TABLE, table.c_str());
  nftnl_rule_set_str(rule.get(), NFTNL_RULE_CHAIN, chain.c_str());

  // The rule takes ownership of each expression once added.
  auto add = [&](Result<NftnlExpr> e) -> Status {
    if (!e) return e.take_error();
    nftnl_rule_add_expr(rule.get(), e->release());
    return {};
  };

  // meta l4proto == match.l4proto
  auto l4 = new_expr("meta");
  if (l4) {
    nftnl_expr_set_u32(l4->get(), NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
    nftnl_expr_set_u32(l4->get(), NFTNL_EXPR_META_DREG, NFT_REG_1);
  }
  FWPATH_TRY(add(std::move(l4)));
  auto l4_cmp = new_expr("cmp");
  if (l4_cmp) {
    nftnl_expr_set_u32(l4_cmp->get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(l4_cmp->get(), NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
    nftnl_expr_set_data(l4_cmp->get(), NFTNL_EXPR_CMP_DATA, &match.l4proto, sizeof(match.l4proto));
  }
  FWPATH_TRY(add(std::move(l4_cmp)));

  // transport header bytes == match.value
  auto payload = new_expr("payload");
  if (payload) {
    nftnl_expr_set_u32(payload->get(), NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
    nftnl_expr_set_u32(payload->get(), NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
    nftnl_expr_set_u32(payload->get(), NFTNL_EXPR_PAYLOAD_OFFSET, match.offset);
    nftnl_expr_set_u32(payload->get(), NFTNL_EXPR_PAYLOAD_LEN, static_cast<uint32_t>(match.value.size()));
  }
  FWPATH_TRY(add(std::move(payload)));
  auto value_cmp = new_expr("cmp");
  if (value_cmp) {
    nftnl_expr_set_u32(value_cmp->get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(value_cmp->get(), NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
    nftnl_expr_set_data(value_cmp->get(), NFTNL_EXPR_CMP_DATA, match.value.data(),
                        static_cast<uint32_t>(match.value.size()));
  }
  FWPATH_TRY(add(std::move(value_cmp)));

  // meta nftrace set 1: the only action, written to a data register, never to the
  // verdict register.
  const uint8_t one = 1;
  auto imm = new_expr("immediate");
  if (imm) {
    nftnl_expr_set_u32(imm->get(), NFTNL_EXPR_IMM_DREG, NFT_REG_1);
    nftnl_expr_set_data(imm->get(), NFTNL_EXPR_IMM_DATA, &one, sizeof(one));
  }
  FWPATH_TRY(add(std::move(imm)));
  auto set_trace = new_expr("meta");
  if (set_trace) {
    nftnl_expr_set_u32(set_trace->get(), NFTNL_EXPR_META_KEY, NFT_META_NFTRACE);
    nftnl_expr_set_u32(set_trace->get(), NFTNL_EXPR_META_SREG, NFT_REG_1);
  }
  FWPATH_TRY(add(std::move(set_trace)));
  return rule;
}

}  // namespace fwpath::nft

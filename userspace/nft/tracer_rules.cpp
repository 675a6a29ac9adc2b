#include "nft/tracer_rules.h"

#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <array>

namespace fwpath::nft {

namespace {

using NftnlExpr = CHandle<nftnl_expr, nftnl_expr_free>;
using NftnlSetElem = CHandle<nftnl_set_elem, nftnl_set_elem_free>;

constexpr uint8_t kSportOffset = 0;
constexpr uint8_t kDportOffset = 2;
// Where the second field of a concatenation starts: NFT_REG_1 is 16 bytes wide, its
// 4-byte slots are NFT_REG32_00..03, so the field after l4proto goes to NFT_REG32_01.
constexpr uint32_t kSecondFieldReg = NFT_REG32_01;

const char* const kPortsSet = "watch";

// ICMP (RFC 792) and ICMPv6 (RFC 4443) messages that quote the packet they are about, with
// the codes traced. Their first two bytes, type and code, sit where a port does: they are
// elements of the same set as the ports, looked up by the same `th sport` rule. Codes
// 0-15 where the RFCs keep adding codes; IPv4 has no separate "packet too big": it is
// destination-unreachable code 4.
struct IcmpError {
  model::L4 proto;
  uint8_t type;
  uint8_t last_code;
  const char* name;
};
constexpr std::array<IcmpError, 7> kIcmpErrors = {{
    {model::L4::Icmp, 3, 15, "destination-unreachable"},
    {model::L4::Icmp, 11, 1, "time-exceeded"},
    {model::L4::Icmp, 12, 2, "parameter-problem"},
    {model::L4::Icmpv6, 1, 15, "destination-unreachable"},
    {model::L4::Icmpv6, 2, 0, "packet-too-big"},
    {model::L4::Icmpv6, 3, 1, "time-exceeded"},
    {model::L4::Icmpv6, 4, 15, "parameter-problem"},
}};

// l4proto in the first register slot, then `bytes` (network order) in the second.
SetKey make_key(model::L4 proto, std::initializer_list<uint8_t> bytes) {
  SetKey k{};
  k[0] = static_cast<uint8_t>(proto);
  std::copy(bytes.begin(), bytes.end(), k.begin() + 4);
  return k;
}

uint32_t concat_type(uint32_t first, uint32_t second) {
  return (first << kConcatTypeBits) | second;
}

Result<NftnlExpr> new_expr(const char* name) {
  NftnlExpr e(nftnl_expr_alloc(name));
  if (!e) return sys_error("allocate nftnl expression", name, ENOMEM);
  return e;
}

}  // namespace

Result<TraceSet> tracer_set(const TracerConfig& config) {
  if (config.ports.empty() && !config.icmp_errors) return input_error("nothing to trace: empty watch list");
  TraceSet set;
  set.name = kPortsSet;
  set.key_type = concat_type(kTypeInetProtocol, kTypeInetService);
  for (const WatchPort& w : config.ports) {
    if (w.proto != model::L4::Tcp && w.proto != model::L4::Udp) {
      return input_error("cannot watch ports of protocol", model::to_string(w.proto));
    }
    if (w.port == 0) return input_error("cannot watch port 0 of", model::to_string(w.proto));
    // Network byte order, as the port appears in the header.
    const SetKey key = make_key(w.proto, {static_cast<uint8_t>(w.port >> 8), static_cast<uint8_t>(w.port & 0xff)});
    if (std::find(set.keys.begin(), set.keys.end(), key) != set.keys.end()) continue;
    set.keys.push_back(key);
    set.text.push_back(model::to_string(w.proto) + " . " + std::to_string(w.port));
  }
  if (config.icmp_errors) {
    for (const IcmpError& e : kIcmpErrors) {
      for (int code = 0; code <= e.last_code; ++code) {
        set.keys.push_back(make_key(e.proto, {e.type, static_cast<uint8_t>(code)}));
        // As nft lists it: the two bytes read as a port.
        set.text.push_back(model::to_string(e.proto) + " . " + std::to_string(e.type * 256 + code) + " (" + e.name +
                           " code " + std::to_string(code) + ")");
      }
    }
  }
  return set;
}

std::vector<TraceMatch> tracer_matches(const TraceSet& set) {
  return {{set.name, kSportOffset, 2, "meta l4proto . th sport @" + set.name},
          {set.name, kDportOffset, 2, "meta l4proto . th dport @" + set.name}};
}

Result<NftnlSet> build_trace_set(const std::string& table, const TraceSet& s, uint32_t set_id) {
  if (s.keys.empty()) return input_error("tracer set has no elements:", s.name);
  NftnlSet set(nftnl_set_alloc());
  if (!set) return sys_error("allocate nftnl set", s.name, ENOMEM);
  nftnl_set_set_u32(set.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, table.c_str());
  nftnl_set_set_str(set.get(), NFTNL_SET_NAME, s.name.c_str());
  nftnl_set_set_u32(set.get(), NFTNL_SET_ID, set_id);
  // Constant: its contents are fixed for the run. With a size and no flags that need
  // updates from the packet path, the kernel picks its fixed-size hash (nft_hash).
  nftnl_set_set_u32(set.get(), NFTNL_SET_FLAGS, NFT_SET_CONSTANT);
  nftnl_set_set_u32(set.get(), NFTNL_SET_KEY_TYPE, s.key_type);
  nftnl_set_set_u32(set.get(), NFTNL_SET_KEY_LEN, sizeof(SetKey));
  nftnl_set_set_u32(set.get(), NFTNL_SET_DESC_SIZE, static_cast<uint32_t>(s.keys.size()));
  for (const SetKey& k : s.keys) {
    NftnlSetElem elem(nftnl_set_elem_alloc());
    if (!elem) return sys_error("allocate nftnl set element of", s.name, ENOMEM);
    nftnl_set_elem_set(elem.get(), NFTNL_SET_ELEM_KEY, k.data(), static_cast<uint32_t>(k.size()));
    nftnl_set_elem_add(set.get(), elem.release());  // the set owns it from here
  }
  return set;
}

Result<NftnlRule> build_trace_rule(const std::string& table, const std::string& chain, const TraceMatch& match,
                                   uint32_t set_id) {
  if (match.length != 1 && match.length != 2) {
    return input_error("trace match must load 1 or 2 bytes:", match.description);
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

  // meta l4proto => first slot of the key
  auto l4 = new_expr("meta");
  if (l4) {
    nftnl_expr_set_u32(l4->get(), NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
    nftnl_expr_set_u32(l4->get(), NFTNL_EXPR_META_DREG, NFT_REG_1);
  }
  FWPATH_TRY(add(std::move(l4)));

  // transport header bytes => second slot of the key
  auto payload = new_expr("payload");
  if (payload) {
    nftnl_expr_set_u32(payload->get(), NFTNL_EXPR_PAYLOAD_DREG, kSecondFieldReg);
    nftnl_expr_set_u32(payload->get(), NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
    nftnl_expr_set_u32(payload->get(), NFTNL_EXPR_PAYLOAD_OFFSET, match.offset);
    nftnl_expr_set_u32(payload->get(), NFTNL_EXPR_PAYLOAD_LEN, match.length);
  }
  FWPATH_TRY(add(std::move(payload)));

  // the key in the set, or the rule ends here
  auto lookup = new_expr("lookup");
  if (lookup) {
    nftnl_expr_set_u32(lookup->get(), NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
    nftnl_expr_set_str(lookup->get(), NFTNL_EXPR_LOOKUP_SET, match.set.c_str());
    nftnl_expr_set_u32(lookup->get(), NFTNL_EXPR_LOOKUP_SET_ID, set_id);
  }
  FWPATH_TRY(add(std::move(lookup)));

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

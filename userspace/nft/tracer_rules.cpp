#include "nft/tracer_rules.h"

#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "sources/wireguard_payload.h"

namespace fwpath::nft {

namespace {

using NftnlExpr = CHandle<nftnl_expr, nftnl_expr_free>;
using NftnlSetElem = CHandle<nftnl_set_elem, nftnl_set_elem_free>;

constexpr uint8_t kSportOffset = 0;
constexpr uint8_t kDportOffset = 2;
// Where the second field of a concatenation starts: NFT_REG_1 is 16 bytes wide, its
// 4-byte slots are NFT_REG32_00..03, so the field after l4proto goes to NFT_REG32_01.
constexpr uint32_t kSecondFieldReg = NFT_REG32_01;

const char* const kWatchSet = "watch";
const char* const kPortsSet = "ports";

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

// `length` bytes at `offset` of the transport header into register `dreg`.
Result<NftnlExpr> transport_bytes(uint32_t dreg, uint32_t offset, uint32_t length) {
  auto e = new_expr("payload");
  if (!e) return e;
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_PAYLOAD_DREG, dreg);
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_PAYLOAD_LEN, length);
  return e;
}

// meta l4proto into register `dreg`.
Result<NftnlExpr> l4proto_into(uint32_t dreg) {
  auto e = new_expr("meta");
  if (!e) return e;
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_META_DREG, dreg);
  return e;
}

// Appends `e` to `rule`, which owns it from then on.
Status append(nftnl_rule* rule, Result<NftnlExpr> e) {
  if (!e) return e.take_error();
  nftnl_rule_add_expr(rule, e->release());
  return {};
}

// A lookup of NFT_REG_1 (and the registers after it, for a concatenation) in the set.
Result<NftnlExpr> lookup_in(const std::string& set, uint32_t set_id) {
  auto e = new_expr("lookup");
  if (!e) return e;
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
  nftnl_expr_set_str(e->get(), NFTNL_EXPR_LOOKUP_SET, set.c_str());
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_LOOKUP_SET_ID, set_id);
  return e;
}

}  // namespace

Result<TraceSet> tracer_set(const TracerConfig& config) {
  if (config.ports.empty() && !config.icmp_errors) return input_error("nothing to trace: empty watch list");
  TraceSet set;
  set.name = kWatchSet;
  set.ports_name = kPortsSet;
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
  for (const SetKey& k : set.keys) {
    const PortKey p{k[4], k[5]};
    if (std::find(set.ports.begin(), set.ports.end(), p) == set.ports.end()) set.ports.push_back(p);
  }
  return set;
}

std::vector<TraceMatch> tracer_matches(const TraceSet& set) {
  auto describe = [&](const std::string& field) {
    return "th " + field + " @" + set.ports_name + " meta l4proto . th " + field + " @" + set.name;
  };
  return {{set.name, set.ports_name, kSportOffset, 2, describe("sport")},
          {set.name, set.ports_name, kDportOffset, 2, describe("dport")}};
}

namespace {

// A constant set of fixed-size keys. With a size and no flags that need updates from the
// packet path, the kernel picks its fixed-size hash (nft_hash) for `watch` and its bitmap
// (nft_bitmap, keys of at most 2 bytes) for `ports`.
template <size_t N>
Result<NftnlSet> build_constant_set(const std::string& table, const std::string& name, uint32_t key_type,
                                    const std::vector<std::array<uint8_t, N>>& keys, uint32_t set_id) {
  if (keys.empty()) return input_error("tracer set has no elements:", name);
  NftnlSet set(nftnl_set_alloc());
  if (!set) return sys_error("allocate nftnl set", name, ENOMEM);
  nftnl_set_set_u32(set.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, table.c_str());
  nftnl_set_set_str(set.get(), NFTNL_SET_NAME, name.c_str());
  nftnl_set_set_u32(set.get(), NFTNL_SET_ID, set_id);
  // Constant: its contents are fixed for the run.
  nftnl_set_set_u32(set.get(), NFTNL_SET_FLAGS, NFT_SET_CONSTANT);
  nftnl_set_set_u32(set.get(), NFTNL_SET_KEY_TYPE, key_type);
  nftnl_set_set_u32(set.get(), NFTNL_SET_KEY_LEN, static_cast<uint32_t>(N));
  nftnl_set_set_u32(set.get(), NFTNL_SET_DESC_SIZE, static_cast<uint32_t>(keys.size()));
  for (const auto& k : keys) {
    NftnlSetElem elem(nftnl_set_elem_alloc());
    if (!elem) return sys_error("allocate nftnl set element of", name, ENOMEM);
    nftnl_set_elem_set(elem.get(), NFTNL_SET_ELEM_KEY, k.data(), static_cast<uint32_t>(k.size()));
    nftnl_set_elem_add(set.get(), elem.release());  // the set owns it from here
  }
  return set;
}

}  // namespace

Result<NftnlSet> build_trace_set(const std::string& table, const TraceSet& s, uint32_t set_id) {
  return build_constant_set(table, s.name, s.key_type, s.keys, set_id);
}

Result<NftnlSet> build_port_set(const std::string& table, const TraceSet& s, uint32_t set_id) {
  return build_constant_set(table, s.ports_name, kTypeInetService, s.ports, set_id);
}

namespace {

// A compare of NFT_REG_1 with `bytes`, as they are on the wire: the rule ends on a mismatch.
template <size_t N>
Result<NftnlExpr> equals(const std::array<uint8_t, N>& bytes) {
  auto e = new_expr("cmp");
  if (!e) return e;
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e->get(), NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
  nftnl_expr_set_data(e->get(), NFTNL_EXPR_CMP_DATA, bytes.data(), static_cast<uint32_t>(N));
  return e;
}

// The WireGuard message starts after the 8-byte UDP header.
constexpr uint32_t kUdpHeaderSize = 8;

// The expressions every tracer rule ends with: meta nftrace set 1, written to a data
// register, never to the verdict register.
Status add_set_nftrace(nftnl_rule* rule) {
  const uint8_t one = 1;
  auto imm = new_expr("immediate");
  if (imm) {
    nftnl_expr_set_u32(imm->get(), NFTNL_EXPR_IMM_DREG, NFT_REG_1);
    nftnl_expr_set_data(imm->get(), NFTNL_EXPR_IMM_DATA, &one, sizeof(one));
  }
  FWPATH_TRY(append(rule, std::move(imm)));
  auto set_trace = new_expr("meta");
  if (set_trace) {
    nftnl_expr_set_u32(set_trace->get(), NFTNL_EXPR_META_KEY, NFT_META_NFTRACE);
    nftnl_expr_set_u32(set_trace->get(), NFTNL_EXPR_META_SREG, NFT_REG_1);
  }
  return append(rule, std::move(set_trace));
}

Result<NftnlRule> new_rule(const std::string& table, const std::string& chain, const std::string& description) {
  NftnlRule rule(nftnl_rule_alloc());
  if (!rule) return sys_error("allocate nftnl rule for", description, ENOMEM);
  nftnl_rule_set_u32(rule.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  nftnl_rule_set_str(rule.get(), NFTNL_RULE_TABLE, table.c_str());
  nftnl_rule_set_str(rule.get(), NFTNL_RULE_CHAIN, chain.c_str());
  return rule;
}

}  // namespace

std::string marker_match_text(uint32_t marker) {
  // nft reads the four bytes as one big-endian number and prints it without leading zeros.
  const auto b = sources::wireguard_sender_index_bytes(marker);
  const uint32_t wire =
      static_cast<uint32_t>(b[0]) << 24 | static_cast<uint32_t>(b[1]) << 16 | static_cast<uint32_t>(b[2]) << 8 | b[3];
  char hex[11];
  (void)std::snprintf(hex, sizeof(hex), "0x%x", wire);
  return std::string("meta l4proto udp @th,64,32 0x1000000 @th,96,32 ") + hex;
}

Result<NftnlRule> build_marker_rule(const std::string& table, const std::string& chain, uint32_t marker) {
  auto rule = new_rule(table, chain, marker_match_text(marker));
  if (!rule) return rule;
  nftnl_rule* r = rule->get();
  constexpr uint32_t kTypeOffset = kUdpHeaderSize;
  constexpr uint32_t kSenderOffset = kUdpHeaderSize + sources::kWireguardSenderIndexOffset;
  FWPATH_TRY(append(r, l4proto_into(NFT_REG_1)));
  FWPATH_TRY(append(r, equals(std::array<uint8_t, 1>{static_cast<uint8_t>(model::L4::Udp)})));
  FWPATH_TRY(append(r, transport_bytes(NFT_REG_1, kTypeOffset, sources::kWireguardInitiationType.size())));
  FWPATH_TRY(append(r, equals(sources::kWireguardInitiationType)));
  FWPATH_TRY(append(r, transport_bytes(NFT_REG_1, kSenderOffset, 4)));
  FWPATH_TRY(append(r, equals(sources::wireguard_sender_index_bytes(marker))));
  FWPATH_TRY(add_set_nftrace(r));
  return rule;
}

Result<NftnlRule> build_trace_rule(const std::string& table, const std::string& chain, const TraceMatch& match,
                                   TraceSetIds ids) {
  if (match.length != 2) return input_error("trace match must load 2 bytes:", match.description);
  auto rule = new_rule(table, chain, match.description);
  if (!rule) return rule;
  nftnl_rule* r = rule->get();
  // The prefilter: the transport bytes alone, in the bitmap set, or the rule ends here.
  FWPATH_TRY(append(r, transport_bytes(NFT_REG_1, match.offset, match.length)));
  FWPATH_TRY(append(r, lookup_in(match.ports, ids.ports)));
  // meta l4proto => first slot of the key; transport header bytes => second slot; the key
  // in the set, or the rule ends here
  FWPATH_TRY(append(r, l4proto_into(NFT_REG_1)));
  FWPATH_TRY(append(r, transport_bytes(kSecondFieldReg, match.offset, match.length)));
  FWPATH_TRY(append(r, lookup_in(match.set, ids.watch)));
  FWPATH_TRY(add_set_nftrace(r));
  return rule;
}

}  // namespace fwpath::nft

#pragma once
// The tracer's set and rules, as libnftnl objects. Each rule is one set lookup and its
// only action is `meta nftrace set 1`: it marks packets for tracing and gives no verdict,
// so the packet goes on exactly as it would without the tracer.
//
// Per packet that is not a probe, the cost is what a rule costs on a miss: one meta load,
// one payload load and one hash lookup. There are two rules:
//   meta l4proto . th sport @watch meta nftrace set 1   (replies: from the target port;
//                                                        ICMP errors: type . code)
//   meta l4proto . th dport @watch meta nftrace set 1   (requests: to the target port)
// `watch` (type inet_proto . inet_service) holds every watched (protocol, port), so a
// packet with the port on either side is traced, and the ICMP/ICMPv6 errors that quote a
// packet, whose type and code bytes sit where a source port does. nft lists, and can
// load again, those as `icmp . 768` (type 3, code 0).
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/flow.h"
#include "util/c_handle.h"
#include "util/error.h"

namespace fwpath::nft {

using NftnlRule = CHandle<nftnl_rule, nftnl_rule_free>;
using NftnlSet = CHandle<nftnl_set, nftnl_set_free>;

// A transport port whose packets are traced, in either direction.
struct WatchPort {
  model::L4 proto = model::L4::Udp;  // Tcp or Udp
  uint16_t port = 0;
  friend bool operator==(const WatchPort&, const WatchPort&) = default;
};

struct TracerConfig {
  std::vector<WatchPort> ports;
  // Also trace ICMP/ICMPv6 errors (unreachable, time exceeded, parameter problem, packet
  // too big), so that an error about a probe shows up in the trace. These match every
  // such error, not only those quoting the probe: the correlator picks the probe's.
  bool icmp_errors = true;
};

// One key of a tracer set: `meta l4proto . <transport bytes>`, as the kernel compares
// it: each field in its own 4-byte register, zero padded (nft_payload zeroes the rest of
// a partially written register).
using SetKey = std::array<uint8_t, 8>;

// The tracer table's set, with its elements.
struct TraceSet {
  std::string name;               // "watch"
  uint32_t key_type = 0;          // nft's datatype id of the concatenation, for `nft list`
  std::vector<SetKey> keys;       // distinct, in the order given
  std::vector<std::string> text;  // "udp . 40001", for errors and tests; one per key
};

// What one tracer rule matches: `meta l4proto . LEN bytes at OFFSET of the transport
// header` looked up in the set SET.
struct TraceMatch {
  std::string set;
  uint8_t offset = 0;       // in the transport header
  uint8_t length = 0;       // 1 or 2 bytes
  std::string description;  // "meta l4proto . th dport @watch", for errors and listings
};

// nft's datatype ids (nftables src/datatype.h) and how a concatenation combines them.
constexpr uint32_t kTypeInetProtocol = 12;
constexpr uint32_t kTypeInetService = 13;
constexpr uint32_t kConcatTypeBits = 6;

// The set for a watch list: the ports, then (when asked for) the ICMP errors. BadInput
// for an empty list, a port 0, or a protocol without ports.
Result<TraceSet> tracer_set(const TracerConfig& config);

// The rules that look it up: by source port, then by destination port.
std::vector<TraceMatch> tracer_matches(const TraceSet& set);

// The set `s` in table (family inet) with its elements, for NEWSET (no elements) and
// NEWSETELEM. `set_id` names the set within the transaction that creates it.
Result<NftnlSet> build_trace_set(const std::string& table, const TraceSet& s, uint32_t set_id);

// A rule for `match` in table/chain (family inet): meta l4proto, payload, lookup,
// immediate 1, meta set nftrace. Nothing else. `set_id` as given to build_trace_set().
Result<NftnlRule> build_trace_rule(const std::string& table, const std::string& chain, const TraceMatch& match,
                                   uint32_t set_id);

}  // namespace fwpath::nft

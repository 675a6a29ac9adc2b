#pragma once
// The tracer's set and rules, as libnftnl objects. Each rule is one set lookup and its
// only action is `meta nftrace set 1`: it marks packets for tracing and gives no verdict,
// so the packet goes on exactly as it would without the tracer.
//
// Per packet that is not a probe, the cost is what a rule costs on a miss: one payload
// load and one bitmap lookup. There are two rules:
//   th sport @ports meta l4proto . th sport @watch meta nftrace set 1
//       (replies: from the target port; ICMP errors: type . code)
//   th dport @ports meta l4proto . th dport @watch meta nftrace set 1
//       (requests: to the target port)
// A third kind of rule, one per UDP probe, follows a probe whose ports NAT changed:
//   meta l4proto udp @th,64,32 0x01000000 @th,96,32 MARKER meta nftrace set 1
// matches the WireGuard-shaped datagram (message type 1) by the sender index the probe
// wrote (sources/wireguard_payload.h), whatever its ports became: after a port-changing
// DNAT and a random SNAT a later namespace sees neither port it watches. A packet that is
// not UDP leaves it after one compare; a UDP packet after two.
// `watch` (type inet_proto . inet_service) holds every watched (protocol, port), so a
// packet with the port on either side is traced, and the ICMP/ICMPv6 errors that quote a
// packet, whose type and code bytes sit where a source port does. nft lists, and can
// load again, those as `icmp . 768` (type 3, code 0). `ports` (type inet_service) holds
// the same two-byte values without the protocol: the kernel keeps a set of 16-bit keys as
// a bitmap, so the first lookup turns nearly every packet away for the price of a bit
// test, and only a packet with a watched number on that side pays the hash lookup.
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
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
  // A constructor, not an aggregate, so that callers may leave out the later members.
  explicit TracerConfig(std::vector<WatchPort> watch = {}, bool with_icmp_errors = true,
                        std::vector<uint32_t> markers = {})
      : ports(std::move(watch)), icmp_errors(with_icmp_errors), udp_markers(std::move(markers)) {}

  std::vector<WatchPort> ports;
  // Also trace ICMP/ICMPv6 errors (unreachable, time exceeded, parameter problem, packet
  // too big), so that an error about a probe shows up in the trace. These match every
  // such error, not only those quoting the probe: the correlator picks the probe's.
  bool icmp_errors;
  // The sender indexes of the UDP probes' WireGuard-shaped datagrams: one marker rule each.
  std::vector<uint32_t> udp_markers;
};

// One key of a tracer set: `meta l4proto . <transport bytes>`, as the kernel compares
// it: each field in its own 4-byte register, zero padded (nft_payload zeroes the rest of
// a partially written register).
using SetKey = std::array<uint8_t, 8>;

// The prefilter set's keys: two transport header bytes, as they are on the wire.
using PortKey = std::array<uint8_t, 2>;

// The tracer table's sets, with their elements.
struct TraceSet {
  std::string name;               // "watch"
  uint32_t key_type = 0;          // nft's datatype id of the concatenation, for `nft list`
  std::vector<SetKey> keys;       // distinct, in the order given
  std::vector<std::string> text;  // "udp . 40001", for errors and tests; one per key
  std::string ports_name;         // "ports": the prefilter
  std::vector<PortKey> ports;     // the second field of every key above, each once
};

// What one tracer rule matches: LEN bytes at OFFSET of the transport header in the
// prefilter set PORTS, then `meta l4proto . those bytes` in the set SET.
struct TraceMatch {
  std::string set;
  std::string ports;        // the prefilter set
  uint8_t offset = 0;       // in the transport header
  uint8_t length = 0;       // 2 bytes
  std::string description;  // "th dport @ports meta l4proto . th dport @watch", for errors and listings
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
// The prefilter set of `s` (s.ports_name), likewise.
Result<NftnlSet> build_port_set(const std::string& table, const TraceSet& s, uint32_t set_id);

// The ids the two sets were given in the transaction that creates them.
struct TraceSetIds {
  uint32_t watch = 0;
  uint32_t ports = 0;
};

// A rule for `match` in table/chain (family inet): payload, lookup (prefilter), meta
// l4proto, payload, lookup, immediate 1, meta set nftrace. Nothing else.
Result<NftnlRule> build_trace_rule(const std::string& table, const std::string& chain, const TraceMatch& match,
                                   TraceSetIds ids);

// The marker rule for `marker` in table/chain (family inet), and how nft lists its match.
Result<NftnlRule> build_marker_rule(const std::string& table, const std::string& chain, uint32_t marker);
std::string marker_match_text(uint32_t marker);

}  // namespace fwpath::nft

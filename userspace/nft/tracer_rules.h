#pragma once
// The tracer's rules, as libnftnl objects. Each rule matches one thing and its only
// action is `meta nftrace set 1`: it marks packets for tracing and gives no verdict, so
// the packet goes on exactly as it would without the tracer.
#include <libnftnl/rule.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/flow.h"
#include "util/c_handle.h"
#include "util/error.h"

namespace fwpath::nft {

using NftnlRule = CHandle<nftnl_rule, nftnl_rule_free>;

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

// What one tracer rule matches: `meta l4proto L4PROTO` and `VALUE` at OFFSET of the
// transport header.
struct TraceMatch {
  uint8_t l4proto = 0;
  uint8_t offset = 0;          // in the transport header
  std::vector<uint8_t> value;  // network byte order; its size is the match length
  std::string description;     // "udp dport 40001", for errors and listings
};

// The matches for a watch list: sport and dport for each port, then the ICMP errors.
// BadInput for an empty list, a port 0, or a protocol without ports.
Result<std::vector<TraceMatch>> tracer_matches(const TracerConfig& config);

// A rule for `match` in table/chain (family inet): meta l4proto, cmp, payload, cmp,
// immediate 1, meta set nftrace. Nothing else.
Result<NftnlRule> build_trace_rule(const std::string& table, const std::string& chain, const TraceMatch& match);

}  // namespace fwpath::nft

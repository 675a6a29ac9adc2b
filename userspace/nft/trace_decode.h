#pragma once
// Decoding of one nf_tables trace message (NFT_MSG_TRACE) into the model's event. Pure:
// no sockets, no namespace, no clock; the listener adds those. Malformed input (truncated
// messages, missing or mis-sized attributes) gives an Error, never a crash: libnftnl
// 1.2.4 calls exit() on some of those, so the message is checked before it sees it.
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "model/events.h"
#include "util/error.h"

namespace fwpath::nft {

struct DecodedTrace {
  // Everything but `netns`, `received`, `iif` and `oif`, which need the receiving side.
  model::NftTraceEvent event;
  // NFTA_TRACE_IIF/OIF; 0 when absent. The kernel sends interfaces and packet headers
  // only with the first event of each base chain a packet passes (seen on 6.18); later
  // events of that chain (same trace id) carry none.
  uint32_t iif_index = 0;
  uint32_t oif_index = 0;
};

// `available` is how many bytes may be read from `nlh`; the message must fit in it.
//
// What the kernel sends, as seen on 6.18 for one packet in one base chain: a Rule event
// per rule whose statements ran to the end (verdict continue, e.g. a counter or `meta
// nftrace set 1`) or that gave a verdict; a Rule event with no handle (rule_handle 0)
// and verdict continue when the end of the chain's rules is reached; then a Policy event
// with the chain's policy. A jump gives a Rule event with verdict Jump and the target;
// reaching the end of the regular chain jumped to gives again a Rule event without handle
// and verdict continue (older kernels send a Return event for it), and evaluation goes
// on in the calling chain with its next rule.
Result<DecodedTrace> decode_trace(const nlmsghdr* nlh, size_t available);

// Every message of one datagram of the trace socket, walked with walk_datagram()
// (util/netlink_walk.h) and decoded in order: on_trace gets each that decodes,
// on_undecodable each that does not, and the bytes after the last whole message if any.
void decode_trace_datagram(std::span<const char> datagram, const std::function<void(DecodedTrace&&)>& on_trace,
                           const std::function<void(Error)>& on_undecodable);

// NFPROTO_* as nft names it: 1 "inet", 2 "ip", 3 "arp", 5 "netdev", 7 "bridge", 10 "ip6".
std::string family_name(uint32_t nfproto);

// A verdict code as the kernel reports it (NF_* >= 0, possibly with a queue number or
// errno in the upper bits; NFT_* < 0).
model::Verdict verdict_from_code(uint32_t code);

}  // namespace fwpath::nft

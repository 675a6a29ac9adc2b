#pragma once
// Which probe an ICMP error in an nft trace is about. A trace event carries 20 bytes of the
// transport header: of an ICMP error, its own 8 and the first 12 of the IP header it
// quotes, which stop before the quoted addresses, so the trace alone cannot tell whose
// packet the error is about. BPF snapshots the same error whole. In one namespace, the
// trace event's bytes (network header, then transport header) are the start of the BPF
// snapshot of the same error: the outer IP header with its id and checksum, and the ICMP
// header with its checksum over the whole quoted packet, ports included. Pure.
#include <cstdint>
#include <vector>

#include "model/events.h"

namespace fwpath::model {

// The trace event's bytes as the packet starts: network header, then transport header.
std::vector<uint8_t> trace_bytes(const NftTraceEvent& e);

// Whether `start` (a trace event's bytes, an IP header and at least the ICMP header) is
// the beginning of `packet`.
bool same_icmp_error(const std::vector<uint8_t>& start, const std::vector<uint8_t>& packet);

}  // namespace fwpath::model

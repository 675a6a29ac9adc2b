#pragma once
// Small pieces every probe family uses: building a FeatureResult, naming an errno the way
// a kernel developer searches for it, and loopback UDP traffic inside a namespace the
// probe created.
#include <cstdint>
#include <string>

#include "model/kernel_verdict.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath::kernel {

model::FeatureResult available(std::string name, std::string detail);
model::FeatureResult unavailable(std::string name, std::string detail);
// Unavailable, the detail being the error's one-line message.
model::FeatureResult unavailable(std::string name, const Error& why);

// "EPERM (Operation not permitted)".
std::string errno_text(int err);

// A UDP socket bound to 127.0.0.1:port in the calling thread's namespace.
Result<UniqueFd> bind_udp_loopback(uint16_t port);
// Sends one datagram to 127.0.0.1:port from an ephemeral port.
Status send_udp_loopback(uint16_t port);
// Sends one datagram to 127.0.0.1:port, where nothing listens, and waits (bounded) for
// the ICMP port unreachable to come back: by then the kernel has freed the datagram
// through kfree_skb (reason NO_SOCKET), which the tracepoint probes watch for.
Status drop_udp_at_closed_port(uint16_t port);

}  // namespace fwpath::kernel

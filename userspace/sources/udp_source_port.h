#pragma once
// The UDP probes' source port for one run. The issue asks for "a fixed source port", so
// that a WireGuard peer's allowed endpoint and a capture filter can name it: it is fixed
// for the run, taken from fwpath's UDP range, and never one that a socket in the
// sending namespace already holds (another fwpath run, a real WireGuard listening on
// it). Without that, two runs on one machine would send from the same port and read
// each other's drops.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "model/probe_spec.h"
#include "util/error.h"

namespace fwpath::sources {

// fwpath's UDP source ports: 40000 (the scenarios' WireGuard source port) to 40999.
// TCP probes use 41000-48999.
constexpr uint16_t kUdpSourcePortFirst = 40000;
constexpr uint16_t kUdpSourcePortLast = 40999;

// Whether a port can be taken: bound or refused with EADDRINUSE.
using PortFree = std::function<Result<bool>(uint16_t port)>;

// Gives every UDP probe in `specs` a distinct source port in the range, starting at
// `start` (wrapping) and skipping ports `is_free` says are held. TCP probes are left as
// they are. Environment error when the whole range is held.
Status assign_udp_source_ports(std::vector<model::ProbeSpec>& specs, uint16_t start, const PortFree& is_free);

// Whether no UDP socket of family AF_INET6 (v6) or AF_INET in the namespace netns_fd
// (negative: the current one) holds `port` on the wildcard address: a socket bound
// without SO_REUSEADDR gets it or EADDRINUSE. The socket is closed at once.
Result<bool> udp_port_free(int netns_fd, bool v6, uint16_t port);

}  // namespace fwpath::sources

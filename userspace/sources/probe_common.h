#pragma once
// What the TCP and UDP probes share: options checks, a socket opened in the probe's
// namespace with error reporting on, the socket error queue, and a bounded wait that
// honours stop requests. Internal to sources/probe_*.cpp.
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>

#include "model/sockaddr.h"
#include "sources/probe_socket.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath::sources::probe_detail {

// setsockopt of one int; the error names the option (`label`).
Status set_int_option(int fd, int level, int name, int value, const char* label);

using Clock = std::chrono::steady_clock;

using model::from_sockaddr;
using model::SockAddr;
using model::to_sockaddr;

Status check_options(const ProbeOptions& opt, const char* probe);

// socket(type) inside opt.netns_fd (sockets keep the namespace they were created in, so
// only socket() runs there), with SO_REUSEADDR (TCP only) and IP(V6)_RECVERR, bound when the options
// name a source address or port.
Result<UniqueFd> open_probe_socket(const ProbeOptions& opt, int type);

// The socket's local address as the kernel chose it.
Result<model::Endpoint> local_endpoint(int fd);

// The source address the routing table picks for dst from opt's namespace: a connected
// UDP socket sends nothing but resolves the route.
Result<model::IpAddr> route_source(const ProbeOptions& opt);

// One entry of the socket error queue: an ICMP error (icmp set) or a local error
// (err set, e.g. EMSGSIZE). std::nullopt when the queue is empty.
struct QueuedError {
  std::optional<IcmpReport> icmp;
  int err = 0;
};
Result<std::optional<QueuedError>> read_error_queue(int fd);

// poll() for `events` until `deadline` or until `cancel_fd` (when >= 0) becomes readable,
// waking at least every 100 ms to check fwpath::stop_requested(). Returns the revents, 0
// at the deadline or on cancellation (the probe then ends as if its time had run out).
Result<short> wait_for(int fd, short events, Clock::time_point deadline, int cancel_fd, const char* during);

std::chrono::microseconds since(Clock::time_point start);

}  // namespace fwpath::sources::probe_detail

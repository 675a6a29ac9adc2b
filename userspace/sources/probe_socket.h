#pragma once
// The real probe: a TCP connect or a UDP datagram sent from inside a network namespace,
// and what came back, read from the socket itself (connect result, reply, or the ICMP
// error the kernel queued on the socket's error queue). The BPF and nft-trace sources
// say where the packet went; this says what the sender saw.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "model/flow.h"
#include "util/error.h"

namespace fwpath::sources {

enum class ProbeOutcome {
  Connected,   // TCP: the handshake completed (SYN-ACK seen)
  Refused,     // TCP: a RST answered the SYN
  Reply,       // UDP: a datagram came back to the probe's port
  IcmpError,   // an ICMP/ICMPv6 error about the probe came back (see ProbeResult::icmp)
  Timeout,     // TCP: nothing within the timeout
  NoReply,     // UDP: nothing within the timeout; normal for WireGuard, not a failure by itself
  LocalError,  // this host refused to send it (no route, dropped by a local OUTPUT rule...)
};
// "connected", "refused", "reply", "icmp-error", "timeout", "no-reply", "local-error".
std::string to_string(ProbeOutcome o);

// An ICMP error as the kernel queued it for the socket (struct sock_extended_err).
struct IcmpReport {
  bool v6 = false;         // ICMPv6 (type/code are ICMPv6 numbers)
  uint8_t type = 0;        // 3 = destination unreachable (ICMPv6: 1)
  uint8_t code = 0;        // e.g. 3 port unreachable, 13 administratively prohibited
  model::IpAddr offender;  // the node that sent the error
  int err = 0;             // the errno the kernel maps the error to
  uint32_t info = 0;       // e.g. the next-hop MTU of "fragmentation needed"
  friend bool operator==(const IcmpReport&, const IcmpReport&) = default;
};

struct ProbeResult {
  ProbeOutcome outcome = ProbeOutcome::Timeout;
  model::Flow flow;                               // the probe as sent: source as the kernel chose it
  std::chrono::microseconds elapsed{0};           // from send to outcome
  std::chrono::steady_clock::time_point sent_at;  // just before connect()/sendto()
  std::optional<IcmpReport> icmp;                 // IcmpError only
  size_t reply_bytes = 0;                         // Reply only
  std::optional<model::Endpoint> reply_from;      // Reply only
  int local_errno = 0;                            // LocalError only
};

// The outcome in one line, without timing, so that equal outcomes print equally:
// "connected", "icmp-error type 3 code 13 from 198.51.100.20", "reply 148 bytes from
// 198.51.100.20:51820", "local-error EPERM (Operation not permitted)".
std::string to_string(const ProbeResult& r);

struct ProbeOptions {
  model::Endpoint dst;
  std::optional<model::IpAddr> src_addr;  // bind to it; default: the route's choice
  uint16_t src_port = 0;                  // 0: the kernel picks one
  std::chrono::milliseconds timeout{3000};
  int netns_fd = -1;           // the namespace to send from; -1: the calling thread's
  uint32_t marker = 0;         // UDP: the sender index of the WireGuard-shaped payload
  uint32_t udp_payload = 0;    // UDP: payload bytes; 0: the 148-byte initiation alone
  bool dont_fragment = false;  // UDP: IP_PMTUDISC_DO / IPV6_DONTFRAG
  // Readable (e.g. an eventfd written to) when the caller already knows the probe's fate
  // (the tracer saw the packet die): the wait ends at once, as if the timeout had passed.
  int cancel_fd = -1;
};

// Non-blocking connect() with IP(V6)_RECVERR; Connected, Refused, IcmpError, Timeout or
// LocalError. A completed connection is reset (SO_LINGER 0) rather than closed, so that
// no TIME_WAIT is left and the same source port can probe again at once.
// Errors: bad options, socket/bind failures (e.g. EADDRINUSE), Interrupted when
// fwpath::stop_requested() turns true while waiting.
Result<ProbeResult> probe_tcp(const ProbeOptions& opt);

// One WireGuard-shaped datagram (see wireguard_payload.h) with IP(V6)_RECVERR; Reply,
// IcmpError, NoReply or LocalError. Same errors as probe_tcp.
Result<ProbeResult> probe_udp(const ProbeOptions& opt);

}  // namespace fwpath::sources

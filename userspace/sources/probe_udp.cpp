// UDP probe: one WireGuard-shaped datagram, then whichever comes first of a reply, an
// ICMP error on the error queue, or the timeout.
#include <netinet/in.h>
#include <poll.h>

#include <random>
#include <vector>

#include "sources/probe_common.h"
#include "sources/probe_socket.h"
#include "sources/wireguard_payload.h"

namespace fwpath::sources {

using namespace probe_detail;

Result<ProbeResult> probe_udp(const ProbeOptions& opt) {
  FWPATH_TRY(check_options(opt, "UDP"));
  // The socket stays unconnected so that a reply from another address (an asymmetric
  // NAT) is still seen; with RECVERR the kernel queues ICMP errors all the same. The
  // route's source address is looked up apart, for the report.
  auto src_addr = route_source(opt);
  if (!src_addr) return src_addr.take_error();
  auto fd = open_probe_socket(opt, SOCK_DGRAM);
  if (!fd) return fd.take_error();

  ProbeResult r;
  r.flow.proto = model::L4::Udp;
  r.flow.dst = opt.dst;
  const auto initiation = wireguard_like_initiation(opt.marker, std::random_device{}());
  std::vector<uint8_t> payload(initiation.begin(), initiation.end());
  if (opt.udp_payload != 0) payload.resize(opt.udp_payload, 0);
  if (opt.dont_fragment) {
    // DF on the wire, and no fragmenting by this host: a datagram too big for a link on
    // the way dies there with an ICMP "fragmentation needed", as a WireGuard packet would.
    if (opt.dst.addr.v6) {
      FWPATH_TRY(set_int_option(fd->get(), SOL_IPV6, IPV6_DONTFRAG, 1, "IPV6_DONTFRAG"));
    } else {
      FWPATH_TRY(set_int_option(fd->get(), SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, "IP_MTU_DISCOVER"));
    }
  }
  const SockAddr dst = to_sockaddr(opt.dst);
  const auto start = Clock::now();
  r.sent_at = start;
  const ssize_t sent = ::sendto(fd->get(), payload.data(), payload.size(), 0, dst.get(), dst.len);
  const int send_errno = errno;
  auto local = local_endpoint(fd->get());
  if (!local) return local.take_error();
  r.flow.src = model::Endpoint{src_addr.value(), local->port};
  if (sent < 0) {
    // EPERM from a local OUTPUT drop, ENETUNREACH without a route, and so on.
    r.outcome = ProbeOutcome::LocalError;
    r.local_errno = send_errno;
    r.elapsed = since(start);
    return r;
  }

  const auto deadline = start + opt.timeout;
  std::vector<uint8_t> buf(65536);
  for (;;) {
    auto revents = wait_for(fd->get(), POLLIN, deadline, opt.cancel_fd, "UDP probe");
    if (!revents) return revents.take_error();
    if (revents.value() == 0) {
      r.outcome = ProbeOutcome::NoReply;
      r.elapsed = since(start);
      return r;
    }
    auto queued = read_error_queue(fd->get());
    if (!queued) return queued.take_error();
    if (queued.value()) {
      if (queued.value()->icmp) {
        r.outcome = ProbeOutcome::IcmpError;
        r.icmp = queued.value()->icmp;
      } else {
        r.outcome = ProbeOutcome::LocalError;
        r.local_errno = queued.value()->err;
      }
      r.elapsed = since(start);
      return r;
    }
    if ((revents.value() & POLLIN) == 0) {
      if ((revents.value() & POLLERR) == 0) continue;
      // An error with no queued report (the kernel could not queue one): only its errno
      // is known. Reading SO_ERROR clears it, so the wait cannot spin on it.
      int err = 0;
      socklen_t len = sizeof(err);
      if (::getsockopt(fd->get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        return sys_error("read probe socket error", "");
      }
      if (err == 0) continue;
      r.outcome = ProbeOutcome::LocalError;
      r.local_errno = err;
      r.elapsed = since(start);
      return r;
    }
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = ::recvfrom(fd->get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      // A pending error (ECONNREFUSED...) is reported by the queue above; spurious
      // wake-ups return EAGAIN.
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      const int err = errno;
      r.outcome = ProbeOutcome::LocalError;
      r.local_errno = err;
      r.elapsed = since(start);
      return r;
    }
    r.outcome = ProbeOutcome::Reply;
    r.reply_bytes = static_cast<size_t>(n);
    r.reply_from = from_sockaddr(from);
    r.elapsed = since(start);
    return r;
  }
}

}  // namespace fwpath::sources

// TCP probe: a non-blocking connect(), then whichever comes first of SYN-ACK, RST, an
// ICMP error on the error queue, or the timeout.
#include <poll.h>

#include "sources/probe_common.h"
#include "sources/probe_socket.h"

namespace fwpath::sources {

using namespace probe_detail;

namespace {

Result<int> pending_socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return sys_error("read probe socket error", "");
  return err;
}

// Resets instead of closing: a FIN would leave this side in TIME_WAIT and block the
// next probe from the same source port to the same destination.
void abort_connection(int fd) {
  const linger l{1, 0};
  (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

// Classifies a socket poll() woke up for. std::nullopt: nothing decisive yet.
Result<std::optional<ProbeResult>> classify(int fd, short revents, ProbeResult base) {
  // The error queue first: an ICMP port unreachable also ends as ECONNREFUSED in
  // SO_ERROR, and only the queue tells it from a RST.
  auto queued = read_error_queue(fd);
  if (!queued) return queued.take_error();
  if (queued.value()) {
    const QueuedError& q = *queued.value();
    if (q.icmp) {
      base.outcome = ProbeOutcome::IcmpError;
      base.icmp = q.icmp;
    } else {
      base.outcome = ProbeOutcome::LocalError;
      base.local_errno = q.err;
    }
    return std::optional<ProbeResult>{base};
  }
  auto err = pending_socket_error(fd);
  if (!err) return err.take_error();
  if (err.value() == 0) {
    if ((revents & POLLOUT) == 0) {
      // Hung up or failed with no error left to read: end here rather than spin on a
      // socket that will stay in that state until the deadline.
      if ((revents & (POLLERR | POLLHUP)) == 0) return std::optional<ProbeResult>{};
      base.outcome = ProbeOutcome::LocalError;
      base.local_errno = ECONNABORTED;
      return std::optional<ProbeResult>{base};
    }
    base.outcome = ProbeOutcome::Connected;
    abort_connection(fd);
  } else if (err.value() == ECONNREFUSED) {
    base.outcome = ProbeOutcome::Refused;
  } else {
    base.outcome = ProbeOutcome::LocalError;
    base.local_errno = err.value();
  }
  return std::optional<ProbeResult>{base};
}

}  // namespace

Result<ProbeResult> probe_tcp(const ProbeOptions& opt) {
  FWPATH_TRY(check_options(opt, "TCP"));
  auto fd = open_probe_socket(opt, SOCK_STREAM);
  if (!fd) return fd.take_error();

  ProbeResult r;
  r.flow.proto = model::L4::Tcp;
  r.flow.dst = opt.dst;
  const SockAddr dst = to_sockaddr(opt.dst);
  const auto start = Clock::now();
  r.sent_at = start;
  if (::connect(fd->get(), dst.get(), dst.len) != 0 && errno != EINPROGRESS) {
    // Refused before a packet left: no route, unusable address, and so on.
    r.local_errno = errno;
    r.outcome = ProbeOutcome::LocalError;
    r.elapsed = since(start);
    if (auto local = local_endpoint(fd->get())) r.flow.src = local.value();
    return r;
  }
  auto local = local_endpoint(fd->get());
  if (!local) return local.take_error();
  r.flow.src = local.value();

  const auto deadline = start + opt.timeout;
  for (;;) {
    auto revents = wait_for(fd->get(), POLLOUT, deadline, opt.cancel_fd, "TCP probe");
    if (!revents) return revents.take_error();
    if (revents.value() == 0) {
      r.outcome = ProbeOutcome::Timeout;
      r.elapsed = since(start);
      return r;
    }
    auto decided = classify(fd->get(), revents.value(), r);
    if (!decided) return decided.take_error();
    if (decided.value()) {
      ProbeResult out = *decided.value();
      out.elapsed = since(start);
      return out;
    }
  }
}

}  // namespace fwpath::sources

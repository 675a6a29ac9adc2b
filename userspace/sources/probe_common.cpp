#include "sources/probe_common.h"

#include <linux/errqueue.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "util/netns.h"
#include "util/signals.h"

namespace fwpath::sources::probe_detail {

Status check_options(const ProbeOptions& opt, const char* probe) {
  const std::string what = std::string(probe) + " probe";
  if (opt.dst.port == 0) return input_error(what + " needs a destination port");
  if (opt.src_addr && opt.src_addr->v6 != opt.dst.addr.v6) {
    return input_error(what + ": source and destination are of different families:",
                       opt.src_addr->str() + " -> " + opt.dst.addr.str());
  }
  if (opt.timeout.count() <= 0) return input_error(what + " needs a positive timeout");
  return {};
}

namespace {

Result<UniqueFd> socket_in(int netns_fd, int family, int type) {
  std::optional<NetnsEnter> entered;
  if (netns_fd >= 0) {
    auto e = NetnsEnter::enter(netns_fd, "of the probe");
    if (!e) return e.take_error();
    entered.emplace(std::move(e.value()));
  }
  UniqueFd fd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("create probe socket", family == AF_INET6 ? "(IPv6)" : "(IPv4)");
  return fd;
}

}  // namespace

Status set_int_option(int fd, int level, int name, int value, const char* label) {
  if (::setsockopt(fd, level, name, &value, sizeof(value)) != 0) return sys_error("set socket option", label);
  return {};
}

Result<UniqueFd> open_probe_socket(const ProbeOptions& opt, int type) {
  const bool v6 = opt.dst.addr.v6;
  auto fd = socket_in(opt.netns_fd, v6 ? AF_INET6 : AF_INET, type);
  if (!fd) return fd.take_error();
  // SO_REUSEADDR lets a TCP source port be reused at once by the next probe (TIME_WAIT).
  // Not for UDP: there it would let two sockets share the port, so a probe from a port
  // another run holds would be sent and its answers split; without it, bind refuses.
  if (type == SOCK_STREAM) FWPATH_TRY(set_int_option(fd->get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR"));
  // RECVERR queues every ICMP error with its type, code and sender, instead of only
  // turning some of them into an errno.
  if (v6) {
    FWPATH_TRY(set_int_option(fd->get(), SOL_IPV6, IPV6_RECVERR, 1, "IPV6_RECVERR"));
  } else {
    FWPATH_TRY(set_int_option(fd->get(), SOL_IP, IP_RECVERR, 1, "IP_RECVERR"));
  }
  if (opt.src_addr || opt.src_port != 0) {
    model::Endpoint local{opt.src_addr.value_or(model::IpAddr{v6, {}}), opt.src_port};
    const SockAddr sa = to_sockaddr(local);
    if (::bind(fd->get(), sa.get(), sa.len) != 0) return sys_error("bind probe socket to", local.str());
  }
  return fd;
}

Result<model::Endpoint> local_endpoint(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return sys_error("read probe socket address", "");
  auto ep = from_sockaddr(ss);
  if (!ep) return env_error("probe socket has no IP address");
  return *ep;
}

Result<model::IpAddr> route_source(const ProbeOptions& opt) {
  if (opt.src_addr) return *opt.src_addr;
  auto fd = socket_in(opt.netns_fd, opt.dst.addr.v6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
  if (!fd) return fd.take_error();
  const SockAddr sa = to_sockaddr(opt.dst);
  if (::connect(fd->get(), sa.get(), sa.len) != 0) return sys_error("find a route to", opt.dst.addr.str());
  auto local = local_endpoint(fd->get());
  if (!local) return local.take_error();
  return local->addr;
}

Result<std::optional<QueuedError>> read_error_queue(int fd) {
  // The queued error comes with a copy of the offending packet; only its header matters.
  char data[64];
  iovec iov{data, sizeof(data)};
  alignas(cmsghdr) char control[512];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<QueuedError>{};
    return sys_error("read probe socket error queue", "");
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    const bool v4err = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
    const bool v6err = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (!v4err && !v6err) continue;
    const size_t payload = c->cmsg_len - CMSG_LEN(0);
    if (payload < sizeof(sock_extended_err)) continue;
    const auto* raw = CMSG_DATA(c);
    sock_extended_err ee{};
    std::memcpy(&ee, raw, sizeof(ee));
    QueuedError out;
    out.err = static_cast<int>(ee.ee_errno);
    if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
      IcmpReport r;
      r.v6 = ee.ee_origin == SO_EE_ORIGIN_ICMP6;
      r.type = ee.ee_type;
      r.code = ee.ee_code;
      r.err = out.err;
      r.info = ee.ee_info;
      // SO_EE_OFFENDER: the sender's address follows the structure.
      sockaddr_storage offender{};
      const size_t addr_len = std::min(payload - sizeof(ee), sizeof(offender));
      std::memcpy(&offender, raw + sizeof(ee), addr_len);
      if (auto ep = from_sockaddr(offender)) r.offender = ep->addr;
      out.icmp = r;
    }
    return std::optional<QueuedError>{out};
  }
  return env_error("probe socket error queue entry without an extended error");
}

Result<short> wait_for(int fd, short events, Clock::time_point deadline, int cancel_fd, const char* during) {
  constexpr auto kSlice = std::chrono::milliseconds(100);
  for (;;) {
    if (stop_requested()) return interrupted_error(during);
    const auto now = Clock::now();
    if (now >= deadline) return short{0};
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    std::array<pollfd, 2> p{{{fd, events, 0}, {cancel_fd, POLLIN, 0}}};
    const nfds_t count = cancel_fd >= 0 ? 2 : 1;
    const int n = ::poll(p.data(), count, static_cast<int>(std::min(left, std::chrono::milliseconds(kSlice)).count()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("wait on probe socket", "");
    }
    // The socket's own news wins over a cancellation that arrived at the same moment.
    if (p[0].revents != 0) return p[0].revents;
    if (count == 2 && p[1].revents != 0) return short{0};
  }
}

std::chrono::microseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

}  // namespace fwpath::sources::probe_detail

#include "kernel/netlink_io.h"

#include <poll.h>

#include <atomic>
#include <ctime>

namespace fwpath::kernel {

namespace {

constexpr int ms_count(std::chrono::milliseconds ms) {
  return static_cast<int>(ms.count());
}

}  // namespace

uint32_t next_netlink_seq() {
  // Start from the clock so that replies to an earlier process's socket (same port id
  // reused) never match.
  static std::atomic<uint32_t> seq{static_cast<uint32_t>(std::time(nullptr))};
  return ++seq;
}

Result<MnlSocket> open_netlink(int bus, const std::string& label) {
  MnlSocket sock(mnl_socket_open2(bus, SOCK_CLOEXEC));
  if (!sock) return sys_error("open netlink socket", label);
  if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) return sys_error("bind netlink socket", label);
  return sock;
}

Status wait_readable(int fd, std::chrono::milliseconds timeout, const std::string& what) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int n = ::poll(&p, 1, ms_count(timeout));
    if (n > 0) return {};
    if (n == 0) return sys_error(what, "", ETIMEDOUT);
    if (errno != EINTR) return sys_error(what, "");
    // A stop signal interrupts the wait; the bounded timeout still ends it, so simply retry.
  }
}

Status netlink_exchange(mnl_socket* sock, const void* buf, size_t len, uint32_t seq, const OnNetlinkMessage& on_data,
                        const std::string& what) {
  if (mnl_socket_sendto(sock, buf, len) < 0) return sys_error(what, "(send)");
  return receive_reply(mnl_socket_get_fd(sock), seq, mnl_socket_get_portid(sock), on_data, kNetlinkTimeout, what, "");
}

}  // namespace fwpath::kernel

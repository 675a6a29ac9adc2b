#include "support/listeners.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "util/netns.h"
#include "util/unique_fd.h"

namespace fwpath::testlab {

namespace {

sockaddr_storage to_sockaddr(const model::Endpoint& ep, socklen_t& len) {
  sockaddr_storage ss{};
  if (ep.addr.v6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(ep.port);
    std::memcpy(&in6.sin6_addr, ep.addr.bytes.data(), 16);
    std::memcpy(&ss, &in6, sizeof(in6));
    len = sizeof(in6);
  } else {
    sockaddr_in in4{};
    in4.sin_family = AF_INET;
    in4.sin_port = htons(ep.port);
    std::memcpy(&in4.sin_addr, ep.addr.bytes.data(), 4);
    std::memcpy(&ss, &in4, sizeof(in4));
    len = sizeof(in4);
  }
  return ss;
}

// A bound socket created inside the namespace, and the port it got.
Result<UniqueFd> bound_socket(int netns_fd, const model::Endpoint& local, int type, uint16_t& port) {
  std::optional<NetnsEnter> entered;
  if (netns_fd >= 0) {
    auto e = NetnsEnter::enter(netns_fd, "of the test listener");
    if (!e) return e.take_error();
    entered.emplace(std::move(e.value()));
  }
  UniqueFd fd(::socket(local.addr.v6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("create listener socket for", local.str());
  const int one = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  socklen_t len = 0;
  const sockaddr_storage ss = to_sockaddr(local, len);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0)
    return sys_error("bind listener to", local.str());
  sockaddr_storage got{};
  socklen_t got_len = sizeof(got);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&got), &got_len) != 0) {
    return sys_error("read listener address", local.str());
  }
  port = ntohs(got.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&got)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&got)->sin_port);
  return fd;
}

}  // namespace

// The socket, a counter, and a thread serving the socket until the eventfd is written.
struct ServerCore {
  UniqueFd sock;
  UniqueFd stop;
  uint16_t port = 0;
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  size_t count = 0;
  std::thread thread;

  void bump() {
    {
      const std::lock_guard lock(mu);
      ++count;
    }
    cv.notify_all();
  }

  void run(const std::function<void(int)>& serve_ready_socket) const {
    for (;;) {
      pollfd fds[2] = {{sock.get(), POLLIN, 0}, {stop.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents != 0) return;
      if (fds[0].revents != 0) serve_ready_socket(sock.get());
    }
  }

  Status launch(std::function<void(int)> serve) {
    stop.reset(::eventfd(0, EFD_CLOEXEC));
    if (!stop.valid()) return sys_error("create eventfd for test listener", "");
    thread = std::thread([this, serve = std::move(serve)] { run(serve); });
    return {};
  }

  void shutdown() {
    if (!thread.joinable()) return;
    const uint64_t one = 1;
    (void)!::write(stop.get(), &one, sizeof(one));
    thread.join();
  }
};

struct TcpListener::Shared : ServerCore {};
struct UdpEchoListener::Shared : ServerCore {};

Result<TcpListener> TcpListener::start(int netns_fd, const model::Endpoint& local) {
  auto s = std::make_unique<Shared>();
  auto fd = bound_socket(netns_fd, local, SOCK_STREAM, s->port);
  if (!fd) return fd.take_error();
  if (::listen(fd->get(), 64) != 0) return sys_error("listen on", local.str());
  s->sock = std::move(fd.value());
  Shared* raw = s.get();
  auto launched = s->launch([raw](int sock) {
    const UniqueFd conn(::accept4(sock, nullptr, nullptr, SOCK_CLOEXEC));
    if (conn.valid()) raw->bump();
  });
  if (!launched) return launched.take_error();
  return TcpListener(std::move(s));
}

TcpListener::TcpListener(std::unique_ptr<Shared> s) : s_(std::move(s)) {}
TcpListener::TcpListener(TcpListener&&) noexcept = default;
TcpListener::~TcpListener() {
  if (s_) s_->shutdown();
}
uint16_t TcpListener::port() const {
  return s_->port;
}
size_t TcpListener::accepted() const {
  const std::lock_guard lock(s_->mu);
  return s_->count;
}
bool TcpListener::wait_accepted(size_t n, int timeout_ms) const {
  std::unique_lock lock(s_->mu);
  return s_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return s_->count >= n; });
}

Result<UdpEchoListener> UdpEchoListener::start(int netns_fd, const model::Endpoint& local) {
  auto s = std::make_unique<Shared>();
  auto fd = bound_socket(netns_fd, local, SOCK_DGRAM, s->port);
  if (!fd) return fd.take_error();
  s->sock = std::move(fd.value());
  Shared* raw = s.get();
  auto launched = s->launch([raw](int sock) {
    char buf[65536];
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = ::recvfrom(sock, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;
    if (::sendto(sock, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), from_len) == n) raw->bump();
  });
  if (!launched) return launched.take_error();
  return UdpEchoListener(std::move(s));
}

UdpEchoListener::UdpEchoListener(std::unique_ptr<Shared> s) : s_(std::move(s)) {}
UdpEchoListener::UdpEchoListener(UdpEchoListener&&) noexcept = default;
UdpEchoListener::~UdpEchoListener() {
  if (s_) s_->shutdown();
}
uint16_t UdpEchoListener::port() const {
  return s_->port;
}
size_t UdpEchoListener::echoed() const {
  const std::lock_guard lock(s_->mu);
  return s_->count;
}
bool UdpEchoListener::wait_echoed(size_t n, int timeout_ms) const {
  std::unique_lock lock(s_->mu);
  return s_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return s_->count >= n; });
}

}  // namespace fwpath::testlab

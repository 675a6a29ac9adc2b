#include "lab/listeners.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <array>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

#include "model/sockaddr.h"
#include "util/netns.h"
#include "util/unique_fd.h"

namespace fwpath::lab {

struct LabListener::State {
  model::L4 proto = model::L4::Tcp;
  Udp udp = Udp::Silent;
  UniqueFd sock;
  UniqueFd stop;  // eventfd: written once to end the thread
  uint16_t port = 0;
  mutable std::mutex mu;
  mutable std::condition_variable served_more;
  size_t served = 0;
  std::thread thread;

  void count_one() {
    {
      const std::lock_guard lock(mu);
      ++served;
    }
    served_more.notify_all();
  }

  // One ready socket event: accept-and-close, or receive (and echo).
  void serve_one() {
    if (proto == model::L4::Tcp) {
      const UniqueFd conn(::accept4(sock.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.valid()) count_one();
      return;
    }
    std::array<char, 65536> buf{};
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = ::recvfrom(sock.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;
    if (udp == Udp::Echo && ::sendto(sock.get(), buf.data(), static_cast<size_t>(n), 0,
                                     reinterpret_cast<sockaddr*>(&from), from_len) != n) {
      return;
    }
    count_one();
  }

  void run() {
    // Stop signals go to the threads that act on them (util/signals.h), not to this one.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop_signals, sig);
    (void)pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    for (;;) {
      std::array<pollfd, 2> fds = {{{sock.get(), POLLIN, 0}, {stop.get(), POLLIN, 0}}};
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;  // a stop signal: the owner ends us through `stop`
        return;
      }
      if (fds[1].revents != 0) return;
      if (fds[0].revents != 0) serve_one();
    }
  }

  void shutdown() {
    if (!thread.joinable()) return;
    const uint64_t one = 1;
    // If the eventfd write failed the join would hang; it cannot fail for a counter of 0.
    (void)!::write(stop.get(), &one, sizeof(one));
    thread.join();
  }
};

namespace {

Result<UniqueFd> bound_socket(const NetnsRef& ns, model::L4 proto, const model::Endpoint& local) {
  auto entered = NetnsEnter::enter(ns.fd, ns.label);
  if (!entered) return entered.take_error();
  const int type = proto == model::L4::Tcp ? SOCK_STREAM : SOCK_DGRAM;
  UniqueFd fd(::socket(local.addr.v6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const std::string where = model::to_string(proto) + " " + local.str() + " in netns " + ns.label;
  if (!fd.valid()) return sys_error("create listener socket for", where);
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return sys_error("set SO_REUSEADDR on listener", where);
  }
  const model::SockAddr sa = model::to_sockaddr(local);
  if (::bind(fd.get(), sa.get(), sa.len) != 0) return sys_error("bind listener", where);
  if (proto == model::L4::Tcp && ::listen(fd.get(), 64) != 0) return sys_error("listen on", where);
  return fd;
}

Result<uint16_t> bound_port(int fd, const model::Endpoint& local) {
  sockaddr_storage got{};
  socklen_t len = sizeof(got);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &len) != 0) {
    return sys_error("read listener address", local.str());
  }
  const auto ep = model::from_sockaddr(got);
  if (!ep) return env_error("listener bound to an address of another family:", local.str());
  return ep->port;
}

}  // namespace

Result<LabListener> LabListener::start(const NetnsRef& ns, model::L4 proto, const model::Endpoint& local, Udp udp) {
  if (proto != model::L4::Tcp && proto != model::L4::Udp) return input_error("lab listeners are TCP or UDP");
  auto s = std::make_unique<State>();
  s->proto = proto;
  s->udp = udp;
  auto fd = bound_socket(ns, proto, local);
  if (!fd) return fd.take_error();
  auto port = bound_port(fd->get(), local);
  if (!port) return port.take_error();
  s->port = port.value();
  s->sock = std::move(fd.value());
  s->stop.reset(::eventfd(0, EFD_CLOEXEC));
  if (!s->stop.valid()) return sys_error("create eventfd for listener", local.str());
  State* raw = s.get();
  s->thread = std::thread([raw] { raw->run(); });
  return LabListener(std::move(s));
}

LabListener::LabListener(std::unique_ptr<State> s) : s_(std::move(s)) {}
LabListener::LabListener(LabListener&&) noexcept = default;
LabListener::~LabListener() {
  if (s_) s_->shutdown();
}

uint16_t LabListener::port() const {
  return s_->port;
}

size_t LabListener::served() const {
  const std::lock_guard lock(s_->mu);
  return s_->served;
}

bool LabListener::wait_served(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(s_->mu);
  return s_->served_more.wait_for(lock, timeout, [&] { return s_->served >= n; });
}

}  // namespace fwpath::lab

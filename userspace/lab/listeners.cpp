#include "lab/listeners.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <thread>

#include "util/netns.h"
#include "util/unique_fd.h"

namespace fwpath::lab {

struct LabListener::State {
  model::L4 proto = model::L4::Tcp;
  UniqueFd sock;
  UniqueFd stop;  // eventfd: written once to end the thread
  std::atomic<size_t> served{0};
  std::thread thread;

  // One ready socket event: accept-and-close, or receive-and-drop.
  void serve_one() {
    if (proto == model::L4::Tcp) {
      const UniqueFd conn(::accept4(sock.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.valid()) served.fetch_add(1);
      return;
    }
    char buf[2048];
    if (::recv(sock.get(), buf, sizeof(buf), 0) >= 0) served.fetch_add(1);
  }

  void run() {
    // Stop signals go to the threads that act on them (util/signals.h), not to this one.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop_signals, sig);
    (void)pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    for (;;) {
      pollfd fds[2] = {{sock.get(), POLLIN, 0}, {stop.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
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
  if (local.addr.v6) return input_error("lab listeners are IPv4 only, got", local.str());
  auto entered = NetnsEnter::enter(ns.fd, ns.label);
  if (!entered) return entered.take_error();
  const int type = proto == model::L4::Tcp ? SOCK_STREAM : SOCK_DGRAM;
  UniqueFd fd(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const std::string where = model::to_string(proto) + " " + local.str() + " in netns " + ns.label;
  if (!fd.valid()) return sys_error("create listener socket for", where);
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return sys_error("set SO_REUSEADDR on listener", where);
  }
  sockaddr_in in4{};
  in4.sin_family = AF_INET;
  in4.sin_port = htons(local.port);
  std::memcpy(&in4.sin_addr, local.addr.bytes.data(), 4);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&in4), sizeof(in4)) != 0) {
    return sys_error("bind listener", where);
  }
  if (proto == model::L4::Tcp && ::listen(fd.get(), 64) != 0) return sys_error("listen on", where);
  return fd;
}

}  // namespace

Result<LabListener> LabListener::start(const NetnsRef& ns, model::L4 proto, const model::Endpoint& local) {
  if (proto != model::L4::Tcp && proto != model::L4::Udp) return input_error("lab listeners are TCP or UDP");
  auto s = std::make_unique<State>();
  s->proto = proto;
  auto fd = bound_socket(ns, proto, local);
  if (!fd) return fd.take_error();
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

size_t LabListener::served() const {
  return s_->served.load();
}

}  // namespace fwpath::lab

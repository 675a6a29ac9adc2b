#pragma once
// The services a lab runs: an API server that accepts TCP connections, and a gateway
// that receives UDP datagrams and never answers (like WireGuard with a packet it cannot
// authenticate); the tests' servers (an echoing UDP one among them) are the same. Each is
// a socket created inside its namespace (a socket keeps the namespace it was created in)
// served by a thread of this process: nothing to exec, nothing to kill. The owner stops
// and joins the thread, then closes the socket.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "lab/rtnl.h"
#include "model/flow.h"
#include "util/error.h"

namespace fwpath::lab {

class LabListener {
 public:
  // What a UDP listener does with a datagram: count it and stay silent (a WireGuard
  // gateway to an unauthenticated packet), or send it back.
  enum class Udp { Silent, Echo };

  // proto Tcp: listen, accept, close each connection at once. Udp: receive, count, and
  // answer as `udp` says. Port 0: the kernel picks (port() tells). IPv4 or IPv6.
  static Result<LabListener> start(const NetnsRef& ns, model::L4 proto, const model::Endpoint& local,
                                   Udp udp = Udp::Silent);

  LabListener(LabListener&&) noexcept;
  LabListener& operator=(LabListener&&) = delete;
  LabListener(const LabListener&) = delete;
  LabListener& operator=(const LabListener&) = delete;
  ~LabListener();

  [[nodiscard]] uint16_t port() const;
  // Connections accepted (TCP) or datagrams received (UDP; echoed ones with Echo) so far.
  [[nodiscard]] size_t served() const;
  // Waits (bounded) until `n` were served: a client may see its answer before this
  // thread has counted it.
  [[nodiscard]] bool wait_served(size_t n, std::chrono::milliseconds timeout) const;

  struct State;

 private:
  explicit LabListener(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace fwpath::lab

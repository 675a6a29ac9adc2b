#pragma once
// The services a lab runs: an API server that accepts TCP connections, and a gateway
// that receives UDP datagrams and never answers (like WireGuard with a packet it cannot
// authenticate). Each is a socket created inside its namespace (a socket keeps the
// namespace it was created in) served by a thread of this process: nothing to exec,
// nothing to kill. The owner stops and joins the thread, then closes the socket.
#include <cstddef>
#include <memory>

#include "lab/rtnl.h"
#include "model/flow.h"
#include "util/error.h"

namespace fwpath::lab {

class LabListener {
 public:
  // proto Tcp: listen, accept, close each connection at once. Udp: receive and count.
  static Result<LabListener> start(const NetnsRef& ns, model::L4 proto, const model::Endpoint& local);

  LabListener(LabListener&&) noexcept;
  LabListener& operator=(LabListener&&) = delete;
  LabListener(const LabListener&) = delete;
  LabListener& operator=(const LabListener&) = delete;
  ~LabListener();

  // Connections accepted (TCP) or datagrams received (UDP) so far.
  [[nodiscard]] size_t served() const;

  struct State;

 private:
  explicit LabListener(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace fwpath::lab

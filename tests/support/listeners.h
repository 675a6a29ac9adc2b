#pragma once
// Tiny servers for integration tests: the product's lab listeners (lab/listeners.h), a
// socket created inside the namespace and served by a thread of the test process. No
// external tools, nothing to kill: the owner stops and joins.
#include <cstddef>
#include <cstdint>

#include "lab/listeners.h"
#include "model/flow.h"
#include "util/error.h"

namespace fwpath::testlab {

// Accepts TCP connections on `local` (port 0: the kernel picks) and closes each at once.
class TcpListener {
 public:
  static Result<TcpListener> start(int netns_fd, const model::Endpoint& local);

  [[nodiscard]] uint16_t port() const { return l_.port(); }
  [[nodiscard]] size_t accepted() const { return l_.served(); }
  // Waits (bounded) until `n` connections were accepted.
  [[nodiscard]] bool wait_accepted(size_t n, int timeout_ms) const {
    return l_.wait_served(n, std::chrono::milliseconds(timeout_ms));
  }

 private:
  explicit TcpListener(lab::LabListener l) : l_(std::move(l)) {}
  lab::LabListener l_;
};

// Sends every datagram received on `local` back to its sender.
class UdpEchoListener {
 public:
  static Result<UdpEchoListener> start(int netns_fd, const model::Endpoint& local);

  [[nodiscard]] uint16_t port() const { return l_.port(); }
  [[nodiscard]] size_t echoed() const { return l_.served(); }
  // Waits (bounded) until `n` datagrams were echoed: the sender may see the echo before
  // this thread has counted it.
  [[nodiscard]] bool wait_echoed(size_t n, int timeout_ms) const {
    return l_.wait_served(n, std::chrono::milliseconds(timeout_ms));
  }

 private:
  explicit UdpEchoListener(lab::LabListener l) : l_(std::move(l)) {}
  lab::LabListener l_;
};

}  // namespace fwpath::testlab

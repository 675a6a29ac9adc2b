#pragma once
// Tiny servers for integration tests, running in a thread of the test process: the socket
// is created inside the namespace (it keeps that namespace), the thread serves it from
// wherever it runs. No external tools, nothing to kill: the owner stops and joins.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "model/flow.h"
#include "util/error.h"

namespace fwpath::testlab {

// Accepts TCP connections on `local` (port 0: the kernel picks) and closes each at once.
class TcpListener {
 public:
  static Result<TcpListener> start(int netns_fd, const model::Endpoint& local);
  TcpListener(TcpListener&&) noexcept;
  TcpListener& operator=(TcpListener&&) = delete;
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  ~TcpListener();

  [[nodiscard]] uint16_t port() const;
  [[nodiscard]] size_t accepted() const;
  // Waits (bounded, on a condition variable) until `n` connections were accepted.
  [[nodiscard]] bool wait_accepted(size_t n, int timeout_ms) const;

  struct Shared;

 private:
  explicit TcpListener(std::unique_ptr<Shared> s);
  std::unique_ptr<Shared> s_;
};

// Sends every datagram received on `local` back to its sender.
class UdpEchoListener {
 public:
  static Result<UdpEchoListener> start(int netns_fd, const model::Endpoint& local);
  UdpEchoListener(UdpEchoListener&&) noexcept;
  UdpEchoListener& operator=(UdpEchoListener&&) = delete;
  UdpEchoListener(const UdpEchoListener&) = delete;
  UdpEchoListener& operator=(const UdpEchoListener&) = delete;
  ~UdpEchoListener();

  [[nodiscard]] uint16_t port() const;
  [[nodiscard]] size_t echoed() const;
  // Waits (bounded) until `n` datagrams were echoed: the sender may see the echo before
  // this thread has counted it.
  [[nodiscard]] bool wait_echoed(size_t n, int timeout_ms) const;

  struct Shared;

 private:
  explicit UdpEchoListener(std::unique_ptr<Shared> s);
  std::unique_ptr<Shared> s_;
};

}  // namespace fwpath::testlab

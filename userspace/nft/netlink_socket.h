#pragma once
// One netlink socket, opened inside a chosen network namespace. A netlink socket talks to
// the namespace it was created in for its whole life, so we enter the namespace only
// around socket() and can use the socket from anywhere afterwards. The helpers here keep
// the reason for every failure: which request, on which object, with which errno.
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "util/c_handle.h"
#include "util/error.h"
#include "util/netlink_walk.h"

namespace fwpath::nft {

class Batch;

using MnlSocket = CHandle<mnl_socket, mnl_socket_close>;

// The kernel's answer to a batch, message by message. Transport failures (send failed, no
// answer) are reported as an Error instead; this lists what the kernel refused.
struct BatchResult {
  struct Failure {
    uint32_t seq = 0;
    std::string object;  // what the message was about, e.g. "table inet fwpath_12_0"
    int err = 0;         // the errno the kernel gave for it
  };
  std::vector<Failure> failures;

  [[nodiscard]] bool ok() const { return failures.empty(); }
  // The first failure as an Error, prefixed with `what` ("install tracer table").
  [[nodiscard]] Error first_error(const std::string& what) const;
  // Whether the message numbered `seq` was refused, and with which errno (0 if not).
  [[nodiscard]] int error_for(uint32_t seq) const;
};

class NetlinkSocket {
 public:
  // Opens and binds a netlink socket of `bus` (NETLINK_NETFILTER for nf_tables) inside
  // the namespace `netns_fd`; a negative fd means the calling thread's current one.
  // `netns_label` names the namespace in errors.
  static Result<NetlinkSocket> open(int netns_fd, const std::string& netns_label, int bus = NETLINK_NETFILTER);

  NetlinkSocket(NetlinkSocket&&) noexcept = default;
  NetlinkSocket& operator=(NetlinkSocket&&) noexcept = default;
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  ~NetlinkSocket() = default;

  [[nodiscard]] mnl_socket* get() const { return sock_.get(); }
  [[nodiscard]] int fd() const;
  [[nodiscard]] uint32_t portid() const { return portid_; }
  [[nodiscard]] const std::string& netns_label() const { return netns_label_; }

  // A fresh sequence number for the next request on this socket.
  uint32_t next_seq() { return seq_++; }

  // Asks for a receive buffer of `bytes`: SO_RCVBUFFORCE (CAP_NET_ADMIN, ignores the
  // rmem_max limit) and SO_RCVBUF when that is refused. Returns the size in effect.
  Result<int> set_receive_buffer(int bytes);

  // Sends `len` bytes (one message or a whole batch).
  Status send(const void* data, size_t len, const std::string& what);

  // Sends a finished nf_tables batch and waits for the kernel's answer to every message
  // in it. Bounded: gives up with ETIMEDOUT if the kernel stays silent for `timeout_ms`.
  Result<BatchResult> commit(const Batch& batch, int timeout_ms = 5000);

  // commit() for callers that only need to know whether all of it was applied: the
  // first refusal becomes the Error ("WHAT: kernel refused OBJECT: strerror").
  Status apply(const Batch& batch, const std::string& what, int timeout_ms = 5000);

  // Sends a dump request (NLM_F_DUMP) and calls `on_message` for each reply until the
  // kernel says done (receive_reply(): every message bounds-checked). A dump interrupted
  // by a concurrent change fails with EINTR: the caller may start again.
  Status dump(const nlmsghdr* request, const OnNetlinkMessage& on_message, const std::string& what,
              int timeout_ms = 5000);

 private:
  NetlinkSocket(MnlSocket sock, uint32_t portid, std::string netns_label, uint32_t first_seq)
      : sock_(std::move(sock)), portid_(portid), netns_label_(std::move(netns_label)), seq_(first_seq) {}

  // Waits until the socket is readable; ETIMEDOUT after timeout_ms.
  Status wait_readable(int timeout_ms, const std::string& what) const;
  // Discards whatever is queued (late answers of a failed request).
  void drain_pending() const;

  MnlSocket sock_;
  uint32_t portid_ = 0;
  std::string netns_label_;
  uint32_t seq_ = 0;
};

}  // namespace fwpath::nft

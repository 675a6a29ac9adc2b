#pragma once
// Receives nf_tables trace events of one network namespace: a netlink socket created in
// that namespace and subscribed to NFNLGRP_NFTRACE. The kernel only emits trace events
// while someone listens, so the listener must be open before traffic is sent.
//
// Nothing is dropped silently: kernel-side overruns (ENOBUFS, the socket buffer was
// full) are counted in overruns(), and messages that cannot be decoded are counted in
// undecodable() with the last reason kept.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/events.h"
#include "nft/interface_names.h"
#include "nft/netlink_socket.h"
#include "util/error.h"

namespace fwpath::nft {

class TraceListener {
 public:
  // Receive buffer asked for: bursts of events arrive while the caller is busy.
  static constexpr int kReceiveBufferBytes = 16 * 1024 * 1024;

  // netns_fd < 0: the calling thread's current namespace. The buffer size is for tests
  // that need overruns; keep the default otherwise.
  static Result<TraceListener> open(int netns_fd, const std::string& netns_label,
                                    int receive_buffer_bytes = kReceiveBufferBytes);

  // For poll(): readable when events are pending.
  [[nodiscard]] int fd() const { return sock_.fd(); }

  using Callback = std::function<void(model::NftTraceEvent&&)>;
  // Reads every pending message without blocking, decodes it, stamps the namespace
  // inode and receive time, resolves interface names, and hands it to `on_event`.
  // Returns how many events were delivered. Stops after `max_events` so that a flood
  // cannot keep the caller here forever (poll again: the fd stays readable).
  Result<size_t> drain(const Callback& on_event, size_t max_events = 65536);

  // Times the kernel reported (ENOBUFS) that events were dropped because our buffer was
  // full. This counts reports, not events: at least one event was lost each time, and
  // the kernel does not say how many. nft monitor reports the same way (src/mnl.c).
  [[nodiscard]] uint64_t overruns() const { return overruns_; }
  [[nodiscard]] uint64_t undecodable() const { return undecodable_; }
  [[nodiscard]] const std::optional<Error>& last_decode_error() const { return last_decode_error_; }
  [[nodiscard]] uint32_t netns_inode() const { return netns_inode_; }
  // The receive buffer in effect, in bytes (the kernel reports twice what it accounts).
  [[nodiscard]] int receive_buffer() const { return receive_buffer_; }

 private:
  TraceListener(NetlinkSocket sock, InterfaceNames names, uint32_t netns_inode, int receive_buffer)
      : sock_(std::move(sock)),
        names_(std::move(names)),
        netns_inode_(netns_inode),
        receive_buffer_(receive_buffer),
        buf_(size_t{64} * 1024) {}

  void deliver(std::span<const char> datagram, model::Clock::time_point received, const Callback& on_event,
               size_t& delivered);
  void note_undecodable(Error e);

  NetlinkSocket sock_;
  InterfaceNames names_;
  uint32_t netns_inode_ = 0;
  int receive_buffer_ = 0;
  std::vector<char> buf_;
  uint64_t overruns_ = 0;
  uint64_t undecodable_ = 0;
  std::optional<Error> last_decode_error_;
};

}  // namespace fwpath::nft

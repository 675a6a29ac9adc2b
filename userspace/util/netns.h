#pragma once
// Network namespaces by file descriptor. The tracer works in several namespaces at once
// from one process: sockets keep the namespace they were created in, so we enter a
// namespace just long enough to open what we need there, then come back.
#include <cstdint>
#include <string>

#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath {

// Opens /run/netns/NAME (what `ip netns add NAME` creates).
Result<UniqueFd> open_named_netns(const std::string& name);
// The calling thread's current network namespace.
Result<UniqueFd> open_current_netns();
// The namespace's inode number: what BPF sees as net->ns.inum.
Result<uint32_t> netns_inode(int netns_fd);

// Moves the calling thread into a namespace and back when destroyed. setns() is per
// thread; restoring in the destructor means an early return cannot leave the thread in
// a foreign namespace.
class NetnsEnter {
 public:
  static Result<NetnsEnter> enter(int target_fd, const std::string& label);
  NetnsEnter(NetnsEnter&&) noexcept = default;
  NetnsEnter& operator=(NetnsEnter&&) = delete;
  NetnsEnter(const NetnsEnter&) = delete;
  NetnsEnter& operator=(const NetnsEnter&) = delete;
  ~NetnsEnter();

 private:
  explicit NetnsEnter(UniqueFd original) : original_(std::move(original)) {}
  UniqueFd original_;
};

// A new, anonymous namespace that exists only as long as the returned descriptor (and
// whatever was opened inside it) lives: nothing to name, nothing to clean up by hand.
Result<UniqueFd> create_private_netns();

}  // namespace fwpath

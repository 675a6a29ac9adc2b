#pragma once
// Interface index -> name inside one network namespace. Trace events carry indexes,
// which only mean something in the namespace the packet was in; the name is asked of
// that namespace (SIOCGIFNAME on a socket created there) and cached.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath::nft {

class InterfaceNames {
 public:
  // netns_fd < 0: the calling thread's current namespace.
  static Result<InterfaceNames> open(int netns_fd, const std::string& netns_label);

  // The interface's name, or "ifindex N" when the namespace has no such interface any
  // more (it was deleted after the packet passed). 0 gives "".
  std::string name(uint32_t ifindex);

  // Forgets cached names (an index can be reused after an interface is deleted).
  void clear() { cache_.clear(); }

 private:
  explicit InterfaceNames(UniqueFd sock) : sock_(std::move(sock)) {}
  UniqueFd sock_;
  std::unordered_map<uint32_t, std::string> cache_;
};

}  // namespace fwpath::nft

#include "nft/interface_names.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>

#include "util/netns.h"

namespace fwpath::nft {

Result<InterfaceNames> InterfaceNames::open(int netns_fd, const std::string& netns_label) {
  std::optional<NetnsEnter> inside;
  if (netns_fd >= 0) {
    auto entered = NetnsEnter::enter(netns_fd, netns_label);
    if (!entered) return entered.take_error();
    inside.emplace(std::move(entered).value());
  }
  // Any socket works for SIOCGIFNAME; it answers for the namespace it was created in.
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return sys_error("open interface query socket in network namespace", netns_label);
  return InterfaceNames(std::move(sock));
}

std::string InterfaceNames::name(uint32_t ifindex) {
  if (ifindex == 0) return {};
  if (auto it = cache_.find(ifindex); it != cache_.end()) return it->second;
  ifreq req{};
  req.ifr_ifindex = static_cast<int>(ifindex);
  if (::ioctl(sock_.get(), SIOCGIFNAME, &req) != 0) {
    // Not cached: the index may be taken by a new interface later.
    return "ifindex " + std::to_string(ifindex);
  }
  std::string found(req.ifr_name, strnlen(req.ifr_name, sizeof(req.ifr_name)));
  cache_.emplace(ifindex, found);
  return found;
}

}  // namespace fwpath::nft

#include "sources/udp_source_port.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <set>

#include "sources/probe_common.h"
#include "util/netns.h"
#include "util/unique_fd.h"

namespace fwpath::sources {

Status assign_udp_source_ports(std::vector<model::ProbeSpec>& specs, uint16_t start, const PortFree& is_free) {
  constexpr uint32_t kRange = kUdpSourcePortLast - kUdpSourcePortFirst + 1;
  if (start < kUdpSourcePortFirst || start > kUdpSourcePortLast) start = kUdpSourcePortFirst;
  uint32_t offset = start - kUdpSourcePortFirst;
  uint32_t tried = 0;
  std::set<uint16_t> given;
  for (auto& s : specs) {
    if (s.proto != model::L4::Udp) continue;
    for (;;) {
      if (tried == kRange) {
        return env_error("no free UDP source port for the probes in",
                         std::to_string(kUdpSourcePortFirst) + "-" + std::to_string(kUdpSourcePortLast));
      }
      const auto port = static_cast<uint16_t>(kUdpSourcePortFirst + offset);
      offset = (offset + 1) % kRange;
      ++tried;
      if (given.count(port) > 0) continue;
      auto free = is_free(port);
      if (!free) return free.take_error();
      if (!free.value()) continue;
      s.source_port = port;
      given.insert(port);
      break;
    }
  }
  return {};
}

Result<bool> udp_port_free(int netns_fd, bool v6, uint16_t port) {
  std::optional<NetnsEnter> entered;
  if (netns_fd >= 0) {
    auto e = NetnsEnter::enter(netns_fd, "to check a UDP source port");
    if (!e) return e.take_error();
    entered.emplace(std::move(e.value()));
  }
  UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    if (errno == EAFNOSUPPORT) return true;  // no IPv6 here: nothing can hold the port
    return sys_error("create socket to check UDP port", std::to_string(port));
  }
  entered.reset();  // the socket stays in the namespace it was made in
  const probe_detail::SockAddr sa = probe_detail::to_sockaddr(model::Endpoint{model::IpAddr{v6, {}}, port});
  if (::bind(fd.get(), sa.get(), sa.len) == 0) return true;
  if (errno == EADDRINUSE) return false;
  return sys_error("check UDP source port", std::to_string(port));
}

}  // namespace fwpath::sources

#pragma once
// An Endpoint as the socket calls want it (bind, connect, sendto), and back (getsockname,
// recvfrom, the error queue's offender).
#include <sys/socket.h>

#include <optional>

#include "model/flow.h"

namespace fwpath::model {

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t len = 0;
  [[nodiscard]] const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

SockAddr to_sockaddr(const Endpoint& ep);
// Nothing for a family other than AF_INET and AF_INET6.
std::optional<Endpoint> from_sockaddr(const sockaddr_storage& ss);

}  // namespace fwpath::model

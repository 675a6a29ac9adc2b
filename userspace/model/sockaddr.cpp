#include "model/sockaddr.h"

#include <netinet/in.h>

#include <cstring>

namespace fwpath::model {

SockAddr to_sockaddr(const Endpoint& ep) {
  SockAddr sa;
  if (ep.addr.v6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(ep.port);
    std::memcpy(&in6.sin6_addr, ep.addr.bytes.data(), 16);
    std::memcpy(&sa.storage, &in6, sizeof(in6));
    sa.len = sizeof(in6);
  } else {
    sockaddr_in in4{};
    in4.sin_family = AF_INET;
    in4.sin_port = htons(ep.port);
    std::memcpy(&in4.sin_addr, ep.addr.bytes.data(), 4);
    std::memcpy(&sa.storage, &in4, sizeof(in4));
    sa.len = sizeof(in4);
  }
  return sa;
}

std::optional<Endpoint> from_sockaddr(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    sockaddr_in in4{};
    std::memcpy(&in4, &ss, sizeof(in4));
    return Endpoint{IpAddr::v4_from_be(reinterpret_cast<const uint8_t*>(&in4.sin_addr)), ntohs(in4.sin_port)};
  }
  if (ss.ss_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &ss, sizeof(in6));
    return Endpoint{IpAddr::v6_from_be(reinterpret_cast<const uint8_t*>(&in6.sin6_addr)), ntohs(in6.sin6_port)};
  }
  return std::nullopt;
}

}  // namespace fwpath::model

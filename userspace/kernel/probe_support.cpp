#include "kernel/probe_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

namespace fwpath::kernel {

namespace {
sockaddr_in loopback(uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}
}  // namespace

model::FeatureResult available(std::string name, std::string detail) {
  return model::FeatureResult{std::move(name), true, std::move(detail)};
}

model::FeatureResult unavailable(std::string name, std::string detail) {
  return model::FeatureResult{std::move(name), false, std::move(detail)};
}

model::FeatureResult unavailable(std::string name, const Error& why) {
  return unavailable(std::move(name), why.message());
}

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  const std::string text = std::strerror(err);
  return name != nullptr ? std::string(name) + " (" + text + ")" : text;
}

Result<UniqueFd> bind_udp_loopback(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("open UDP socket", "");
  const sockaddr_in sa = loopback(port);
  // sockaddr_in is the documented argument of bind() for AF_INET; the cast is the API.
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {  // NOLINT
    return sys_error("bind UDP socket to", "127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

Status send_udp_loopback(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("open UDP socket", "");
  const sockaddr_in sa = loopback(port);
  static constexpr char kPayload[] = "fwpath kernel-check";
  if (::sendto(fd.get(), kPayload, sizeof(kPayload) - 1, 0, reinterpret_cast<const sockaddr*>(&sa),  // NOLINT
               sizeof(sa)) < 0) {
    return sys_error("send UDP datagram to", "127.0.0.1:" + std::to_string(port));
  }
  return {};
}

Status drop_udp_at_closed_port(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("open UDP socket", "");
  const sockaddr_in sa = loopback(port);
  const std::string where = "127.0.0.1:" + std::to_string(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {  // NOLINT
    return sys_error("connect UDP socket to", where);
  }
  static constexpr char kPayload[] = "fwpath kernel-check";
  if (::send(fd.get(), kPayload, sizeof(kPayload) - 1, 0) < 0) return sys_error("send UDP datagram to", where);
  // A connected UDP socket reports the ICMP error as POLLERR.
  pollfd p{fd.get(), 0, 0};
  const int n = ::poll(&p, 1, 500);
  if (n < 0) return sys_error("wait for the port unreachable from", where);
  if (n == 0 || (p.revents & POLLERR) == 0) {
    return sys_error("no port unreachable from", where, ETIMEDOUT);
  }
  return {};
}

}  // namespace fwpath::kernel

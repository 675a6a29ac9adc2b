#pragma once
// Helpers for the nft integration tests: a private network namespace with loopback up,
// rulesets loaded there with libnftables, and sockets opened inside it. Everything is
// owned by RAII values, so a failing assertion still removes it all (the namespace goes
// away with its last file descriptor).
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "util/c_handle.h"
#include "util/capabilities.h"
#include "util/netns.h"
#include "util/unique_fd.h"

namespace fwpath::nft::lab {

// Skips the test (reported as skipped) unless we may create namespaces and nft tables.
#define FWPATH_REQUIRE_NET_ADMIN()                                                                               \
  do {                                                                                                           \
    auto fwpath_caps_ = ::fwpath::require_caps({::fwpath::Cap::NetAdmin, ::fwpath::Cap::SysAdmin}, "this test"); \
    if (!fwpath_caps_) GTEST_SKIP() << fwpath_caps_.error().message();                                           \
  } while (0)

// A socket created inside the namespace.
inline Result<UniqueFd> socket_in(int netns_fd, int domain, int type) {
  auto inside = NetnsEnter::enter(netns_fd, "test namespace");
  if (!inside) return inside.take_error();
  UniqueFd fd(::socket(domain, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("socket in", "test namespace");
  return fd;
}

inline Status bring_up_loopback(int netns_fd) {
  auto sock = socket_in(netns_fd, AF_INET, SOCK_DGRAM);
  if (!sock) return sock.take_error();
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock->get(), SIOCGIFFLAGS, &req) != 0) return sys_error("get flags of", "lo");
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  if (::ioctl(sock->get(), SIOCSIFFLAGS, &req) != 0) return sys_error("bring up", "lo");
  return {};
}

// Runs nft commands (a ruleset file's text) inside the namespace.
inline Status run_nft(int netns_fd, const std::string& commands) {
  auto inside = NetnsEnter::enter(netns_fd, "test namespace");
  if (!inside) return inside.take_error();
  CHandle<nft_ctx, nft_ctx_free> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return env_error("nft_ctx_new");
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  if (nft_run_cmd_from_buffer(ctx.get(), commands.c_str()) != 0) {
    return env_error(std::string("nft: ") + nft_ctx_get_error_buffer(ctx.get()));
  }
  return {};
}

// A private namespace with loopback up, or a reason to skip.
inline Result<UniqueFd> lab_netns() {
  auto ns = create_private_netns();
  if (!ns) return ns.take_error();
  if (auto up = bring_up_loopback(ns->get()); !up) return up.take_error();
  return ns;
}

inline bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd pfd{fd, POLLIN, 0};
  return ::poll(&pfd, 1, static_cast<int>(timeout.count())) == 1;
}

inline sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

inline Status bind_to(int fd, uint16_t port) {
  const sockaddr_in a = loopback(port);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0) return sys_error("bind", std::to_string(port));
  return {};
}

inline Status send_udp(int fd, uint16_t port, const std::string& payload) {
  const sockaddr_in a = loopback(port);
  if (::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) < 0) {
    return sys_error("send udp to port", std::to_string(port));
  }
  return {};
}

}  // namespace fwpath::nft::lab

#pragma once
// A real WireGuard interface listening on a UDP port inside a lab namespace, with a fresh
// private key and no peers: like a gateway that has not been given the probe's key, it
// receives the handshake and answers nothing. Created over rtnetlink (kind "wireguard"),
// configured with the `wg` tool; it goes away with the namespace.
#include <cstdint>
#include <string>

#include "lab/rtnl.h"
#include "util/error.h"

namespace fwpath::lab {

// ifname: a name free in that namespace (the lab uses "wg<port>").
Status add_wireguard_listener(const NetnsRef& ns, const std::string& ifname, uint16_t port);

}  // namespace fwpath::lab

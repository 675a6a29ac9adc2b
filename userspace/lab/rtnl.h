#pragma once
// The rtnetlink requests a lab needs (and kernel-check, in its private namespace), each sent
// from inside the namespace it changes (a netlink socket talks to the namespace it was
// opened in). IPv4 only: the lab's ranges
// are IPv4. Every failure names the request, the namespace and the kernel's errno.
#include <string>

#include "lab/lab_spec.h"
#include "util/error.h"

namespace fwpath::lab {

// Where a request goes: a namespace descriptor and the name errors use.
struct NetnsRef {
  int fd = -1;
  std::string label;
};

// A veth pair: `a_if` created in `a`, its peer `b_if` created directly in `b` (the
// namespace fwpath runs in never holds either end), both set up.
Status add_veth_pair(const NetnsRef& a, const std::string& a_if, const NetnsRef& b, const std::string& b_if);

Status set_link_up(const NetnsRef& ns, const std::string& ifname);

// "192.0.2.10/24" on `ifname`.
Status add_ipv4_address(const NetnsRef& ns, const std::string& ifname, const Ipv4Prefix& prefix);

// dst: a prefix, or 0.0.0.0/0 for the default route; via: the gateway.
Status add_ipv4_route(const NetnsRef& ns, const Ipv4Prefix& dst, const model::IpAddr& via);

// A route that answers for dst without forwarding: unreachable (ICMP host unreachable),
// blackhole (silent) or prohibit (ICMP admin-prohibited). `type` must not be Unicast.
Status add_ipv4_typed_route(const NetnsRef& ns, const Ipv4Prefix& dst, RouteType type);

Status set_link_mtu(const NetnsRef& ns, const std::string& ifname, uint32_t mtu);

// A link with no peer, e.g. kind "bridge" or "wireguard", created down.
Status add_link_of_kind(const NetnsRef& ns, const std::string& ifname, const std::string& kind);

Status delete_link(const NetnsRef& ns, const std::string& ifname);

// Enslaves `ifname` to `master` (a bridge port).
Status set_link_master(const NetnsRef& ns, const std::string& ifname, const std::string& master);

}  // namespace fwpath::lab

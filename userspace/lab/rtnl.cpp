#include "lab/rtnl.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>

#include <vector>

#include "kernel/netlink_io.h"
#include "util/netns.h"

namespace fwpath::lab {

namespace {

// A request built in `buf`, with its header filled in.
nlmsghdr* start_request(std::vector<char>& buf, uint16_t type, uint16_t extra_flags) {
  buf.assign(MNL_SOCKET_BUFFER_SIZE, 0);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | extra_flags;
  nlh->nlmsg_seq = kernel::next_netlink_seq();
  return nlh;
}

// A link message's ifinfomsg (family unspecified) and IFLA_IFNAME: the kernel finds or
// names the link by `ifname`. The returned header stays valid for flags set afterwards.
ifinfomsg* put_link(nlmsghdr* nlh, const std::string& ifname) {
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname.c_str());
  return ifi;
}

// An IPv4 route's rtmsg in the main table, as `ip route add` sends it, and its RTA_DST
// (none for the default route).
void put_ipv4_route(nlmsghdr* nlh, const Ipv4Prefix& dst, uint8_t rtn_type) {
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = dst.len;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = rtn_type;
  if (dst.len > 0) mnl_attr_put(nlh, RTA_DST, 4, dst.addr.bytes.data());
}

std::string route_dst_text(const Ipv4Prefix& dst) {
  return dst.len == 0 ? "default" : dst.addr.str() + "/" + std::to_string(dst.len);
}

// Sends the request from a socket opened inside `ns`, and waits for the kernel's ACK.
Status send_in(const NetnsRef& ns, const nlmsghdr* nlh, const std::string& what) {
  auto entered = NetnsEnter::enter(ns.fd, ns.label);
  if (!entered) return entered.take_error();
  auto sock = kernel::open_netlink(NETLINK_ROUTE, "rtnetlink in netns " + ns.label);
  if (!sock) return sock.take_error();
  return kernel::netlink_exchange(sock->get(), nlh, nlh->nlmsg_len, nlh->nlmsg_seq, nullptr,
                                  what + " in netns " + ns.label);
}

// The interface's index inside `ns` (if_nametoindex asks the calling thread's namespace).
Result<int> ifindex_in(const NetnsRef& ns, const std::string& ifname) {
  auto entered = NetnsEnter::enter(ns.fd, ns.label);
  if (!entered) return entered.take_error();
  const unsigned idx = ::if_nametoindex(ifname.c_str());
  if (idx == 0) return sys_error("find interface", ifname + " in netns " + ns.label);
  return static_cast<int>(idx);
}

}  // namespace

Status add_veth_pair(const NetnsRef& a, const std::string& a_if, const NetnsRef& b, const std::string& b_if) {
  std::vector<char> buf;
  nlmsghdr* nlh = start_request(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  put_link(nlh, a_if);
  nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  // The peer is described like a link of its own: an ifinfomsg, then its attributes.
  nlattr* peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  put_link(nlh, b_if);
  mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, static_cast<uint32_t>(b.fd));
  mnl_attr_nest_end(nlh, peer);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, linkinfo);
  FWPATH_TRY(send_in(a, nlh, "create veth " + a_if + " (peer " + b_if + " in netns " + b.label + ")"));
  FWPATH_TRY(set_link_up(a, a_if));
  return set_link_up(b, b_if);
}

Status set_link_up(const NetnsRef& ns, const std::string& ifname) {
  std::vector<char> buf;
  nlmsghdr* nlh = start_request(buf, RTM_NEWLINK, 0);
  ifinfomsg* ifi = put_link(nlh, ifname);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return send_in(ns, nlh, "set link " + ifname + " up");
}

Status add_ipv4_address(const NetnsRef& ns, const std::string& ifname, const Ipv4Prefix& prefix) {
  auto idx = ifindex_in(ns, ifname);
  if (!idx) return idx.take_error();
  std::vector<char> buf;
  nlmsghdr* nlh = start_request(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = prefix.len;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<uint32_t>(idx.value());
  // IFA_LOCAL is the address; IFA_ADDRESS the same on a broadcast link (what `ip addr add` sends).
  mnl_attr_put(nlh, IFA_LOCAL, 4, prefix.addr.bytes.data());
  mnl_attr_put(nlh, IFA_ADDRESS, 4, prefix.addr.bytes.data());
  return send_in(ns, nlh, "add address " + prefix.addr.str() + "/" + std::to_string(prefix.len) + " to " + ifname);
}

Status add_ipv4_route(const NetnsRef& ns, const Ipv4Prefix& dst, const model::IpAddr& via) {
  std::vector<char> buf;
  nlmsghdr* nlh = start_request(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  put_ipv4_route(nlh, dst, RTN_UNICAST);
  mnl_attr_put(nlh, RTA_GATEWAY, 4, via.bytes.data());
  return send_in(ns, nlh, "add route " + route_dst_text(dst) + " via " + via.str());
}

Status add_ipv4_typed_route(const NetnsRef& ns, const Ipv4Prefix& dst, RouteType type) {
  uint8_t rtn_type = RTN_UNICAST;
  switch (type) {
    case RouteType::Unreachable: rtn_type = RTN_UNREACHABLE; break;
    case RouteType::Blackhole: rtn_type = RTN_BLACKHOLE; break;
    case RouteType::Prohibit: rtn_type = RTN_PROHIBIT; break;
    case RouteType::Unicast: return input_error("a unicast route needs a gateway");
  }
  std::vector<char> buf;
  nlmsghdr* nlh = start_request(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  put_ipv4_route(nlh, dst, rtn_type);
  return send_in(ns, nlh, "add " + to_string(type) + " route " + route_dst_text(dst));
}

Status set_link_mtu(const NetnsRef& ns, const std::string& ifname, uint32_t mtu) {
  std::vector<char> buf;
  nlmsghdr* nlh = start_request(buf, RTM_NEWLINK, 0);
  put_link(nlh, ifname);
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  return send_in(ns, nlh, "set mtu " + std::to_string(mtu) + " on " + ifname);
}

Status add_link_of_kind(const NetnsRef& ns, const std::string& ifname, const std::string& kind) {
  std::vector<char> buf;
  nlmsghdr* nlh = start_request(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  put_link(nlh, ifname);
  nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind.c_str());
  mnl_attr_nest_end(nlh, linkinfo);
  return send_in(ns, nlh, "create " + kind + " link " + ifname);
}

Status delete_link(const NetnsRef& ns, const std::string& ifname) {
  std::vector<char> buf;
  nlmsghdr* nlh = start_request(buf, RTM_DELLINK, 0);
  put_link(nlh, ifname);
  return send_in(ns, nlh, "delete link " + ifname);
}

Status set_link_master(const NetnsRef& ns, const std::string& ifname, const std::string& master) {
  auto idx = ifindex_in(ns, master);
  if (!idx) return idx.take_error();
  std::vector<char> buf;
  nlmsghdr* nlh = start_request(buf, RTM_NEWLINK, 0);
  put_link(nlh, ifname);
  mnl_attr_put_u32(nlh, IFLA_MASTER, static_cast<uint32_t>(idx.value()));
  return send_in(ns, nlh, "attach " + ifname + " to bridge " + master);
}

}  // namespace fwpath::lab

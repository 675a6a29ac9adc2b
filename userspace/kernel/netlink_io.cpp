#include "kernel/netlink_io.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>

#include <atomic>
#include <ctime>
#include <vector>

namespace fwpath::kernel {

namespace {

constexpr int ms_count(std::chrono::milliseconds ms) {
  return static_cast<int>(ms.count());
}

// An rtnetlink request with an ACK and no reply data.
Status rtnl_request(const void* buf, size_t len, uint32_t seq, const std::string& what) {
  auto sock = open_netlink(NETLINK_ROUTE, "rtnetlink");
  if (!sock) return sock.take_error();
  return netlink_exchange(sock->get(), buf, len, seq, nullptr, what);
}

}  // namespace

uint32_t next_netlink_seq() {
  // Start from the clock so that replies to an earlier process's socket (same port id
  // reused) never match.
  static std::atomic<uint32_t> seq{static_cast<uint32_t>(std::time(nullptr))};
  return ++seq;
}

Result<MnlSocket> open_netlink(int bus, const std::string& label) {
  MnlSocket sock(mnl_socket_open2(bus, SOCK_CLOEXEC));
  if (!sock) return sys_error("open netlink socket", label);
  if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) return sys_error("bind netlink socket", label);
  return sock;
}

Status wait_readable(int fd, std::chrono::milliseconds timeout, const std::string& what) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    const int n = ::poll(&p, 1, ms_count(timeout));
    if (n > 0) return {};
    if (n == 0) return sys_error(what, "", ETIMEDOUT);
    if (errno != EINTR) return sys_error(what, "");
    // A stop signal interrupts the wait; the bounded timeout still ends it, so simply retry.
  }
}

Status netlink_exchange(mnl_socket* sock, const void* buf, size_t len, uint32_t seq, const OnNetlinkMessage& on_data,
                        const std::string& what) {
  if (mnl_socket_sendto(sock, buf, len) < 0) return sys_error(what, "(send)");
  return receive_reply(mnl_socket_get_fd(sock), seq, mnl_socket_get_portid(sock), on_data, kNetlinkTimeout, what, "");
}

Status set_link_up(int ifindex) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = next_netlink_seq();
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return rtnl_request(nlh, nlh->nlmsg_len, nlh->nlmsg_seq, "set link up, ifindex " + std::to_string(ifindex));
}

Status create_link(const std::string& name, const std::string& kind) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  nlh->nlmsg_seq = next_netlink_seq();
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind.c_str());
  mnl_attr_nest_end(nlh, linkinfo);
  return rtnl_request(nlh, nlh->nlmsg_len, nlh->nlmsg_seq, "create " + kind + " link " + name);
}

Status delete_link(const std::string& name) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_DELLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = next_netlink_seq();
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  return rtnl_request(nlh, nlh->nlmsg_len, nlh->nlmsg_seq, "delete link " + name);
}

}  // namespace fwpath::kernel

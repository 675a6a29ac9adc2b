#include "kernel/node_probes.h"

// glibc's netinet/in.h first: the kernel's uapi headers below defer to its definitions.
#include <netinet/in.h>
// (kept apart so that include sorting cannot move it)
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <sys/socket.h>

#include <bit>
#include <fstream>
#include <vector>

#include "kernel/netlink_io.h"
#include "kernel/probe_support.h"
#include "lab/rtnl.h"
#include "util/netns.h"

namespace fwpath::kernel {

namespace {

constexpr const char* kWireguardLink = "fwpkc-wg0";

Result<size_t> dump_conntrack() {
  auto sock = open_netlink(NETLINK_NETFILTER, "ctnetlink");
  if (!sock) return sock.take_error();
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = next_netlink_seq();
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_INET;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  size_t entries = 0;
  FWPATH_TRY(netlink_exchange(
      sock->get(), nlh, nlh->nlmsg_len, nlh->nlmsg_seq,
      [&](const nlmsghdr&) -> Status {
        ++entries;
        return {};
      },
      "dump the conntrack table"));
  return entries;
}

// One legacy table and how many entries it holds beyond an empty table's: each built-in
// chain's policy plus the closing error entry. What is left is rules (and two entries per
// user-defined chain): anything there is invisible to nft tracing.
struct LegacyTable {
  std::string family;
  std::string name;
  unsigned extra_entries = 0;
};

std::vector<std::string> read_names(const std::string& path, bool* file_exists) {
  std::ifstream in(path);
  *file_exists = static_cast<bool>(in);
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

template <class GetInfo>
Result<unsigned> extra_entries(int domain, int level, int optname, const std::string& table) {
  // Any socket of the family reaches netfilter's getsockopt; a datagram socket avoids
  // needing CAP_NET_RAW for what is a read-only question.
  const UniqueFd fd(::socket(domain, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("open socket to query legacy table", table);
  GetInfo info{};
  if (table.size() >= sizeof(info.name)) return input_error("legacy table name too long", table);
  table.copy(info.name, table.size());
  socklen_t len = sizeof(info);
  if (::getsockopt(fd.get(), level, optname, &info, &len) != 0) return sys_error("query legacy table", table);
  const auto builtin = static_cast<unsigned>(std::popcount(info.valid_hooks));
  return info.num_entries > builtin + 1 ? info.num_entries - (builtin + 1) : 0U;
}

struct FamilyScan {
  bool names_file = false;
  std::vector<std::string> tables;
};

Result<std::vector<LegacyTable>> scan_family(const char* family, const char* names_path, FamilyScan* scan) {
  scan->tables = read_names(names_path, &scan->names_file);
  std::vector<LegacyTable> out;
  // Only tables the kernel already lists are queried: asking for another name could
  // make the kernel load or initialise it.
  for (const auto& name : scan->tables) {
    auto extra = std::string(family) == "ip6"
                     ? extra_entries<ip6t_getinfo>(AF_INET6, IPPROTO_IPV6, IP6T_SO_GET_INFO, name)
                     : extra_entries<ipt_getinfo>(AF_INET, IPPROTO_IP, IPT_SO_GET_INFO, name);
    if (!extra) return extra.take_error();
    out.push_back(LegacyTable{family, name, *extra});
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

model::FeatureResult probe_conntrack_netlink(int netns_fd) {
  auto in_ns = NetnsEnter::enter(netns_fd, "kernel-check private namespace");
  if (!in_ns) return unavailable("conntrack_netlink", in_ns.error());
  auto entries = dump_conntrack();
  if (!entries) return unavailable("conntrack_netlink", entries.error());
  return available("conntrack_netlink",
                   "conntrack table dump answered in a private namespace (" + std::to_string(*entries) + " entries)");
}

model::FeatureResult probe_iptables_legacy_in_use() {
  constexpr const char* kName = "iptables_legacy_in_use";
  FamilyScan v4;
  FamilyScan v6;
  auto ip = scan_family("ip", "/proc/net/ip_tables_names", &v4);
  if (!ip) return unavailable(kName, "cannot tell: " + ip.error().message());
  auto ip6 = scan_family("ip6", "/proc/net/ip6_tables_names", &v6);
  if (!ip6) return unavailable(kName, "cannot tell: " + ip6.error().message());
  if (!v4.names_file && !v6.names_file) {
    return unavailable(kName, "no legacy iptables here (no /proc/net/ip_tables_names or ip6_tables_names)");
  }
  std::vector<std::string> with_rules;
  std::vector<std::string> empty;
  for (const auto* tables : {&ip.value(), &ip6.value()}) {
    for (const auto& t : *tables) {
      const std::string label = t.family + " " + t.name;
      if (t.extra_entries > 0) {
        std::string row = label + " (" + std::to_string(t.extra_entries);
        row += t.extra_entries == 1 ? " entry" : " entries";
        row += " beyond its built-in chains)";
        with_rules.push_back(std::move(row));
      } else {
        empty.push_back(label);
      }
    }
  }
  if (!with_rules.empty()) {
    return available(kName, "legacy tables with rules: " + join(with_rules) + "; nft trace cannot see them");
  }
  if (!empty.empty()) return unavailable(kName, "legacy tables exist but hold no rules: " + join(empty));
  return unavailable(kName, "no legacy table in use (x_tables present, no table initialised in this namespace)");
}

model::FeatureResult probe_wireguard(int netns_fd) {
  const lab::NetnsRef ns{netns_fd, "kernel-check private namespace"};
  auto created = lab::add_link_of_kind(ns, kWireguardLink, "wireguard");
  if (!created) {
    if (created.error().err == EOPNOTSUPP) {
      return unavailable("wireguard", "the kernel has no wireguard link type: " + errno_text(EOPNOTSUPP));
    }
    return unavailable("wireguard", created.error());
  }
  // The namespace would take it along anyway; removing it now keeps the probe self-contained.
  auto deleted = lab::delete_link(ns, kWireguardLink);
  std::string detail = "wireguard link created in a private namespace";
  if (!deleted) detail += " (removed with the namespace: " + deleted.error().message() + ")";
  return available("wireguard", detail);
}

}  // namespace fwpath::kernel

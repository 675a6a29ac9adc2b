#include "sources/conntrack_lookup.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "nft/netlink_socket.h"

namespace fwpath::sources {

namespace {

// CTA_TUPLE_ORIG { CTA_TUPLE_IP { SRC, DST }, CTA_TUPLE_PROTO { NUM, SRC_PORT, DST_PORT } }
void put_tuple(nlmsghdr* nlh, const model::Flow& f) {
  nlattr* tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
  nlattr* ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
  const bool v6 = f.src.addr.v6;
  const size_t len = v6 ? 16 : 4;
  mnl_attr_put(nlh, v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC, len, f.src.addr.bytes.data());
  mnl_attr_put(nlh, v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST, len, f.dst.addr.bytes.data());
  mnl_attr_nest_end(nlh, ip);
  nlattr* proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
  mnl_attr_put_u8(nlh, CTA_PROTO_NUM, static_cast<uint8_t>(f.proto));
  mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(f.src.port));
  mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(f.dst.port));
  mnl_attr_nest_end(nlh, proto);
  mnl_attr_nest_end(nlh, tuple);
}

bool same_entry(const ConntrackEntry& a, const ConntrackEntry& b) {
  return a.original == b.original && a.reply == b.reply;
}

}  // namespace

Result<std::vector<ConntrackEntry>> lookup_conntrack(int netns_fd, const std::string& netns_label,
                                                     const std::vector<model::Flow>& tuples) {
  std::vector<ConntrackEntry> out;
  if (tuples.empty()) return out;
  auto sock = nft::NetlinkSocket::open(netns_fd, netns_label, NETLINK_NETFILTER);
  if (!sock) return sock.take_error();
  for (const auto& t : tuples) {
    // A probe refused before it left has no source address of the target's family.
    if (t.src.addr.v6 != t.dst.addr.v6) continue;
    std::array<char, 256> buf{};  // header, nfgenmsg and one tuple (IPv6: 100 bytes)
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
    // The answer, then the acknowledgement that ends the exchange.
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = sock->next_seq();
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = t.src.addr.v6 ? AF_INET6 : AF_INET;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = 0;
    put_tuple(nlh, t);
    std::optional<ConntrackEntry> found;
    auto asked = sock->dump(
        nlh,
        [&](const nlmsghdr& m) -> Status {
          auto e = decode_conntrack(&m, m.nlmsg_len);
          if (e) found = e.value();
          return {};
        },
        "look up conntrack entry of " + t.str());
    if (!asked) {
      if (asked.error().err == ENOENT) continue;  // no entry under this tuple
      return asked.take_error();
    }
    if (found && std::none_of(out.begin(), out.end(), [&](const ConntrackEntry& e) { return same_entry(e, *found); })) {
      out.push_back(*found);
    }
  }
  return out;
}

}  // namespace fwpath::sources

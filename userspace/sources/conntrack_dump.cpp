#include "sources/conntrack_dump.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include <array>
#include <cstring>

#include "nft/netlink_socket.h"

namespace fwpath::sources {

namespace {

// Collects the attributes of one nesting level, indexed by type; unknown types ignored.
template <size_t N>
struct AttrTable {
  std::array<const nlattr*, N> at{};
  static int collect(const nlattr* a, void* data) {
    auto* self = static_cast<AttrTable*>(data);
    const auto type = mnl_attr_get_type(a);
    if (type < N) self->at[type] = a;
    return MNL_CB_OK;
  }
};

Status read_tuple(const nlattr* tuple, model::Flow& out, const char* which) {
  AttrTable<CTA_TUPLE_MAX + 1> t;
  if (mnl_attr_parse_nested(tuple, AttrTable<CTA_TUPLE_MAX + 1>::collect, &t) < 0) {
    return input_error(std::string("malformed conntrack tuple"), which);
  }
  if (t.at[CTA_TUPLE_IP] == nullptr || t.at[CTA_TUPLE_PROTO] == nullptr) {
    return input_error(std::string("conntrack tuple without address or protocol"), which);
  }
  AttrTable<CTA_IP_MAX + 1> ip;
  AttrTable<CTA_PROTO_MAX + 1> proto;
  if (mnl_attr_parse_nested(t.at[CTA_TUPLE_IP], AttrTable<CTA_IP_MAX + 1>::collect, &ip) < 0 ||
      mnl_attr_parse_nested(t.at[CTA_TUPLE_PROTO], AttrTable<CTA_PROTO_MAX + 1>::collect, &proto) < 0) {
    return input_error(std::string("malformed conntrack tuple"), which);
  }
  auto addr = [](const nlattr* a, size_t size) -> const uint8_t* {
    if (a == nullptr || mnl_attr_get_payload_len(a) < size) return nullptr;
    return static_cast<const uint8_t*>(mnl_attr_get_payload(a));
  };
  if (const auto* s = addr(ip.at[CTA_IP_V4_SRC], 4); s != nullptr) {
    const auto* d = addr(ip.at[CTA_IP_V4_DST], 4);
    if (d == nullptr) return input_error(std::string("conntrack tuple without destination"), which);
    out.src.addr = model::IpAddr::v4_from_be(s);
    out.dst.addr = model::IpAddr::v4_from_be(d);
  } else if (const auto* s6 = addr(ip.at[CTA_IP_V6_SRC], 16); s6 != nullptr) {
    const auto* d6 = addr(ip.at[CTA_IP_V6_DST], 16);
    if (d6 == nullptr) return input_error(std::string("conntrack tuple without destination"), which);
    out.src.addr = model::IpAddr::v6_from_be(s6);
    out.dst.addr = model::IpAddr::v6_from_be(d6);
  } else {
    return input_error(std::string("conntrack tuple without addresses"), which);
  }
  // mnl_attr_get_u8/u16 read without looking at the length: an attribute shorter than its
  // type would be read past, into the next attribute or past the message.
  if (addr(proto.at[CTA_PROTO_NUM], 1) == nullptr) {
    return input_error(std::string("conntrack tuple without protocol"), which);
  }
  out.proto = static_cast<model::L4>(mnl_attr_get_u8(proto.at[CTA_PROTO_NUM]));
  if (addr(proto.at[CTA_PROTO_SRC_PORT], 2) != nullptr) {
    out.src.port = ntohs(mnl_attr_get_u16(proto.at[CTA_PROTO_SRC_PORT]));
  }
  if (addr(proto.at[CTA_PROTO_DST_PORT], 2) != nullptr) {
    out.dst.port = ntohs(mnl_attr_get_u16(proto.at[CTA_PROTO_DST_PORT]));
  }
  return {};
}

}  // namespace

std::string ConntrackEntry::status_text() const {
  static constexpr std::array<std::pair<uint32_t, const char*>, 6> kBits = {{
      {IPS_EXPECTED, "EXPECTED"},
      {IPS_SEEN_REPLY, "SEEN_REPLY"},
      {IPS_ASSURED, "ASSURED"},
      {IPS_CONFIRMED, "CONFIRMED"},
      {IPS_SRC_NAT, "SRC_NAT"},
      {IPS_DST_NAT, "DST_NAT"},
  }};
  std::string out;
  for (const auto& [bit, name] : kBits) {
    if ((status & bit) != 0) out += (out.empty() ? "" : ",") + std::string(name);
  }
  return out;
}

Result<ConntrackEntry> decode_conntrack(const nlmsghdr* nlh, size_t len) {
  if (len < sizeof(nlmsghdr) || nlh->nlmsg_len > len || nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg))) {
    return input_error("truncated conntrack message");
  }
  AttrTable<CTA_MAX + 1> top;
  if (mnl_attr_parse(nlh, sizeof(nfgenmsg), AttrTable<CTA_MAX + 1>::collect, &top) < 0) {
    return input_error("malformed conntrack message");
  }
  if (top.at[CTA_TUPLE_ORIG] == nullptr || top.at[CTA_TUPLE_REPLY] == nullptr) {
    return input_error("conntrack message without both tuples");
  }
  ConntrackEntry e;
  FWPATH_TRY(read_tuple(top.at[CTA_TUPLE_ORIG], e.original, "original"));
  FWPATH_TRY(read_tuple(top.at[CTA_TUPLE_REPLY], e.reply, "reply"));
  if (top.at[CTA_STATUS] != nullptr && mnl_attr_get_payload_len(top.at[CTA_STATUS]) >= 4) {
    e.status = ntohl(mnl_attr_get_u32(top.at[CTA_STATUS]));
  }
  return e;
}

Result<std::vector<ConntrackEntry>> dump_conntrack(int netns_fd, const std::string& netns_label, uint8_t family,
                                                   const std::function<bool(const ConntrackEntry&)>& keep) {
  auto sock = nft::NetlinkSocket::open(netns_fd, netns_label, NETLINK_NETFILTER);
  if (!sock) return sock.take_error();
  std::array<char, 256> buf{};  // a dump request is a header and a nfgenmsg
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = sock->next_seq();
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = family;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  std::vector<ConntrackEntry> out;
  FWPATH_TRY(sock->dump(
      nlh,
      [&](const nlmsghdr& m) -> Status {
        auto e = decode_conntrack(&m, m.nlmsg_len);
        // An entry we cannot read is not ours to judge; the dump goes on.
        if (e && keep(e.value())) out.push_back(e.value());
        return {};
      },
      "dump conntrack table"));
  return out;
}

}  // namespace fwpath::sources

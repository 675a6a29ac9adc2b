#include "sources/neighbours.h"

#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>

#include "nft/interface_names.h"
#include "nft/netlink_socket.h"

namespace fwpath::sources {

namespace {

constexpr std::array<std::pair<uint16_t, const char*>, 8> kStates = {{
    {NUD_INCOMPLETE, "INCOMPLETE"},
    {NUD_REACHABLE, "REACHABLE"},
    {NUD_STALE, "STALE"},
    {NUD_DELAY, "DELAY"},
    {NUD_PROBE, "PROBE"},
    {NUD_FAILED, "FAILED"},
    {NUD_NOARP, "NOARP"},
    {NUD_PERMANENT, "PERMANENT"},
}};

}  // namespace

std::string neighbour_state_text(uint16_t state) {
  std::string out;
  for (const auto& [bit, name] : kStates) {
    if ((state & bit) != 0) out += (out.empty() ? "" : ",") + std::string(name);
  }
  return out.empty() ? "NONE" : out;
}

bool neighbour_unresolved(uint16_t state) {
  return (state & (NUD_INCOMPLETE | NUD_FAILED)) != 0;
}

Result<NeighbourEntry> decode_neighbour(const nlmsghdr* nlh, size_t len) {
  if (len < sizeof(nlmsghdr) || nlh->nlmsg_len > len || nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ndmsg))) {
    return input_error("truncated neighbour message");
  }
  if (nlh->nlmsg_type != RTM_NEWNEIGH) return input_error("not a neighbour message");
  const auto* nd = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(nlh));
  NeighbourEntry e;
  e.ifindex = static_cast<uint32_t>(nd->ndm_ifindex);
  e.state = nd->ndm_state;
  const nlattr* dst = nullptr;
  const auto collect = [](const nlattr* a, void* data) {
    if (mnl_attr_get_type(a) == NDA_DST) *static_cast<const nlattr**>(data) = a;
    return MNL_CB_OK;
  };
  if (mnl_attr_parse(nlh, sizeof(ndmsg), collect, &dst) < 0) return input_error("malformed neighbour message");
  if (dst == nullptr) return input_error("neighbour message without an address");
  const auto* bytes = static_cast<const uint8_t*>(mnl_attr_get_payload(dst));
  const size_t n = mnl_attr_get_payload_len(dst);
  if (nd->ndm_family == AF_INET && n == 4) {
    e.addr = model::IpAddr::v4_from_be(bytes);
  } else if (nd->ndm_family == AF_INET6 && n == 16) {
    e.addr = model::IpAddr::v6_from_be(bytes);
  } else {
    return input_error("neighbour address of family " + std::to_string(nd->ndm_family) + " and length " +
                       std::to_string(n));
  }
  return e;
}

Result<std::vector<UnresolvedNeighbour>> unresolved_neighbours(int netns_fd, const std::string& netns_label) {
  auto sock = nft::NetlinkSocket::open(netns_fd, netns_label, NETLINK_ROUTE);
  if (!sock) return sock.take_error();
  std::vector<NeighbourEntry> entries;
  std::array<char, 256> buf{};  // a dump request is a header and an ndmsg
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETNEIGH;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = sock->next_seq();
  auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  nd->ndm_family = AF_UNSPEC;  // IPv4 and IPv6 (and bridge fdb entries, which have no NDA_DST of theirs)
  FWPATH_TRY(sock->dump(
      nlh,
      [&](const nlmsghdr& m) -> Status {
        auto e = decode_neighbour(&m, m.nlmsg_len);
        // An entry we cannot read (another family's) says nothing about the probe.
        if (e && neighbour_unresolved(e->state)) entries.push_back(e.value());
        return {};
      },
      "dump neighbour table"));
  std::vector<UnresolvedNeighbour> out;
  if (entries.empty()) return out;
  auto names = nft::InterfaceNames::open(netns_fd, netns_label);
  if (!names) return names.take_error();
  for (const auto& e : entries) {
    out.push_back({e.addr, names->name(e.ifindex), neighbour_state_text(e.state)});
  }
  return out;
}

}  // namespace fwpath::sources

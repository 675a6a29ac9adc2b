// rtnetlink neighbour messages built the way the kernel sends them in an RTM_GETNEIGH
// dump, and broken ones that must be refused rather than misread.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <array>
#include <vector>

#include "sources/neighbours.h"

namespace fwpath::sources {
namespace {

nlmsghdr* neighbour(std::vector<char>& buf, uint8_t family, int ifindex, uint16_t state) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_NEWNEIGH;
  auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  nd->ndm_family = family;
  nd->ndm_ifindex = ifindex;
  nd->ndm_state = state;
  return nlh;
}

// An entry of `family` for `addr` on ifindex 7, decoded.
Result<NeighbourEntry> decoded(uint8_t family, const char* addr, uint16_t state) {
  std::vector<char> buf(256);
  nlmsghdr* nlh = neighbour(buf, family, 7, state);
  std::array<uint8_t, 16> bytes{};
  EXPECT_EQ(inet_pton(family, addr, bytes.data()), 1) << addr;
  mnl_attr_put(nlh, NDA_DST, family == AF_INET ? 4 : 16, bytes.data());
  return decode_neighbour(nlh, nlh->nlmsg_len);
}

TEST(NeighbourDecode, IncompleteArpAndFailedNdEntries) {
  auto arp = decoded(AF_INET, "198.18.1.5", NUD_INCOMPLETE);
  ASSERT_TRUE(arp.ok()) << arp.error().message();
  EXPECT_EQ(arp->addr.str(), "198.18.1.5");
  EXPECT_EQ(arp->ifindex, 7U);
  EXPECT_TRUE(neighbour_unresolved(arp->state));
  EXPECT_EQ(neighbour_state_text(arp->state), "INCOMPLETE");
  auto nd = decoded(AF_INET6, "2001:db8:2::5", NUD_FAILED);
  ASSERT_TRUE(nd.ok()) << nd.error().message();
  EXPECT_EQ(nd->addr.str(), "2001:db8:2::5");
  EXPECT_EQ(neighbour_state_text(nd->state), "FAILED");
  EXPECT_TRUE(neighbour_unresolved(nd->state));
}

TEST(NeighbourDecode, ResolvedStatesAreNotUnresolved) {
  for (const int s : {NUD_REACHABLE, NUD_STALE, NUD_DELAY, NUD_PROBE, NUD_PERMANENT, NUD_NOARP}) {
    const auto state = static_cast<uint16_t>(s);
    EXPECT_FALSE(neighbour_unresolved(state)) << neighbour_state_text(state);
  }
  EXPECT_EQ(neighbour_state_text(NUD_STALE | NUD_NOARP), "STALE,NOARP");
  EXPECT_EQ(neighbour_state_text(0), "NONE");
}

TEST(NeighbourDecode, RefusesWhatItCannotRead) {
  std::vector<char> buf(256);
  nlmsghdr* nlh = neighbour(buf, AF_INET, 7, NUD_INCOMPLETE);
  EXPECT_FALSE(decode_neighbour(nlh, nlh->nlmsg_len).ok()) << "no address";
  const uint8_t six[6] = {1, 2, 3, 4, 5, 6};
  mnl_attr_put(nlh, NDA_DST, sizeof(six), six);
  EXPECT_FALSE(decode_neighbour(nlh, nlh->nlmsg_len).ok()) << "an IPv4 entry with a 6-byte address";
  std::vector<char> other(256);
  nlmsghdr* bridge = neighbour(other, AF_BRIDGE, 7, NUD_PERMANENT);
  mnl_attr_put(bridge, NDA_DST, sizeof(six), six);
  EXPECT_FALSE(decode_neighbour(bridge, bridge->nlmsg_len).ok()) << "a bridge fdb entry";
  EXPECT_FALSE(decode_neighbour(nlh, sizeof(nlmsghdr) + 2).ok()) << "truncated";
  nlh->nlmsg_type = RTM_NEWROUTE;
  EXPECT_FALSE(decode_neighbour(nlh, nlh->nlmsg_len).ok()) << "not a neighbour message";
}

}  // namespace
}  // namespace fwpath::sources

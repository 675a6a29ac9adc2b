// ctnetlink messages built the way the kernel sends them (nested tuples, big-endian
// ports and status), and broken ones that must be refused rather than misread.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include <vector>

#include "sources/conntrack_entry.h"

namespace fwpath::sources {
namespace {

void put_tuple(nlmsghdr* nlh, uint16_t type, const char* src, const char* dst, uint16_t sport, uint16_t dport) {
  nlattr* tuple = mnl_attr_nest_start(nlh, type);
  nlattr* ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
  in_addr a{};
  inet_pton(AF_INET, src, &a);
  mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, &a);
  inet_pton(AF_INET, dst, &a);
  mnl_attr_put(nlh, CTA_IP_V4_DST, 4, &a);
  mnl_attr_nest_end(nlh, ip);
  nlattr* proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
  mnl_attr_put_u8(nlh, CTA_PROTO_NUM, 17);
  mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
  mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
  mnl_attr_nest_end(nlh, proto);
  mnl_attr_nest_end(nlh, tuple);
}

nlmsghdr* header(std::vector<char>& buf) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_INET;
  return nlh;
}

TEST(ConntrackDecode, NodePortEntryWithDnat) {
  std::vector<char> buf(1024);
  nlmsghdr* nlh = header(buf);
  put_tuple(nlh, CTA_TUPLE_ORIG, "192.0.2.10", "198.51.100.20", 40000, 30742);
  put_tuple(nlh, CTA_TUPLE_REPLY, "198.18.1.5", "198.18.1.1", 51840, 61001);
  mnl_attr_put_u32(nlh, CTA_STATUS, htonl(IPS_CONFIRMED | IPS_DST_NAT | IPS_SRC_NAT));
  auto e = decode_conntrack(nlh, nlh->nlmsg_len);
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->original.str(), "udp 192.0.2.10:40000 -> 198.51.100.20:30742");
  EXPECT_EQ(e->reply.str(), "udp 198.18.1.5:51840 -> 198.18.1.1:61001");
  EXPECT_EQ(e->status_text(), "CONFIRMED,SRC_NAT,DST_NAT");
}

TEST(ConntrackDecode, RefusesMissingTuplesAndTruncation) {
  std::vector<char> buf(1024);
  nlmsghdr* nlh = header(buf);
  put_tuple(nlh, CTA_TUPLE_ORIG, "192.0.2.10", "198.51.100.20", 40000, 30742);
  EXPECT_FALSE(decode_conntrack(nlh, nlh->nlmsg_len).ok()) << "no reply tuple";
  put_tuple(nlh, CTA_TUPLE_REPLY, "198.51.100.20", "192.0.2.10", 30742, 40000);
  ASSERT_TRUE(decode_conntrack(nlh, nlh->nlmsg_len).ok());
  EXPECT_FALSE(decode_conntrack(nlh, nlh->nlmsg_len - 8).ok()) << "claims more bytes than given";
  EXPECT_FALSE(decode_conntrack(nlh, 4).ok());
}

}  // namespace
}  // namespace fwpath::sources

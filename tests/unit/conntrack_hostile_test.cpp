// ctnetlink messages with attributes shorter than their type: once read past their end
// (mnl_attr_get_u8/u16 do not check lengths), now refused or ignored.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include <vector>

#include "sources/conntrack_entry.h"

namespace fwpath::sources {
namespace {

// A tuple whose protocol number and/or ports are empty attributes.
void put_tuple(nlmsghdr* nlh, uint16_t type, bool empty_proto, bool empty_ports) {
  nlattr* tuple = mnl_attr_nest_start(nlh, type);
  nlattr* ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
  const uint8_t src[4] = {192, 0, 2, 10};
  const uint8_t dst[4] = {198, 51, 100, 20};
  mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, src);
  mnl_attr_put(nlh, CTA_IP_V4_DST, 4, dst);
  mnl_attr_nest_end(nlh, ip);
  nlattr* proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
  if (empty_ports) {
    mnl_attr_put(nlh, CTA_PROTO_SRC_PORT, 0, nullptr);
    mnl_attr_put(nlh, CTA_PROTO_DST_PORT, 0, nullptr);
  } else {
    mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(40000));
    mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(30742));
  }
  if (empty_proto) {
    mnl_attr_put(nlh, CTA_PROTO_NUM, 0, nullptr);  // last: nothing after it to read
  } else {
    mnl_attr_put_u8(nlh, CTA_PROTO_NUM, 17);
  }
  mnl_attr_nest_end(nlh, proto);
  mnl_attr_nest_end(nlh, tuple);
}

std::vector<char> message(bool empty_proto, bool empty_ports) {
  std::vector<char> buf(1024);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_INET;
  put_tuple(nlh, CTA_TUPLE_ORIG, empty_proto, empty_ports);
  put_tuple(nlh, CTA_TUPLE_REPLY, empty_proto, empty_ports);
  buf.resize(nlh->nlmsg_len);  // exactly the message: a read past it is outside the buffer
  return buf;
}

TEST(ConntrackHostile, EmptyProtocolNumberIsRefused) {
  const auto buf = message(/*empty_proto=*/true, /*empty_ports=*/false);
  auto e = decode_conntrack(reinterpret_cast<const nlmsghdr*>(buf.data()), buf.size());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(), "conntrack tuple without protocol original");
}

TEST(ConntrackHostile, EmptyPortsAreNotRead) {
  const auto buf = message(/*empty_proto=*/false, /*empty_ports=*/true);
  auto e = decode_conntrack(reinterpret_cast<const nlmsghdr*>(buf.data()), buf.size());
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->original.src.port, 0);
  EXPECT_EQ(e->original.dst.port, 0);
  EXPECT_EQ(e->original.proto, model::L4::Udp);
}

}  // namespace
}  // namespace fwpath::sources

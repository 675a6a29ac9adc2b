#include "model/flow.h"

#include <gtest/gtest.h>

#include "model/probe_spec.h"

namespace fwpath::model {
namespace {

TEST(ParseEndpoint, AcceptsIpv4AndBracketedIpv6) {
  auto a = parse_endpoint("198.51.100.20:6443");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, 6443);
  EXPECT_EQ(a->addr.str(), "198.51.100.20");
  auto b = parse_endpoint("[2001:db8::20]:51840");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->addr.v6);
  EXPECT_EQ(b->str(), "[2001:db8::20]:51840");
}

TEST(ParseEndpoint, RejectsBadPortsAndShapesWithTheReason) {
  for (const char* bad : {"198.51.100.20:0", "198.51.100.20:65536", "198.51.100.20:", "198.51.100.20:6x",
                          "198.51.100.20", "2001:db8::1:443", "[2001:db8::1]443", "300.1.1.1:80"}) {
    auto r = parse_endpoint(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::BadInput) << bad;
    EXPECT_FALSE(r.error().message().empty());
  }
  EXPECT_NE(parse_endpoint("192.0.2.1:65536").error().message().find("1..65535"), std::string::npos);
}

TEST(ParseIpPacket, IcmpErrorYieldsTheQuotedFlowAndTheSender) {
  // ICMP 3/13 from 198.51.100.20 quoting a TCP SYN 192.0.2.10:41000 -> 198.51.100.20:6443.
  std::vector<uint8_t> p = {0x45, 0,  0,   56, 0,   0,  0,    0,    64,   1,    0, 0, 198, 51,
                            100,  20, 192, 0,  2,   10, 3,    13,   0,    0,    0, 0, 0,   0,  // icmp header
                            0x45, 0,  0,   60, 0,   0,  0,    0,    64,   6,    0, 0, 192, 0,
                            2,    10, 198, 51, 100, 20, 0xa0, 0x28, 0x19, 0x2b, 0, 0, 0,   0};
  auto parsed = parse_ip_packet(p.data(), p.size());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->icmp_error);
  EXPECT_EQ(parsed->icmp_type, 3);
  EXPECT_EQ(parsed->icmp_code, 13);
  EXPECT_EQ(parsed->outer_src.str(), "198.51.100.20");
  EXPECT_EQ(parsed->flow.proto, L4::Tcp);
  EXPECT_EQ(parsed->flow.src.port, 41000);
  EXPECT_EQ(parsed->flow.dst.port, 6443);
}

TEST(ParseIpPacket, TruncatedInputIsRefusedNotOverread) {
  std::vector<uint8_t> p = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17};
  EXPECT_FALSE(parse_ip_packet(p.data(), p.size()).has_value());
  std::vector<uint8_t> bad_ihl = {0x4f, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_FALSE(parse_ip_packet(bad_ihl.data(), bad_ihl.size()).has_value());
}

// The BPF side skips longer skbs unread: the limit must cover every packet a probe can
// cause, and leave bulk traffic's GSO aggregates (tens of KiB) out.
TEST(LongestProbeSkb, CoversTheProbesTheirErrorsAndHeadroomOnly) {
  ProbeSpec tcp;
  tcp.proto = L4::Tcp;
  EXPECT_EQ(longest_probe_skb({tcp}), 1280U + 48U + 256U) << "an ICMPv6 error quoting 1280 bytes";
  ProbeSpec udp;
  udp.proto = L4::Udp;
  EXPECT_EQ(longest_probe_skb({tcp, udp}), 1280U + 48U + 256U) << "the 148-byte datagram is smaller";
  udp.udp_payload = 8972;  // a jumbo-frame PMTU probe
  EXPECT_EQ(longest_probe_skb({tcp, udp}), 20U + 8U + 8972U + 256U);
  udp.target.addr.v6 = true;
  EXPECT_EQ(longest_probe_skb({udp}), 40U + 8U + 8972U + 256U);
  EXPECT_LT(longest_probe_skb({tcp, udp}), 16384U) << "a GSO aggregate of bulk traffic stays out";
  EXPECT_EQ(longest_probe_skb({}), 1280U + 48U + 256U);
}

}  // namespace
}  // namespace fwpath::model

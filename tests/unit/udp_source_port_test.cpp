// The UDP probes' source port for a run: in fwpath's range, distinct per probe, never
// one that is held, wrapping at the end of the range.
#include "sources/udp_source_port.h"

#include <gtest/gtest.h>

#include <set>

namespace fwpath::sources {
namespace {

model::ProbeSpec spec(model::L4 proto, uint16_t port) {
  model::ProbeSpec s;
  s.proto = proto;
  s.source_port = port;
  return s;
}

TEST(UdpSourcePort, HeldPortsAreSkippedAndTcpIsLeftAlone) {
  std::vector<model::ProbeSpec> specs{spec(model::L4::Udp, 0), spec(model::L4::Tcp, 41234), spec(model::L4::Udp, 0)};
  const std::set<uint16_t> held{40500, 40502};
  std::vector<uint16_t> asked;
  auto st = assign_udp_source_ports(specs, 40500, [&](uint16_t p) -> Result<bool> {
    asked.push_back(p);
    return held.count(p) == 0;
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(specs[0].source_port, 40501);
  EXPECT_EQ(specs[1].source_port, 41234);
  EXPECT_EQ(specs[2].source_port, 40503);
  EXPECT_EQ(asked, (std::vector<uint16_t>{40500, 40501, 40502, 40503}));
}

TEST(UdpSourcePort, WrapsAtTheEndOfTheRange) {
  std::vector<model::ProbeSpec> specs{spec(model::L4::Udp, 0), spec(model::L4::Udp, 0)};
  auto st = assign_udp_source_ports(specs, kUdpSourcePortLast, [](uint16_t) -> Result<bool> { return true; });
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(specs[0].source_port, kUdpSourcePortLast);
  EXPECT_EQ(specs[1].source_port, kUdpSourcePortFirst);
}

TEST(UdpSourcePort, AFullRangeIsAnEnvironmentError) {
  std::vector<model::ProbeSpec> specs{spec(model::L4::Udp, 0)};
  auto st = assign_udp_source_ports(specs, 40000, [](uint16_t) -> Result<bool> { return false; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::Environment);
}

TEST(UdpSourcePort, ACheckThatFailsStopsTheChoice) {
  std::vector<model::ProbeSpec> specs{spec(model::L4::Udp, 0)};
  auto st = assign_udp_source_ports(
      specs, 40000, [](uint16_t) -> Result<bool> { return sys_error("check UDP source port", "40000", EPERM); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().err, EPERM);
}

}  // namespace
}  // namespace fwpath::sources

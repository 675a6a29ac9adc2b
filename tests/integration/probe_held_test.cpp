// A datagram the router forwards towards a next hop that never answers ARP is neither sent
// nor dropped while the probe's window is open: `fwpath probe` must not call that silence
// clean. It reports the packet held where it was routed out, names the neighbour entry it
// waits in, and exits 1.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/command.h"
#include "support/lab_fixture.h"

namespace fwpath::testlab {
namespace {

using nlohmann::json;
using L = ThreeNsLab;

class ProbeHeld : public WithLab<> {
 protected:
  void SetUp() override {
    WithLab<>::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // A forward chain, so that nft sees the datagram routed out of the router; ARP left at
    // its default (3 x 1 s), longer than the probe's 1 s window.
    const auto loaded = lab_->router.load_nft(
        "table inet filter {\n chain forward {\n  type filter hook forward priority 0; policy accept;\n }\n}\n");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  }

  // `fwpath probe --json` for one UDP target from the consumer, tracing the router.
  json probe(const std::string& target) {
    auto r = run_command({FWPATH_BINARY, "probe", "--json", "--timeout", "1", "--from-netns", lab_->consumer.name(),
                          "--netns", lab_->router.name(), "--udp", target});
    EXPECT_TRUE(r) << r.error().message();
    if (!r) return json();
    EXPECT_EQ(r->exit_code, 1) << "a held datagram is no clean result\n" << r->err << r->out;
    json j = json::parse(r->out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r->out;
    return j.is_discarded() ? json() : j["targets"][0];
  }
};

TEST_F(ProbeHeld, WaitingForArpOfAnOnLinkDestination) {
  ASSERT_TRUE(lab_->router.ip({"route", "add", "198.18.9.0/24", "dev", L::kRouterProviderIf}).ok());
  const json t = probe("198.18.9.9:51840");
  ASSERT_TRUE(t.is_object());
  EXPECT_EQ(t["outcome"], "no-reply");
  EXPECT_FALSE(t["passed"].get<bool>());
  EXPECT_TRUE(t["drop"].is_null()) << t.dump(1);
  ASSERT_TRUE(t["held"].is_object()) << t.dump(1);
  EXPECT_EQ(t["held"]["netns"], lab_->router.name());
  EXPECT_EQ(t["held"]["hook"], "forward");
  EXPECT_EQ(t["held"]["device"], L::kRouterProviderIf);
  ASSERT_TRUE(t["held"]["neighbour"].is_object()) << t.dump(1);
  EXPECT_EQ(t["held"]["neighbour"]["address"], "198.18.9.9");
  EXPECT_EQ(t["held"]["neighbour"]["protocol"], "ARP");
  EXPECT_EQ(t["held"]["neighbour"]["state"], "INCOMPLETE");
  EXPECT_TRUE(t["held"]["neighbour"]["is_destination"].get<bool>());
  const std::string summary = t["summary"];
  EXPECT_NE(summary.find("waiting for ARP of 198.18.9.9 on r-p (INCOMPLETE)"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("left the node"), std::string::npos) << summary;
}

TEST_F(ProbeHeld, WaitingForAGatewaysArp) {
  // 198.51.100.99 is on the router's provider link, and nobody holds it.
  ASSERT_TRUE(lab_->router.add_route("198.18.9.0/24", "198.51.100.99").ok());
  const json t = probe("198.18.9.9:51840");
  ASSERT_TRUE(t.is_object());
  ASSERT_TRUE(t["held"].is_object()) << t.dump(1);
  ASSERT_TRUE(t["held"]["neighbour"].is_object()) << t.dump(1);
  EXPECT_EQ(t["held"]["neighbour"]["address"], "198.51.100.99");
  EXPECT_FALSE(t["held"]["neighbour"]["is_destination"].get<bool>());
}

// Reached: the same route to a neighbour that answers is no held packet.
TEST_F(ProbeHeld, ANeighbourThatAnswersIsNoHeldPacket) {
  ASSERT_TRUE(lab_->provider.add_address(L::kProviderIf, "198.18.9.9/32").ok());
  ASSERT_TRUE(lab_->router.ip({"route", "add", "198.18.9.0/24", "dev", L::kRouterProviderIf}).ok());
  // The provider answers ARP for an address it holds on another interface only with
  // arp_ignore 0 (the default), on its p-r link: the datagram is sent.
  auto r = run_command({FWPATH_BINARY, "probe", "--json", "--timeout", "1", "--from-netns", lab_->consumer.name(),
                        "--netns", lab_->router.name(), "--udp", "198.18.9.9:51840"});
  ASSERT_TRUE(r) << r.error().message();
  json j = json::parse(r->out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r->out;
  EXPECT_TRUE(j["targets"][0]["held"].is_null()) << j.dump(1);
}

}  // namespace
}  // namespace fwpath::testlab

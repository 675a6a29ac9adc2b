// sources/legacy_counters.h against the real iptables-legacy tools in a private namespace:
// nothing is read (no process started) where no legacy table exists, and a datagram a
// legacy rule drops moves that rule's counter, which the diff and the attribution find.
#include "sources/legacy_counters.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lab/ruleset_load.h"
#include "model/legacy_attribution.h"
#include "support/command.h"
#include "support/skip.h"
#include "util/child_process.h"
#include "util/netns.h"

namespace fwpath::sources {
namespace {

class LegacyCounters : public ::testing::Test {
 protected:
  void SetUp() override {
    FWPATH_SKIP_UNLESS(testlab::have_root(), "root (CAP_NET_ADMIN, CAP_SYS_ADMIN) for namespaces");
    for (const char* tool : {"iptables-legacy-restore", "iptables-legacy-save"}) {
      if (find_system_tool(tool).empty()) GTEST_SKIP() << "needs " << tool << " (package iptables)";
    }
    auto ns = create_private_netns();
    ASSERT_TRUE(ns.ok()) << ns.error().message();
    ns_ = std::move(ns.value());
  }

  // A UDP datagram to 127.0.0.1:9 sent from inside the namespace (lo brought up first).
  void send_datagram() const {
    testlab::CommandOptions opt;
    opt.netns_fd = ns_.get();
    auto up = testlab::run_command({"ip", "link", "set", "lo", "up"}, opt);
    ASSERT_TRUE(up.ok() && up->ok()) << (up ? up->describe() : up.error().message());
    auto in_ns = NetnsEnter::enter(ns_.get(), "legacy-counters-test");
    ASSERT_TRUE(in_ns.ok()) << in_ns.error().message();
    const UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(fd.valid());
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // The OUTPUT drop makes sendto() fail with EPERM: the counter moved all the same.
    (void)::sendto(fd.get(), "x", 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  }

  UniqueFd ns_;
};

TEST_F(LegacyCounters, NothingIsReadWhereNoLegacyTableExists) {
  for (const bool v6 : {false, true}) {
    auto r = read_legacy_counters(ns_.get(), "legacy-counters-test", v6);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_FALSE(r.value().has_value());
  }
}

TEST_F(LegacyCounters, ADroppedDatagramMovesItsRulesCounter) {
  ASSERT_TRUE(lab::load_ruleset({ns_.get(), "legacy-counters-test"}, lab::RulesetFormat::IptablesLegacySave,
                                "legacy.rules",
                                "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                                ":DISCARD - [0:0]\n-A OUTPUT -p udp -m udp --dport 9 -j DISCARD\n"
                                "-A DISCARD -j DROP\nCOMMIT\n")
                  .ok());
  auto before = read_legacy_counters(ns_.get(), "legacy-counters-test", false);
  ASSERT_TRUE(before.ok()) << before.error().message();
  ASSERT_TRUE(before.value().has_value());
  send_datagram();
  auto after = read_legacy_counters(ns_.get(), "legacy-counters-test", false);
  ASSERT_TRUE(after.ok()) << after.error().message();
  ASSERT_TRUE(after.value().has_value());
  const auto moved = model::counters_moved(**before, **after);
  const auto candidates = model::legacy_drop_candidates(moved, {});
  ASSERT_EQ(candidates.size(), 1U);
  EXPECT_EQ(candidates[0].table, "filter");
  EXPECT_EQ(candidates[0].chain, "DISCARD");
  EXPECT_EQ(candidates[0].position, 1U);
  EXPECT_EQ(candidates[0].rule, "-A DISCARD -j DROP");
  EXPECT_EQ(candidates[0].hook, model::Hook::Output);  // by the jump from OUTPUT, which moved too
  EXPECT_EQ(candidates[0].packets, 1U);
  // No IPv6 table was made by any of this.
  auto v6 = read_legacy_counters(ns_.get(), "legacy-counters-test", true);
  ASSERT_TRUE(v6.ok()) << v6.error().message();
  EXPECT_FALSE(v6.value().has_value());
}

}  // namespace
}  // namespace fwpath::sources

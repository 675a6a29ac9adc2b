// The comments of rules loaded through iptables-nft, which nft lists without them, in the
// rule text the snapshot gives the report: Calico's `cali:` ids and its words, in rule
// order; an nft table's own comments untouched.
#include <gtest/gtest.h>

#include <string>

#include "integration/nft_fixtures.h"
#include "lab/ruleset_load.h"
#include "ruleset/list_ruleset.h"
#include "ruleset/listing_parser.h"
#include "ruleset/snapshot.h"
#include "util/child_process.h"

namespace fwpath::ruleset {
namespace {

constexpr const char* kCalicoRules =
    "*filter\n"
    ":INPUT ACCEPT [0:0]\n"
    ":FORWARD ACCEPT [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    ":cali-tw-cali1a2b3c4d5e6 - [0:0]\n"
    "-A FORWARD -o cali1a2b3c4d5e6 -j cali-tw-cali1a2b3c4d5e6\n"
    "-A cali-tw-cali1a2b3c4d5e6 -m comment --comment \"cali:QEwUnRYpzXDkJ8lP\" -m comment --comment \"Drop if no "
    "policies passed packet\" -m mark --mark 0x0/0x20000 -j DROP\n"
    "COMMIT\n";

constexpr const char* kNftTable = R"(table inet plain_t {
  chain input {
    type filter hook input priority filter; policy accept;
    udp dport 9 drop comment "nft's own"
  }
}
)";

// The handle of the only rule of `chain` in the listing of `family table`.
uint64_t only_rule(int nsfd, const std::string& family, const std::string& table, const std::string& chain) {
  auto text = list_table_text(nsfd, "test", family, table);
  EXPECT_TRUE(text.ok()) << text.error().message();
  if (!text) return 0;
  auto parsed = parse_listing(*text);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  if (!parsed) return 0;
  const Chain* c = parsed->find_chain(family, table, chain);
  EXPECT_TRUE(c != nullptr && c->rules.size() == 1) << *text;
  return c != nullptr && !c->rules.empty() ? c->rules.front() : 0;
}

TEST(RulesetXtComments, IptablesNftCommentsAreInTheRuleText) {
  FWPATH_REQUIRE_NET_ADMIN();
  if (find_system_tool("iptables-nft-restore").empty()) GTEST_SKIP() << "needs iptables-nft-restore";
  auto ns = nft::lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  const int nsfd = ns->get();
  ASSERT_TRUE(lab::load_ruleset({nsfd, "test"}, lab::RulesetFormat::IptablesSave, "calico.rules", kCalicoRules).ok());
  ASSERT_TRUE(nft::lab::run_nft(nsfd, kNftTable).ok());

  // libnftables' warning names the table: the listing carries it as a comment line.
  auto listed = list_table_text(nsfd, "test", "ip", "filter");
  ASSERT_TRUE(listed.ok()) << listed.error().message();
  EXPECT_EQ(listed->rfind("# Warning: table ip filter is managed by iptables-nft", 0), 0U) << *listed;
  EXPECT_EQ(listed->find("cali:"), std::string::npos) << "nft itself prints no xt comment:\n" << *listed;

  const uint64_t drop = only_rule(nsfd, "ip", "filter", "cali-tw-cali1a2b3c4d5e6");
  const uint64_t own = only_rule(nsfd, "inet", "plain_t", "input");
  ASSERT_NE(drop, 0U);
  ASSERT_NE(own, 0U);
  Snapshot snap = Snapshot::in_netns(nsfd, "test");
  auto rule = snap.find_rule("ip", "filter", "cali-tw-cali1a2b3c4d5e6", drop);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  EXPECT_NE(rule->text.find("drop comment \"cali:QEwUnRYpzXDkJ8lP\" comment \"Drop if no policies passed packet\""),
            std::string::npos)
      << rule->text;
  EXPECT_NE(rule->text.find("meta mark & 0x00020000 == 0x00000000"), std::string::npos) << rule->text;
  auto plain = snap.find_rule("inet", "plain_t", "input", own);
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  EXPECT_EQ(plain->text, "udp dport 9 drop comment \"nft's own\"");

  // The whole-ruleset snapshot says the same.
  auto whole = Snapshot::take_in_netns(nsfd, "test");
  ASSERT_TRUE(whole.ok()) << whole.error().message();
  const Rule* r = whole->ruleset().find_rule("ip", "filter", "cali-tw-cali1a2b3c4d5e6", drop);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->text.find("comment \"cali:QEwUnRYpzXDkJ8lP\""), std::string::npos) << r->text;
}

}  // namespace
}  // namespace fwpath::ruleset

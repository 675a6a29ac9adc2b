// Which iptables-legacy rule dropped a probe, from the counters that went up meanwhile.
#include "model/legacy_attribution.h"

#include <gtest/gtest.h>

namespace fwpath::model {
namespace {

XtMove rule(const std::string& chain, bool builtin, unsigned position, const std::string& target,
            const std::string& table = "filter") {
  return XtMove{table, chain, builtin, position, "-A " + chain + " -j " + target, target, 1};
}

XtMove policy(const std::string& chain, const std::string& p) {
  return XtMove{"filter", chain, true, 0, "policy " + p, p, 2};
}

TEST(LegacyAttribution, BuiltinChainsGiveTheirHook) {
  EXPECT_EQ(builtin_chain_hook("PREROUTING"), Hook::Prerouting);
  EXPECT_EQ(builtin_chain_hook("INPUT"), Hook::Input);
  EXPECT_EQ(builtin_chain_hook("FORWARD"), Hook::Forward);
  EXPECT_EQ(builtin_chain_hook("OUTPUT"), Hook::Output);
  EXPECT_EQ(builtin_chain_hook("POSTROUTING"), Hook::Postrouting);
  EXPECT_EQ(builtin_chain_hook("KUBE-FIREWALL"), Hook::Unknown);
}

TEST(LegacyAttribution, ADropRuleInABuiltinChainIsTheCandidate) {
  const auto c = legacy_drop_candidates({rule("INPUT", true, 2, "ACCEPT"), rule("INPUT", true, 3, "DROP")}, {});
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0].chain, "INPUT");
  EXPECT_EQ(c[0].position, 3U);
  EXPECT_EQ(c[0].hook, Hook::Input);
  EXPECT_EQ(c[0].rule, "-A INPUT -j DROP");
  const auto note = legacy_drop_note(c);
  EXPECT_NE(note.find("iptables-legacy"), std::string::npos);
  EXPECT_NE(note.find("filter INPUT rule 3 `-A INPUT -j DROP` (+1 packet)"), std::string::npos) << note;
  EXPECT_NE(note.find("found by its packet counter"), std::string::npos) << note;
}

TEST(LegacyAttribution, APolicyDropIsACandidate) {
  const auto c = legacy_drop_candidates({policy("FORWARD", "DROP"), policy("INPUT", "ACCEPT")}, {});
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0].position, 0U);
  EXPECT_EQ(c[0].hook, Hook::Forward);
  EXPECT_NE(legacy_drop_note(c).find("policy DROP of filter FORWARD (+2 packets)"), std::string::npos)
      << legacy_drop_note(c);
}

// A user chain's rule takes the hook of the built-in chain whose jump to it moved,
// through another user chain.
TEST(LegacyAttribution, AUserChainTakesTheHookOfTheMovedJumpToIt) {
  const auto c =
      legacy_drop_candidates({rule("FORWARD", true, 1, "KUBE-FORWARD"), rule("INPUT", true, 1, "OTHER"),
                              rule("KUBE-FORWARD", false, 4, "KUBE-FW"), rule("KUBE-FW", false, 1, "REJECT")},
                             {});
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0].chain, "KUBE-FW");
  EXPECT_EQ(c[0].hook, Hook::Forward);
}

TEST(LegacyAttribution, AUserChainReachedFromTwoHooksOrNoneHasNoHook) {
  auto c = legacy_drop_candidates(
      {rule("INPUT", true, 1, "FW"), rule("FORWARD", true, 1, "FW"), rule("FW", false, 1, "DROP")}, {});
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0].hook, Hook::Unknown);
  // A jump in another table does not reach it; a loop ends.
  c = legacy_drop_candidates(
      {rule("INPUT", true, 1, "FW", "mangle"), rule("FW", false, 1, "FW"), rule("FW", false, 2, "DROP")}, {});
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0].hook, Hook::Unknown);
}

// The packet could still meet only input: a FORWARD drop that counted was other traffic.
TEST(LegacyAttribution, HooksThePacketCannotMeetRuleCandidatesOut) {
  const auto c = legacy_drop_candidates(
      {rule("FORWARD", true, 1, "DROP"), rule("INPUT", true, 2, "DROP"), rule("FW", false, 1, "DROP")}, {Hook::Input});
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[0].chain, "INPUT");
  EXPECT_EQ(c[1].chain, "FW");  // hook unknown: still possible
}

TEST(LegacyAttribution, SeveralCandidatesAreListedAndNoneNamed) {
  const auto c = legacy_drop_candidates({rule("INPUT", true, 1, "DROP"), rule("INPUT", true, 2, "REJECT")}, {});
  ASSERT_EQ(c.size(), 2U);
  const auto note = legacy_drop_note(c);
  EXPECT_NE(note.find("2 iptables-legacy (x_tables) rules"), std::string::npos) << note;
  EXPECT_NE(note.find("none is named"), std::string::npos) << note;
  EXPECT_NE(note.find("rule 1"), std::string::npos) << note;
  EXPECT_NE(note.find("rule 2"), std::string::npos) << note;
}

TEST(LegacyAttribution, NothingThatDropsMovedGivesNoCandidate) {
  EXPECT_TRUE(legacy_drop_candidates({rule("INPUT", true, 1, "ACCEPT"), policy("INPUT", "ACCEPT")}, {}).empty());
  EXPECT_TRUE(legacy_drop_candidates({}, {}).empty());
}

}  // namespace
}  // namespace fwpath::model

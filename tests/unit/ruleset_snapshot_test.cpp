// Lazy snapshot lookups with listings handed in by the test: nothing is listed before a
// lookup, one listing per chain (or per table, when the listing holds the table), one more
// on a miss in an older listing, none for a handle known to be gone, a deleted rule is
// reported as deleted (never as another rule), and the tracer's own tables are never listed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ruleset/snapshot.h"

namespace fwpath::ruleset {
namespace {

const std::string kTableHead = "table inet filter { # handle 1\n";

std::string input_chain(const std::string& rules) {
  return "\tchain input { # handle 1\n"
         "\t\ttype filter hook input priority filter; policy accept;\n" +
         rules + "\t}\n";
}

const std::string kOtherChain =
    "\tchain other { # handle 2\n"
    "\t\tudp dport 9 accept comment \"other chain\" # handle 9\n"
    "\t}\n";

const std::string kTracerTable =
    "table inet fwpath_4242_0 { # handle 2 progname fwpath\n"
    "\tflags owner\n"
    "\tchain input { # handle 1\n"
    "\t\ttype filter hook input priority -2147483648; policy accept;\n"
    "\t\tudp dport 40001 meta nftrace set 1 # handle 6\n"
    "\t}\n"
    "}\n";

// `nft -a list table inet filter`: every chain of the table.
std::string table_listing(const std::string& input_rules) {
  return kTableHead + input_chain(input_rules) + "\n" + kOtherChain + "}\n";
}

// `nft -a list chain inet filter NAME`: the chain alone.
std::string chain_listing(const ChainKey& key, const std::string& input_rules) {
  if (key.chain == "input") return kTableHead + input_chain(input_rules) + "}\n";
  if (key.chain == "other") return kTableHead + kOtherChain + "}\n";
  return "";  // no such chain
}

// Counts the listings asked for, per chain. `texts` are the input chain's rules for the
// 1st, 2nd, ... listing (the last one repeats); `per_table` lists the whole table.
struct FakeSource {
  explicit FakeSource(std::vector<std::string> rules, bool table = false)
      : input_rules(std::move(rules)), per_table(table) {}
  std::vector<std::string> input_rules;
  bool per_table = false;
  std::vector<ChainKey> asked;
  Snapshot::Source source() {
    return [this](const ChainKey& key) -> Result<std::string> {
      const std::string& rules = input_rules[std::min(asked.size(), input_rules.size() - 1)];
      asked.push_back(key);
      if (key.table != "filter") return std::string();
      return per_table ? table_listing(rules) : chain_listing(key, rules);
    };
  }
  [[nodiscard]] size_t asked_for(const std::string& chain) const {
    size_t n = 0;
    for (const auto& k : asked) n += k.chain == chain ? 1 : 0;
    return n;
  }
};

const std::string kDrop6 = "\t\tudp dport 40001 drop comment \"block probe\" # handle 6\n";

TEST(RulesetSnapshot, ListsNothingBeforeALookup) {
  FakeSource f({kDrop6});
  Snapshot snap(f.source());
  EXPECT_EQ(snap.listings_taken(), 0U);
  EXPECT_TRUE(f.asked.empty());
  EXPECT_TRUE(snap.ruleset().empty());
}

TEST(RulesetSnapshot, OneListingPerChain) {
  FakeSource f({kDrop6});
  Snapshot snap(f.source());
  auto rule = snap.find_rule("inet", "filter", "input", 6);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  EXPECT_EQ(rule->text, "udp dport 40001 drop comment \"block probe\"");
  EXPECT_EQ(rule->position, 1U);
  // The same chain again, its definition, then another chain: one listing more in all.
  ASSERT_TRUE(snap.find_rule("inet", "filter", "input", 6).ok());
  auto input = snap.find_chain("inet", "filter", "input");
  ASSERT_TRUE(input.ok());
  ASSERT_TRUE(input->base.has_value());
  EXPECT_EQ(input->base->hook, "input");
  auto other = snap.find_rule("inet", "filter", "other", 9);
  ASSERT_TRUE(other.ok()) << other.error().message();
  EXPECT_EQ(other->text, "udp dport 9 accept comment \"other chain\"");
  EXPECT_EQ(f.asked_for("input"), 1U);
  EXPECT_EQ(f.asked_for("other"), 1U);
  EXPECT_EQ(snap.listings_taken(), 2U);
  EXPECT_EQ(f.asked.front(), (ChainKey{"inet", "filter", "input"}));
}

TEST(RulesetSnapshot, ATableListingServesEveryChainInIt) {
  FakeSource f({kDrop6}, true);
  Snapshot snap(f.source());
  ASSERT_TRUE(snap.find_rule("inet", "filter", "input", 6).ok());
  ASSERT_TRUE(snap.find_rule("inet", "filter", "other", 9).ok());
  ASSERT_TRUE(snap.find_chain("inet", "filter", "other").ok());
  EXPECT_EQ(snap.listings_taken(), 1U);
}

TEST(RulesetSnapshot, RuleAddedDuringTheTraceIsFoundAfterOneRefresh) {
  FakeSource f({kDrop6, kDrop6 + "\t\tudp dport 40001 drop # handle 7\n"});
  Snapshot snap(f.source());
  ASSERT_TRUE(snap.find_rule("inet", "filter", "input", 6).ok());
  auto rule = snap.find_rule("inet", "filter", "input", 7);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  EXPECT_EQ(rule->text, "udp dport 40001 drop");
  EXPECT_EQ(rule->position, 2U);
  EXPECT_EQ(f.asked_for("input"), 2U);
}

TEST(RulesetSnapshot, DeletedRuleIsReportedNeverReplaced) {
  // Handle 9 exists, but in another chain: the answer for input must not be its text.
  FakeSource f({kDrop6});
  Snapshot snap(f.source());
  ASSERT_TRUE(snap.find_rule("inet", "filter", "input", 6).ok());
  auto rule = snap.find_rule("inet", "filter", "input", 9);
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.error().message(), "handle 9 no longer exists in inet filter input");
  EXPECT_EQ(f.asked_for("input"), 2U);  // the miss refreshed the chain once
  // Asking again costs nothing: a handle that was gone stays gone.
  EXPECT_FALSE(snap.find_rule("inet", "filter", "input", 9).ok());
  EXPECT_EQ(f.asked_for("input"), 2U);
  EXPECT_EQ(snap.listings_taken(), 2U);
}

TEST(RulesetSnapshot, AMissInAListingTakenForThatLookupIsNotListedAgain) {
  FakeSource f({kDrop6});
  Snapshot snap(f.source());
  auto rule = snap.find_rule("inet", "filter", "input", 5);
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.error().message(), "handle 5 no longer exists in inet filter input");
  EXPECT_EQ(f.asked_for("input"), 1U);
}

TEST(RulesetSnapshot, DeletedChainIsReported) {
  FakeSource f({kDrop6});
  Snapshot snap(f.source());
  auto gone = snap.find_chain("inet", "filter", "forward");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().message(), "chain forward no longer exists in inet filter");
  EXPECT_FALSE(snap.find_chain("inet", "filter", "forward").ok());
  EXPECT_FALSE(snap.find_rule("inet", "nat", "postrouting", 3).ok());  // a table that is not there
  EXPECT_EQ(f.asked_for("forward"), 1U);
  EXPECT_EQ(f.asked_for("postrouting"), 1U);
}

TEST(RulesetSnapshot, TracerTablesAreNeverListed) {
  FakeSource f({kDrop6});
  Snapshot snap(f.source());
  auto rule = snap.find_rule("inet", "fwpath_4242_0", "input", 6);
  ASSERT_FALSE(rule.ok());
  EXPECT_NE(rule.error().message().find("tracer"), std::string::npos);
  EXPECT_FALSE(snap.find_chain("inet", "fwpath_4242_0", "input").ok());
  EXPECT_TRUE(f.asked.empty());
}

TEST(RulesetSnapshot, TracerTablesInAListingAreLeftOut) {
  Snapshot snap([](const ChainKey&) -> Result<std::string> { return table_listing(kDrop6) + kTracerTable; });
  ASSERT_TRUE(snap.find_rule("inet", "filter", "input", 6).ok());
  EXPECT_EQ(snap.ruleset().find_chain("inet", "fwpath_4242_0", "input"), nullptr);
  for (const auto& [key, chain] : snap.ruleset().chains()) EXPECT_EQ(key.table, "filter");
}

TEST(RulesetSnapshot, ListingFailuresArePassedOn) {
  size_t calls = 0;
  Snapshot snap([&](const ChainKey&) -> Result<std::string> {
    if (calls++ == 0) return table_listing(kDrop6);
    return env_error("list table", "netns x", EPERM);
  });
  ASSERT_TRUE(snap.find_rule("inet", "filter", "input", 6).ok());
  auto rule = snap.find_rule("inet", "filter", "input", 77);
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.error().err, EPERM);
  EXPECT_NE(rule.error().message().find("list inet filter input"), std::string::npos);
  // A failed listing does not make the rule gone: the next lookup tries again.
  EXPECT_FALSE(snap.find_rule("inet", "filter", "input", 77).ok());
  EXPECT_EQ(calls, 3U);
}

TEST(RulesetSnapshot, UnparsableListingIsAnError) {
  Snapshot snap([](const ChainKey&) -> Result<std::string> { return std::string("not a listing\n"); });
  auto rule = snap.find_rule("inet", "filter", "input", 6);
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.error().kind, ErrorKind::BadInput);
}

}  // namespace
}  // namespace fwpath::ruleset

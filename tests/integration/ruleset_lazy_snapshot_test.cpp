// The lazy snapshot against a real ruleset in a private namespace: nothing is listed
// before a lookup, a table's listing serves all its chains, a rule added after the first
// listing is found with one more, a rule deleted before its chain was listed reads as
// gone, and a table that was deleted lists as gone rather than as an error.
#include <gtest/gtest.h>

#include <string>

#include "integration/nft_fixtures.h"
#include "ruleset/list_ruleset.h"
#include "ruleset/listing_parser.h"
#include "ruleset/snapshot.h"

namespace fwpath::ruleset {
namespace {

constexpr const char* kRuleset = R"(table inet lazy_t {
  chain input {
    type filter hook input priority filter; policy accept;
    udp dport 9 jump probes comment "to probes"
  }
  chain probes {
    udp dport 9 counter drop comment "first"
  }
}
table ip other_t {
  chain output {
    type filter hook output priority filter; policy accept;
  }
}
)";

// The handle of the rule whose text ends with `comment`, from a fresh listing.
uint64_t handle_of(int nsfd, const std::string& chain, const std::string& comment) {
  auto text = list_table_text(nsfd, "test", "inet", "lazy_t");
  EXPECT_TRUE(text.ok()) << text.error().message();
  if (!text) return 0;
  auto parsed = parse_listing(*text);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  if (!parsed) return 0;
  for (const auto& [key, rule] : parsed->rules()) {
    if (key.chain.chain == chain && rule.text.ends_with(comment)) return rule.handle;
  }
  ADD_FAILURE() << "no rule ending in " << comment << " in " << chain;
  return 0;
}

TEST(RulesetLazySnapshot, ListsWhatIsAskedForAndFollowsChanges) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = nft::lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  const int nsfd = ns->get();
  ASSERT_TRUE(nft::lab::run_nft(nsfd, kRuleset).ok());
  const uint64_t first = handle_of(nsfd, "probes", "comment \"first\"");
  ASSERT_NE(first, 0U);

  Snapshot snap = Snapshot::in_netns(nsfd, "test");
  EXPECT_EQ(snap.listings_taken(), 0U);

  auto rule = snap.find_rule("inet", "lazy_t", "probes", first);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  EXPECT_NE(rule->text.find("drop comment \"first\""), std::string::npos) << rule->text;
  auto input = snap.find_chain("inet", "lazy_t", "input");
  ASSERT_TRUE(input.ok()) << input.error().message();
  ASSERT_TRUE(input->base.has_value());
  EXPECT_EQ(input->base->hook, "input");
  EXPECT_EQ(snap.listings_taken(), 1U);                                      // one table listing serves both chains
  EXPECT_EQ(snap.ruleset().find_chain("ip", "other_t", "output"), nullptr);  // not asked for

  // Added after the listing: found with one more.
  ASSERT_TRUE(nft::lab::run_nft(nsfd, "add rule inet lazy_t probes udp dport 10 drop comment \"added\"\n").ok());
  const uint64_t added = handle_of(nsfd, "probes", "comment \"added\"");
  auto found = snap.find_rule("inet", "lazy_t", "probes", added);
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found->position, 2U);
  EXPECT_EQ(snap.listings_taken(), 2U);

  // Added and deleted before it was looked up: gone, and asking again lists nothing.
  ASSERT_TRUE(nft::lab::run_nft(nsfd, "add rule inet lazy_t probes udp dport 11 drop comment \"brief\"\n").ok());
  const uint64_t brief = handle_of(nsfd, "probes", "comment \"brief\"");
  ASSERT_TRUE(nft::lab::run_nft(nsfd, "delete rule inet lazy_t probes handle " + std::to_string(brief) + "\n").ok());
  auto gone = snap.find_rule("inet", "lazy_t", "probes", brief);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().message(), "handle " + std::to_string(brief) + " no longer exists in inet lazy_t probes");
  EXPECT_EQ(snap.listings_taken(), 3U);
  EXPECT_FALSE(snap.find_rule("inet", "lazy_t", "probes", brief).ok());
  EXPECT_EQ(snap.listings_taken(), 3U);

  // A deleted table: its chains are gone, the listing did not fail.
  ASSERT_TRUE(nft::lab::run_nft(nsfd, "delete table ip other_t\n").ok());
  auto no_table = snap.find_chain("ip", "other_t", "output");
  ASSERT_FALSE(no_table.ok());
  EXPECT_EQ(no_table.error().message(), "chain output no longer exists in ip other_t");
}

}  // namespace
}  // namespace fwpath::ruleset

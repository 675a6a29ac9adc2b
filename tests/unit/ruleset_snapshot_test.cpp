// Snapshot lookups with listings handed in by the test: a miss costs at most one new
// listing, a deleted rule is reported as deleted (never as another rule), and the
// tracer's own tables are not part of the ruleset.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ruleset/snapshot.h"

namespace fwpath::ruleset {
namespace {

std::string listing(const std::string& input_rules) {
  return "table inet filter { # handle 1\n"
         "\tchain input { # handle 1\n"
         "\t\ttype filter hook input priority filter; policy accept;\n" +
         input_rules +
         "\t}\n"
         "\n"
         "\tchain other { # handle 2\n"
         "\t\tudp dport 9 accept comment \"other chain\" # handle 9\n"
         "\t}\n"
         "}\n"
         "table inet fwpath_4242_0 { # handle 2 progname fwpath\n"
         "\tflags owner\n"
         "\tchain input { # handle 1\n"
         "\t\ttype filter hook input priority -2147483648; policy accept;\n"
         "\t\tudp dport 40001 meta nftrace set 1 # handle 6\n"
         "\t}\n"
         "}\n";
}

// Hands out the listings in order, repeating the last one.
struct Listings {
  std::vector<Result<std::string>> texts;
  size_t calls = 0;
  Snapshot::Source source() {
    return [this]() -> Result<std::string> {
      const size_t i = std::min(calls, texts.size() - 1);
      ++calls;
      return texts[i];
    };
  }
};

TEST(RulesetSnapshot, HitNeedsNoNewListing) {
  Listings l{{listing("\t\tudp dport 40001 drop comment \"block probe\" # handle 6\n")}};
  auto snap = Snapshot::take(l.source());
  ASSERT_TRUE(snap.ok()) << snap.error().message();
  auto rule = snap->find_rule("inet", "filter", "input", 6);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  EXPECT_EQ(rule->text, "udp dport 40001 drop comment \"block probe\"");
  EXPECT_EQ(snap->listings_taken(), 1U);
  EXPECT_EQ(l.calls, 1U);
}

TEST(RulesetSnapshot, RuleAddedDuringTheTraceIsFoundAfterOneRefresh) {
  Listings l{{listing(""), listing("\t\tudp dport 40001 drop # handle 7\n")}};
  auto snap = Snapshot::take(l.source());
  ASSERT_TRUE(snap.ok());
  auto rule = snap->find_rule("inet", "filter", "input", 7);
  ASSERT_TRUE(rule.ok()) << rule.error().message();
  EXPECT_EQ(rule->text, "udp dport 40001 drop");
  EXPECT_EQ(snap->listings_taken(), 2U);
}

TEST(RulesetSnapshot, DeletedRuleIsReportedNeverReplaced) {
  // Handle 9 exists, but in another chain: the answer for input must not be its text.
  Listings l{{listing("\t\tudp dport 40001 drop # handle 6\n")}};
  auto snap = Snapshot::take(l.source());
  ASSERT_TRUE(snap.ok());
  auto rule = snap->find_rule("inet", "filter", "input", 9);
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.error().message(), "handle 9 no longer exists in inet filter input");
  EXPECT_EQ(snap->listings_taken(), 2U);
  // Asking again costs nothing: a handle that was gone stays gone.
  EXPECT_FALSE(snap->find_rule("inet", "filter", "input", 9).ok());
  EXPECT_EQ(snap->listings_taken(), 2U);
  EXPECT_EQ(l.calls, 2U);
}

TEST(RulesetSnapshot, TracerTablesAreLeftOut) {
  Listings l{{listing("")}};
  auto snap = Snapshot::take(l.source());
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->ruleset().find_chain("inet", "fwpath_4242_0", "input"), nullptr);
  EXPECT_NE(snap->ruleset().find_chain("inet", "filter", "input"), nullptr);
  for (const auto& [key, chain] : snap->ruleset().chains()) EXPECT_EQ(key.table, "filter");
  // Looking one up is answered without a new listing.
  auto rule = snap->find_rule("inet", "fwpath_4242_0", "input", 6);
  ASSERT_FALSE(rule.ok());
  EXPECT_NE(rule.error().message().find("tracer"), std::string::npos);
  EXPECT_EQ(snap->listings_taken(), 1U);
}

TEST(RulesetSnapshot, ChainLookupsRefreshOnceToo) {
  Listings l{{listing(""), listing("")}};
  auto snap = Snapshot::take(l.source());
  ASSERT_TRUE(snap.ok());
  auto input = snap->find_chain("inet", "filter", "input");
  ASSERT_TRUE(input.ok());
  ASSERT_TRUE(input->base.has_value());
  EXPECT_EQ(input->base->hook, "input");
  auto gone = snap->find_chain("inet", "filter", "forward");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().message(), "chain forward no longer exists in inet filter");
  EXPECT_EQ(snap->listings_taken(), 2U);
}

TEST(RulesetSnapshot, ListingFailuresArePassedOn) {
  Listings first{{Result<std::string>(env_error("list ruleset", "netns x", EPERM))}};
  auto none = Snapshot::take(first.source());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().err, EPERM);

  Listings later{{listing(""), Result<std::string>(env_error("list ruleset", "netns x", EPERM))}};
  auto snap = Snapshot::take(later.source());
  ASSERT_TRUE(snap.ok());
  auto rule = snap->find_rule("inet", "filter", "input", 77);
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.error().err, EPERM);
  EXPECT_NE(rule.error().message().find("snapshot the ruleset"), std::string::npos);
}

TEST(RulesetSnapshot, UnparsableListingIsAnError) {
  Listings l{{std::string("not a listing\n")}};
  auto snap = Snapshot::take(l.source());
  ASSERT_FALSE(snap.ok());
  EXPECT_EQ(snap.error().kind, ErrorKind::BadInput);
}

}  // namespace
}  // namespace fwpath::ruleset

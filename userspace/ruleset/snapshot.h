#pragma once
// The ruleset a trace is explained against. Rules can be added while a trace runs, so a
// lookup that misses takes one new snapshot before it gives up; a rule still missing
// then has been deleted, and the answer says so instead of showing another rule's text.
// The tracer's own tables (fwpath*) are never part of it.
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "ruleset/ruleset.h"
#include "util/error.h"

namespace fwpath::ruleset {

class Snapshot {
 public:
  // Where listings come from: list_ruleset_text() in a namespace, or a test's text.
  using Source = std::function<Result<std::string>()>;

  // Takes the first snapshot now.
  static Result<Snapshot> take(Source source);
  // The ruleset of the namespace `netns_fd` (negative: the current one), via libnftables.
  // The descriptor is used again on refresh: keep it open as long as the snapshot.
  static Result<Snapshot> take_in_netns(int netns_fd, const std::string& netns_label);

  // The rule with this handle. On a miss, at most one new snapshot; if the rule is
  // still not there: "handle N no longer exists in FAMILY TABLE CHAIN".
  Result<Rule> find_rule(const std::string& family, const std::string& table, const std::string& chain,
                         uint64_t handle);
  // The chain, with the same one-refresh rule: "chain C no longer exists in FAMILY TABLE".
  Result<Chain> find_chain(const std::string& family, const std::string& table, const std::string& chain);

  // Takes a new snapshot now.
  Status refresh();

  [[nodiscard]] const Ruleset& ruleset() const { return ruleset_; }
  // How many listings were taken (1 after take()).
  [[nodiscard]] size_t listings_taken() const { return listings_taken_; }

 private:
  explicit Snapshot(Source source) : source_(std::move(source)) {}

  Source source_;
  Ruleset ruleset_;
  size_t listings_taken_ = 0;
  // Looked up, refreshed, and still missing: deleted. Handles are never reused within a
  // table, so asking again cannot find them and must not cost another listing.
  std::set<RuleKey> gone_rules_;
  std::set<ChainKey> gone_chains_;
};

}  // namespace fwpath::ruleset

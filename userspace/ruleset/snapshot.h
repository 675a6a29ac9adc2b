#pragma once
// The ruleset a trace is explained against, read lazily: nothing is listed until a rule or
// a chain is asked for, then the listing that holds that chain is taken and cached, so
// start-up does not grow with the ruleset and only the chains a trace went through cost
// anything. Rules can be added while a trace runs, so a lookup that misses in a listing
// taken before it lists that chain once more before it gives up; a rule still missing then
// has been deleted, and the answer says so instead of showing another rule's text. The
// tracer's own tables (fwpath*) are never listed.
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "ruleset/ruleset.h"
#include "util/error.h"

namespace fwpath::ruleset {

class Snapshot {
 public:
  // Lists the text (`nft -a list ...` format) that holds `chain`: the chain alone, or more
  // (its table); every chain in the text is cached. An empty text: the chain is gone.
  using Source = std::function<Result<std::string>(const ChainKey& chain)>;

  // Lists nothing yet.
  explicit Snapshot(Source source) : source_(std::move(source)) {}
  // The ruleset of the namespace `netns_fd` (negative: the current one), via libnftables,
  // a table at a time (list_table_text says why). The descriptor is used on every
  // listing: keep it open as long as the snapshot.
  static Snapshot in_netns(int netns_fd, const std::string& netns_label);
  // The same, with the whole ruleset listed now (`list ruleset`), for callers that read
  // ruleset() rather than look rules up (tests reading counters); lookups of chains it
  // did not hold list them as in_netns() does.
  static Result<Snapshot> take_in_netns(int netns_fd, const std::string& netns_label);

  // The rule with this handle. Lists its chain if not listed yet; on a miss in a listing
  // taken before, lists it once more; if the rule is still not there: "handle N no longer
  // exists in FAMILY TABLE CHAIN", and asking again lists nothing.
  Result<Rule> find_rule(const std::string& family, const std::string& table, const std::string& chain,
                         uint64_t handle);
  // The chain, with the same rules: "chain C no longer exists in FAMILY TABLE".
  Result<Chain> find_chain(const std::string& family, const std::string& table, const std::string& chain);

  // Lists the chain now (and whatever else its listing holds).
  Status refresh(const ChainKey& chain);

  // What has been listed so far.
  [[nodiscard]] const Ruleset& ruleset() const { return ruleset_; }
  // How many listings were taken.
  [[nodiscard]] size_t listings_taken() const { return listings_taken_; }

 private:
  // Caches every chain of a listing's text (but the tracer's) as listed now.
  Status absorb(const std::string& text);
  // Lists `key` unless listed; true when it listed.
  Result<bool> ensure_listed(const ChainKey& key);

  Source source_;
  Ruleset ruleset_;
  size_t listings_taken_ = 0;
  // Chains whose state the cache holds, present or absent, from the last listing of them.
  std::set<ChainKey> listed_;
  // Looked up, listed afresh, and still missing: deleted. Handles are never reused within
  // a table, so asking again cannot find them and must not cost another listing.
  std::set<RuleKey> gone_rules_;
  std::set<ChainKey> gone_chains_;
};

}  // namespace fwpath::ruleset

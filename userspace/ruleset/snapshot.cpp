#include "ruleset/snapshot.h"

#include "nft/tracer_name.h"
#include "ruleset/list_ruleset.h"
#include "ruleset/listing_parser.h"
#include "ruleset/xt_comments.h"

namespace fwpath::ruleset {

Snapshot Snapshot::in_netns(int netns_fd, const std::string& netns_label) {
  return Snapshot([netns_fd, netns_label](const ChainKey& chain) -> Result<std::string> {
    auto text = list_table_text(netns_fd, netns_label, chain.family, chain.table);
    if (!text) return text;
    return with_xt_comments(netns_fd, netns_label, std::move(text).value());
  });
}

Result<Snapshot> Snapshot::take_in_netns(int netns_fd, const std::string& netns_label) {
  Snapshot snap = in_netns(netns_fd, netns_label);
  auto listed = list_ruleset_text(netns_fd, netns_label);
  if (!listed) return listed.take_error().context("snapshot the ruleset");
  auto text = with_xt_comments(netns_fd, netns_label, std::move(listed).value());
  if (!text) return text.take_error().context("snapshot the ruleset");
  if (auto st = snap.absorb(*text); !st) return st.take_error().context("snapshot the ruleset");
  return snap;
}

Status Snapshot::refresh(const ChainKey& chain) {
  auto text = source_(chain);
  if (!text) return text.take_error().context("list " + chain.str());
  // The chain asked for is known even when the listing does not hold it (deleted).
  ruleset_.erase_chain(chain);
  listed_.insert(chain);
  if (auto st = absorb(*text); !st) {
    listed_.erase(chain);
    return st.take_error().context("list " + chain.str());
  }
  return {};
}

Status Snapshot::absorb(const std::string& text) {
  auto parsed = parse_listing(text);
  if (!parsed) return parsed.take_error();
  ++listings_taken_;
  parsed->erase_tables_if([](const std::string&, const std::string& table) { return nft::is_tracer_table(table); });
  for (const auto& [key, chain] : parsed->chains()) listed_.insert(listed_.end(), key);
  // What the listing holds replaces what was known of those chains.
  ruleset_.absorb(std::move(parsed).value());
  return {};
}

Result<bool> Snapshot::ensure_listed(const ChainKey& key) {
  if (listed_.contains(key)) return false;
  if (auto st = refresh(key); !st) return st.take_error();
  return true;
}

Result<Rule> Snapshot::find_rule(const std::string& family, const std::string& table, const std::string& chain,
                                 uint64_t handle) {
  const std::string where = family + " " + table + " " + chain;
  if (nft::is_tracer_table(table)) {
    return env_error("rule handle " + std::to_string(handle) + " belongs to the tracer's own table", where);
  }
  RuleKey key{ChainKey{family, table, chain}, handle};
  if (!gone_rules_.contains(key)) {
    auto listed_now = ensure_listed(key.chain);
    if (!listed_now) return listed_now.take_error();
    if (const Rule* r = ruleset_.find_rule(family, table, chain, handle)) return *r;
    // A listing taken before the lookup may predate the rule: one more, then it is gone.
    if (!listed_now.value()) {
      if (auto st = refresh(key.chain); !st) return st.take_error();
      if (const Rule* r = ruleset_.find_rule(family, table, chain, handle)) return *r;
    }
    gone_rules_.insert(std::move(key));
  }
  return env_error("handle " + std::to_string(handle) + " no longer exists in", where);
}

Result<Chain> Snapshot::find_chain(const std::string& family, const std::string& table, const std::string& chain) {
  const std::string where = family + " " + table;
  if (nft::is_tracer_table(table)) return env_error("chain " + chain + " belongs to the tracer's own table", where);
  ChainKey key{family, table, chain};
  if (!gone_chains_.contains(key)) {
    auto listed_now = ensure_listed(key);
    if (!listed_now) return listed_now.take_error();
    if (const Chain* c = ruleset_.find_chain(family, table, chain)) return *c;
    if (!listed_now.value()) {
      if (auto st = refresh(key); !st) return st.take_error();
      if (const Chain* c = ruleset_.find_chain(family, table, chain)) return *c;
    }
    gone_chains_.insert(std::move(key));
  }
  return env_error("chain " + chain + " no longer exists in", where);
}

}  // namespace fwpath::ruleset

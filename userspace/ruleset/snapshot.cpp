#include "ruleset/snapshot.h"

#include "nft/tracer_name.h"
#include "ruleset/list_ruleset.h"
#include "ruleset/listing_parser.h"

namespace fwpath::ruleset {

Result<Snapshot> Snapshot::take(Source source) {
  Snapshot snap(std::move(source));
  if (auto st = snap.refresh(); !st) return st.take_error();
  return snap;
}

Result<Snapshot> Snapshot::take_in_netns(int netns_fd, const std::string& netns_label) {
  return take([netns_fd, netns_label] { return list_ruleset_text(netns_fd, netns_label); });
}

Status Snapshot::refresh() {
  auto text = source_();
  if (!text) return text.take_error().context("snapshot the ruleset");
  auto parsed = parse_listing(*text);
  if (!parsed) return parsed.take_error().context("snapshot the ruleset");
  parsed->erase_tables_if([](const std::string&, const std::string& table) { return nft::is_tracer_table(table); });
  ruleset_ = std::move(parsed).value();
  ++listings_taken_;
  return {};
}

Result<Rule> Snapshot::find_rule(const std::string& family, const std::string& table, const std::string& chain,
                                 uint64_t handle) {
  const std::string where = family + " " + table + " " + chain;
  if (nft::is_tracer_table(table)) {
    return env_error("rule handle " + std::to_string(handle) + " belongs to the tracer's own table", where);
  }
  if (const Rule* r = ruleset_.find_rule(family, table, chain, handle)) return *r;
  RuleKey key{ChainKey{family, table, chain}, handle};
  if (!gone_rules_.contains(key)) {
    if (auto st = refresh(); !st) return st.take_error();
    if (const Rule* r = ruleset_.find_rule(family, table, chain, handle)) return *r;
    gone_rules_.insert(std::move(key));
  }
  return env_error("handle " + std::to_string(handle) + " no longer exists in", where);
}

Result<Chain> Snapshot::find_chain(const std::string& family, const std::string& table, const std::string& chain) {
  const std::string where = family + " " + table;
  if (nft::is_tracer_table(table)) return env_error("chain " + chain + " belongs to the tracer's own table", where);
  if (const Chain* c = ruleset_.find_chain(family, table, chain)) return *c;
  ChainKey key{family, table, chain};
  if (!gone_chains_.contains(key)) {
    if (auto st = refresh(); !st) return st.take_error();
    if (const Chain* c = ruleset_.find_chain(family, table, chain)) return *c;
    gone_chains_.insert(std::move(key));
  }
  return env_error("chain " + chain + " no longer exists in", where);
}

}  // namespace fwpath::ruleset

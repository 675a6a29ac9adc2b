#include "trace/snapshot_rule_book.h"

namespace fwpath::trace {

model::RuleLookup SnapshotRuleBook::rule(uint32_t netns, const std::string& family, const std::string& table,
                                         const std::string& chain, uint64_t handle) {
  auto it = snapshots_.find(netns);
  if (it == snapshots_.end()) return {false, "", "namespace " + std::to_string(netns) + " is not traced"};
  auto r = it->second->find_rule(family, table, chain, handle);
  if (!r) return {false, "", r.error().message()};
  return {true, r->text, ""};
}

std::optional<model::ChainInfo> SnapshotRuleBook::chain(uint32_t netns, const std::string& family,
                                                        const std::string& table, const std::string& chain) {
  auto it = snapshots_.find(netns);
  if (it == snapshots_.end()) return std::nullopt;
  auto c = it->second->find_chain(family, table, chain);
  if (!c) return std::nullopt;
  model::ChainInfo info;
  if (c->base) {
    info.base = true;
    info.hook = model::hook_from_string(c->base->hook).value_or(model::Hook::Unknown);
    info.type = c->base->type;
    info.policy = c->base->policy;
    info.priority = c->base->priority.value_or(0);
  }
  return info;
}

}  // namespace fwpath::trace

#pragma once
// The correlator's RuleBook over the traced namespaces' ruleset snapshots.
#include <map>

#include "model/rule_book.h"
#include "ruleset/snapshot.h"

namespace fwpath::trace {

class SnapshotRuleBook : public model::RuleBook {
 public:
  void add(uint32_t netns_inode, ruleset::Snapshot* snapshot) { snapshots_[netns_inode] = snapshot; }

  model::RuleLookup rule(uint32_t netns, const std::string& family, const std::string& table, const std::string& chain,
                         uint64_t handle) override;
  std::optional<model::ChainInfo> chain(uint32_t netns, const std::string& family, const std::string& table,
                                        const std::string& chain) override;

 private:
  std::map<uint32_t, ruleset::Snapshot*> snapshots_;
};

}  // namespace fwpath::trace

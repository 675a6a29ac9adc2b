#pragma once
// What the correlator needs to know about a namespace's ruleset: a rule's text by handle
// and a chain's definition. Implemented over ruleset snapshots (ruleset/), and by fakes in
// unit tests, so the model stays free of libnftables.
#include <cstdint>
#include <optional>
#include <string>

#include "model/events.h"

namespace fwpath::model {

struct ChainInfo {
  bool base = false;
  Hook hook = Hook::Unknown;  // for base chains
  std::string type;           // "filter", "nat", "route"
  std::string policy;         // "accept" / "drop" for base chains
  int priority = 0;
};

struct RuleLookup {
  bool found = false;
  std::string text;     // as `nft` prints it
  std::string missing;  // why not found, e.g. "handle 7 no longer exists in inet filter input"
};

class RuleBook {
 public:
  RuleBook() = default;
  RuleBook(const RuleBook&) = delete;
  RuleBook& operator=(const RuleBook&) = delete;
  RuleBook(RuleBook&&) = delete;
  RuleBook& operator=(RuleBook&&) = delete;
  virtual ~RuleBook() = default;
  virtual RuleLookup rule(uint32_t netns, const std::string& family, const std::string& table, const std::string& chain,
                          uint64_t handle) = 0;
  virtual std::optional<ChainInfo> chain(uint32_t netns, const std::string& family, const std::string& table,
                                         const std::string& chain) = 0;
};

}  // namespace fwpath::model

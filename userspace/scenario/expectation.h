#pragma once
// What a scenario's probe must show (the `expect:` map of a scenario file, docs/scenarios.md)
// and the comparison of a probe's report with it. Pure: the report is the same
// model::ProbeReport `fwpath probe` renders, so an expectation reads what users read.
#include <optional>
#include <string>
#include <vector>

#include "model/path.h"

namespace fwpath::scenario {

inline constexpr const char* kAnyValue = "*";

struct RewriteExpect {
  std::string field;   // saddr, daddr, sport, dport
  std::string before;  // "*" = any
  std::string after;   // "*" = any
  std::string netns;   // "" = any
};

struct HookExpect {
  std::string netns;
  std::string hook;  // prerouting, input, forward, output, postrouting, ingress, egress
};

struct IcmpExpect {
  unsigned type = 0;
  unsigned code = 0;
};

struct ProbeExpectations {
  std::optional<std::string> outcome;
  std::optional<std::string> netns;
  std::optional<std::string> hook;
  std::optional<std::string> verdict;
  std::optional<std::string> rule;  // substring of the deciding rule, or "policy"
  std::optional<std::string> chain;
  std::optional<std::string> table;
  std::optional<std::string> drop_reason;
  std::optional<IcmpExpect> icmp;
  std::optional<bool> reply;
  std::vector<RewriteExpect> rewrites;
  std::vector<HookExpect> hop_in;
  std::vector<HookExpect> no_hop_in;
  std::optional<bool> iptables_legacy;
};

enum class ExpectStatus { Pass, Fail, Skip };
std::string to_string(ExpectStatus s);  // "PASS", "FAIL", "SKIP"

struct ExpectationResult {
  std::string key;  // "outcome", "rewrites[1]", "no_hop_in[0]"
  std::string expected;
  std::string actual;
  ExpectStatus status = ExpectStatus::Fail;
  std::string why;  // for a skip, or what a failure means; may be empty
};

// One result per key that `e` sets (per entry for the list keys), in the order of the
// table in docs/scenarios.md.
std::vector<ExpectationResult> evaluate_expectations(const ProbeExpectations& e, const model::ProbeReport& r);

// Every result, SKIP with `why`: for a probe that could not run as written.
std::vector<ExpectationResult> skip_expectations(const ProbeExpectations& e, const std::string& why);

// The hop that decided the probe's fate (docs/scenarios.md, "deciding hop"), or nullptr.
const model::Hop* deciding_hop(const model::ProbeReport& r);

}  // namespace fwpath::scenario

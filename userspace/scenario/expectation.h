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

// What one direction of the path must show: its deciding hop (docs/scenarios.md) and the
// hooks its packets crossed or not. The request's keys are `netns`, `hook`, ...; the
// reply's the same with `reply_` in front.
struct PathExpect {
  std::optional<std::string> netns;
  std::optional<std::string> hook;
  std::optional<std::string> verdict;
  std::optional<std::string> rule;  // substring of the deciding rule, or "policy"
  std::optional<std::string> chain;
  std::optional<std::string> table;
  std::vector<HookExpect> hop_in;
  std::vector<HookExpect> no_hop_in;
};

struct ProbeExpectations {
  std::optional<std::string> outcome;
  PathExpect request;
  std::optional<std::string> drop_reason;
  std::optional<IcmpExpect> icmp;
  std::optional<std::string> errno_name;  // "EHOSTUNREACH", or kNoErrno
  std::optional<bool> reply;
  std::vector<RewriteExpect> rewrites;
  PathExpect reply_path;
  std::optional<bool> iptables_legacy;
};

inline constexpr const char* kNoErrno = "none";

// The symbolic name of a socket error ("EPERM"), kNoErrno for 0, "" for a number glibc
// does not name.
std::string errno_name(int err);
// Whether `name` is kNoErrno or a name errno_name() gives for some errno.
bool known_errno_name(const std::string& name);

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

// The hop of direction `d` that decided the probe's fate there (docs/scenarios.md,
// "deciding hop"), or nullptr.
const model::Hop* deciding_hop(const model::ProbeReport& r, model::Direction d = model::Direction::Request);

}  // namespace fwpath::scenario

#pragma once
// Whether a required path is allowed, and if not, what blocked it: judged from the probe's
// report (what the socket and the trace saw) and from the listener at the far end (what
// arrived). Pure.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_lab.h"
#include "model/path.h"

namespace fwpath::audit {

// The rule (or chain policy) that stopped the path, as nft names it.
struct BlockingRule {
  std::string netns;  // lab host name: "node", "router", "peer"
  model::Direction direction = model::Direction::Request;
  model::Hook hook = model::Hook::Unknown;
  std::string family;  // empty when only the kernel's drop was seen (no nft verdict)
  std::string table;
  std::string chain;
  uint64_t handle = 0;  // 0 for a chain policy
  std::string rule;     // rule text; "policy drop" for a policy
  std::string verdict;  // "drop", "reject", "policy drop"
};

struct RequirementResult {
  PlannedProbe probe;
  bool allowed = false;
  model::Outcome outcome = model::Outcome::NoReply;
  std::string summary;  // one line
  std::optional<BlockingRule> blocking;
  std::vector<model::Rewrite> rewrites;  // request and reply
  std::string drop_reason;               // the kernel's, when BPF saw the drop
};

// `served`: what the listener at the far end counted. TCP is allowed when the handshake
// completed (connect() succeeded; only the lab's listener answers on that address), UDP
// when the listener received the datagram: a UDP service need not answer, so the socket
// alone cannot tell. `rules_traced` is false when the ruleset lives where the nft trace
// cannot see it (iptables-legacy): a blocked path's summary then says why no rule is named.
RequirementResult judge(const PlannedProbe& probe, const model::ProbeReport& report, size_t served,
                        bool rules_traced = true);

}  // namespace fwpath::audit

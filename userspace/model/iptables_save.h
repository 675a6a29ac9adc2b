#pragma once
// The text `iptables-save -c` (and ip6tables-save -c) prints, as values: tables, their
// chains with the policy's counter, and each rule with its counter and position. And the
// difference of two such snapshots: what counted packets in between. Pure; any input is
// either parsed or refused with the line it stopped at, never a crash.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace fwpath::model {

struct XtCounter {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

struct XtRule {
  unsigned position = 0;  // 1-based within its chain, as `iptables -L --line-numbers` counts
  std::string text;       // as printed, without the counter: "-A INPUT -p tcp -m tcp --dport 6443 -j DROP"
  std::string target;     // after -j/--jump or -g/--goto; "" when the rule has none
  bool is_goto = false;
  XtCounter counter;
};

struct XtChain {
  std::string name;
  std::string policy;  // ACCEPT or DROP for a built-in chain, "-" for a user-defined one
  XtCounter counter;   // the policy's
  std::vector<XtRule> rules;
  [[nodiscard]] bool builtin() const { return policy != "-"; }
};

struct XtTable {
  std::string name;
  std::vector<XtChain> chains;
};

using XtTables = std::vector<XtTable>;

// BadInput naming the line for text that is not iptables-save output.
Result<XtTables> parse_iptables_save(std::string_view text);

// A rule or a built-in chain's policy whose packet counter went up between two snapshots.
struct XtMove {
  std::string table;
  std::string chain;
  bool chain_builtin = false;
  unsigned position = 0;  // 0: the chain's policy
  std::string text;       // the rule's text, or "policy DROP"
  std::string target;     // the rule's target, or the policy (ACCEPT, DROP)
  uint64_t packets = 0;   // by how much
};

// What counted packets from `before` to `after`. A rule is the same rule when its table,
// chain, text and occurrence of that text in the chain are; rules only in `after` (added
// meanwhile) and counters that went down (zeroed, reloaded) say nothing and are left out.
std::vector<XtMove> counters_moved(const XtTables& before, const XtTables& after);

}  // namespace fwpath::model

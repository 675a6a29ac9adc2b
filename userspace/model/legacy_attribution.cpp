#include "model/legacy_attribution.h"

#include <algorithm>
#include <set>

namespace fwpath::model {

namespace {

bool drops(const XtMove& m) {
  return m.target == "DROP" || m.target == "REJECT";
}

// The hooks of the built-in chains that reached `chain` in `table` through jumps whose
// counters moved. `visiting` breaks loops (iptables refuses them, the text may not).
void reaching_hooks(const std::vector<XtMove>& moved, const std::string& table, const std::string& chain,
                    std::set<std::string>& visiting, std::set<Hook>& out) {
  if (!visiting.insert(chain).second) return;
  for (const auto& m : moved) {
    if (m.table != table || m.position == 0 || m.target != chain) continue;
    if (m.chain_builtin) {
      out.insert(builtin_chain_hook(m.chain));
    } else {
      reaching_hooks(moved, table, m.chain, visiting, out);
    }
  }
}

std::string describe(const LegacyRule& r) {
  std::string where = r.table + " " + r.chain;
  std::string what =
      r.position == 0 ? r.rule + " of " + where : where + " rule " + std::to_string(r.position) + " `" + r.rule + "`";
  return what + " (+" + std::to_string(r.packets) + (r.packets == 1 ? " packet" : " packets") + ")";
}

}  // namespace

Hook builtin_chain_hook(const std::string& chain) {
  if (chain == "PREROUTING") return Hook::Prerouting;
  if (chain == "INPUT") return Hook::Input;
  if (chain == "FORWARD") return Hook::Forward;
  if (chain == "OUTPUT") return Hook::Output;
  if (chain == "POSTROUTING") return Hook::Postrouting;
  return Hook::Unknown;
}

std::vector<LegacyRule> legacy_drop_candidates(const std::vector<XtMove>& moved, const std::vector<Hook>& possible) {
  std::vector<LegacyRule> out;
  for (const auto& m : moved) {
    if (!drops(m)) continue;
    LegacyRule r{m.table, m.chain, m.position, m.text, Hook::Unknown, m.packets};
    if (m.chain_builtin) {
      r.hook = builtin_chain_hook(m.chain);
    } else {
      std::set<std::string> visiting;
      std::set<Hook> hooks;
      reaching_hooks(moved, m.table, m.chain, visiting, hooks);
      if (hooks.size() == 1) r.hook = *hooks.begin();
    }
    const bool ruled_out = r.hook != Hook::Unknown && !possible.empty() &&
                           std::find(possible.begin(), possible.end(), r.hook) == possible.end();
    if (!ruled_out) out.push_back(std::move(r));
  }
  return out;
}

std::string legacy_drop_note(const std::vector<LegacyRule>& candidates) {
  if (candidates.size() == 1) {
    return "an iptables-legacy (x_tables) rule, invisible to nft tracing, dropped it: " + describe(candidates[0]) +
           ", found by its packet counter going up while the probe was out (other traffic can move it too)";
  }
  std::string list;
  for (const auto& c : candidates) list += (list.empty() ? "" : "; ") + describe(c);
  return "netfilter dropped it but no nftables rule did: " + std::to_string(candidates.size()) +
         " iptables-legacy (x_tables) rules that drop counted packets while the probe was out, so other traffic "
         "moved some of them and none is named: " +
         list;
}

}  // namespace fwpath::model

#pragma once
// Loads a firewall ruleset into a lab namespace in the format it is kept in: nft syntax
// (libnftables, one transaction), or an iptables-save dump replayed by iptables-restore,
// either the nftables-backed one (iptables-nft-restore, what current distributions run)
// or the x_tables one (iptables-legacy-restore). A ruleset that does not load is a
// BadInput error whose message is "SOURCE:LINE: what the tool said", so a pipeline shows
// the line to fix.
//
// An iptables-save file holds one address family: the lab is IPv4, so a file is replayed
// with the IPv4 tool, and a dump marked as ip6tables-save is refused with a message that
// says so (its rules could never match the lab's IPv4 probes).
#include <string>

#include "lab/rtnl.h"
#include "util/error.h"

namespace fwpath::lab {

enum class RulesetFormat { Nft, IptablesSave, IptablesLegacySave };

// "nft" | "iptables-save" | "iptables-legacy-save"; anything else is BadInput.
Result<RulesetFormat> parse_ruleset_format(const std::string& name);
std::string to_string(RulesetFormat format);

// `source` names the text in errors ("rulesets/audit/node.nft"). The iptables formats run
// the restore tool as a child process that joins `ns` before it starts (never through a
// shell); its absence is an Environment error naming the package to install.
Status load_ruleset(const NetnsRef& ns, RulesetFormat format, const std::string& source, const std::string& text);

}  // namespace fwpath::lab

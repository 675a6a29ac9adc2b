#pragma once
// Loads one ruleset of a lab in its declared format. nft goes through libnftables
// (nft_load.h); the iptables formats are loaded by lab/ruleset_load.h, which another
// branch provides: until it is merged they fail with "not wired yet".
#include <string>

#include "lab/rtnl.h"
#include "util/error.h"

namespace fwpath::lab {

// format: "nft", "iptables-save" or "iptables-legacy-save" (validate_lab_spec checked it).
Status load_scenario_ruleset(const NetnsRef& ns, const std::string& format, const std::string& source,
                             const std::string& text);

}  // namespace fwpath::lab

#pragma once
// Parses the text of `nft -a list ruleset` (nft 1.0.x) into a Ruleset. Pure: the text
// comes from libnftables (snapshot.h) or from a test file.
//
// What it reads: tables, chains (base chain definitions, comments) and rules with their
// handles. Sets, maps, flowtables and stateful objects are skipped (their element lists
// may span many lines). Lines starting with '#' outside rules (the "# Warning: table ip
// filter is managed by iptables-nft" notes) are ignored.
#include <string_view>

#include "ruleset/ruleset.h"
#include "util/error.h"

namespace fwpath::ruleset {

// BadInput naming the line for text that is not such a listing, including a rule
// without "# handle N" (a listing made without -a).
Result<Ruleset> parse_listing(std::string_view text);

}  // namespace fwpath::ruleset

#pragma once
// Loads an nftables ruleset (nft syntax, as `nft -f` reads it) into a lab namespace with
// libnftables, as one transaction: either all of it is in place or none of it.
#include <string>

#include "lab/rtnl.h"
#include "util/error.h"

namespace fwpath::lab {

// `source` names the text in errors ("kube-proxy.nft"). A refused ruleset is a BadInput
// error carrying nft's own message (line, column and what it could not parse or apply).
Status load_nft_ruleset(const NetnsRef& ns, const std::string& source, const std::string& text);

}  // namespace fwpath::lab

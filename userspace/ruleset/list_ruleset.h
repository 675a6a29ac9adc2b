#pragma once
// Text listings of the ruleset as `nft -a list ...` prints them, produced by libnftables
// inside a chosen network namespace (the node's, or a test's private one).
#include <string>

#include "util/error.h"

namespace fwpath::ruleset {

// netns_fd < 0: the calling thread's current namespace.
Result<std::string> list_ruleset_text(int netns_fd, const std::string& netns_label);

// `nft -a list table FAMILY TABLE`. A table that does not exist (deleted meanwhile) lists
// as empty text, so that its rules read as gone rather than as a failed listing. A name
// nft cannot take on its command line (not a plain identifier, or a keyword) falls back
// to the whole ruleset, which holds that table too.
//
// Why a table and not just the chain asked for: nft 1.0.6 fills its cache for `list chain`
// with the elements of every set of the table (src/cache.c, evaluate_cache_list: a
// NFT_CACHE_FULL cache; `--terse` only spares named sets there, from nft 1.0.9 on, and the
// anonymous vmaps of kube-proxy's service chains are one set each). Measured at 48k
// kube-proxy rules: `list chain` 1.3 s CPU (7,413 set element dumps), `list table` 2.3 s,
// so a trace through two chains of a table costs less as one table listing.
Result<std::string> list_table_text(int netns_fd, const std::string& netns_label, const std::string& family,
                                    const std::string& table);

}  // namespace fwpath::ruleset

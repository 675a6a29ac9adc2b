#pragma once
// Tracer tables left behind by fwpath processes that died without removing them: on
// kernels without NFT_TABLE_F_OWNER (before 5.12) a SIGKILL leaves the table in place.
// Run at start, before installing a new tracer table.
#include <string>
#include <vector>

#include "util/error.h"

namespace fwpath::nft {

// Deletes every table named fwpath_<pid>_<n> (see tracer_name.h) in the namespace
// `netns_fd` (negative: the current one) whose pid is no longer alive. Tables of live
// processes, owned tables (the kernel removes those itself) and any other table are left
// alone. Returns the names removed.
Result<std::vector<std::string>> sweep_stale_tables(int netns_fd, const std::string& netns_label);

}  // namespace fwpath::nft

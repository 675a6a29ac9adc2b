#pragma once
// The text `nft -a list ruleset` prints, produced by libnftables inside a chosen network
// namespace (the node's, or a test's private one).
#include <string>

#include "util/error.h"

namespace fwpath::ruleset {

// netns_fd < 0: the calling thread's current namespace.
Result<std::string> list_ruleset_text(int netns_fd, const std::string& netns_label);

}  // namespace fwpath::ruleset

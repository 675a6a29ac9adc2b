#pragma once
// Conntrack entries by tuple (IPCTNL_MSG_CT_GET without NLM_F_DUMP): one hash probe per
// tuple in the namespace, however many connections the node tracks.
#include <string>
#include <vector>

#include "model/flow.h"
#include "sources/conntrack_entry.h"
#include "util/error.h"

namespace fwpath::sources {

// Looks each tuple up in the conntrack table of the namespace `netns_fd` (either of an
// entry's tuples finds it) and returns the entries found, each once, in the order of the
// first tuple that found it. A tuple with no entry is not an error.
Result<std::vector<ConntrackEntry>> lookup_conntrack(int netns_fd, const std::string& netns_label,
                                                     const std::vector<model::Flow>& tuples);

}  // namespace fwpath::sources

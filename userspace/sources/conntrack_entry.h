#pragma once
// Conntrack's view of the probe's flows: the original and reply tuples of each entry.
// The reply tuple is what NAT made of the flow, so it confirms (or contradicts) the
// rewrites the trace reported. Looked up by tuple (sources/conntrack_lookup.h).
#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/flow.h"
#include "util/error.h"

namespace fwpath::sources {

struct ConntrackEntry {
  model::Flow original;
  model::Flow reply;
  uint32_t status = 0;  // IPS_* bits
  // "ASSURED,CONFIRMED,DST_NAT"
  [[nodiscard]] std::string status_text() const;
};

// Pure: one ctnetlink message (an IPCTNL_MSG_CT_NEW reply) into an entry; `len` is
// the number of bytes available at nlh. BadInput for a malformed message.
Result<ConntrackEntry> decode_conntrack(const nlmsghdr* nlh, size_t len);

}  // namespace fwpath::sources

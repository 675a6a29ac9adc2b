#pragma once
// The iptables-legacy (x_tables) rules of one namespace with their packet counters, read
// with `iptables-legacy-save -c` (ip6tables-legacy-save for IPv6) run inside it. Only
// where legacy tables of that family exist: the namespace's /proc/net/ip_tables_names
// (ip6_tables_names) lists each table initialised there, so an empty or missing list
// costs no process start.
#include <optional>
#include <string>

#include "model/iptables_save.h"
#include "util/error.h"

namespace fwpath::sources {

// Nothing when the namespace has no legacy table of the family. An error when it has
// some but they could not be read (the tool is not installed, failed, or printed what
// does not parse): the caller reports it, a probe goes on without attribution.
Result<std::optional<model::XtTables>> read_legacy_counters(int netns_fd, const std::string& netns_label, bool v6);

}  // namespace fwpath::sources

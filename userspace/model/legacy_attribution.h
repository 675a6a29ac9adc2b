#pragma once
// Which iptables-legacy rule dropped a probe, from the counters that went up while it was
// out: nft tracing cannot see x_tables, but every rule counts the packets it matches. The
// candidates are the rules whose target is DROP or REJECT and the built-in chains whose
// DROP policy counted; each gets the hook of its chain. Found by counter, not by trace:
// other traffic in the same window moves counters too, so several candidates name none.
// Pure.
#include <vector>

#include "model/events.h"
#include "model/iptables_save.h"
#include "model/path.h"

namespace fwpath::model {

// The hook of a built-in chain (INPUT -> input, ...); Unknown for any other name.
Hook builtin_chain_hook(const std::string& chain);

// The candidates among `moved` (one namespace, one family). A rule in a user-defined
// chain gets the hook of the built-in chain whose jump (or goto) to it also moved,
// through other user chains if need be; Unknown when none or several did. Candidates at a
// known hook outside `possible` (the hooks the packet could still meet there) are left
// out; an empty `possible` leaves every hook possible.
std::vector<LegacyRule> legacy_drop_candidates(const std::vector<XtMove>& moved, const std::vector<Hook>& possible);

// The drop's text about them: the one that dropped it, or the several that could have.
std::string legacy_drop_note(const std::vector<LegacyRule>& candidates);

}  // namespace fwpath::model

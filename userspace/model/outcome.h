#pragma once
// Decides a probe's outcome and its one-line summary from what the socket saw and what
// the trace saw. Kept apart from correlation so the rules are in one readable place.
#include "model/path.h"

namespace fwpath::model {

// Fills r.outcome, r.passed, r.summary (and r.drop from nft verdicts when BPF gave none).
void decide_outcome(ProbeReport& r);

}  // namespace fwpath::model

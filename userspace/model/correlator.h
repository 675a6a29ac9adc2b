#pragma once
// Turns the events of one probe's time window into that probe's path: which nft rules
// saw its packets (request and reply), which header fields were rewritten by whom, where
// it died and why. Pure: the events are values, the ruleset is behind RuleBook.
//
// Probes are sent one at a time, so an event can only belong to the probe whose window it
// falls in; within the window it belongs to the probe when it shows one of the probe's
// flows exactly: at the start the 5-tuple the probe's socket used, then the tuples the
// trace saw that packet rewritten to (a header change between the hooks of one passage,
// i.e. one packet's events with one trace id in one namespace), the tuples conntrack's
// entries for those flows show, and the reverse of each for replies. An ICMP error
// belongs to the probe when it quotes such a flow. Other traffic to the same port (a
// flood from another source port) is never taken for the probe or for a rewrite of it.
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/event_gate.h"
#include "model/events.h"
#include "model/iptables_save.h"
#include "model/path.h"
#include "model/rule_book.h"

namespace fwpath::model {

// The iptables-legacy counters of one traced namespace that went up during a probe's
// window (read before it was sent and after it closed, where legacy tables are in use).
struct LegacyCounterMoves {
  uint32_t netns = 0;
  std::vector<XtMove> moved;
};

struct ProbeWindow {
  ProbeSpec spec;
  SocketResult socket;
  Clock::time_point start;
  Clock::time_point end;                      // events received up to here belong to this probe
  std::vector<ConntrackSighting> conntrack;   // the probe's entries, listed after the window
  std::vector<NeighbourSighting> neighbours;  // unresolved neighbours of every traced netns, after it
  // For --timing: when the probe's packet left the socket, and when the tracer first saw
  // one of its packets die (unset when none died).
  Clock::time_point sent;
  std::optional<Clock::time_point> death_seen;
  // When the kernel freed it (the BPF event's clock, CLOCK_MONOTONIC like Clock), where a
  // BPF drop event showed the death; an nft drop carries no kernel time.
  std::optional<Clock::time_point> died;
  // One per namespace whose legacy counters were read before and after.
  std::vector<LegacyCounterMoves> legacy;
  std::vector<std::string> notes;  // what could not be read around this probe; into its report's notes
};

struct CorrelatorInput {
  std::vector<ProbeWindow> probes;
  std::vector<NftTraceEvent> traces;  // in the order received
  std::vector<PacketEvent> packets;   // in the order received
  uint32_t origin_netns = 0;          // where the probes were sent from
  // Whether devices were watched (BPF): only then does "no device transmitted it" mean
  // anything (model/held_packet.h).
  bool devices_watched = false;
  std::function<std::string(uint32_t)> netns_name;
  // From the EventGate that kept the events above.
  EventTally tally;
  LossCounts losses;                 // cumulative, every source
  std::vector<LossMark> loss_marks;  // when they happened; empty with losses: every probe is affected
  std::set<uint32_t> capped_probes;  // probe ids whose events hit the cap
};

Report correlate(const CorrelatorInput& in, RuleBook& rules);

}  // namespace fwpath::model

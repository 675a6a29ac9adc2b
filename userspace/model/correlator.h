#pragma once
// Turns the events of one probe's time window into that probe's path: which nft rules
// saw its packets (request and reply), which header fields were rewritten by whom, where
// it died and why. Pure: the events are values, the ruleset is behind RuleBook.
//
// Probes are sent one at a time, so an event belongs to the probe whose window it falls
// in when it carries the probe's protocol and one of its ports (ports learnt from NAT
// rewrites are added as they appear), or when it is an ICMP error quoting such a flow.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/events.h"
#include "model/path.h"
#include "model/rule_book.h"

namespace fwpath::model {

struct ProbeWindow {
  ProbeSpec spec;
  SocketResult socket;
  Clock::time_point start;
  Clock::time_point end;                     // events received up to here belong to this probe
  std::vector<ConntrackSighting> conntrack;  // the probe's entries, listed after the window
  // For --timing: when the probe's packet left the socket, and when the tracer first saw
  // one of its packets die (unset when none died).
  Clock::time_point sent;
  std::optional<Clock::time_point> death_seen;
};

struct CorrelatorInput {
  std::vector<ProbeWindow> probes;
  std::vector<NftTraceEvent> traces;  // in the order received
  std::vector<PacketEvent> packets;   // in the order received
  uint32_t origin_netns = 0;          // where the probes were sent from
  std::function<std::string(uint32_t)> netns_name;
  uint64_t lost_trace_events = 0;
  uint64_t lost_bpf_events = 0;
};

Report correlate(const CorrelatorInput& in, RuleBook& rules);

}  // namespace fwpath::model

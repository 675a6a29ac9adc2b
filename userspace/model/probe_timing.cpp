#include "model/probe_timing.h"

namespace fwpath::model {

namespace {

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

ProbeTiming probe_timing(Clock::time_point process_start, Clock::time_point trace_ready,
                         const std::vector<ProbeWindow>& windows, Clock::time_point report_at) {
  ProbeTiming t;
  t.start_to_trace_ready_ms = ms(trace_ready - process_start);
  for (const auto& w : windows) {
    TargetTiming target;
    target.sent_ms = ms(w.sent - process_start);
    if (w.death_seen) target.death_seen_ms = ms(*w.death_seen - w.sent);
    target.outcome_ms = ms(w.end - w.sent);
    t.per_target.push_back(target);
  }
  if (!t.per_target.empty()) t.start_to_first_probe_ms = t.per_target.front().sent_ms;
  t.total_ms = ms(report_at - process_start);
  return t;
}

EventCounts event_counts(Clock::time_point process_start, const std::vector<NftTraceEvent>& traces,
                         const std::vector<PacketEvent>& packets) {
  EventCounts c;
  c.trace_events = traces.size();
  c.bpf_events = packets.size();
  // Receive times are stamped per datagram as it is read, so they only grow; min/max all
  // the same, as the session may merge namespaces in any order.
  for (const auto& e : traces) {
    const double at = ms(e.received - process_start);
    if (!c.first_trace_event_ms || at < *c.first_trace_event_ms) c.first_trace_event_ms = at;
    if (!c.last_trace_event_ms || at > *c.last_trace_event_ms) c.last_trace_event_ms = at;
  }
  return c;
}

}  // namespace fwpath::model

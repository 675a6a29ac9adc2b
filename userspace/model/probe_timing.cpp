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
    if (w.died) target.died_ms = ms(*w.died - w.sent);
    const auto death = w.died ? w.died : w.death_seen;
    if (death && !t.death_to_report_ms) t.death_to_report_ms = ms(report_at - *death);
    target.outcome_ms = ms(w.end - w.sent);
    t.per_target.push_back(target);
  }
  if (!t.per_target.empty()) t.start_to_first_probe_ms = t.per_target.front().sent_ms;
  t.total_ms = ms(report_at - process_start);
  return t;
}

EventCounts event_counts(Clock::time_point process_start, const EventTally& tally) {
  EventCounts c;
  c.trace_events = tally.traces_decoded;
  c.bpf_events = tally.packets_decoded;
  if (tally.first_trace) c.first_trace_event_ms = ms(*tally.first_trace - process_start);
  if (tally.last_trace) c.last_trace_event_ms = ms(*tally.last_trace - process_start);
  return c;
}

}  // namespace fwpath::model

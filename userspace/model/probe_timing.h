#pragma once
// How long `fwpath probe` took to reach each step, for --timing and the benchmarks in
// bench/: from the process start to the trace being ready and to the first probe sent,
// per probe the time from its send to its death being seen and to its outcome, and from
// the process start to the report. All on the steady clock, in milliseconds.
#include <cstdint>
#include <optional>
#include <vector>

#include "model/correlator.h"

namespace fwpath::model {

struct TargetTiming {
  double sent_ms = 0;                   // process start -> the probe's packet handed to the kernel
  std::optional<double> death_seen_ms;  // sent -> the tracer saw one of its packets die
  double outcome_ms = 0;                // sent -> the probe's window closed (outcome known)
  std::optional<double> died_ms;        // sent -> the kernel freed it (kernel clock; BPF drops only)
};

// What the tracer read during the run, for the event-rate benchmark (bench/event_rate):
// events decoded from each source, every namespace together, and when the first and last
// nft trace event was received, so that a rate can be taken over the span they came in.
struct EventCounts {
  uint64_t trace_events = 0;                   // nft trace events decoded
  uint64_t bpf_events = 0;                     // BPF packet events decoded
  std::optional<double> first_trace_event_ms;  // process start -> first trace event received
  std::optional<double> last_trace_event_ms;   // process start -> last trace event received
};

struct ProbeTiming {
  double start_to_trace_ready_ms = 0;  // tables, BPF programs and sockets in place
  std::optional<double> start_to_first_probe_ms;
  std::vector<TargetTiming> per_target;
  double total_ms = 0;  // process start -> the report about to be printed
  // The first probe that died: its death (kernel time, else when seen) -> the report.
  std::optional<double> death_to_report_ms;
  EventCounts events;
};

ProbeTiming probe_timing(Clock::time_point process_start, Clock::time_point trace_ready,
                         const std::vector<ProbeWindow>& windows, Clock::time_point report_at);

// From the gate's tally: every event decoded, whether it was kept for a probe or not.
EventCounts event_counts(Clock::time_point process_start, const EventTally& tally);

}  // namespace fwpath::model

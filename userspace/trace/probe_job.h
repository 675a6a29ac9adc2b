#pragma once
// One run of the tracer over a set of probes, shared by `fwpath probe` and `fwpath demo`:
// start the trace session (tables, listeners, BPF), send the probes one at a time,
// correlate the events into a Report, close the session. The caller checks privileges and
// calls ensure_tracefs() first (before any thread), and renders the Report.
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "model/correlator.h"
#include "model/path.h"
#include "trace/trace_session.h"

namespace fwpath::trace {

struct ProbeJob {
  SessionConfig session;
  std::chrono::milliseconds timeout{3000};  // per probe
  // What the report calls each namespace, by its name under /run/netns (or "host"); a
  // namespace not listed keeps its name.
  std::map<std::string, std::string> netns_labels;
  // Sees every event of the run before the session closes (the --pcap writer). Optional.
  std::function<Status(const model::CorrelatorInput&)> on_events;
  // Told when every namespace is traced, just before the first probe is sent. Optional.
  std::function<void(model::Clock::time_point)> on_trace_ready;
  // Given the report as soon as it is made, while the tracer is still attached: removing
  // tables and detaching programs takes longer than tracing a drop, and a user waits for
  // the answer, not for the clean-up. An error ends the job like any other. Optional.
  std::function<Status(model::Report&)> on_report;
};

// The report, its notes holding what the session could not see. Interrupted when a stop
// signal arrives while probing.
Result<model::Report> run_probe_job(const ProbeJob& job);

// Whether every target got through: exit 0 when true, 1 otherwise.
bool all_passed(const model::Report& report);

}  // namespace fwpath::trace

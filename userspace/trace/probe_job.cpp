#include "trace/probe_job.h"

#include <algorithm>

#include "trace/probe_runner.h"
#include "trace/snapshot_rule_book.h"

namespace fwpath::trace {

Result<model::Report> run_probe_job(const ProbeJob& job) {
  auto session = TraceSession::start(job.session);
  if (!session) return session.take_error();

  if (job.on_trace_ready) job.on_trace_ready(model::Clock::now());
  RunnerOptions run;
  run.timeout = job.timeout;
  run.origin_netns_fd = session->origin().fd.get();
  auto windows = run_probes(session.value(), job.session.probes, run);
  if (!windows) return windows.take_error();

  model::CorrelatorInput in;
  in.probes = std::move(windows.value());
  in.traces = session->traces();
  in.packets = session->packets();
  in.origin_netns = session->origin().inode;
  in.netns_name = [&](uint32_t inode) {
    std::string label = session->netns_label(inode);
    const auto renamed = job.netns_labels.find(label);
    return renamed != job.netns_labels.end() ? renamed->second : label;
  };
  in.tally = session->gate().tally();
  in.losses = session->losses();
  in.loss_marks = session->gate().loss_marks();
  in.capped_probes = session->gate().capped();
  SnapshotRuleBook rules;
  for (auto& ns : session->namespaces()) rules.add(ns.inode, &*ns.snapshot);
  auto report = model::correlate(in, rules);
  report.notes.insert(report.notes.end(), session->notes().begin(), session->notes().end());
  if (job.on_events) FWPATH_TRY(job.on_events(in));
  return report;
}

bool all_passed(const model::Report& report) {
  return std::all_of(report.targets.begin(), report.targets.end(), [](const auto& t) { return t.passed; });
}

}  // namespace fwpath::trace

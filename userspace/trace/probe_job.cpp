#include "trace/probe_job.h"

#include <algorithm>

#include "sources/udp_source_port.h"
#include "trace/probe_runner.h"
#include "trace/snapshot_rule_book.h"
#include "util/netns.h"
#include "util/test_pause.h"

namespace fwpath::trace {

namespace {

// The UDP probes' source ports, fixed for the run: none that a socket in the sending
// namespace holds (another fwpath run probing from there, a WireGuard listening on it).
Status choose_udp_source_ports(SessionConfig& config) {
  const bool any_udp = std::any_of(config.probes.begin(), config.probes.end(),
                                   [](const model::ProbeSpec& p) { return p.proto == model::L4::Udp; });
  if (!any_udp) return {};
  auto origin = config.origin_netns.empty() ? open_current_netns() : open_named_netns(config.origin_netns);
  if (!origin) return origin.take_error();
  uint16_t start = sources::kUdpSourcePortFirst;
  for (const auto& p : config.probes) {
    if (p.proto == model::L4::Udp) {
      start = p.source_port;
      break;
    }
  }
  return sources::assign_udp_source_ports(config.probes, start, [&](uint16_t port) -> Result<bool> {
    // Free for both families: a probe to an IPv6 target binds [::]:port.
    for (const bool v6 : {false, true}) {
      auto free = sources::udp_port_free(origin->get(), v6, port);
      if (!free || !free.value()) return free;
    }
    return true;
  });
}

}  // namespace

Result<model::Report> run_probe_job(const ProbeJob& job) {
  SessionConfig config = job.session;
  FWPATH_TRY(choose_udp_source_ports(config));
  auto session = TraceSession::start(config);
  if (!session) return session.take_error();
  FWPATH_TRY(pause_point("setup"));

  if (job.on_trace_ready) job.on_trace_ready(model::Clock::now());
  RunnerOptions run;
  run.timeout = job.timeout;
  run.origin_netns_fd = session->origin().fd.get();
  auto windows = run_probes(session.value(), config.probes, run);
  if (!windows) return windows.take_error();
  FWPATH_TRY(pause_point("tracing"));

  model::CorrelatorInput in;
  in.probes = std::move(windows.value());
  in.traces = session->traces();
  in.packets = session->packets();
  session->symbolize_drops(in.packets);
  in.origin_netns = session->origin().inode;
  in.devices_watched = session->devices_watched();
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
  if (job.on_report) FWPATH_TRY(job.on_report(report));
  return report;
}

bool all_passed(const model::Report& report) {
  return std::all_of(report.targets.begin(), report.targets.end(), [](const auto& t) { return t.passed; });
}

}  // namespace fwpath::trace

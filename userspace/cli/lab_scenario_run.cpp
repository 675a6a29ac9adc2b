#include "cli/lab_scenario_run.h"

#include <algorithm>

#include "cli/targets.h"
#include "lab/lab.h"
#include "trace/probe_job.h"
#include "util/signals.h"

namespace fwpath::cli {

namespace {

constexpr std::chrono::milliseconds kProbeTimeout{2000};

trace::ProbeJob job_for(const scenario::ScenarioProbe& p, const lab::LabSpec& spec, const lab::Lab& lab,
                        model::ProbeSpec probe) {
  trace::ProbeJob job;
  for (const auto& h : spec.hosts) job.netns_labels[lab.netns_name(h.name)] = h.name;
  job.session.origin_netns = lab.netns_name(p.from);
  for (const auto& t : p.trace) {
    const std::string name = lab.netns_name(t);
    auto& extra = job.session.extra_netns;
    if (t != p.from && std::find(extra.begin(), extra.end(), name) == extra.end()) extra.push_back(name);
  }
  job.session.probes = {std::move(probe)};
  job.timeout = kProbeTimeout;
  return job;
}

// Runs one probe; an Error only for an interruption, other failures in `out.results`.
Result<scenario::ProbeResults> run_probe(const scenario::ScenarioProbe& p, const lab::LabSpec& spec,
                                         const lab::Lab& lab, std::string& error) {
  scenario::ProbeResults out{p.name, "", {}};
  auto specs = build_probe_specs({TargetRequest{p.name, p.proto, p.target}});
  if (!specs) {
    error = "probe " + p.name + ": " + specs.error().message();
    return out;
  }
  specs->front().udp_payload = p.udp_payload.value_or(0);
  specs->front().dont_fragment = p.df.value_or(false);
  auto report = trace::run_probe_job(job_for(p, spec, lab, specs->front()));
  if (!report) {
    if (report.error().kind == ErrorKind::Interrupted) return report.take_error();
    error = "probe " + p.name + ": " + report.error().message();
    return out;
  }
  if (report->targets.empty()) {
    error = "probe " + p.name + ": the trace produced no report";
    return out;
  }
  const auto& target = report->targets.front();
  out.summary = target.summary;
  out.results = scenario::evaluate_expectations(p.expect, target);
  return out;
}

}  // namespace

std::vector<std::string> scenario_features(const scenario::ScenarioSpec& spec) {
  const auto& l = spec.lab;
  const bool wg = std::any_of(l.listeners.begin(), l.listeners.end(), [](const auto& x) { return x.wireguard; });
  const auto uses = [&](const char* f) {
    return std::any_of(l.rulesets.begin(), l.rulesets.end(), [&](const auto& r) { return r.format == f; });
  };
  return scenario::implied_features(spec.requires_features, wg, !l.tc.empty(), uses("iptables-save"),
                                    uses("iptables-legacy-save"));
}

Result<scenario::ScenarioResult> run_scenario(const scenario::ScenarioSpec& spec, const std::string& only_probe,
                                              scenario::RequirementCheck& requirements) {
  scenario::ScenarioResult res;
  res.file = spec.file;
  res.name = spec.name;
  res.title = spec.title;
  if (auto why = requirements.missing(scenario_features(spec))) {
    res.status = scenario::ScenarioStatus::Skipped;
    res.skip_reason = *why;
    return res;
  }
  if (stop_requested()) return interrupted_error("lab run");
  auto lab = lab::Lab::build(spec.lab);
  if (!lab) {
    if (lab.error().kind == ErrorKind::Interrupted) return lab.take_error();
    res.error = "build the lab: " + lab.error().message();
    res.status = scenario::ScenarioStatus::Failed;
    return res;
  }
  for (const auto& p : spec.probes) {
    if (!only_probe.empty() && p.name != only_probe) continue;
    std::string error;
    auto probe = run_probe(p, spec.lab, lab.value(), error);
    if (!probe) return probe.take_error();  // interrupted: `lab` is removed on the way out
    res.probes.push_back(std::move(probe.value()));
    if (!error.empty()) {
      res.error = error;
      break;
    }
  }
  if (auto down = lab->teardown(); !down) {
    res.error += (res.error.empty() ? "" : "; ") + std::string("remove the lab: ") + down.error().message();
  }
  if (stop_requested()) return interrupted_error("lab run");
  res.status = scenario::status_from(res);
  return res;
}

}  // namespace fwpath::cli

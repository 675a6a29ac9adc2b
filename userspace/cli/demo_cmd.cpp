// fwpath demo: build the demo lab (lab/demo_lab.h), probe its two broken paths with the
// same machinery as `fwpath probe`, print the report, tear the lab down.
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/targets.h"
#include "lab/demo_lab.h"
#include "lab/lab.h"
#include "lab/lab_netns.h"
#include "output/demo_text.h"
#include "output/probe_report.h"
#include "trace/probe_job.h"
#include "util/capabilities.h"
#include "util/signals.h"
#include "util/tracefs.h"

namespace fwpath::cli {

namespace {

constexpr const char* kSynopsis = "[--json]";
constexpr std::chrono::milliseconds kProbeTimeout{2000};

po::options_description demo_options() {
  po::options_description d("demo options");
  d.add_options()("json", po::bool_switch(), "print the report as JSON (docs/probe.md, plus a \"demo\" object)");
  return d;
}

// The demo takes no input, so a lab it cannot build is never the user's fault: a ruleset
// refused here means a kernel feature is missing (exit 3), not bad input (exit 2).
Error as_environment(Error e) {
  if (e.kind == ErrorKind::BadInput) e.kind = ErrorKind::Environment;
  return e.context("build the demo lab");
}

Result<std::vector<model::ProbeSpec>> demo_probe_specs() {
  std::vector<TargetRequest> requests;
  for (const auto& t : lab::demo::targets()) requests.push_back({t.label, t.proto, t.target});
  return build_probe_specs(requests);
}

}  // namespace

Result<ExitCode> demo(const Args& args) {
  const auto desc = demo_options();
  auto parsed = parse(args, desc);
  if (!parsed) return parsed.take_error();
  if (parsed->help) {
    std::cout << usage_text("demo", kSynopsis, desc);
    return ExitCode::Ok;
  }
  const bool json = parsed->vm["json"].as<bool>();
  FWPATH_TRY(require_caps(lab_caps(/*iptables_legacy=*/false), "building the demo lab"));
  auto spec = lab::demo::lab_spec();
  if (!spec) return spec.take_error();
  auto specs = demo_probe_specs();
  if (!specs) return specs.take_error();
  const auto targets = lab::demo::targets();

  // What a killed demo left: its names would never clash with ours (other pid), but its
  // namespaces would stay until reboot.
  auto swept = lab::sweep_stale_lab_netns();
  if (!swept) return swept.take_error();
  std::vector<std::string> env_notes;
  for (const auto& name : swept.value()) env_notes.push_back("removed lab namespace " + name + " of a killed run");
  // Before the lab and before any thread: ensure_tracefs() may move fwpath into a private
  // mount namespace, and the lab's namespace mounts must be made in the same mount
  // namespace as the tracer that opens them.
  if (auto t = ensure_tracefs(); !t) env_notes.push_back("tracefs unavailable (" + t.error().message() + ")");

  auto lab = lab::Lab::build(spec.value());
  if (!lab) return as_environment(lab.take_error());

  std::map<std::string, std::string> netns_of;  // host -> name under /run/netns
  trace::ProbeJob job;
  for (const auto& h : spec->hosts) {
    netns_of[h.name] = lab->netns_name(h.name);
    job.netns_labels[lab->netns_name(h.name)] = h.name;
    if (h.name == lab::demo::kConsumer) {
      job.session.origin_netns = lab->netns_name(h.name);
    } else {
      job.session.extra_netns.push_back(lab->netns_name(h.name));
    }
  }
  job.session.probes = specs.value();
  job.timeout = kProbeTimeout;

  if (!json) std::cout << output::demo_intro_text(spec.value(), targets) << "\n" << std::flush;

  auto report = trace::run_probe_job(job);
  if (!report) return report.take_error();  // the lab goes with `lab`, on the way out
  report->notes.insert(report->notes.begin(), env_notes.begin(), env_notes.end());
  std::vector<size_t> served;
  for (const auto& l : lab->listeners()) served.push_back(l.served());
  const auto findings = output::demo_findings(report.value(), targets, std::move(served));

  const size_t removed = lab->namespaces().size();
  const Status down = lab->teardown();
  if (json) {
    auto out = output::probe_report_json(report.value());
    out["demo"] = output::demo_json(spec.value(), netns_of, targets, findings);
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << output::probe_report_text(report.value());
    // Claims the lab is gone: only when it is.
    if (down) std::cout << output::demo_closing_text(spec.value(), findings, targets, removed);
  }
  std::cout << std::flush;
  if (!down) return down.error().context("remove the demo lab");
  // A stop signal that arrived after the probes still means "interrupted": the lab is
  // gone either way, and exit 4 says so.
  if (stop_requested()) return interrupted_error("demo");
  return findings.broken == 0 ? ExitCode::Ok : ExitCode::Finding;
}

}  // namespace fwpath::cli

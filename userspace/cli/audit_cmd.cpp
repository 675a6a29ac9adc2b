// fwpath audit: load a ruleset into a sandbox lab that plays the node's role, probe each
// required path with the tracer, report each as allowed or blocked (and by what), tear
// the lab down. Never touches the namespace fwpath runs in: its ruleset, routes and
// interfaces stay as they were.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iostream>

#include "audit/audit_report.h"
#include "audit/verdict.h"
#include "cli/audit_options.h"
#include "cli/commands.h"
#include "cli/targets.h"
#include "lab/lab.h"
#include "lab/lab_netns.h"
#include "lab/ruleset_load.h"
#include "trace/probe_job.h"
#include "util/capabilities.h"
#include "util/signals.h"
#include "util/tracefs.h"
#include "util/unique_fd.h"

namespace fwpath::cli {

namespace {

constexpr std::chrono::milliseconds kProbeTimeout{2000};
constexpr size_t kMaxRulesetBytes = 64UL << 20;  // far above any real ruleset; bounds a mistaken --ruleset /dev/zero

Result<std::string> read_ruleset(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error{ErrorKind::BadInput, "read ruleset", path, errno};
  std::string text;
  std::array<char, 65536> buf{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{ErrorKind::BadInput, "read ruleset", path, errno};
    if (n == 0) return text;
    text.append(buf.data(), static_cast<size_t>(n));
    if (text.size() > kMaxRulesetBytes) return input_error("read ruleset " + path + ": larger than 64 MiB");
  }
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{ErrorKind::BadInput, "open JUnit report for writing", path, errno};
  out << text;
  out.close();
  if (!out) return Error{ErrorKind::BadInput, "write JUnit report", path, errno};
  return {};
}

// The lab is fwpath's own design, validated before anything is created: failing to build
// it is this environment's fault (exit 3), never the user's input.
Error as_environment(Error e) {
  if (e.kind == ErrorKind::BadInput) e.kind = ErrorKind::Environment;
  return e.context("build the audit lab");
}

Result<std::vector<model::ProbeSpec>> probe_specs(const audit::AuditPlan& plan) {
  std::vector<TargetRequest> requests;
  for (const auto& p : plan.probes) requests.push_back({"required", p.requirement.proto, p.target});
  return build_probe_specs(requests);
}

trace::ProbeJob probe_job(const audit::AuditPlan& plan, const lab::Lab& lab, std::vector<model::ProbeSpec> specs) {
  trace::ProbeJob job;
  for (const auto& h : plan.lab.hosts) {
    const std::string name = lab.netns_name(h.name);
    job.netns_labels[name] = h.name;
    if (h.name == plan.origin_host) {
      job.session.origin_netns = name;
    } else {
      job.session.extra_netns.push_back(name);
    }
  }
  job.session.probes = std::move(specs);
  job.timeout = kProbeTimeout;
  return job;
}

}  // namespace

Result<ExitCode> audit(const Args& args) {
  auto opts = parse_audit_options(args);
  if (!opts) return opts.take_error();
  if (opts->help) {
    std::cout << usage_text("audit", kAuditSynopsis, audit_options_description());
    return ExitCode::Ok;
  }
  auto text = read_ruleset(opts->ruleset);
  if (!text) return text.take_error();
  auto plan = audit::plan_audit(opts->setup);
  if (!plan) return plan.take_error();
  auto specs = probe_specs(plan.value());
  if (!specs) return specs.take_error();
  FWPATH_TRY(require_caps(lab_caps(opts->format == lab::RulesetFormat::IptablesLegacySave), "building the audit lab"));

  // What a killed run left (its namespaces would otherwise stay until reboot).
  auto swept = lab::sweep_stale_lab_netns();
  if (!swept) return swept.take_error();
  std::vector<std::string> env_notes;
  for (const auto& name : swept.value()) env_notes.push_back("removed lab namespace " + name + " of a killed run");
  // Before the lab and before any thread: ensure_tracefs() may move fwpath into a private
  // mount namespace, where the lab's namespace mounts must be made too.
  if (auto t = ensure_tracefs(); !t) env_notes.push_back("tracefs unavailable (" + t.error().message() + ")");

  auto lab = lab::Lab::build(plan->lab);
  if (!lab) return as_environment(lab.take_error());
  const lab::LabNetns* node = lab->find(audit::kNodeHost);
  if (node == nullptr) return env_error("the audit lab has no node namespace");
  // A ruleset that does not load is the user's input: exit 2 with FILE:LINE, and the lab
  // goes with `lab` on the way out.
  FWPATH_TRY(lab::load_ruleset({node->fd(), node->name()}, opts->format, opts->ruleset, text.value()));
  if (stop_requested()) return interrupted_error("audit");

  std::vector<uint32_t> probe_ids;  // the report's targets are matched to the plan by id
  for (const auto& s : specs.value()) probe_ids.push_back(s.id);
  auto report = trace::run_probe_job(probe_job(plan.value(), lab.value(), std::move(specs.value())));
  if (!report) return report.take_error();
  report->notes.insert(report->notes.begin(), env_notes.begin(), env_notes.end());

  // x_tables rules are invisible to the nft trace: a blocked path can name no rule.
  const bool rules_traced = opts->format != lab::RulesetFormat::IptablesLegacySave;
  audit::AuditReport out{opts->ruleset, lab::to_string(opts->format), opts->setup, {}, std::move(report.value())};
  for (size_t i = 0; i < plan->probes.size(); ++i) {
    const auto& p = plan->probes[i];
    const auto t = std::find_if(out.probes.targets.begin(), out.probes.targets.end(),
                                [&](const model::ProbeReport& r) { return r.spec.id == probe_ids[i]; });
    if (t == out.probes.targets.end()) return env_error("the tracer did not report the probe of", p.requirement.str());
    out.results.push_back(audit::judge(p, *t, lab->listeners().at(p.listener).served(), rules_traced));
  }
  if (auto down = lab->teardown(); !down) return down.error().context("remove the audit lab");

  if (opts->json) {
    std::cout << audit::audit_json(out).dump(2) << "\n";
  } else {
    std::cout << audit::audit_text(out);
  }
  std::cout << std::flush;
  if (!opts->junit.empty()) FWPATH_TRY(write_file(opts->junit, audit::audit_junit(out)));
  if (stop_requested()) return interrupted_error("audit");
  return out.blocked() == 0 ? ExitCode::Ok : ExitCode::Finding;
}

}  // namespace fwpath::cli

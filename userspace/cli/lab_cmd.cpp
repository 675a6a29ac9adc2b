// fwpath lab run|up|down: scenario files (docs/scenarios.md) built as labs of network
// namespaces; `run` probes them and checks each expectation.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/lab_pidfile.h"
#include "cli/lab_scenario_run.h"
#include "cli/options.h"
#include "lab/lab.h"
#include "lab/lab_netns.h"
#include "scenario/requirements.h"
#include "scenario/scenario_parse.h"
#include "util/capabilities.h"
#include "util/signals.h"
#include "util/tracefs.h"
#include "util/unique_fd.h"

namespace fwpath::cli {

namespace {

constexpr const char* kSynopsis = "run SCENARIO... [--json] [--junit FILE] [--only NAME] | up SCENARIO | down SCENARIO";
constexpr int kDownWaitMs = 15000;
constexpr int kUpPollMs = 250;

po::options_description lab_options() {
  po::options_description d("lab options");
  // --junit and --only are listed for --help; split_args() takes their values.
  d.add_options()("json", po::bool_switch(), "run: print the results as JSON (docs/scenarios.md)")(
      "junit", "run: write JUnit XML to FILE (--junit FILE)")("only", "run: only the probe called NAME (--only NAME)");
  return d;
}

// The scenario files (positional) and the values of --junit and --only, taken by hand:
// with this file's inlining, program_options' typed string values trip GCC's
// -Wnull-dereference at -O2 inside Boost. The rest goes to parse() (--json, --help, and
// errors for unknown options).
struct SplitArgs {
  Args options;  // options[0] = the subcommand, as parse() expects
  std::vector<std::string> files;
  std::optional<std::string> junit;
  std::optional<std::string> only;
};
Result<SplitArgs> split_args(const Args& args) {
  SplitArgs out;
  out.options.push_back(args[1]);
  for (size_t i = 2; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a[0] != '-') {
      out.files.push_back(a);
      continue;
    }
    bool taken = false;
    for (auto [name, slot] :
         {std::pair{std::string("--junit"), &out.junit}, std::pair{std::string("--only"), &out.only}}) {
      if (a == name) {
        if (i + 1 >= args.size()) return input_error("option " + name + " needs a value");
        *slot = args[++i];
        taken = true;
      } else if (a.rfind(name + "=", 0) == 0) {
        *slot = a.substr(name.size() + 1);
        taken = true;
      }
    }
    if (!taken) out.options.push_back(a);
  }
  return out;
}

Result<std::vector<scenario::ScenarioSpec>> load_all(const std::vector<std::string>& files) {
  std::vector<scenario::ScenarioSpec> out;
  for (const auto& f : files) {
    auto s = scenario::load_scenario_file(f);
    if (!s) return s.take_error();
    out.push_back(std::move(s.value()));
  }
  return out;
}

// Whether its requirements or rulesets run iptables-legacy tools (lab_caps()).
bool uses_iptables_legacy(const scenario::ScenarioSpec& spec) {
  const auto features = scenario_features(spec);
  return std::find(features.begin(), features.end(), "iptables-legacy") != features.end();
}

void sweep_killed_labs() {
  if (auto swept = lab::sweep_stale_lab_netns(); swept) {
    for (const auto& name : swept.value())
      std::cerr << "fwpath lab: removed lab namespace " << name << " of a killed run\n";
  }
}

// Before any lab and any thread: ensure_tracefs() may move fwpath into a private mount
// namespace, where the lab's namespace mounts must then be made too. Only for a lab that
// fwpath traces itself: `lab up` builds one for other commands, whose namespace mounts
// must be visible outside it, and it traces nothing.
void prepare_tracing_environment() {
  sweep_killed_labs();
  if (auto t = ensure_tracefs(); !t) std::cerr << "fwpath lab: tracefs unavailable (" << t.error().message() << ")\n";
}

Result<ExitCode> lab_run(const SplitArgs& split, const po::variables_map& vm) {
  const auto& files = split.files;
  auto specs = load_all(files);
  if (!specs) return specs.take_error();
  const std::string only = split.only.value_or("");
  if (!only.empty()) {
    const bool found = std::any_of(specs->begin(), specs->end(), [&](const scenario::ScenarioSpec& s) {
      return std::any_of(s.probes.begin(), s.probes.end(), [&](const auto& p) { return p.name == only; });
    });
    if (!found) return input_error("--only: no scenario has a probe called", only);
  }
  const bool json = vm["json"].as<bool>();
  if (!specs->empty()) {
    FWPATH_TRY(require_caps(lab_caps(std::any_of(specs->begin(), specs->end(), uses_iptables_legacy)),
                            "building and tracing a lab"));
    prepare_tracing_environment();
  }
  std::vector<scenario::ScenarioResult> results;
  scenario::RequirementCheck requirements;
  for (const auto& spec : specs.value()) {
    const bool has_probe = only.empty() || std::any_of(spec.probes.begin(), spec.probes.end(),
                                                       [&](const auto& p) { return p.name == only; });
    if (!has_probe) continue;
    auto r = run_scenario(spec, only, requirements);
    if (!r) return r.take_error();
    if (!json) std::cout << scenario::scenario_text(r.value()) << std::flush;
    results.push_back(std::move(r.value()));
  }
  if (json) {
    std::cout << scenario::results_json(results).dump(2) << "\n";
  } else {
    std::cout << scenario::summary_text(results);
  }
  std::cout << std::flush;
  if (split.junit) {
    const std::string& path = *split.junit;
    std::ofstream out(path, std::ios::trunc);
    out << scenario::results_junit(results);
    if (!out.flush()) return sys_error("write JUnit file", path);
  }
  const bool failed = std::any_of(results.begin(), results.end(), [](const scenario::ScenarioResult& r) {
    return r.status == scenario::ScenarioStatus::Failed;
  });
  return failed ? ExitCode::Finding : ExitCode::Ok;
}

Result<ExitCode> lab_up(const std::string& file) {
  auto spec = scenario::load_scenario_file(file);
  if (!spec) return spec.take_error();
  FWPATH_TRY(require_caps(lab_caps(uses_iptables_legacy(spec.value())), "building a lab"));
  if (auto why = scenario::RequirementCheck().missing(scenario_features(spec.value()))) {
    return env_error("scenario " + spec->name + " cannot run here:", *why);
  }
  sweep_killed_labs();
  auto lab = lab::Lab::build(spec->lab);
  if (!lab) return lab.take_error().context("build lab " + spec->name);
  // Written once the lab is built: a pid file means "up", which `lab down` and scripts
  // may wait for. A live `lab up` of the same scenario keeps its file; we stop here.
  FWPATH_TRY(write_lab_pid(spec->name));
  std::cout << "lab " << spec->name << " is up (pid " << ::getpid() << "): " << spec->title << "\n";
  for (const auto& h : spec->lab.hosts)
    std::cout << "  " << h.name << "  ip netns exec " << lab->netns_name(h.name) << " ...\n";
  std::cout << "stop with: fwpath lab down " << file << "  (or Ctrl-C)\n" << std::flush;
  // The stop handler only sets a flag; a bounded poll keeps this wait responsive to it
  // whichever thread the signal was delivered to.
  while (!stop_requested()) ::poll(nullptr, 0, kUpPollMs);
  const Status down = lab->teardown();
  remove_lab_pid(spec->name);
  if (!down) return down.error().context("remove lab " + spec->name);
  std::cout << "lab " << spec->name << " removed\n";
  return ExitCode::Ok;
}

// SIGTERM through a pidfd (no pid-reuse race), then waits for the process to exit.
Result<bool> stop_process(pid_t pid) {
  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) return sys_error("open pidfd of", std::to_string(pid));
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0) != 0) {
    return sys_error("signal lab process", std::to_string(pid));
  }
  pollfd p{pidfd.get(), POLLIN, 0};
  const int n = ::poll(&p, 1, kDownWaitMs);
  return n > 0;
}

Result<ExitCode> lab_down(const std::string& file) {
  auto spec = scenario::load_scenario_file(file);
  if (!spec) return spec.take_error();
  FWPATH_TRY(require_caps(lab_caps(/*iptables_legacy=*/false), "removing a lab"));
  ExitCode code = ExitCode::Ok;
  const auto pid = read_lab_pid(spec->name);
  if (!pid) {
    std::cout << "no lab up for " << spec->name << "\n";
  } else if (!is_live_fwpath(*pid)) {
    std::cout << "lab " << spec->name << ": pid " << *pid << " is gone; removing its pid file\n";
    remove_lab_pid(spec->name);
  } else {
    auto stopped = stop_process(*pid);
    if (!stopped) return stopped.take_error();
    if (stopped.value()) {
      std::cout << "lab " << spec->name << " (pid " << *pid << ") stopped and removed\n";
    } else {
      std::cout << "lab " << spec->name << " (pid " << *pid << ") did not stop within " << kDownWaitMs / 1000 << " s\n";
      code = ExitCode::Finding;
    }
  }
  auto swept = lab::sweep_stale_lab_netns();
  if (!swept) return swept.take_error();
  for (const auto& name : swept.value()) std::cout << "removed lab namespace " << name << " of a killed run\n";
  return code;
}

}  // namespace

Result<ExitCode> lab(const Args& args) {
  const auto desc = lab_options();
  if (args.size() < 2 || args[1] == "--help" || args[1] == "-h") {
    std::cout << usage_text("lab", kSynopsis, desc);
    return args.size() < 2 ? ExitCode::BadInput : ExitCode::Ok;
  }
  const std::string& sub = args[1];
  auto split = split_args(args);
  if (!split) return split.take_error();
  auto parsed = parse(split->options, desc);
  if (!parsed) return parsed.take_error();
  if (parsed->help) {
    std::cout << usage_text("lab", kSynopsis, desc);
    return ExitCode::Ok;
  }
  const auto& vm = parsed->vm;
  const auto& files = split->files;
  if (sub == "run") return lab_run(split.value(), vm);
  if (sub != "up" && sub != "down") return input_error("expected run, up or down, got", "'" + sub + "'");
  if (files.size() != 1) return input_error("lab " + sub + " takes exactly one scenario file");
  if (vm["json"].as<bool>() || split->junit || split->only) {
    return input_error("--json, --junit and --only apply to lab run only");
  }
  return sub == "up" ? lab_up(files.front()) : lab_down(files.front());
}

}  // namespace fwpath::cli

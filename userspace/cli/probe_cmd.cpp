// fwpath probe: options -> probe specs -> probe job (trace session, probes, correlation) -> report.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/targets.h"
#include "config/kubeconfig.h"
#include "output/pcap_writer.h"
#include "output/probe_report.h"
#include "trace/probe_job.h"
#include "util/capabilities.h"
#include "util/process_clock.h"
#include "util/test_pause.h"
#include "util/tracefs.h"

namespace fwpath::cli {

namespace {

constexpr const char* kSynopsis =
    "[--api-server HOST:PORT] [--gateway HOST:PORT] [--kubeconfig FILE [--context NAME]]\n"
    "       [--tcp HOST:PORT]... [--udp HOST:PORT]... [--netns NAME]... [--from-netns NAME]\n"
    "       [--timeout SEC] [--json] [--pcap FILE] [--timing]";

po::options_description probe_options() {
  po::options_description d("probe options");
  d.add_options()("api-server", po::value<std::string>(), "TCP probe to the provider's API server, HOST:PORT")(
      "gateway", po::value<std::string>(), "UDP probe to the provider's tunnel gateway, HOST:PORT")(
      "kubeconfig", po::value<std::string>(), "take the API server from this kubeconfig's server URL")(
      "context", po::value<std::string>(), "kubeconfig context to use (default: current-context)")(
      "tcp", po::value<std::vector<std::string>>()->composing(), "further TCP probe, HOST:PORT (repeatable)")(
      "udp", po::value<std::vector<std::string>>()->composing(), "further UDP probe, HOST:PORT (repeatable)")(
      "netns", po::value<std::vector<std::string>>()->composing(), "also trace in this network namespace (repeatable)")(
      "from-netns", po::value<std::string>(), "send the probes from inside this network namespace")(
      "timeout", po::value<double>()->default_value(3.0), "seconds to wait for each probe's answer (0.1..60)")(
      "json", po::bool_switch(), "print the report as JSON (schema: docs/probe.md)")(
      "pcap", po::value<std::string>(), "write the probe packets as seen at each observation point")(
      "timing", po::bool_switch(), "also report how long each step took (for benchmarks; see docs/probe.md)");
  return d;
}

Result<std::vector<TargetRequest>> target_requests(const po::variables_map& vm) {
  std::vector<TargetRequest> out;
  if (vm.count("kubeconfig") > 0 && vm.count("api-server") > 0) {
    return input_error("give --api-server or --kubeconfig, not both");
  }
  if (vm.count("context") > 0 && vm.count("kubeconfig") == 0) return input_error("--context needs --kubeconfig");
  if (vm.count("api-server") > 0) out.push_back({"api-server", model::L4::Tcp, vm["api-server"].as<std::string>()});
  if (vm.count("kubeconfig") > 0) {
    const auto ctx = vm.count("context") > 0 ? vm["context"].as<std::string>() : std::string();
    auto server = config::read_kubeconfig(vm["kubeconfig"].as<std::string>(), ctx);
    if (!server) return server.take_error();
    const bool v6 = server->host.find(':') != std::string::npos;
    out.push_back({"api-server", model::L4::Tcp,
                   (v6 ? "[" + server->host + "]" : server->host) + ":" + std::to_string(server->port)});
  }
  if (vm.count("gateway") > 0) out.push_back({"gateway", model::L4::Udp, vm["gateway"].as<std::string>()});
  if (vm.count("tcp") > 0) {
    for (const auto& t : vm["tcp"].as<std::vector<std::string>>()) out.push_back({"tcp", model::L4::Tcp, t});
  }
  if (vm.count("udp") > 0) {
    for (const auto& t : vm["udp"].as<std::vector<std::string>>()) out.push_back({"udp", model::L4::Udp, t});
  }
  if (out.empty()) return input_error("nothing to probe: give --api-server, --gateway, --kubeconfig, --tcp or --udp");
  return out;
}

}  // namespace

Result<ExitCode> probe(const Args& args) {
  const auto desc = probe_options();
  auto parsed = parse(args, desc);
  if (!parsed) return parsed.take_error();
  if (parsed->help) {
    std::cout << usage_text("probe", kSynopsis, desc);
    return ExitCode::Ok;
  }
  const auto& vm = parsed->vm;
  const double timeout_s = vm["timeout"].as<double>();
  if (!(timeout_s >= 0.1 && timeout_s <= 60)) {
    std::ostringstream shown;  // "0", "-1", "nan" as typed, not std::to_string's "0.000000"
    shown << timeout_s;
    return input_error("--timeout must be between 0.1 and 60 seconds, got", shown.str());
  }
  auto requests = target_requests(vm);
  if (!requests) return requests.take_error();
  auto specs = build_probe_specs(requests.value());
  if (!specs) return specs.take_error();

  trace::ProbeJob job;
  job.session.probes = specs.value();
  if (vm.count("from-netns") > 0) job.session.origin_netns = vm["from-netns"].as<std::string>();
  if (vm.count("netns") > 0) job.session.extra_netns = vm["netns"].as<std::vector<std::string>>();
  job.timeout = std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));

  // An unwritable capture file is bad input: find out before anything is created.
  std::optional<output::PcapWriter> pcap;
  if (vm.count("pcap") > 0) {
    auto w = output::PcapWriter::open(vm["pcap"].as<std::string>());
    if (!w) return w.take_error();
    pcap.emplace(std::move(w.value()));
    job.on_events = [&pcap](const model::CorrelatorInput& in) { return pcap->write_session(in); };
  }

  FWPATH_TRY(
      require_caps(tracing_caps(!job.session.origin_netns.empty() || !job.session.extra_netns.empty()), "tracing"));

  // Before any thread starts: tracepoints need tracefs (see util/tracefs.h).
  std::vector<std::string> env_notes;
  if (auto t = ensure_tracefs(); !t) env_notes.push_back("tracefs unavailable (" + t.error().message() + ")");

  // --timing: when tracing was ready, and each probe's window (sent, death seen, outcome).
  model::Clock::time_point trace_ready{};
  std::optional<model::ProbeTiming> timing;
  const bool want_timing = vm["timing"].as<bool>();
  if (want_timing) job.on_trace_ready = [&trace_ready](model::Clock::time_point t) { trace_ready = t; };
  auto write_events = job.on_events;
  job.on_events = [&](const model::CorrelatorInput& in) -> Status {
    if (write_events) FWPATH_TRY(write_events(in));
    if (want_timing) {
      timing = model::probe_timing(process_start(), trace_ready, in.probes, model::Clock::now());
      timing->events = model::event_counts(process_start(), in.tally);
    }
    return {};
  };

  // Printed before the session is torn down (see ProbeJob::on_report).
  const bool want_json = vm["json"].as<bool>();
  job.on_report = [&](model::Report& report) -> Status {
    FWPATH_TRY(pause_point("report"));
    report.notes.insert(report.notes.begin(), env_notes.begin(), env_notes.end());
    if (want_json) {
      auto json = output::probe_report_json(report);
      if (timing) json["timing"] = output::probe_timing_json(*timing);
      std::cout << json.dump(2) << "\n";
    } else {
      std::cout << output::probe_report_text(report);
      if (timing) std::cout << output::probe_timing_text(*timing);
    }
    std::cout.flush();
    return {};
  };

  auto report = trace::run_probe_job(job);
  if (!report) return report.take_error();
  return trace::all_passed(report.value()) ? ExitCode::Ok : ExitCode::Finding;
}

}  // namespace fwpath::cli

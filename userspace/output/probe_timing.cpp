#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "output/probe_report.h"

namespace fwpath::output {

namespace {

// Milliseconds to the microsecond: finer digits are clock noise.
double rounded(double ms) {
  return std::round(ms * 1000.0) / 1000.0;
}

std::string fixed(double ms) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << ms << " ms";
  return out.str();
}

}  // namespace

nlohmann::json probe_timing_json(const model::ProbeTiming& t) {
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& p : t.per_target) {
    targets.push_back({{"sent_ms", rounded(p.sent_ms)},
                       {"death_seen_ms", p.death_seen_ms ? nlohmann::json(rounded(*p.death_seen_ms)) : nullptr},
                       {"died_ms", p.died_ms ? nlohmann::json(rounded(*p.died_ms)) : nullptr},
                       {"outcome_ms", rounded(p.outcome_ms)}});
  }
  const auto optional_ms = [](const std::optional<double>& v) {
    return v ? nlohmann::json(rounded(*v)) : nlohmann::json(nullptr);
  };
  const nlohmann::json events = {{"trace_decoded", t.events.trace_events},
                                 {"bpf_decoded", t.events.bpf_events},
                                 {"first_trace_ms", optional_ms(t.events.first_trace_event_ms)},
                                 {"last_trace_ms", optional_ms(t.events.last_trace_event_ms)}};
  return {{"start_to_trace_ready_ms", rounded(t.start_to_trace_ready_ms)},
          {"start_to_first_probe_ms",
           t.start_to_first_probe_ms ? nlohmann::json(rounded(*t.start_to_first_probe_ms)) : nullptr},
          {"per_target", targets},
          {"total_ms", rounded(t.total_ms)},
          {"death_to_report_ms", optional_ms(t.death_to_report_ms)},
          {"events", events}};
}

std::string probe_timing_text(const model::ProbeTiming& t) {
  std::string out = "timing: trace ready " + fixed(t.start_to_trace_ready_ms);
  if (t.start_to_first_probe_ms) out += ", first probe sent " + fixed(*t.start_to_first_probe_ms);
  out += ", report " + fixed(t.total_ms) + " after start";
  if (t.death_to_report_ms) out += " (" + fixed(*t.death_to_report_ms) + " after the first death)";
  out += "\n";
  for (size_t i = 0; i < t.per_target.size(); ++i) {
    const auto& p = t.per_target[i];
    out += "  target " + std::to_string(i + 1) + ": sent at " + fixed(p.sent_ms);
    if (p.died_ms) out += ", died " + fixed(*p.died_ms) + " after send (kernel clock)";
    if (p.death_seen_ms) out += ", death seen " + fixed(*p.death_seen_ms) + " after send";
    out += ", outcome " + fixed(p.outcome_ms) + " after send\n";
  }
  out += "  events decoded: " + std::to_string(t.events.trace_events) + " nft trace, " +
         std::to_string(t.events.bpf_events) + " bpf\n";
  return out;
}

}  // namespace fwpath::output

#pragma once
// Renders a probe Report: text for people (one line per target, then the hops) and JSON
// for machines (schema in docs/probe.md).
#include <nlohmann/json.hpp>
#include <string>

#include "model/path.h"
#include "model/probe_timing.h"

namespace fwpath::output {

std::string probe_report_text(const model::Report& report);
nlohmann::json probe_report_json(const model::Report& report);

// One rewrite as the JSON reports show it (docs/probe.md; audit's results reuse it).
nlohmann::json rewrite_json(const model::Rewrite& rewrite);

// fwpath probe --timing: the "timing" object of the JSON report, or lines after the text one.
nlohmann::json probe_timing_json(const model::ProbeTiming& timing);
std::string probe_timing_text(const model::ProbeTiming& timing);

}  // namespace fwpath::output

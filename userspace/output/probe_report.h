#pragma once
// Renders a probe Report: text for people (one line per target, then the hops) and JSON
// for machines (schema in docs/probe.md).
#include <nlohmann/json.hpp>
#include <string>

#include "model/path.h"

namespace fwpath::output {

std::string probe_report_text(const model::Report& report);
nlohmann::json probe_report_json(const model::Report& report);

}  // namespace fwpath::output

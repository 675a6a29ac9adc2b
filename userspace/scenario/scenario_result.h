#pragma once
// What `fwpath lab run` found for each scenario, and its renderings: text lines, the JSON
// document (--json) and JUnit XML (--junit), all described in docs/scenarios.md. Pure.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenario/expectation.h"

namespace fwpath::scenario {

struct ProbeResults {
  std::string name;
  std::string summary;  // the report's one line for the probe; empty when it did not run
  std::vector<ExpectationResult> results;
};

enum class ScenarioStatus { Passed, Failed, Skipped };
std::string to_string(ScenarioStatus s);  // "passed", "failed", "skipped"

struct ScenarioResult {
  std::string file;
  std::string name;
  std::string title;
  ScenarioStatus status = ScenarioStatus::Failed;
  std::string skip_reason;  // Skipped
  std::string error;        // Failed before or while probing (the lab did not build, ...)
  std::vector<ProbeResults> probes;
};

// Passed when nothing failed and no error; Failed otherwise (Skipped is set by the caller).
ScenarioStatus status_from(const ScenarioResult& r);

// "== NAME: TITLE" then one PASS/FAIL/SKIP line per expectation.
std::string scenario_text(const ScenarioResult& r);
// "N scenarios: P passed, F failed, S skipped" and one line per skip with its reason.
std::string summary_text(const std::vector<ScenarioResult>& all);
nlohmann::json results_json(const std::vector<ScenarioResult>& all);
std::string results_junit(const std::vector<ScenarioResult>& all);

}  // namespace fwpath::scenario

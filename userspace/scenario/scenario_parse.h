#pragma once
// Scenario file -> ScenarioSpec. Strict: an unknown key, a value of the wrong type, a
// missing required key or a lab that validate_lab_spec() refuses is a BadInput error
// "FILE line N: KEY.PATH: what is wrong" (exit 2). Parsing is pure; the ruleset files a
// scenario names are read through `read_ruleset`, so tests need no files.
#include <functional>
#include <string>

#include "scenario/scenario_spec.h"
#include "util/error.h"

namespace fwpath::scenario {

// Reads a ruleset file named in the scenario (path relative to the scenario's folder).
using RulesetReader = std::function<Result<std::string>(const std::string& relative_path)>;

Result<ScenarioSpec> parse_scenario(const std::string& text, const std::string& file,
                                    const RulesetReader& read_ruleset);

// Reads the file and its rulesets from disk.
Result<ScenarioSpec> load_scenario_file(const std::string& path);

}  // namespace fwpath::scenario

#pragma once
// One scenario of `fwpath lab run`: requirements, lab, probes (the same probe job as
// `fwpath probe` and `fwpath demo`), expectations, teardown. The caller has checked
// privileges, called ensure_tracefs() and parsed the file.
#include <string>

#include "scenario/requirements.h"
#include "scenario/scenario_result.h"
#include "scenario/scenario_spec.h"
#include "util/error.h"

namespace fwpath::cli {

// The scenario's result; a lab that cannot be built or probed is a Failed result carrying
// the error. An Error is returned only when a stop signal interrupted the run (the lab is
// removed first). `requirements` carries the answers of this run's earlier scenarios.
Result<scenario::ScenarioResult> run_scenario(const scenario::ScenarioSpec& spec, const std::string& only_probe,
                                              scenario::RequirementCheck& requirements);

// The features a scenario needs: its `requires:` plus what its lab implies.
std::vector<std::string> scenario_features(const scenario::ScenarioSpec& spec);

}  // namespace fwpath::cli

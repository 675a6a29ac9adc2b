#pragma once
// `fwpath kernel-check` output: an aligned text table for people and a JSON document for
// scripts. The JSON schema is documented in docs/kernel-check.md; bump
// kKernelCheckSchemaVersion on any incompatible change.
#include <nlohmann/json.hpp>
#include <string>

#include "model/kernel_verdict.h"

namespace fwpath::output {

inline constexpr int kKernelCheckSchemaVersion = 1;

// Keys in schema order (kernel, features, verdict, ...), as documented.
nlohmann::ordered_json kernel_report_json(const model::KernelReport& report);

// The JSON document, pretty-printed, ending in a newline.
std::string render_kernel_report_json(const model::KernelReport& report);

// Kernel release, one aligned row per feature, the verdict and one line per cost.
std::string render_kernel_report_text(const model::KernelReport& report);

}  // namespace fwpath::output

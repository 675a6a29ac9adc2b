#pragma once
// An audit's result and its renderings: text for people (one line per requirement, then
// the traced paths), JSON for machines (schema in docs/audit.md) and JUnit XML for CI
// (one testcase per requirement, a failure for each blocked one). Pure.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audit/audit_lab.h"
#include "audit/verdict.h"
#include "model/path.h"

namespace fwpath::audit {

struct AuditReport {
  std::string ruleset;  // the file as given on the command line
  std::string format;   // "nft", "iptables-save", "iptables-legacy-save"
  AuditSetup setup;
  std::vector<RequirementResult> results;  // in --require order
  model::Report probes;                    // the tracer's full report, for the details
  [[nodiscard]] size_t blocked() const;
};

std::string audit_text(const AuditReport& report);
nlohmann::json audit_json(const AuditReport& report);
std::string audit_junit(const AuditReport& report);

// "SOURCE -> DEST:PORT" in lab terms: "node 192.0.2.10 -> peer 198.51.100.20:6443".
std::string path_text(const AuditSetup& setup, const PlannedProbe& probe);

}  // namespace fwpath::audit

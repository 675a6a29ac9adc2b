#include "scenario/scenario_result.h"

#include <sstream>

#include "output/xml_text.h"

namespace fwpath::scenario {

namespace {

using nlohmann::json;
using output::xml_escaped;

std::string result_line(const std::string& probe, const ExpectationResult& e) {
  std::string line = to_string(e.status) + " " + probe + " " + e.key + ": ";
  switch (e.status) {
    case ExpectStatus::Pass:
      // A list entry's actual value is everything seen; the entry itself says what held.
      line += e.key.find('[') != std::string::npos ? e.expected : e.actual;
      if (!e.why.empty()) line += " (" + e.why + ")";  // e.g. a hook the report inferred
      break;
    case ExpectStatus::Fail:
      line += "expected " + e.expected + ", got " + e.actual;
      if (!e.why.empty()) line += " (" + e.why + ")";
      break;
    case ExpectStatus::Skip: line += e.why; break;
  }
  return line;
}

struct Counts {
  size_t passed = 0;
  size_t failed = 0;
  size_t skipped = 0;
};

Counts count(const std::vector<ScenarioResult>& all) {
  Counts c;
  for (const auto& r : all) {
    if (r.status == ScenarioStatus::Passed) ++c.passed;
    if (r.status == ScenarioStatus::Failed) ++c.failed;
    if (r.status == ScenarioStatus::Skipped) ++c.skipped;
  }
  return c;
}

void junit_case(std::ostringstream& os, const std::string& suite, const std::string& name, const char* tag,
                const std::string& message) {
  os << "    <testcase classname=\"" << xml_escaped(suite) << "\" name=\"" << xml_escaped(name) << "\"";
  if (tag == nullptr) {
    os << "/>\n";
    return;
  }
  os << ">\n      <" << tag << " message=\"" << xml_escaped(message) << "\"/>\n    </testcase>\n";
}

void junit_suite(std::ostringstream& os, const ScenarioResult& r) {
  size_t tests = 0;
  size_t failures = 0;
  size_t skipped = 0;
  for (const auto& p : r.probes) {
    for (const auto& e : p.results) {
      ++tests;
      failures += e.status == ExpectStatus::Fail ? 1 : 0;
      skipped += e.status == ExpectStatus::Skip ? 1 : 0;
    }
  }
  const bool whole = r.status == ScenarioStatus::Skipped || !r.error.empty();
  if (whole) {
    ++tests;
    failures += r.status == ScenarioStatus::Skipped ? 0 : 1;
    skipped += r.status == ScenarioStatus::Skipped ? 1 : 0;
  }
  os << "  <testsuite name=\"" << xml_escaped(r.name) << "\" tests=\"" << tests << "\" failures=\"" << failures
     << "\" errors=\"0\" skipped=\"" << skipped << "\" file=\"" << xml_escaped(r.file) << "\">\n";
  if (r.status == ScenarioStatus::Skipped) junit_case(os, r.name, "scenario", "skipped", r.skip_reason);
  if (r.status != ScenarioStatus::Skipped && !r.error.empty()) junit_case(os, r.name, "lab", "failure", r.error);
  for (const auto& p : r.probes) {
    for (const auto& e : p.results) {
      const std::string name = p.name + " " + e.key;
      if (e.status == ExpectStatus::Pass) {
        junit_case(os, r.name, name, nullptr, "");
      } else if (e.status == ExpectStatus::Fail) {
        junit_case(os, r.name, name, "failure", result_line(p.name, e));
      } else {
        junit_case(os, r.name, name, "skipped", e.why);
      }
    }
  }
  os << "  </testsuite>\n";
}

}  // namespace

std::string to_string(ScenarioStatus s) {
  switch (s) {
    case ScenarioStatus::Passed: return "passed";
    case ScenarioStatus::Failed: return "failed";
    case ScenarioStatus::Skipped: return "skipped";
  }
  return "failed";
}

ScenarioStatus status_from(const ScenarioResult& r) {
  if (!r.error.empty()) return ScenarioStatus::Failed;
  for (const auto& p : r.probes) {
    for (const auto& e : p.results) {
      if (e.status == ExpectStatus::Fail) return ScenarioStatus::Failed;
    }
  }
  return ScenarioStatus::Passed;
}

std::string scenario_text(const ScenarioResult& r) {
  std::ostringstream os;
  os << "== " << r.name << ": " << r.title << "\n";
  if (r.status == ScenarioStatus::Skipped) {
    os << "SKIP " << r.name << ": " << r.skip_reason << "\n";
    return os.str();
  }
  if (!r.error.empty()) os << "FAIL " << r.name << ": " << r.error << "\n";
  for (const auto& p : r.probes) {
    if (!p.summary.empty()) os << "   " << p.name << ": " << p.summary << "\n";
    for (const auto& e : p.results) os << result_line(p.name, e) << "\n";
  }
  return os.str();
}

std::string summary_text(const std::vector<ScenarioResult>& all) {
  const Counts c = count(all);
  std::ostringstream os;
  os << all.size() << " scenarios: " << c.passed << " passed, " << c.failed << " failed, " << c.skipped << " skipped\n";
  for (const auto& r : all) {
    if (r.status == ScenarioStatus::Skipped) os << "  skipped " << r.name << ": " << r.skip_reason << "\n";
  }
  return os.str();
}

nlohmann::json results_json(const std::vector<ScenarioResult>& all) {
  json scenarios = json::array();
  for (const auto& r : all) {
    json probes = json::array();
    for (const auto& p : r.probes) {
      json results = json::array();
      for (const auto& e : p.results) {
        results.push_back({{"key", e.key},
                           {"expected", e.expected},
                           {"actual", e.actual},
                           {"status", to_string(e.status)},
                           {"why", e.why}});
      }
      probes.push_back({{"name", p.name}, {"summary", p.summary}, {"results", results}});
    }
    scenarios.push_back({{"name", r.name},
                         {"title", r.title},
                         {"file", r.file},
                         {"status", to_string(r.status)},
                         {"skip_reason", r.skip_reason},
                         {"error", r.error},
                         {"probes", probes}});
  }
  const Counts c = count(all);
  return json{{"scenarios", scenarios},
              {"summary", {{"total", all.size()}, {"passed", c.passed}, {"failed", c.failed}, {"skipped", c.skipped}}}};
}

std::string results_junit(const std::vector<ScenarioResult>& all) {
  std::ostringstream os;
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"fwpath lab\">\n";
  for (const auto& r : all) junit_suite(os, r);
  os << "</testsuites>\n";
  return os.str();
}

}  // namespace fwpath::scenario

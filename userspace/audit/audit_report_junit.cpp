#include <sstream>

#include "audit/audit_report.h"
#include "output/xml_text.h"

namespace fwpath::audit {

namespace {

using output::xml_escaped;

std::string blocking_text(const BlockingRule& b) {
  std::ostringstream os;
  os << "blocked in netns " << b.netns << " at " << model::to_string(b.hook) << " (" << model::to_string(b.direction)
     << ")";
  if (!b.table.empty()) {
    os << " by " << b.family << " " << b.table << " " << b.chain;
    if (b.handle != 0) os << " handle " << b.handle;
  }
  if (!b.rule.empty()) os << ": " << b.rule;
  return os.str();
}

}  // namespace

std::string audit_junit(const AuditReport& report) {
  const std::string suite = "fwpath audit " + report.ruleset + " (" + to_string(report.setup.role) + ")";
  const std::string classname = "fwpath.audit." + to_string(report.setup.role);
  std::ostringstream os;
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     << "<testsuites name=\"fwpath audit\" tests=\"" << report.results.size() << "\" failures=\"" << report.blocked()
     << "\" errors=\"0\">\n"
     << "  <testsuite name=\"" << xml_escaped(suite) << "\" tests=\"" << report.results.size() << "\" failures=\""
     << report.blocked() << "\" errors=\"0\" skipped=\"0\">\n";
  for (const auto& r : report.results) {
    os << "    <testcase classname=\"" << xml_escaped(classname) << "\" name=\""
       << xml_escaped(r.probe.requirement.str()) << "\"";
    if (r.allowed) {
      os << ">\n      <system-out>" << xml_escaped(path_text(report.setup, r.probe) + ": " + r.summary)
         << "</system-out>\n    </testcase>\n";
      continue;
    }
    os << ">\n      <failure type=\"blocked\" message=\"" << xml_escaped(r.summary) << "\">"
       << xml_escaped(path_text(report.setup, r.probe) + "\n" +
                      (r.blocking ? blocking_text(*r.blocking) : "no rule seen deciding: " + r.summary))
       << "</failure>\n    </testcase>\n";
  }
  os << "  </testsuite>\n</testsuites>\n";
  return os.str();
}

}  // namespace fwpath::audit

#include "output/kernel_check_report.h"

#include <algorithm>
#include <sstream>

namespace fwpath::output {

namespace {

size_t widest_feature_name(const model::KernelReport& report) {
  size_t width = 0;
  for (const auto& f : report.features) width = std::max(width, f.name.size());
  for (const auto& c : report.assessment.costs) width = std::max(width, c.feature.size());
  return width;
}

std::string padded(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// Cost lines of one impact, aligned; returns whether any was written.
bool write_costs(std::ostringstream& os, const model::KernelReport& report, model::Impact impact, size_t width) {
  bool any = false;
  for (const auto& c : report.assessment.costs) {
    if (c.impact != impact) continue;
    os << "  " << padded(c.feature, width) << "  " << c.text << "\n";
    any = true;
  }
  return any;
}

bool has_impact(const model::KernelReport& report, model::Impact impact) {
  return std::any_of(report.assessment.costs.begin(), report.assessment.costs.end(),
                     [&](const model::FeatureCost& c) { return c.impact == impact; });
}

}  // namespace

nlohmann::ordered_json kernel_report_json(const model::KernelReport& report) {
  nlohmann::ordered_json features = nlohmann::ordered_json::array();
  for (const auto& f : report.features) {
    features.push_back({{"name", f.name}, {"available", f.available}, {"detail", f.detail}});
  }
  nlohmann::ordered_json costs = nlohmann::ordered_json::array();
  for (const auto& c : report.assessment.costs) {
    costs.push_back({{"feature", c.feature}, {"impact", model::to_string(c.impact)}, {"text", c.text}});
  }
  return {
      {"schema_version", kKernelCheckSchemaVersion},
      {"kernel", report.kernel},
      {"features", std::move(features)},
      {"verdict", model::to_string(report.assessment.verdict)},
      {"costs", std::move(costs)},
      {"elapsed_ms", report.elapsed.count()},
  };
}

std::string render_kernel_report_json(const model::KernelReport& report) {
  // Details quote kernel and libbpf messages; replace rather than throw on bad UTF-8.
  return kernel_report_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string render_kernel_report_text(const model::KernelReport& report) {
  using model::Impact;
  using model::KernelVerdict;
  const size_t width = std::max(widest_feature_name(report), std::string("feature").size());
  std::ostringstream os;
  os << "kernel " << report.kernel << "\n\n";
  os << padded("feature", width) << "  available  detail\n";
  for (const auto& f : report.features) {
    os << padded(f.name, width) << "  " << padded(f.available ? "yes" : "no", 9) << "  " << f.detail << "\n";
  }
  os << "\n";
  switch (report.assessment.verdict) {
    case KernelVerdict::Full: os << "verdict: full (everything the tracer uses works here)\n"; break;
    case KernelVerdict::Degraded: os << "verdict: degraded (the tracer runs; what is missing costs this)\n"; break;
    case KernelVerdict::Unsupported: os << "verdict: unsupported (fwpath cannot trace on this node)\n"; break;
  }
  write_costs(os, report, Impact::Unsupported, width);
  if (report.assessment.verdict == KernelVerdict::Unsupported && has_impact(report, Impact::Degraded)) {
    os << "also missing:\n";
  }
  write_costs(os, report, Impact::Degraded, width);
  if (has_impact(report, Impact::Info)) {
    os << "informational (nothing lost for tracing):\n";
    write_costs(os, report, Impact::Info, width);
  }
  os << "\nchecked in " << report.elapsed.count() << " ms\n";
  return os.str();
}

}  // namespace fwpath::output

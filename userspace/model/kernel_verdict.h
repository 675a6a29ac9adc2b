#pragma once
// What `fwpath kernel-check` concludes from its feature probes. Pure: the probes
// (userspace/kernel/) turn real attempts into FeatureResults; this decides what they mean
// for the tracer, so every rule here is unit tested without privileges.
// The rules are documented in docs/kernel-check.md; keep the two in step.
#include <chrono>
#include <string>
#include <vector>

namespace fwpath::model {

// The outcome of one real attempt (load and attach, a netlink request, ...).
struct FeatureResult {
  std::string name;        // one of kernel_feature_names()
  bool available = false;  // for iptables_legacy_in_use: legacy rules exist (a finding)
  std::string detail;      // what was tried and what the kernel answered
  friend bool operator==(const FeatureResult&, const FeatureResult&) = default;
};

// Every feature kernel-check reports, in report order.
const std::vector<std::string>& kernel_feature_names();

enum class KernelVerdict { Full, Degraded, Unsupported };
std::string to_string(KernelVerdict v);

// How much one missing feature (or one finding) weighs.
enum class Impact {
  Unsupported,  // the tracer cannot give its core answer: the verdict is unsupported
  Degraded,     // the user loses something the tracer would otherwise show
  Info,         // nothing lost for tracing (an alternative covers it, or lab-only)
};
std::string to_string(Impact i);

// One sentence per missing feature (or finding): what it costs the user.
struct FeatureCost {
  std::string feature;
  Impact impact = Impact::Info;
  std::string text;
  friend bool operator==(const FeatureCost&, const FeatureCost&) = default;
};

struct KernelAssessment {
  KernelVerdict verdict = KernelVerdict::Full;
  std::vector<FeatureCost> costs;  // in report order of the features
};

// Applies the verdict rules. A feature absent from `features` counts as unavailable (a
// probe that did not run proves nothing); names not in kernel_feature_names() are ignored.
KernelAssessment assess_kernel(const std::vector<FeatureResult>& features);

// Everything a kernel-check run found, ready for rendering.
struct KernelReport {
  std::string kernel;  // uname release
  std::vector<FeatureResult> features;
  KernelAssessment assessment;
  std::chrono::milliseconds elapsed{0};
};

}  // namespace fwpath::model

#pragma once
// A running lab: the namespaces of a LabSpec, wired, configured, firewalled and serving.
// build() creates everything in order (namespaces, sysctls, links, addresses, routes,
// rulesets, listeners) and checks for a stop signal between steps; whatever fails or is
// interrupted, what was already created is removed before build() returns. A built lab
// is removed by teardown() or by its destructor: listeners stop first, then the
// namespaces are deleted, which takes their links, tables and conntrack with them.
#include <string>
#include <vector>

#include "lab/lab_names.h"
#include "lab/lab_netns.h"
#include "lab/lab_spec.h"
#include "lab/listeners.h"
#include "util/error.h"

namespace fwpath::lab {

class Lab {
 public:
  // Validates the spec (validate_lab_spec), then builds it under a fresh run id.
  static Result<Lab> build(const LabSpec& spec);

  Lab(Lab&&) noexcept = default;
  Lab& operator=(Lab&&) = delete;
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;
  ~Lab() = default;  // members go in reverse order: listeners, then namespaces

  // Stops the listeners and deletes every namespace; the first failure is returned, but
  // every namespace is still attempted. Idempotent.
  Status teardown();

  [[nodiscard]] const LabRunId& run() const { return run_; }
  [[nodiscard]] const std::vector<LabNetns>& namespaces() const { return netns_; }
  // The namespace of a host, or nullptr.
  [[nodiscard]] const LabNetns* find(const std::string& host) const;
  // The host's namespace name under /run/netns; the host must exist.
  [[nodiscard]] std::string netns_name(const std::string& host) const;
  [[nodiscard]] const std::vector<LabListener>& listeners() const { return listeners_; }

 private:
  explicit Lab(LabRunId run) : run_(run) {}
  Status build_steps(const LabSpec& spec);
  [[nodiscard]] NetnsRef ref(const std::string& host) const;

  LabRunId run_;
  std::vector<LabNetns> netns_;
  std::vector<LabListener> listeners_;  // after netns_: destroyed before them
};

}  // namespace fwpath::lab

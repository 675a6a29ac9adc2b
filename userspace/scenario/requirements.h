#pragma once
// The `requires:` check of a scenario: each feature is tried, not inferred from a kernel
// version (a scratch namespace for kernel features, $PATH for tools). A missing feature
// is a skip reason, "needs wireguard: create wireguard link ...: Operation not supported".
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fwpath::scenario {

// Tries one feature on this machine: nothing when it is there, the reason when not.
std::optional<std::string> try_feature(const std::string& feature);

// The answers of one run (`fwpath lab run` over many scenario files): each feature is
// tried once, not once per scenario that needs it; a scratch namespace per try is what
// the repetition would cost, and the answer does not change within a run.
class RequirementCheck {
 public:
  using Try = std::function<std::optional<std::string>(const std::string& feature)>;
  explicit RequirementCheck(Try try_one = try_feature) : try_(std::move(try_one)) {}

  // The first missing feature as a skip reason ("needs F: why"), or nothing when all are
  // there.
  std::optional<std::string> missing(const std::vector<std::string>& features);

 private:
  Try try_;
  std::map<std::string, std::optional<std::string>> answers_;
};

// The features a lab spec needs by itself whether the file says so or not (a WireGuard
// listener, a tc filter, an iptables ruleset), added to what the file declares.
std::vector<std::string> implied_features(const std::vector<std::string>& declared, bool wireguard_listener,
                                          bool tc_filter, bool iptables_nft, bool iptables_legacy);

}  // namespace fwpath::scenario

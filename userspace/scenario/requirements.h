#pragma once
// The `requires:` check of a scenario: each feature is tried, not inferred from a kernel
// version (a scratch namespace for kernel features, $PATH for tools). A missing feature
// is a skip reason, "needs wireguard: create wireguard link ...: Operation not supported".
#include <optional>
#include <string>
#include <vector>

namespace fwpath::scenario {

// The first missing feature as a skip reason, or nothing when all are there.
std::optional<std::string> missing_requirement(const std::vector<std::string>& features);

// The features a lab spec needs by itself whether the file says so or not (a WireGuard
// listener, a tc filter, an iptables ruleset), added to what the file declares.
std::vector<std::string> implied_features(const std::vector<std::string>& declared, bool wireguard_listener,
                                          bool tc_filter, bool iptables_nft, bool iptables_legacy);

}  // namespace fwpath::scenario

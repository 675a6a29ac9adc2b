#pragma once
// The demo's lab (docs/demo.md; scenarios S1, S3 and S5 of the shared topology): a
// consumer node, a router, a provider node running an API server and, behind a NodePort,
// a gateway pod; the provider's firewall breaks both paths the way users meet it.
//
//   consumer  eth0 192.0.2.10/24      default via 192.0.2.1
//   router    eth-c 192.0.2.1/24, eth-p 198.51.100.1/24, forwarding on
//   provider  eth0 198.51.100.20/24   default via 198.51.100.1, forwarding on
//             veth-gw 198.18.1.1/24   API server on 198.51.100.20:6443/tcp
//             kube-proxy.nft + host-firewall.nft (rulesets/demo/)
//   gw-pod    eth0 198.18.1.5/24      default via 198.18.1.1; UDP 51840, never answers
#include <string>
#include <vector>

#include "lab/lab_spec.h"
#include "util/error.h"

namespace fwpath::lab::demo {

inline constexpr const char* kConsumer = "consumer";
inline constexpr const char* kRouter = "router";
inline constexpr const char* kProvider = "provider";
inline constexpr const char* kGatewayPod = "gw-pod";

inline constexpr const char* kApiServer = "198.51.100.20:6443";         // TCP, rejected by the host firewall
inline constexpr const char* kGatewayNodePort = "198.51.100.20:30742";  // UDP, DNAT to the pod, dropped in forward
inline constexpr const char* kGatewayPodEndpoint = "198.18.1.5:51840";

// The lab, with the embedded rulesets. An Environment error only if the binary was built
// without one of them.
Result<LabSpec> lab_spec();

// What the demo probes, and what it must find: both paths broken, on purpose.
struct DemoTarget {
  std::string label;  // "api-server", "gateway" (as `fwpath probe` labels them)
  model::L4 proto;
  std::string target;
  std::string expected_outcome;  // model::to_string(Outcome): "rejected", "dropped"
  std::string why;               // one line: what breaks it
};
std::vector<DemoTarget> targets();

}  // namespace fwpath::lab::demo

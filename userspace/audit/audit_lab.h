#pragma once
// The sandbox an audit runs in, as data (a LabSpec) plus what to probe in it. Pure.
//
//   node    IFACE NODE_IP/24         the audited ruleset; default via the router
//   router  to-node, to-peer         forwarding on, no ruleset
//   peer    eth0 PEER_IP/24          default via the router
//
// consumer: each required path goes out from the node to a listener on the peer;
// provider: each comes in from the peer to a listener on the node. The router keeps the
// node and the peer in different subnets, as in a real cluster-to-cluster setup, so that
// a ruleset's rules about routed traffic behave as they would on the node.
#include <string>
#include <vector>

#include "audit/requirement.h"
#include "lab/lab_spec.h"
#include "util/error.h"

namespace fwpath::audit {

inline constexpr const char* kNodeHost = "node";
inline constexpr const char* kRouterHost = "router";
inline constexpr const char* kPeerHost = "peer";

inline constexpr const char* kDefaultIface = "eth0";
inline constexpr const char* kDefaultNodeIp = "192.0.2.10";
inline constexpr const char* kDefaultPeerIp = "198.51.100.20";

enum class Role { Consumer, Provider };
Result<Role> parse_role(const std::string& text);  // "consumer" | "provider"
std::string to_string(Role role);

struct AuditSetup {
  Role role = Role::Consumer;
  std::vector<Requirement> requirements;
  std::string iface = kDefaultIface;  // the node's interface, as the ruleset names it
  std::string node_ip = kDefaultNodeIp;
  std::string peer_ip = kDefaultPeerIp;
};

// One required path in the lab.
struct PlannedProbe {
  Requirement requirement;
  std::string from_host;  // kNodeHost or kPeerHost
  std::string to_host;
  std::string target;   // "198.51.100.20:6443": the listener's endpoint
  size_t listener = 0;  // index into LabSpec::listeners (the order Lab::listeners() keeps)
};

struct AuditPlan {
  lab::LabSpec lab;         // without the audited ruleset: it is loaded in its own format afterwards
  std::string origin_host;  // where the probes start
  std::vector<PlannedProbe> probes;
};

// BadInput when an address lies outside the lab ranges, node and peer share a /24, or
// the interface name is not one the kernel accepts (or is one the router uses).
Result<AuditPlan> plan_audit(const AuditSetup& setup);

}  // namespace fwpath::audit

#include "audit/audit_lab.h"

namespace fwpath::audit {

namespace {

// rp_filter off: strict reverse-path filtering is not what an audit of a ruleset asks
// about, and the lab must not inherit the running machine's defaults.
std::vector<std::pair<std::string, std::string>> base_sysctls(bool forwarding) {
  std::vector<std::pair<std::string, std::string>> s = {{"net.ipv4.conf.all.rp_filter", "0"},
                                                        {"net.ipv4.conf.default.rp_filter", "0"}};
  if (forwarding) s.emplace_back("net.ipv4.ip_forward", "1");
  return s;
}

Result<model::IpAddr> lab_address(const std::string& text, const std::string& option) {
  auto addr = model::IpAddr::parse(text);
  if (!addr || addr->v6) return input_error(option + " '" + text + "': not an IPv4 address");
  if (!lab::in_lab_ranges(lab::Ipv4Prefix{addr.value(), 32})) {
    return input_error(option + " '" + text +
                       "': outside the lab's ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15)");
  }
  const uint8_t last = addr->bytes[3];
  if (last == 0 || last == 255)
    return input_error(option + " '" + text + "': the network or broadcast address of its /24");
  return addr.value();
}

// The router's address in `host`'s /24: .1, or .254 when the host already has .1.
model::IpAddr gateway_for(model::IpAddr host) {
  const uint8_t last = host.bytes[3];
  host.bytes[3] = last == 1 ? 254 : 1;
  return host;
}

bool same_slash24(const model::IpAddr& a, const model::IpAddr& b) {
  return a.bytes[0] == b.bytes[0] && a.bytes[1] == b.bytes[1] && a.bytes[2] == b.bytes[2];
}

}  // namespace

Result<Role> parse_role(const std::string& text) {
  if (text == "consumer") return Role::Consumer;
  if (text == "provider") return Role::Provider;
  return input_error("bad --role '" + text + "'", "(expected consumer or provider)");
}

std::string to_string(Role role) {
  return role == Role::Consumer ? "consumer" : "provider";
}

Result<AuditPlan> plan_audit(const AuditSetup& setup) {
  if (setup.requirements.empty()) return input_error("no required path to audit");
  if (!lab::valid_ifname(setup.iface) || setup.iface == "lo") {
    return input_error("bad --iface '" + setup.iface + "'", "(1..15 characters, no '/', ':', '.' or spaces)");
  }
  auto node = lab_address(setup.node_ip, "--node-ip");
  if (!node) return node.take_error();
  auto peer = lab_address(setup.peer_ip, "--peer");
  if (!peer) return peer.take_error();
  if (same_slash24(node.value(), peer.value())) {
    return input_error("--node-ip " + setup.node_ip + " and --peer " + setup.peer_ip +
                       " share a /24: the lab routes between them, give addresses in different /24s");
  }
  const model::IpAddr gw_node = gateway_for(node.value());
  const model::IpAddr gw_peer = gateway_for(peer.value());

  AuditPlan plan;
  lab::LabSpec& s = plan.lab;
  const bool consumer = setup.role == Role::Consumer;
  s.hosts = {
      {kNodeHost, "the audited node (" + to_string(setup.role) + "): the ruleset under audit", base_sysctls(false)},
      {kRouterHost, "router between the node and its peer", base_sysctls(true)},
      {kPeerHost, consumer ? "peer: the services the node must reach" : "peer: the clients that must reach the node",
       base_sysctls(false)},
  };
  s.links = {{kNodeHost, setup.iface, kRouterHost, "to-node"}, {kRouterHost, "to-peer", kPeerHost, "eth0"}};
  s.addresses = {
      {kNodeHost, setup.iface, setup.node_ip + "/24"},
      {kRouterHost, "to-node", gw_node.str() + "/24"},
      {kRouterHost, "to-peer", gw_peer.str() + "/24"},
      {kPeerHost, "eth0", setup.peer_ip + "/24"},
  };
  s.routes = {{kNodeHost, "default", gw_node.str()}, {kPeerHost, "default", gw_peer.str()}};

  plan.origin_host = consumer ? kNodeHost : kPeerHost;
  const std::string to_host = consumer ? kPeerHost : kNodeHost;
  const std::string to_ip = consumer ? setup.peer_ip : setup.node_ip;
  for (const auto& r : setup.requirements) {
    PlannedProbe p{r, plan.origin_host, to_host, to_ip + ":" + std::to_string(r.port), s.listeners.size()};
    s.listeners.push_back({to_host, r.proto, p.target, "required " + r.str()});
    plan.probes.push_back(std::move(p));
  }
  return plan;
}

}  // namespace fwpath::audit

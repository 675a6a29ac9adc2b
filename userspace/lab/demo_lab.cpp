#include "lab/demo_lab.h"

#include "lab/embedded_rulesets.h"

namespace fwpath::lab::demo {

namespace {

Result<RulesetSpec> embedded(const std::string& host, const std::string& name, const std::string& summary) {
  auto text = find_demo_ruleset(name);
  if (!text) return env_error("this fwpath was built without the demo ruleset", "rulesets/demo/" + name);
  return RulesetSpec{host, name, summary, std::string(*text)};
}

// rp_filter off: strict reverse-path filtering is a different way to lose packets (S14);
// the demo shows one firewall, not the kernel defaults of the machine it runs on.
std::vector<std::pair<std::string, std::string>> base_sysctls(bool forwarding) {
  std::vector<std::pair<std::string, std::string>> s = {{"net.ipv4.conf.all.rp_filter", "0"},
                                                        {"net.ipv4.conf.default.rp_filter", "0"}};
  if (forwarding) s.emplace_back("net.ipv4.ip_forward", "1");
  return s;
}

}  // namespace

Result<LabSpec> lab_spec() {
  LabSpec s;
  s.hosts = {
      {kConsumer, "consumer node: sends the probes", base_sysctls(false)},
      {kRouter, "router between the two clusters", base_sysctls(true)},
      {kProvider, "provider node: API server :6443/tcp, NodePort 30742/udp", base_sysctls(true)},
      {kGatewayPod, "gateway pod: UDP :51840, silent like WireGuard", base_sysctls(false)},
  };
  s.links = {
      {kConsumer, "eth0", kRouter, "eth-c"},
      {kRouter, "eth-p", kProvider, "eth0"},
      {kProvider, "veth-gw", kGatewayPod, "eth0"},
  };
  s.addresses = {
      {kConsumer, "eth0", "192.0.2.10/24"},    {kRouter, "eth-c", "192.0.2.1/24"},
      {kRouter, "eth-p", "198.51.100.1/24"},   {kProvider, "eth0", "198.51.100.20/24"},
      {kProvider, "veth-gw", "198.18.1.1/24"}, {kGatewayPod, "eth0", "198.18.1.5/24"},
  };
  s.routes = {
      {kConsumer, "default", "192.0.2.1"},
      {kProvider, "default", "198.51.100.1"},
      {kGatewayPod, "default", "198.18.1.1"},
  };
  auto kube_proxy =
      embedded(kProvider, "kube-proxy.nft", "table ip kube-proxy: NodePort 30742/udp -> DNAT to 198.18.1.5:51840");
  if (!kube_proxy) return kube_proxy.take_error();
  auto host_firewall = embedded(kProvider, "host-firewall.nft",
                                "table inet filter: input opens 22/tcp and 30742/udp, rejects the rest; "
                                "forward policy drop");
  if (!host_firewall) return host_firewall.take_error();
  s.rulesets = {kube_proxy.value(), host_firewall.value()};
  s.listeners = {
      {kProvider, model::L4::Tcp, kApiServer, "API server"},
      {kGatewayPod, model::L4::Udp, kGatewayPodEndpoint, "gateway (WireGuard port)"},
  };
  return s;
}

std::vector<DemoTarget> targets() {
  return {
      {"api-server", model::L4::Tcp, kApiServer, "rejected",
       "6443 was never opened; input's last rule rejects it (ICMP admin-prohibited)"},
      {"gateway", model::L4::Udp, kGatewayNodePort, "dropped",
       "30742 is allowed in input, but after DNAT the datagram is forwarded; forward's policy drops it"},
  };
}

}  // namespace fwpath::lab::demo

#pragma once
// A lab as data: hosts (each its own network namespace), veth links between them,
// bridges, addresses, routes, sysctls, rulesets, tc drop filters and listeners. The demo's
// topology is one such value; scenario files (scenario/) are parsed into the same shape. validate_lab_spec() is
// the safety gate every spec passes before anything is created: only the documentation
// and benchmark ranges, links only between the lab's own hosts, sysctls only under the
// per-namespace net.* trees. Pure: no system calls.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/flow.h"
#include "util/error.h"

namespace fwpath::lab {

struct HostSpec {
  std::string name;  // valid_lab_host_name(); also what reports call the namespace
  std::string role;  // one line for people, e.g. "provider node: kube-proxy, host firewall"
  // sysctl(8) keys and values. Those of one interface (sysctl_interface()) are written
  // once the host's links and bridges exist; the others before any link exists, so that
  // interfaces created later inherit the conf.default.* values.
  std::vector<std::pair<std::string, std::string>> sysctls;
};

// A veth pair: `a_if` in host `a`, its peer `b_if` in host `b`. Both ends are created
// inside lab namespaces, so no lab has a link to the namespace fwpath runs in.
struct LinkSpec {
  std::string a;
  std::string a_if;
  std::string b;
  std::string b_if;
  uint32_t mtu = 0;  // both ends; 0 keeps the kernel's default
};

// A Linux bridge inside one host, enslaving some of that host's link ends.
struct BridgeSpec {
  std::string host;
  std::string name;
  std::vector<std::string> ports;
};

struct AddressSpec {
  std::string host;
  std::string ifname;
  std::string cidr;  // "192.0.2.10/24"
};

enum class RouteType { Unicast, Unreachable, Blackhole, Prohibit };
// "unicast", "unreachable", "blackhole", "prohibit"; BadInput for anything else.
Result<RouteType> parse_route_type(const std::string& text);
std::string to_string(RouteType t);

struct RouteSpec {
  std::string host;
  std::string dst;  // "default" or a prefix, "198.18.1.0/24"
  std::string via;  // gateway address; Unicast only
  RouteType type = RouteType::Unicast;
};

struct RulesetSpec {
  std::string host;
  std::string name;     // where the text came from, for errors and the intro ("kube-proxy.nft")
  std::string summary;  // one line for people: what it does
  std::string text;     // loaded as one transaction
  // "nft" (libnftables), "iptables-save" or "iptables-legacy-save" (kRulesetFormats).
  std::string format = "nft";
};

inline constexpr const char* kRulesetFormats[] = {"nft", "iptables-save", "iptables-legacy-save"};

// A tc ingress filter that drops one kind of packet on a device (clsact + flower).
struct TcDropSpec {
  std::string host;
  std::string dev;
  model::L4 proto = model::L4::Udp;
  uint16_t dport = 0;
};

struct ListenerSpec {
  std::string host;
  model::L4 proto = model::L4::Tcp;  // Tcp: accepts and closes; Udp: receives, never answers
  std::string endpoint;              // "198.51.100.20:6443"
  std::string role;                  // "API server"
  // Udp only: a real WireGuard interface listens on the port instead of a socket.
  bool wireguard = false;
};

struct LabSpec {
  std::vector<HostSpec> hosts;
  std::vector<LinkSpec> links;
  std::vector<BridgeSpec> bridges;
  std::vector<AddressSpec> addresses;
  std::vector<RouteSpec> routes;
  std::vector<RulesetSpec> rulesets;
  std::vector<TcDropSpec> tc;
  std::vector<ListenerSpec> listeners;
};

// An IPv4 prefix, "198.18.1.0/24"; a bare address is a /32.
struct Ipv4Prefix {
  model::IpAddr addr;
  uint8_t len = 32;
};
Result<Ipv4Prefix> parse_ipv4_prefix(const std::string& text);

// Whether every address of the prefix lies in 192.0.2.0/24, 198.51.100.0/24,
// 203.0.113.0/24 (RFC 5737) or 198.18.0.0/15 (RFC 2544): the only addresses a lab uses.
bool in_lab_ranges(const Ipv4Prefix& p);

// A network interface name the kernel accepts: 1..15 characters, no '/', ':', '.' or
// whitespace ('.' would break the sysctl path conf.<if>.*).
bool valid_ifname(const std::string& name);

// A sysctl key a lab may set: net.ipv4.*, net.ipv6.* or net.netfilter.*, which the kernel
// keeps per network namespace. Anything else could change the node itself.
bool lab_sysctl_allowed(const std::string& key);

// "net.ipv4.conf.all.rp_filter" -> "/proc/sys/net/ipv4/conf/all/rp_filter".
std::string sysctl_path(const std::string& key);

// The interface a per-interface sysctl names: IF in net.ipv4.conf.IF.*, net.ipv4.neigh.IF.*
// and the same under net.ipv6; "" for every other key (all, default, the global ones).
std::string sysctl_interface(const std::string& key);

// BadInput naming the first problem, or success.
Status validate_lab_spec(const LabSpec& spec);

}  // namespace fwpath::lab

#include "lab/lab_spec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "lab/lab_names.h"

namespace fwpath::lab {

namespace {

uint32_t v4_value(const model::IpAddr& a) {
  return (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) | (uint32_t{a.bytes[2]} << 8) |
         uint32_t{a.bytes[3]};
}

struct Range {
  uint32_t base;
  uint8_t len;
};
// 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15.
constexpr std::array<Range, 4> kLabRanges = {{
    {0xC0000200U, 24},
    {0xC6336400U, 24},
    {0xCB007100U, 24},
    {0xC6120000U, 15},
}};

uint32_t mask_of(uint8_t len) {
  return len == 0 ? 0 : ~uint32_t{0} << (32 - len);
}

bool has_host(const LabSpec& spec, const std::string& name) {
  return std::any_of(spec.hosts.begin(), spec.hosts.end(), [&](const HostSpec& h) { return h.name == name; });
}

Status need_host(const LabSpec& spec, const std::string& name, const std::string& where) {
  if (has_host(spec, name)) return {};
  return input_error(where + " names a host the lab does not have:", "'" + name + "'");
}

// Interfaces each host will have once its links and bridges exist (plus lo).
std::set<std::pair<std::string, std::string>> interfaces_of(const LabSpec& spec) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& h : spec.hosts) out.insert({h.name, "lo"});
  for (const auto& l : spec.links) {
    out.insert({l.a, l.a_if});
    out.insert({l.b, l.b_if});
  }
  for (const auto& b : spec.bridges) out.insert({b.host, b.name});
  return out;
}

Status validate_hosts(const LabSpec& spec) {
  if (spec.hosts.empty()) return input_error("a lab needs at least one host");
  std::set<std::string> names;
  for (const auto& h : spec.hosts) {
    if (!valid_lab_host_name(h.name)) {
      return input_error("lab host names are 1..15 of [a-z0-9-] starting with a letter, got", "'" + h.name + "'");
    }
    if (!names.insert(h.name).second) return input_error("lab host named twice:", h.name);
    for (const auto& [key, value] : h.sysctls) {
      if (!lab_sysctl_allowed(key)) {
        return input_error("host " + h.name + ": only net.ipv4.*, net.ipv6.* and net.netfilter.* sysctls, got",
                           "'" + key + "'");
      }
      if (value.empty() || value.find_first_of("\n/") != std::string::npos) {
        return input_error("host " + h.name + ": bad value for sysctl " + key + ":", "'" + value + "'");
      }
    }
  }
  return {};
}

Status validate_links(const LabSpec& spec) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& l : spec.links) {
    const std::string where = "link " + l.a + ":" + l.a_if + " -- " + l.b + ":" + l.b_if;
    FWPATH_TRY(need_host(spec, l.a, where));
    FWPATH_TRY(need_host(spec, l.b, where));
    if (l.a == l.b) return input_error(where + ": both ends in the same host");
    // 68 is IPv4's minimum; 65535 the veth maximum.
    if (l.mtu != 0 && (l.mtu < 68 || l.mtu > 65535)) {
      return input_error(where + ": mtu must be 68..65535, got", std::to_string(l.mtu));
    }
    for (const auto& [host, ifname] : {std::pair{l.a, l.a_if}, std::pair{l.b, l.b_if}}) {
      if (!valid_ifname(ifname) || ifname == "lo") {
        return input_error(where + ": interface names are 1..15 characters without '/', ':', '.' or spaces, got",
                           "'" + ifname + "'");
      }
      if (!seen.insert({host, ifname}).second)
        return input_error(where + ": interface used twice:", std::string(host).append(":").append(ifname));
    }
  }
  return {};
}

Status validate_bridges(const LabSpec& spec) {
  std::set<std::pair<std::string, std::string>> link_ends;
  for (const auto& l : spec.links) {
    link_ends.insert({l.a, l.a_if});
    link_ends.insert({l.b, l.b_if});
  }
  std::set<std::pair<std::string, std::string>> enslaved;
  std::set<std::pair<std::string, std::string>> names;
  for (const auto& b : spec.bridges) {
    const std::string where = "bridge " + b.name + " on " + b.host;
    FWPATH_TRY(need_host(spec, b.host, where));
    if (!valid_ifname(b.name) || b.name == "lo") return input_error(where + ": not a valid interface name");
    if (link_ends.count({b.host, b.name}) != 0 || !names.insert({b.host, b.name}).second) {
      return input_error(where + ": the name is already an interface of that host");
    }
    for (const auto& port : b.ports) {
      if (link_ends.count({b.host, port}) == 0) {
        return input_error(where + ": port is not a link end in " + b.host + ":", "'" + port + "'");
      }
      if (!enslaved.insert({b.host, port}).second) return input_error(where + ": port in two bridges:", port);
    }
  }
  return {};
}

Status validate_addresses(const LabSpec& spec) {
  const auto ifs = interfaces_of(spec);
  for (const auto& a : spec.addresses) {
    const std::string where = "address " + a.cidr + " on " + a.host + ":" + a.ifname;
    FWPATH_TRY(need_host(spec, a.host, where));
    if (ifs.count({a.host, a.ifname}) == 0) return input_error(where + ": no such interface in the lab");
    auto p = parse_ipv4_prefix(a.cidr);
    if (!p) return p.take_error().context(where);
    if (!in_lab_ranges(Ipv4Prefix{p->addr, 32})) {
      return input_error(where + ": labs use only 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15");
    }
  }
  return {};
}

Status validate_routes(const LabSpec& spec) {
  for (const auto& r : spec.routes) {
    const std::string where =
        "route " + r.dst + (r.type == RouteType::Unicast ? " via " + r.via : " " + to_string(r.type)) + " on " + r.host;
    FWPATH_TRY(need_host(spec, r.host, where));
    if (r.dst != "default") {
      auto dst = parse_ipv4_prefix(r.dst);
      if (!dst) return dst.take_error().context(where);
      if (!in_lab_ranges(dst.value())) return input_error(where + ": destination outside the lab's ranges");
    }
    if (r.type != RouteType::Unicast) {
      if (!r.via.empty()) return input_error(where + ": a " + to_string(r.type) + " route has no gateway (via)");
      continue;
    }
    auto via = parse_ipv4_prefix(r.via);
    if (!via || via->len != 32 || !in_lab_ranges(via.value())) {
      return input_error(where + ": the gateway must be one address in the lab's ranges");
    }
  }
  return {};
}

// A per-interface sysctl is written once the interface exists: it must be one of the host's.
Status validate_interface_sysctls(const LabSpec& spec) {
  const auto ifs = interfaces_of(spec);
  for (const auto& h : spec.hosts) {
    for (const auto& [key, value] : h.sysctls) {
      const std::string ifname = sysctl_interface(key);
      if (!ifname.empty() && ifs.count({h.name, ifname}) == 0) {
        return input_error("host " + h.name + ": sysctl " + key + " names an interface the host does not have:",
                           "'" + ifname + "'");
      }
    }
  }
  return {};
}

Status validate_rest(const LabSpec& spec) {
  FWPATH_TRY(validate_interface_sysctls(spec));
  for (const auto& r : spec.rulesets) {
    FWPATH_TRY(need_host(spec, r.host, "ruleset " + r.name));
    if (r.text.empty()) return input_error("ruleset is empty:", r.name);
    if (std::none_of(std::begin(kRulesetFormats), std::end(kRulesetFormats),
                     [&](const char* f) { return r.format == f; })) {
      return input_error("ruleset " + r.name + ": format must be nft, iptables-save or iptables-legacy-save, got",
                         "'" + r.format + "'");
    }
  }
  const auto ifs = interfaces_of(spec);
  for (const auto& t : spec.tc) {
    const std::string where = "tc ingress drop on " + t.host + ":" + t.dev;
    FWPATH_TRY(need_host(spec, t.host, where));
    if (ifs.count({t.host, t.dev}) == 0 || t.dev == "lo") return input_error(where + ": no such interface in the lab");
    if (t.proto != model::L4::Tcp && t.proto != model::L4::Udp) return input_error(where + ": proto tcp or udp only");
    if (t.dport == 0) return input_error(where + ": dport must be 1..65535");
  }
  for (const auto& l : spec.listeners) {
    const std::string where = "listener " + l.endpoint + " on " + l.host;
    FWPATH_TRY(need_host(spec, l.host, where));
    if (l.proto != model::L4::Tcp && l.proto != model::L4::Udp) return input_error(where + ": TCP or UDP only");
    if (l.wireguard && l.proto != model::L4::Udp) return input_error(where + ": a WireGuard listener is UDP");
    auto ep = model::parse_endpoint(l.endpoint);
    if (!ep) return ep.take_error().context(where);
    if (ep->addr.v6 || !in_lab_ranges(Ipv4Prefix{ep->addr, 32})) {
      return input_error(where + ": the address must be IPv4 in the lab's ranges");
    }
  }
  return {};
}

}  // namespace

Result<RouteType> parse_route_type(const std::string& text) {
  for (const auto t : {RouteType::Unicast, RouteType::Unreachable, RouteType::Blackhole, RouteType::Prohibit}) {
    if (text == to_string(t)) return t;
  }
  return input_error("route type must be unicast, unreachable, blackhole or prohibit, got", "'" + text + "'");
}

std::string to_string(RouteType t) {
  switch (t) {
    case RouteType::Unicast: return "unicast";
    case RouteType::Unreachable: return "unreachable";
    case RouteType::Blackhole: return "blackhole";
    case RouteType::Prohibit: return "prohibit";
  }
  return "unicast";
}

Result<Ipv4Prefix> parse_ipv4_prefix(const std::string& text) {
  const auto slash = text.find('/');
  auto addr = model::IpAddr::parse(text.substr(0, slash));
  if (!addr || addr->v6) return input_error("not an IPv4 address or prefix:", "'" + text + "'");
  Ipv4Prefix p{addr.value(), 32};
  if (slash != std::string::npos) {
    const std::string len = text.substr(slash + 1);
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), v);
    if (len.empty() || ec != std::errc() || end != len.data() + len.size() || v > 32) {
      return input_error("bad prefix length in", "'" + text + "'");
    }
    p.len = static_cast<uint8_t>(v);
  }
  return p;
}

bool in_lab_ranges(const Ipv4Prefix& p) {
  const uint32_t a = v4_value(p.addr);
  return std::any_of(kLabRanges.begin(), kLabRanges.end(),
                     [&](const Range& r) { return p.len >= r.len && (a & mask_of(r.len)) == r.base; });
}

bool valid_ifname(const std::string& name) {
  return !name.empty() && name.size() <= 15 && name.find_first_of("/:. \t\n") == std::string::npos;
}

bool lab_sysctl_allowed(const std::string& key) {
  static constexpr std::array<std::string_view, 3> kAllowed = {"net.ipv4.", "net.ipv6.", "net.netfilter."};
  const bool under = std::any_of(kAllowed.begin(), kAllowed.end(),
                                 [&](std::string_view p) { return key.size() > p.size() && key.rfind(p, 0) == 0; });
  if (!under) return false;
  // Components of [A-Za-z0-9_-] only: no empty component, no path tricks.
  size_t start = 0;
  for (size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '.') {
      if (i == start) return false;
      start = i + 1;
      continue;
    }
    const char c = key[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string sysctl_interface(const std::string& key) {
  for (const char* tree : {"net.ipv4.conf.", "net.ipv4.neigh.", "net.ipv6.conf.", "net.ipv6.neigh."}) {
    const std::string_view prefix(tree);
    if (key.rfind(prefix, 0) != 0) continue;
    const size_t end = key.find('.', prefix.size());
    if (end == std::string::npos) return "";
    std::string name = key.substr(prefix.size(), end - prefix.size());
    return name == "all" || name == "default" ? "" : name;
  }
  return "";
}

std::string sysctl_path(const std::string& key) {
  std::string path = "/proc/sys/" + key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  return path;
}

Status validate_lab_spec(const LabSpec& spec) {
  FWPATH_TRY(validate_hosts(spec));
  FWPATH_TRY(validate_links(spec));
  FWPATH_TRY(validate_bridges(spec));
  FWPATH_TRY(validate_addresses(spec));
  FWPATH_TRY(validate_routes(spec));
  return validate_rest(spec);
}

}  // namespace fwpath::lab

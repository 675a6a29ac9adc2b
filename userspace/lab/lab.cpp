#include "lab/lab.h"

#include "lab/rtnl.h"
#include "lab/ruleset_load.h"
#include "lab/sysctl.h"
#include "lab/tc_drop.h"
#include "lab/wireguard_listener.h"
#include "util/signals.h"

namespace fwpath::lab {

namespace {

Status check_stop() {
  if (stop_requested()) return interrupted_error("lab setup");
  return {};
}

}  // namespace

Result<Lab> Lab::build(const LabSpec& spec) {
  FWPATH_TRY(validate_lab_spec(spec));
  Lab lab(next_lab_run_id());
  // On failure `lab` is destroyed on the way out, removing what build_steps created.
  if (auto built = lab.build_steps(spec); !built) return built.take_error();
  return lab;
}

Status Lab::build_steps(const LabSpec& spec) {
  for (const auto& h : spec.hosts) {
    FWPATH_TRY(check_stop());
    auto ns = LabNetns::create(run_, h.name);
    if (!ns) return ns.take_error();
    netns_.push_back(std::move(ns.value()));
    for (const auto& [key, value] : h.sysctls) {
      if (sysctl_interface(key).empty()) FWPATH_TRY(write_sysctl(ref(h.name), key, value));
    }
  }
  for (const auto& l : spec.links) {
    FWPATH_TRY(check_stop());
    FWPATH_TRY(add_veth_pair(ref(l.a), l.a_if, ref(l.b), l.b_if));
    if (l.mtu != 0) {
      FWPATH_TRY(set_link_mtu(ref(l.a), l.a_if, l.mtu));
      FWPATH_TRY(set_link_mtu(ref(l.b), l.b_if, l.mtu));
    }
  }
  for (const auto& b : spec.bridges) {
    FWPATH_TRY(add_link_of_kind(ref(b.host), b.name, "bridge"));
    for (const auto& port : b.ports) FWPATH_TRY(set_link_master(ref(b.host), port, b.name));
    FWPATH_TRY(set_link_up(ref(b.host), b.name));
  }
  // Per-interface sysctls (conf.IF.*, neigh.IF.*) once every interface exists, before
  // any address makes the interface carry traffic.
  for (const auto& h : spec.hosts) {
    for (const auto& [key, value] : h.sysctls) {
      if (!sysctl_interface(key).empty()) FWPATH_TRY(write_sysctl(ref(h.name), key, value));
    }
  }
  for (const auto& a : spec.addresses) {
    auto prefix = parse_ipv4_prefix(a.cidr);
    if (!prefix) return prefix.take_error();
    FWPATH_TRY(add_ipv4_address(ref(a.host), a.ifname, prefix.value()));
  }
  for (const auto& r : spec.routes) {
    auto dst = r.dst == "default" ? Result<Ipv4Prefix>(Ipv4Prefix{model::IpAddr{}, 0}) : parse_ipv4_prefix(r.dst);
    if (!dst) return dst.take_error();
    if (r.type != RouteType::Unicast) {
      FWPATH_TRY(add_ipv4_typed_route(ref(r.host), dst.value(), r.type));
      continue;
    }
    auto via = model::IpAddr::parse(r.via);
    if (!via) return via.take_error();
    FWPATH_TRY(add_ipv4_route(ref(r.host), dst.value(), via.value()));
  }
  for (const auto& r : spec.rulesets) {
    FWPATH_TRY(check_stop());
    auto format = parse_ruleset_format(r.format);
    if (!format) return format.take_error();
    FWPATH_TRY(load_ruleset(ref(r.host), format.value(), r.name, r.text));
  }
  for (const auto& t : spec.tc) {
    FWPATH_TRY(check_stop());
    FWPATH_TRY(add_tc_ingress_drop(ref(t.host), t));
  }
  for (const auto& l : spec.listeners) {
    auto ep = model::parse_endpoint(l.endpoint);
    if (!ep) return ep.take_error();
    if (l.wireguard) {
      FWPATH_TRY(add_wireguard_listener(ref(l.host), "wg" + std::to_string(ep->port), ep->port));
      continue;
    }
    auto listener = LabListener::start(ref(l.host), l.proto, ep.value());
    if (!listener) return listener.take_error();
    listeners_.push_back(std::move(listener.value()));
  }
  return check_stop();
}

Status Lab::teardown() {
  listeners_.clear();
  Status first;
  for (auto& ns : netns_) {
    if (auto r = ns.remove(); !r && first) first = r.take_error();
  }
  netns_.clear();
  return first;
}

const LabNetns* Lab::find(const std::string& host) const {
  for (const auto& ns : netns_) {
    if (ns.host() == host) return &ns;
  }
  return nullptr;
}

std::string Lab::netns_name(const std::string& host) const {
  const LabNetns* ns = find(host);
  return ns != nullptr ? ns->name() : std::string();
}

NetnsRef Lab::ref(const std::string& host) const {
  const LabNetns* ns = find(host);
  // validate_lab_spec() guarantees the host exists and build_steps() creates hosts first.
  return ns != nullptr ? NetnsRef{ns->fd(), ns->name()} : NetnsRef{-1, host};
}

}  // namespace fwpath::lab

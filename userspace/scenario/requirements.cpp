#include "scenario/requirements.h"

#include <sys/stat.h>

#include <algorithm>

#include "lab/netns_exec.h"
#include "lab/rtnl.h"
#include "lab/tc_drop.h"
#include "util/child_process.h"
#include "util/netns.h"

namespace fwpath::scenario {

namespace {

std::optional<std::string> need_tool(const std::string& tool) {
  if (!find_system_tool(tool).empty()) return std::nullopt;
  return tool + " is not installed (looked in /usr/sbin, /sbin, /usr/bin, /bin)";
}

// What a scratch namespace says when asked to do `what`; nothing when it can.
template <class F>
std::optional<std::string> try_in_scratch_netns(F&& what) {
  auto ns = create_private_netns();
  if (!ns) return ns.error().message();
  const Status s = what(lab::NetnsRef{ns->get(), "scratch"});
  if (!s) return s.error().message();
  return std::nullopt;
}

}  // namespace

std::optional<std::string> try_feature(const std::string& feature) {
  if (feature == "wireguard") {
    if (auto t = need_tool("wg")) return t;
    return try_in_scratch_netns(
        [](const lab::NetnsRef& ns) { return lab::add_link_of_kind(ns, "wgprobe", "wireguard"); });
  }
  if (feature == "iptables-legacy") {
    if (auto t = need_tool("iptables-legacy-restore")) return t;
    if (auto t = need_tool("iptables-legacy")) return t;
    return try_in_scratch_netns([](const lab::NetnsRef& ns) -> Status {
      auto r = lab::run_in_netns(ns, {"iptables-legacy", "-t", "filter", "-S"});
      if (!r) return r.take_error();
      return {};
    });
  }
  if (feature == "iptables-nft") return need_tool("iptables-nft-restore");
  if (feature == "tc") {
    if (auto t = need_tool("tc")) return t;
    // The very filter a scenario installs (clsact + flower), on a veth of a scratch namespace:
    // kernels without cls_flower say "TC classifier not found" here.
    return try_in_scratch_netns([](const lab::NetnsRef& ns) -> Status {
      FWPATH_TRY(lab::add_veth_pair(ns, "tcprobe0", ns, "tcprobe1"));
      return lab::add_tc_ingress_drop(ns, lab::TcDropSpec{"scratch", "tcprobe0", model::L4::Udp, 9});
    });
  }
  if (feature == "kprobes") {
    // The kprobe PMU exists exactly when the kernel can create kprobes (CONFIG_KPROBE_EVENTS).
    struct stat st {};
    if (::stat("/sys/bus/event_source/devices/kprobe", &st) == 0) return std::nullopt;
    return "this kernel has no kprobes (/sys/bus/event_source/devices/kprobe is absent)";
  }
  return "unknown feature";
}

std::optional<std::string> RequirementCheck::missing(const std::vector<std::string>& features) {
  for (const auto& f : features) {
    auto known = answers_.find(f);
    if (known == answers_.end()) known = answers_.emplace(f, try_(f)).first;
    if (known->second) return "needs " + f + ": " + *known->second;
  }
  return std::nullopt;
}

std::vector<std::string> implied_features(const std::vector<std::string>& declared, bool wireguard_listener,
                                          bool tc_filter, bool iptables_nft, bool iptables_legacy) {
  std::vector<std::string> out = declared;
  const auto add = [&](bool needed, const char* f) {
    if (needed && std::find(out.begin(), out.end(), f) == out.end()) out.emplace_back(f);
  };
  add(wireguard_listener, "wireguard");
  add(tc_filter, "tc");
  add(iptables_nft, "iptables-nft");
  add(iptables_legacy, "iptables-legacy");
  return out;
}

}  // namespace fwpath::scenario

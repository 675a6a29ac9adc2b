#include "model/kernel_verdict.h"

#include <algorithm>
#include <functional>
#include <optional>

namespace fwpath::model {

namespace {

// Answers "is this feature available?" for the rules below; missing means unavailable.
class Lookup {
 public:
  explicit Lookup(const std::vector<FeatureResult>& features) : features_(features) {}
  [[nodiscard]] bool has(const std::string& name) const {
    return std::any_of(features_.begin(), features_.end(),
                       [&](const FeatureResult& f) { return f.name == name && f.available; });
  }

 private:
  const std::vector<FeatureResult>& features_;
};

// One rule per feature: the cost of it being missing (or, for a finding, present), or
// nothing when it costs nothing. Kept next to each other so the whole policy reads as a
// table; docs/kernel-check.md repeats it for users.
struct Rule {
  const char* feature;
  std::function<std::optional<FeatureCost>(const Lookup&)> cost;
};

std::optional<FeatureCost> when_missing(const Lookup& l, const char* feature, Impact impact, const char* text) {
  if (l.has(feature)) return std::nullopt;
  return FeatureCost{feature, impact, text};
}

const std::vector<Rule>& rules() {
  static const std::vector<Rule> all = {
      {"btf_vmlinux",
       [](const Lookup& l) {
         return when_missing(l, "btf_vmlinux", Impact::Degraded,
                             "the BPF programs cannot be fitted to this kernel (CO-RE needs vmlinux BTF): no kernel "
                             "drop, transmit or receive is seen, so a probe dropped outside an nftables rule is "
                             "reported as lost without a place or a reason");
       }},
      {"btf_modules",
       [](const Lookup& l) {
         // Only fentry on module functions needs it, and the tracer attaches none.
         return when_missing(l, "btf_modules", Impact::Info,
                             "none for the tracer: only fentry on functions that live in modules (nf_tables, "
                             "ip_tables where they are modules) would need it, and the tracer attaches no fentry");
       }},
      {"tracepoint",
       [](const Lookup& l) {
         if (l.has("raw_tracepoint")) {
           return when_missing(l, "tracepoint", Impact::Info,
                               "none: the tracer attaches raw tracepoints; classic ones are only their fallback");
         }
         return when_missing(l, "tracepoint", Impact::Degraded,
                             "the tracer's kernel side (skb:kfree_skb, net:net_dev_start_xmit, "
                             "net:netif_receive_skb) cannot attach: kernel drops, transmits and receives are not "
                             "seen, only nftables verdicts");
       }},
      {"raw_tracepoint",
       [](const Lookup& l) {
         if (l.has("tracepoint")) {
           return when_missing(l, "raw_tracepoint", Impact::Info,
                               "the tracer falls back to classic tracepoints: the same events, but the kernel builds "
                               "a trace record for every packet while fwpath runs, so other traffic slows more");
         }
         return when_missing(l, "raw_tracepoint", Impact::Degraded,
                             "no way to attach the tracer's kernel side: kernel drops, transmits and receives are "
                             "not seen, only nftables verdicts");
       }},
      {"tp_btf",
       [](const Lookup& l) {
         return when_missing(l, "tp_btf", Impact::Info,
                             "the device tracepoints run as raw tracepoints instead: the same events, with one more "
                             "helper call for every packet of the traced namespaces and a map lookup for every packet "
                             "of the others");
       }},
      // kernel-check reports these for what they would allow; the tracer attaches neither
      // fentry nor kprobes (tracepoints, raw tracepoints and tp_btf are its whole kernel
      // side), so their absence costs it nothing and says so.
      {"fentry_vmlinux",
       [](const Lookup& l) {
         return when_missing(l, "fentry_vmlinux", Impact::Info,
                             "none for the tracer, which attaches no fentry: drops in netfilter are located through "
                             "kfree_skb, and an iptables-legacy drop is tied to its rule by the rule's packet "
                             "counter");
       }},
      {"fentry_nf_tables",
       [](const Lookup& l) {
         return when_missing(l, "fentry_nf_tables", Impact::Info,
                             "none for the tracer, which attaches no fentry: nftables verdicts come from nft trace "
                             "events, matched to the probe by its headers");
       }},
      {"kprobe",
       [](const Lookup& l) {
         return when_missing(l, "kprobe", Impact::Info, "none for the tracer, which attaches no kprobes");
       }},
      {"tc",
       [](const Lookup& l) {
         return when_missing(l, "tc", Impact::Info,
                             "packets cannot be watched at the tc (clsact) hooks; the tracer sees transmits and "
                             "receives through the net tracepoints instead");
       }},
      {"ringbuf",
       [](const Lookup& l) {
         return when_missing(l, "ringbuf", Impact::Degraded,
                             "the BPF programs have no way to deliver events: kernel drops, transmits and receives "
                             "are not seen, only nftables verdicts");
       }},
      {"kfree_skb_reason",
       [](const Lookup& l) {
         return when_missing(l, "kfree_skb_reason", Impact::Degraded,
                             "drops are located by the kernel function that freed the packet (symbolized), not "
                             "named by reason");
       }},
      {"nft_trace",
       [](const Lookup& l) {
         return when_missing(l, "nft_trace", Impact::Unsupported,
                             "no nftables trace: fwpath cannot say which rule accepted, dropped or rewrote a probe, "
                             "which is its first answer");
       }},
      {"nft_table_owner",
       [](const Lookup& l) {
         return when_missing(l, "nft_table_owner", Impact::Degraded,
                             "a killed fwpath leaves its trace table until the next run sweeps it");
       }},
      {"conntrack_netlink",
       [](const Lookup& l) {
         return when_missing(l, "conntrack_netlink", Impact::Degraded,
                             "the conntrack entry of a probe (original and reply tuples, state) is not shown; NAT is "
                             "read from the headers nft trace reports");
       }},
      {"iptables_legacy_in_use",
       [](const Lookup& l) -> std::optional<FeatureCost> {
         // A finding, not a capability: "available" means legacy rules exist here.
         if (!l.has("iptables_legacy_in_use")) return std::nullopt;
         return FeatureCost{"iptables_legacy_in_use", Impact::Degraded,
                            "rules in iptables-legacy tables are invisible to nft tracing: a probe they drop is "
                            "reported as dropped in netfilter without naming the rule"};
       }},
      {"wireguard",
       [](const Lookup& l) {
         return when_missing(l, "wireguard", Impact::Info,
                             "the lab cannot run a real WireGuard gateway (informational: tracing is not affected)");
       }},
  };
  return all;
}

}  // namespace

const std::vector<std::string>& kernel_feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& r : rules()) out.emplace_back(r.feature);
    return out;
  }();
  return names;
}

std::string to_string(KernelVerdict v) {
  switch (v) {
    case KernelVerdict::Full: return "full";
    case KernelVerdict::Degraded: return "degraded";
    case KernelVerdict::Unsupported: return "unsupported";
  }
  return "unsupported";
}

std::string to_string(Impact i) {
  switch (i) {
    case Impact::Unsupported: return "unsupported";
    case Impact::Degraded: return "degraded";
    case Impact::Info: return "info";
  }
  return "info";
}

KernelAssessment assess_kernel(const std::vector<FeatureResult>& features) {
  const Lookup lookup(features);
  KernelAssessment out;
  for (const auto& rule : rules()) {
    auto cost = rule.cost(lookup);
    if (!cost) continue;
    if (cost->impact == Impact::Unsupported) {
      out.verdict = KernelVerdict::Unsupported;
    } else if (cost->impact == Impact::Degraded && out.verdict == KernelVerdict::Full) {
      out.verdict = KernelVerdict::Degraded;
    }
    out.costs.push_back(std::move(*cost));
  }
  return out;
}

}  // namespace fwpath::model

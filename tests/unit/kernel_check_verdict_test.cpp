// The verdict rules of `fwpath kernel-check` (docs/kernel-check.md, "Verdict"), from
// hand-made probe outcomes: no kernel involved.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "model/kernel_verdict.h"

namespace fwpath::model {
namespace {

// Every feature present, iptables-legacy not in use: the best node there is.
std::vector<FeatureResult> ideal_node() {
  std::vector<FeatureResult> out;
  for (const auto& name : kernel_feature_names()) {
    out.push_back(FeatureResult{name, name != "iptables_legacy_in_use", "probed"});
  }
  return out;
}

std::vector<FeatureResult> with(std::vector<FeatureResult> features, const std::set<std::string>& names, bool value) {
  for (auto& f : features) {
    if (names.count(f.name) > 0) f.available = value;
  }
  return features;
}

std::vector<std::string> cost_features(const KernelAssessment& a, Impact impact) {
  std::vector<std::string> out;
  for (const auto& c : a.costs) {
    if (c.impact == impact) out.push_back(c.feature);
  }
  return out;
}

const FeatureCost* cost_of(const KernelAssessment& a, const std::string& feature) {
  auto it = std::find_if(a.costs.begin(), a.costs.end(), [&](const FeatureCost& c) { return c.feature == feature; });
  return it == a.costs.end() ? nullptr : &*it;
}

TEST(KernelVerdict, FeatureNamesAreTheDocumentedOnesInReportOrder) {
  const std::vector<std::string> expected = {"btf_vmlinux",
                                             "btf_modules",
                                             "tracepoint",
                                             "raw_tracepoint",
                                             "tp_btf",
                                             "fentry_vmlinux",
                                             "fentry_nf_tables",
                                             "kprobe",
                                             "tc",
                                             "ringbuf",
                                             "kfree_skb_reason",
                                             "nft_trace",
                                             "nft_table_owner",
                                             "conntrack_netlink",
                                             "iptables_legacy_in_use",
                                             "wireguard"};
  EXPECT_EQ(kernel_feature_names(), expected);
}

TEST(KernelVerdict, EverythingPresentIsFullWithoutCosts) {
  const auto a = assess_kernel(ideal_node());
  EXPECT_EQ(a.verdict, KernelVerdict::Full);
  EXPECT_TRUE(a.costs.empty());
}

TEST(KernelVerdict, TheBuildMachineProfileIsFull) {
  // kernel 6.18 here: no fentry, no kprobes, no WireGuard, no loadable modules; the tracer
  // uses none of them, so nothing it reports is lost.
  const auto a = assess_kernel(
      with(ideal_node(), {"fentry_vmlinux", "fentry_nf_tables", "kprobe", "wireguard", "btf_modules"}, false));
  EXPECT_EQ(a.verdict, KernelVerdict::Full);
  EXPECT_EQ(cost_features(a, Impact::Degraded), std::vector<std::string>{});
  EXPECT_EQ(cost_features(a, Impact::Info),
            (std::vector<std::string>{"btf_modules", "fentry_vmlinux", "fentry_nf_tables", "kprobe", "wireguard"}));
  ASSERT_NE(cost_of(a, "kprobe"), nullptr);
  EXPECT_EQ(cost_of(a, "kprobe")->text, "none for the tracer, which attaches no kprobes");
}

TEST(KernelVerdict, NoNftTraceIsUnsupportedWhateverElseWorks) {
  const auto a = assess_kernel(with(ideal_node(), {"nft_trace"}, false));
  EXPECT_EQ(a.verdict, KernelVerdict::Unsupported);
  EXPECT_EQ(cost_features(a, Impact::Unsupported), std::vector<std::string>{"nft_trace"});
}

TEST(KernelVerdict, NoBpfEventPathDegradesButDoesNotRefuse) {
  // Rule attribution (nft trace) still works: fwpath degrades instead of refusing.
  const auto a = assess_kernel(with(ideal_node(), {"btf_vmlinux", "tracepoint", "raw_tracepoint", "ringbuf"}, false));
  EXPECT_EQ(a.verdict, KernelVerdict::Degraded);
  EXPECT_EQ(cost_features(a, Impact::Degraded),
            (std::vector<std::string>{"btf_vmlinux", "tracepoint", "raw_tracepoint", "ringbuf"}));
}

TEST(KernelVerdict, EachFeatureTheTracerUsesDegradesAlone) {
  for (const char* name : {"btf_vmlinux", "ringbuf", "kfree_skb_reason", "nft_table_owner", "conntrack_netlink"}) {
    const auto a = assess_kernel(with(ideal_node(), {name}, false));
    EXPECT_EQ(a.verdict, KernelVerdict::Degraded) << name;
    ASSERT_EQ(a.costs.size(), 1U) << name;
    EXPECT_EQ(a.costs[0].feature, name);
    EXPECT_FALSE(a.costs[0].text.empty()) << name;
  }
}

TEST(KernelVerdict, EachKindOfTracepointStandsInForTheOther) {
  // Raw tracepoints are what the tracer attaches; classic ones are the fallback.
  auto a = assess_kernel(with(ideal_node(), {"tracepoint"}, false));
  EXPECT_EQ(a.verdict, KernelVerdict::Full);
  EXPECT_EQ(cost_features(a, Impact::Info), std::vector<std::string>{"tracepoint"});
  a = assess_kernel(with(ideal_node(), {"raw_tracepoint"}, false));
  EXPECT_EQ(a.verdict, KernelVerdict::Full);
  ASSERT_NE(cost_of(a, "raw_tracepoint"), nullptr);
  EXPECT_EQ(cost_of(a, "raw_tracepoint")->impact, Impact::Info);
  EXPECT_NE(cost_of(a, "raw_tracepoint")->text.find("falls back to classic tracepoints"), std::string::npos);
  a = assess_kernel(with(ideal_node(), {"tracepoint", "raw_tracepoint"}, false));
  EXPECT_EQ(a.verdict, KernelVerdict::Degraded);
  EXPECT_EQ(cost_features(a, Impact::Degraded), (std::vector<std::string>{"tracepoint", "raw_tracepoint"}));
}

TEST(KernelVerdict, MissingKfreeSkbReasonCostsTheReasonName) {
  const auto a = assess_kernel(with(ideal_node(), {"kfree_skb_reason"}, false));
  ASSERT_NE(cost_of(a, "kfree_skb_reason"), nullptr);
  EXPECT_EQ(cost_of(a, "kfree_skb_reason")->text,
            "drops are located by the kernel function that freed the packet (symbolized), not named by reason");
}

TEST(KernelVerdict, MissingOwnerFlagCostsALeftoverTable) {
  const auto a = assess_kernel(with(ideal_node(), {"nft_table_owner"}, false));
  ASSERT_NE(cost_of(a, "nft_table_owner"), nullptr);
  EXPECT_EQ(cost_of(a, "nft_table_owner")->text, "a killed fwpath leaves its trace table until the next run sweeps it");
}

TEST(KernelVerdict, InformationalFeaturesKeepTheVerdictFull) {
  const auto a = assess_kernel(with(ideal_node(), {"wireguard", "tp_btf", "tc", "btf_modules"}, false));
  EXPECT_EQ(a.verdict, KernelVerdict::Full);
  EXPECT_EQ(cost_features(a, Impact::Info), (std::vector<std::string>{"btf_modules", "tp_btf", "tc", "wireguard"}));
  ASSERT_NE(cost_of(a, "wireguard"), nullptr);
  EXPECT_NE(cost_of(a, "wireguard")->text.find("the lab cannot run a real WireGuard gateway"), std::string::npos);
}

TEST(KernelVerdict, FentryAndKprobesAreInformationalAlone) {
  for (const char* name : {"fentry_vmlinux", "fentry_nf_tables", "kprobe"}) {
    const auto a = assess_kernel(with(ideal_node(), {name}, false));
    EXPECT_EQ(a.verdict, KernelVerdict::Full) << name;
    EXPECT_EQ(cost_features(a, Impact::Info), std::vector<std::string>{name});
    EXPECT_NE(cost_of(a, name)->text.find("none for the tracer"), std::string::npos) << name;
  }
}

TEST(KernelVerdict, MissingTpBtfFallsBackToRawTracepoints) {
  const auto a = assess_kernel(with(ideal_node(), {"tp_btf"}, false));
  EXPECT_EQ(a.verdict, KernelVerdict::Full);
  ASSERT_NE(cost_of(a, "tp_btf"), nullptr);
  EXPECT_NE(cost_of(a, "tp_btf")->text.find("raw tracepoints instead"), std::string::npos);
}

TEST(KernelVerdict, LegacyRulesInUseAreAFindingThatDegrades) {
  const auto a = assess_kernel(with(ideal_node(), {"iptables_legacy_in_use"}, true));
  EXPECT_EQ(a.verdict, KernelVerdict::Degraded);
  ASSERT_NE(cost_of(a, "iptables_legacy_in_use"), nullptr);
  EXPECT_EQ(cost_of(a, "iptables_legacy_in_use")->impact, Impact::Degraded);
  EXPECT_NE(cost_of(a, "iptables_legacy_in_use")->text.find("invisible to nft tracing"), std::string::npos);
}

TEST(KernelVerdict, AFeatureNobodyProbedCountsAsMissing) {
  const auto a = assess_kernel({});
  EXPECT_EQ(a.verdict, KernelVerdict::Unsupported);
  // Every capability is missing; the finding (legacy rules) is not claimed without a probe.
  EXPECT_EQ(a.costs.size(), kernel_feature_names().size() - 1);
  EXPECT_EQ(cost_of(a, "iptables_legacy_in_use"), nullptr);
}

TEST(KernelVerdict, UnknownFeatureNamesAreIgnored) {
  auto features = ideal_node();
  features.push_back(FeatureResult{"warp_drive", false, "not a thing"});
  const auto a = assess_kernel(features);
  EXPECT_EQ(a.verdict, KernelVerdict::Full);
  EXPECT_TRUE(a.costs.empty());
}

TEST(KernelVerdict, CostsFollowReportOrder) {
  const auto a = assess_kernel(with(ideal_node(), {"wireguard", "nft_trace", "btf_vmlinux"}, false));
  ASSERT_EQ(a.costs.size(), 3U);
  EXPECT_EQ(a.costs[0].feature, "btf_vmlinux");
  EXPECT_EQ(a.costs[1].feature, "nft_trace");
  EXPECT_EQ(a.costs[2].feature, "wireguard");
}

TEST(KernelVerdict, NamesAsTheJsonSpellsThem) {
  EXPECT_EQ(to_string(KernelVerdict::Full), "full");
  EXPECT_EQ(to_string(KernelVerdict::Degraded), "degraded");
  EXPECT_EQ(to_string(KernelVerdict::Unsupported), "unsupported");
  EXPECT_EQ(to_string(Impact::Unsupported), "unsupported");
  EXPECT_EQ(to_string(Impact::Degraded), "degraded");
  EXPECT_EQ(to_string(Impact::Info), "info");
}

}  // namespace
}  // namespace fwpath::model

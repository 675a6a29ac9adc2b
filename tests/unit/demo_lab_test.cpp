// The demo's lab as data, and the text around its report.
#include "lab/demo_lab.h"

#include <gtest/gtest.h>

#include "output/demo_text.h"

namespace fwpath::lab::demo {
namespace {

TEST(DemoLab, SpecPassesTheLabSafetyGate) {
  auto spec = lab_spec();
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  auto valid = validate_lab_spec(spec.value());
  EXPECT_TRUE(valid.ok()) << valid.error().message();
  ASSERT_EQ(spec->hosts.size(), 4U);
  EXPECT_EQ(spec->hosts.front().name, kConsumer) << "the intro says probes start at the first host";
}

TEST(DemoLab, ProviderCarriesBothEmbeddedRulesets) {
  auto spec = lab_spec();
  ASSERT_TRUE(spec.ok());
  ASSERT_EQ(spec->rulesets.size(), 2U);
  for (const auto& r : spec->rulesets) EXPECT_EQ(r.host, kProvider) << r.name;
  // What the expected outcomes rest on, checked in the texts the lab loads.
  const std::string& kube_proxy = spec->rulesets[0].text;
  EXPECT_NE(kube_proxy.find("table ip kube-proxy"), std::string::npos);
  EXPECT_NE(kube_proxy.find("udp . 30742 : goto external-"), std::string::npos);
  EXPECT_NE(kube_proxy.find("meta l4proto udp dnat to 198.18.1.5:51840"), std::string::npos);
  const std::string& firewall = spec->rulesets[1].text;
  EXPECT_NE(firewall.find("type filter hook forward priority filter; policy drop;"), std::string::npos);
  EXPECT_NE(firewall.find("udp dport 30742 accept"), std::string::npos);
  EXPECT_NE(firewall.find("reject with icmpx admin-prohibited"), std::string::npos);
}

TEST(DemoLab, TargetsAreTheTwoBrokenPaths) {
  const auto t = targets();
  ASSERT_EQ(t.size(), 2U);
  EXPECT_EQ(t[0].label, "api-server");
  EXPECT_EQ(t[0].proto, model::L4::Tcp);
  EXPECT_EQ(t[0].expected_outcome, "rejected");
  EXPECT_EQ(t[1].label, "gateway");
  EXPECT_EQ(t[1].proto, model::L4::Udp);
  EXPECT_EQ(t[1].target, "198.51.100.20:30742");
  EXPECT_EQ(t[1].expected_outcome, "dropped");
}

LabSpec spec() {
  auto s = lab_spec();
  EXPECT_TRUE(s.ok());
  return s.ok() ? s.value() : LabSpec{};
}

model::Report report_with(model::Outcome api, model::Outcome gateway) {
  model::Report r;
  for (const auto& [label, outcome] : {std::pair{"api-server", api}, std::pair{"gateway", gateway}}) {
    model::ProbeReport t;
    t.spec.label = label;
    t.outcome = outcome;
    t.passed = outcome == model::Outcome::Reached;
    r.targets.push_back(t);
  }
  return r;
}

TEST(DemoText, ExpectedFindingsEndInExitOne) {
  const auto f =
      output::demo_findings(report_with(model::Outcome::Rejected, model::Outcome::Dropped), targets(), {0, 0});
  EXPECT_EQ(f.broken, 2U);
  EXPECT_TRUE(f.unexpected.empty());
  const auto text = output::demo_closing_text(spec(), f, targets(), 4);
  EXPECT_NE(text.find("Lab removed: 4 network namespaces"), std::string::npos) << text;
  EXPECT_NE(text.find("The lab's services were up: API server accepted 0 connections, gateway (WireGuard port) "
                      "received 0 datagrams."),
            std::string::npos)
      << text;
  const auto last = text.substr(text.rfind('\n', text.size() - 2) + 1);
  EXPECT_EQ(last, "fwpath found 2 broken paths; exit 1 is the expected outcome of this demo.\n");
}

TEST(DemoText, SurprisesAreSaid) {
  const auto f =
      output::demo_findings(report_with(model::Outcome::Rejected, model::Outcome::Reached), targets(), {0, 1});
  EXPECT_EQ(f.broken, 1U);
  ASSERT_EQ(f.unexpected.size(), 1U);
  EXPECT_EQ(f.unexpected[0], "gateway: expected dropped, got reached");
  const auto text = output::demo_closing_text(spec(), f, targets(), 4);
  EXPECT_NE(text.find("unexpected: gateway: expected dropped, got reached"), std::string::npos) << text;
  EXPECT_NE(text.find("found 1 broken path;"), std::string::npos) << text;
  EXPECT_NE(text.find("received 1 datagram."), std::string::npos) << text;

  const auto none =
      output::demo_findings(report_with(model::Outcome::Reached, model::Outcome::Reached), targets(), {1, 1});
  EXPECT_NE(output::demo_closing_text(spec(), none, targets(), 4).find("found no broken path"), std::string::npos);
}

TEST(DemoText, IntroNamesHostsRulesetsAndTargets) {
  auto spec = lab_spec();
  ASSERT_TRUE(spec.ok());
  const auto text = output::demo_intro_text(spec.value(), targets());
  for (const std::string want :
       {"4 network namespaces", "consumer", "192.0.2.10/24", "gw-pod", "198.18.1.5/24", "kube-proxy.nft",
        "host-firewall.nft", "Probing from consumer", "tcp 198.51.100.20:6443", "udp 198.51.100.20:30742"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << " missing in:\n" << text;
  }
}

TEST(DemoText, JsonDescribesTheLab) {
  auto spec = lab_spec();
  ASSERT_TRUE(spec.ok());
  const auto f =
      output::demo_findings(report_with(model::Outcome::Rejected, model::Outcome::Dropped), targets(), {0, 0});
  const auto j = output::demo_json(spec.value(), {{"provider", "fwpath-1-0-provider"}}, targets(), f);
  ASSERT_EQ(j["hosts"].size(), 4U);
  EXPECT_EQ(j["hosts"][2]["name"], "provider");
  EXPECT_EQ(j["hosts"][2]["netns"], "fwpath-1-0-provider");
  EXPECT_EQ(j["hosts"][0]["netns"], "");
  EXPECT_EQ(j["rulesets"][0]["name"], "kube-proxy.nft");
  EXPECT_EQ(j["rulesets"][1]["host"], "provider");
  EXPECT_EQ(j["broken_paths"], 2);
  EXPECT_EQ(j["expected"][1]["outcome"], "dropped");
  EXPECT_EQ(j["listeners"][1]["served"], 0);
}

}  // namespace
}  // namespace fwpath::lab::demo

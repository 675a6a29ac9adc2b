// The audit's pure parts: the lab it plans for each role, the verdict per requirement
// from a probe report and a listener count, and the text, JSON and JUnit renderings.
#include "audit/audit_report.h"

#include <gtest/gtest.h>

#include "audit/audit_lab.h"
#include "audit/verdict.h"
#include "output/probe_report.h"

namespace fwpath::audit {
namespace {

AuditSetup setup(Role role) {
  AuditSetup s;
  s.role = role;
  s.requirements = {{model::L4::Tcp, 6443}, {model::L4::Udp, 51840}};
  return s;
}

TEST(AuditPlan, ConsumerProbesGoFromTheNodeToListenersOnThePeer) {
  auto plan = plan_audit(setup(Role::Consumer));
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  ASSERT_TRUE(lab::validate_lab_spec(plan->lab).ok()) << lab::validate_lab_spec(plan->lab).error().message();
  EXPECT_EQ(plan->origin_host, kNodeHost);
  ASSERT_EQ(plan->probes.size(), 2U);
  EXPECT_EQ(plan->probes[0].target, "198.51.100.20:6443");
  EXPECT_EQ(plan->probes[1].target, "198.51.100.20:51840");
  for (const auto& p : plan->probes) {
    EXPECT_EQ(p.from_host, kNodeHost);
    EXPECT_EQ(p.to_host, kPeerHost);
    const auto& l = plan->lab.listeners.at(p.listener);
    EXPECT_EQ(l.host, kPeerHost);
    EXPECT_EQ(l.endpoint, p.target);
    EXPECT_EQ(l.proto, p.requirement.proto);
  }
  EXPECT_TRUE(plan->lab.rulesets.empty());  // the audited one is loaded in its own format
}

TEST(AuditPlan, ProviderProbesComeFromThePeerToListenersOnTheNode) {
  auto s = setup(Role::Provider);
  s.iface = "ens3";
  auto plan = plan_audit(s);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(plan->origin_host, kPeerHost);
  for (const auto& p : plan->probes) {
    EXPECT_EQ(p.to_host, kNodeHost);
    EXPECT_EQ(plan->lab.listeners.at(p.listener).host, kNodeHost);
    EXPECT_EQ(p.target.rfind("192.0.2.10:", 0), 0U) << p.target;
  }
  // The node's interface carries the name the ruleset uses.
  ASSERT_FALSE(plan->lab.links.empty());
  EXPECT_EQ(plan->lab.links[0].a, kNodeHost);
  EXPECT_EQ(plan->lab.links[0].a_if, "ens3");
}

TEST(AuditPlan, RouterTakesDotOneOrDot254) {
  auto s = setup(Role::Consumer);
  s.node_ip = "203.0.113.1";
  auto plan = plan_audit(s);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  bool found = false;
  for (const auto& a : plan->lab.addresses) {
    if (a.host == kRouterHost && a.ifname == "to-node") {
      EXPECT_EQ(a.cidr, "203.0.113.254/24");
      found = true;
    }
  }
  EXPECT_TRUE(found);
  ASSERT_TRUE(lab::validate_lab_spec(plan->lab).ok());
}

model::ProbeReport tcp_report(model::SocketOutcome so) {
  model::ProbeReport r;
  r.spec.proto = model::L4::Tcp;
  r.socket.outcome = so;
  r.summary = "the model's summary";
  return r;
}

PlannedProbe planned(model::L4 proto, uint16_t port) {
  return PlannedProbe{{proto, port}, kNodeHost, kPeerHost, "198.51.100.20:" + std::to_string(port), 0};
}

model::Hop drop_hop() {
  model::Hop h;
  h.netns = kNodeHost;
  h.hook = model::Hook::Output;
  h.family = "inet";
  h.table = "filter";
  h.chain = "output";
  h.handle = 7;
  h.rule = "udp dport 51840 counter drop comment \"no gateway\"";
  h.verdict = "drop";
  return h;
}

TEST(AuditVerdict, TcpAllowedWhenConnected) {
  auto r = judge(planned(model::L4::Tcp, 6443), tcp_report(model::SocketOutcome::Connected), 0);
  EXPECT_TRUE(r.allowed);
  EXPECT_FALSE(r.blocking.has_value());
}

TEST(AuditVerdict, TcpBlockedByAPolicyNamesThePolicy) {
  auto rep = tcp_report(model::SocketOutcome::Timeout);
  model::Hop accept = drop_hop();
  accept.verdict = "accept";
  model::Hop policy = drop_hop();
  policy.handle = 0;
  policy.rule.clear();
  policy.verdict = "policy drop";
  rep.hops = {accept, policy};
  auto r = judge(planned(model::L4::Tcp, 6443), rep, 0);
  EXPECT_FALSE(r.allowed);
  ASSERT_TRUE(r.blocking.has_value());
  EXPECT_EQ(r.blocking->verdict, "policy drop");
  EXPECT_EQ(r.blocking->rule, "policy drop");
  EXPECT_EQ(r.blocking->handle, 0U);
  EXPECT_EQ(r.summary, "the model's summary");
}

TEST(AuditVerdict, UdpNeedsTheListenerNotJustTheSocket) {
  model::ProbeReport rep;
  rep.spec.proto = model::L4::Udp;
  rep.socket.outcome = model::SocketOutcome::Timeout;
  rep.passed = true;  // "left the node": enough for `fwpath probe`, not for an audit
  rep.summary = "left the node";
  auto blocked = judge(planned(model::L4::Udp, 51840), rep, 0);
  EXPECT_FALSE(blocked.allowed);
  EXPECT_NE(blocked.summary.find("never reached the listener"), std::string::npos) << blocked.summary;
  auto allowed = judge(planned(model::L4::Udp, 51840), rep, 1);
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.outcome, model::Outcome::Reached);
}

TEST(AuditVerdict, KernelDropWithoutNftVerdictStillNamesTheHook) {
  model::ProbeReport rep;
  rep.spec.proto = model::L4::Udp;
  rep.drop = model::DropInfo{};
  rep.drop->netns = kNodeHost;
  rep.drop->hook = model::Hook::Output;
  rep.drop->reason = "NETFILTER_DROP";
  auto r = judge(planned(model::L4::Udp, 51840), rep, 0);
  ASSERT_TRUE(r.blocking.has_value());
  EXPECT_EQ(r.blocking->hook, model::Hook::Output);
  EXPECT_TRUE(r.blocking->table.empty());
  EXPECT_EQ(r.drop_reason, "NETFILTER_DROP");
}

TEST(AuditVerdict, LegacyRulesetSaysWhyNoRuleIsNamed) {
  auto rep = tcp_report(model::SocketOutcome::Reset);
  const auto legacy = judge(planned(model::L4::Tcp, 6443), rep, 0, false);
  EXPECT_FALSE(legacy.allowed);
  EXPECT_NE(legacy.summary.find("iptables-legacy"), std::string::npos) << legacy.summary;
  const auto nft = judge(planned(model::L4::Tcp, 6443), rep, 0, true);
  EXPECT_EQ(nft.summary, "the model's summary");
}

// The legacy rule the probe named by its counter blocks, and the summary says how it was found.
TEST(AuditVerdict, LegacyRuleFoundByCounterIsNamedInTheSummary) {
  auto rep = tcp_report(model::SocketOutcome::Reset);
  rep.drop = model::DropInfo{};
  rep.drop->netns = kNodeHost;
  rep.drop->hook = model::Hook::Input;
  rep.drop->rule = "iptables-legacy filter: -A INPUT -p tcp -m tcp --dport 6443 -j REJECT";
  const auto legacy = judge(planned(model::L4::Tcp, 6443), rep, 0, false);
  ASSERT_TRUE(legacy.blocking.has_value());
  EXPECT_EQ(legacy.blocking->rule, rep.drop->rule);
  EXPECT_NE(legacy.summary.find(rep.drop->rule + ", found by its packet counter"), std::string::npos) << legacy.summary;
}

TEST(AuditVerdict, DropOutsideTheLabNamespacesIsNotBlamed) {
  model::ProbeReport rep;
  rep.spec.proto = model::L4::Udp;
  rep.drop = model::DropInfo{};
  rep.drop->netns = "netns:4026532632";  // another run's namespace, same ports
  rep.drop->hook = model::Hook::Input;
  rep.drop->reason = "NETFILTER_DROP";
  auto r = judge(planned(model::L4::Udp, 51840), rep, 0);
  EXPECT_FALSE(r.blocking.has_value());
  EXPECT_EQ(r.drop_reason, "");
}

AuditReport sample() {
  AuditReport rep;
  rep.ruleset = "rulesets/audit/<node>.nft";
  rep.format = "nft";
  rep.setup = setup(Role::Consumer);
  auto tcp = judge(planned(model::L4::Tcp, 6443), tcp_report(model::SocketOutcome::Connected), 1);
  model::ProbeReport udp;
  udp.spec.proto = model::L4::Udp;
  udp.outcome = model::Outcome::Dropped;
  udp.hops = {drop_hop()};
  udp.summary = "dropped at output by `udp dport 51840 counter drop comment \"no gateway\"`";
  auto u = judge(planned(model::L4::Udp, 51840), udp, 0);
  model::Rewrite w;
  w.field = "daddr";
  w.before = "198.51.100.20";
  w.after = "198.18.1.5";
  w.hook = model::Hook::Output;
  w.rule = "dnat to 198.18.1.5";
  w.confirmed = true;
  u.rewrites = {w};
  rep.results = {tcp, u};
  return rep;
}

TEST(AuditReport, TextStartsWithOneLinePerRequirement) {
  const std::string text = audit_text(sample());
  EXPECT_EQ(text.rfind("allowed  tcp:6443   node 192.0.2.10 -> peer 198.51.100.20:6443: ", 0), 0U) << text;
  const auto second = text.find('\n') + 1;
  EXPECT_EQ(text.substr(second).rfind("BLOCKED  udp:51840  node 192.0.2.10 -> peer 198.51.100.20:51840: ", 0), 0U)
      << text;
  EXPECT_NE(text.find("1 of 2 required paths blocked"), std::string::npos) << text;
}

TEST(AuditReport, JsonNamesTheRuleHandleHookAndRewrite) {
  const auto j = audit_json(sample());
  const auto& a = j.at("audit");
  EXPECT_EQ(a.at("role"), "consumer");
  EXPECT_EQ(a.at("blocked"), 1);
  EXPECT_EQ(a.at("allowed"), 1);
  const auto& results = a.at("results");
  ASSERT_EQ(results.size(), 2U);
  EXPECT_EQ(results[0].at("result"), "allowed");
  EXPECT_TRUE(results[0].at("blocking_rule").is_null());
  const auto& blocked = results[1];
  EXPECT_EQ(blocked.at("requirement"), "udp:51840");
  EXPECT_EQ(blocked.at("result"), "blocked");
  const auto& rule = blocked.at("blocking_rule");
  EXPECT_EQ(rule.at("table"), "filter");
  EXPECT_EQ(rule.at("chain"), "output");
  EXPECT_EQ(rule.at("handle"), 7);
  EXPECT_EQ(rule.at("hook"), model::to_string(model::Hook::Output));
  EXPECT_EQ(rule.at("rule"), "udp dport 51840 counter drop comment \"no gateway\"");
  ASSERT_EQ(blocked.at("rewrites").size(), 1U);
  const auto& rewrite = blocked.at("rewrites")[0];
  EXPECT_EQ(rewrite.at("after"), "198.18.1.5");
  EXPECT_EQ(rewrite.at("confirmed_by_conntrack"), true);
  // The same object as the probe report's (docs/probe.md), whatever that grows.
  EXPECT_EQ(rewrite, output::rewrite_json(sample().results[1].rewrites[0]));
  EXPECT_TRUE(j.contains("probe"));
}

TEST(AuditReport, JunitHasOneTestcasePerRequirementAndEscapes) {
  const std::string xml = audit_junit(sample());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0U);
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"fwpath.audit.consumer\" name=\"tcp:6443\">"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"fwpath.audit.consumer\" name=\"udp:51840\">"), std::string::npos) << xml;
  size_t failures = 0;
  for (auto at = xml.find("<failure "); at != std::string::npos; at = xml.find("<failure ", at + 1)) ++failures;
  EXPECT_EQ(failures, 1U);
  EXPECT_NE(xml.find("rulesets/audit/&lt;node&gt;.nft"), std::string::npos) << xml;
  EXPECT_NE(xml.find("comment &quot;no gateway&quot;"), std::string::npos) << xml;
  EXPECT_NE(xml.find("inet filter output handle 7"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("\"no gateway\""), std::string::npos) << "unescaped quote in " << xml;
}

}  // namespace
}  // namespace fwpath::audit

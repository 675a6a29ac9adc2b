// Expectations against probe reports: every key, pass and fail, the deciding hop, the
// skips, and the renderings (text lines, JSON, JUnit) built from the results.
#include <gtest/gtest.h>

#include <cerrno>

#include "scenario/expectation.h"
#include "scenario/scenario_result.h"

namespace fwpath::scenario {
namespace {

using model::Direction;
using model::Hook;

model::Hop hop(const std::string& netns, Hook hook, const std::string& table, const std::string& chain,
               const std::string& verdict, const std::string& rule = "") {
  model::Hop h;
  h.netns = netns;
  h.hook = hook;
  h.family = "inet";
  h.table = table;
  h.chain = chain;
  h.verdict = verdict;
  h.rule = rule;
  return h;
}

// The demo's gateway: DNAT in prerouting, dropped by forward's policy, reason NETFILTER_DROP.
model::ProbeReport dropped_in_forward() {
  model::ProbeReport r;
  r.outcome = model::Outcome::Dropped;
  r.socket.outcome = model::SocketOutcome::Timeout;
  r.hops = {hop("provider", Hook::Prerouting, "kube-proxy", "nat-prerouting", "jump services", "jump services"),
            hop("provider", Hook::Prerouting, "kube-proxy", "endpoint-x", "accept", "dnat to 198.18.1.5:51840"),
            hop("provider", Hook::Forward, "filter", "forward", "policy drop")};
  model::Rewrite w;
  w.netns = "provider";
  w.field = "daddr";
  w.before = "198.51.100.20";
  w.after = "198.18.1.5";
  model::Rewrite p = w;
  p.field = "dport";
  p.before = "30742";
  p.after = "51840";
  model::Rewrite reply = w;
  reply.direction = Direction::Reply;
  reply.field = "saddr";
  r.rewrites = {w, p, reply};
  model::DropInfo d;
  d.netns = "provider";
  d.hook = Hook::Forward;
  d.reason = "NETFILTER_DROP";
  d.rule = "policy drop of inet filter forward";
  r.drop = d;
  return r;
}

// The demo's API server: rejected in input with ICMP 3/13.
model::ProbeReport rejected_in_input() {
  model::ProbeReport r;
  r.outcome = model::Outcome::Rejected;
  r.socket.outcome = model::SocketOutcome::IcmpError;
  r.socket.icmp_type = 3;
  r.socket.icmp_code = 13;
  r.hops = {hop("provider", Hook::Prerouting, "kube-proxy", "nat-prerouting", "policy accept"),
            hop("provider", Hook::Input, "filter", "input", "reject", "reject with icmpx admin-prohibited")};
  return r;
}

const ExpectationResult& only(const std::vector<ExpectationResult>& v) {
  EXPECT_EQ(v.size(), 1U);
  return v.front();
}

TEST(Expectations, EmptyExpectGivesNoResults) {
  EXPECT_TRUE(evaluate_expectations({}, dropped_in_forward()).empty());
}

TEST(Expectations, EveryKeyPassesOnTheReportItDescribes) {
  ProbeExpectations e;
  e.outcome = "dropped";
  e.request.netns = "provider";
  e.request.hook = "forward";
  e.request.verdict = "policy drop";
  e.request.rule = "policy";
  e.request.chain = "forward";
  e.request.table = "filter";
  e.drop_reason = "NETFILTER_DROP";
  e.reply = false;
  e.rewrites = {{"daddr", "198.51.100.20", "198.18.1.5", "provider"}, {"dport", "30742", "*", ""}};
  e.request.hop_in = {{"provider", "forward"}};
  e.request.no_hop_in = {{"provider", "input"}};
  e.iptables_legacy = false;
  const auto results = evaluate_expectations(e, dropped_in_forward());
  ASSERT_EQ(results.size(), 14U);
  std::vector<std::string> keys;
  for (const auto& r : results) {
    keys.push_back(r.key);
    EXPECT_EQ(r.status, ExpectStatus::Pass) << r.key << ": expected " << r.expected << ", got " << r.actual;
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"outcome", "netns", "hook", "verdict", "rule", "chain", "table",
                                            "drop_reason", "reply", "rewrites[0]", "rewrites[1]", "hop_in[0]",
                                            "no_hop_in[0]", "iptables_legacy"}));
}

TEST(Expectations, MismatchesFailWithTheActualValue) {
  const auto r = dropped_in_forward();
  ProbeExpectations e;
  e.outcome = "reached";
  auto res = only(evaluate_expectations(e, r));
  EXPECT_EQ(res.status, ExpectStatus::Fail);
  EXPECT_EQ(res.actual, "dropped");
  e = {};
  e.request.hook = "input";
  res = only(evaluate_expectations(e, r));
  EXPECT_EQ(res.status, ExpectStatus::Fail);
  EXPECT_EQ(res.actual, "forward");
  e = {};
  e.request.rule = "reject with";
  res = only(evaluate_expectations(e, r));
  EXPECT_EQ(res.status, ExpectStatus::Fail);
  EXPECT_EQ(res.actual, "policy drop");
  e = {};
  e.drop_reason = "TCP_CSUM";
  EXPECT_EQ(only(evaluate_expectations(e, r)).status, ExpectStatus::Fail);
  e = {};
  e.reply = true;
  EXPECT_EQ(only(evaluate_expectations(e, r)).actual, "false");
  e = {};
  e.icmp = IcmpExpect{3, 13};
  res = only(evaluate_expectations(e, r));
  EXPECT_EQ(res.status, ExpectStatus::Fail);
  EXPECT_EQ(res.actual, "no ICMP error (timeout)");
  e = {};
  e.iptables_legacy = true;
  EXPECT_EQ(only(evaluate_expectations(e, r)).status, ExpectStatus::Fail);
}

TEST(Expectations, RewritesMatchFieldsWildcardsAndNetns) {
  const auto r = dropped_in_forward();
  ProbeExpectations e;
  e.rewrites = {{"dport", "30742", "51840", "router"},  // wrong namespace
                {"sport", "*", "*", ""},                // never rewritten
                {"saddr", "198.51.100.20", "*", ""},    // only in the reply direction
                {"daddr", "*", "198.18.1.5", ""}};
  const auto res = evaluate_expectations(e, r);
  ASSERT_EQ(res.size(), 4U);
  EXPECT_EQ(res[0].status, ExpectStatus::Fail);
  EXPECT_EQ(res[0].key, "rewrites[0]");
  EXPECT_EQ(res[0].actual, "daddr 198.51.100.20 -> 198.18.1.5 in provider, dport 30742 -> 51840 in provider");
  EXPECT_EQ(res[1].status, ExpectStatus::Fail);
  EXPECT_EQ(res[2].status, ExpectStatus::Fail);
  EXPECT_EQ(res[3].status, ExpectStatus::Pass);
}

TEST(Expectations, HopsCrossedOrNot) {
  const auto r = dropped_in_forward();
  ProbeExpectations e;
  e.request.hop_in = {{"provider", "input"}, {"provider", "prerouting"}};
  e.request.no_hop_in = {{"provider", "forward"}, {"router", "forward"}};
  const auto res = evaluate_expectations(e, r);
  ASSERT_EQ(res.size(), 4U);
  EXPECT_EQ(res[0].status, ExpectStatus::Fail);
  EXPECT_EQ(res[0].actual, "provider prerouting, provider forward");
  EXPECT_EQ(res[1].status, ExpectStatus::Pass);
  EXPECT_EQ(res[2].status, ExpectStatus::Fail);
  EXPECT_EQ(res[2].expected, "not provider forward");
  EXPECT_EQ(res[3].status, ExpectStatus::Pass);
}

TEST(Expectations, RejectWithIcmpAndRuleSubstring) {
  const auto r = rejected_in_input();
  ProbeExpectations e;
  e.outcome = "rejected";
  e.request.hook = "input";
  e.request.verdict = "reject";
  e.request.rule = "admin-prohibited";
  e.icmp = IcmpExpect{3, 13};
  e.reply = false;
  e.request.netns = "provider";
  for (const auto& res : evaluate_expectations(e, r)) {
    EXPECT_EQ(res.status, ExpectStatus::Pass) << res.key << ": " << res.actual;
  }
  e = {};
  e.request.rule = "policy";  // a rule decided, not a policy
  EXPECT_EQ(only(evaluate_expectations(e, r)).status, ExpectStatus::Fail);
  e = {};
  e.icmp = IcmpExpect{3, 10};
  EXPECT_EQ(only(evaluate_expectations(e, r)).actual, "3/13");
}

TEST(Expectations, DropReasonIsSkippedWhereTheKernelGivesNone) {
  auto r = dropped_in_forward();
  r.drop->reason.clear();
  ProbeExpectations e;
  e.drop_reason = "NETFILTER_DROP";
  auto res = only(evaluate_expectations(e, r));
  EXPECT_EQ(res.status, ExpectStatus::Skip);
  EXPECT_EQ(res.why, "no reason on this kernel");
  r.drop.reset();
  res = only(evaluate_expectations(e, r));
  EXPECT_EQ(res.status, ExpectStatus::Fail);
  EXPECT_EQ(res.actual, "no drop seen");
}

TEST(Expectations, IptablesLegacyReadsTheDropNote) {
  auto r = dropped_in_forward();
  r.hops.clear();
  r.drop->note = "netfilter dropped it but no nftables rule did: an iptables-legacy (x_tables) rule";
  ProbeExpectations e;
  e.iptables_legacy = true;
  e.request.netns = "provider";
  e.request.verdict = "drop";
  const auto res = evaluate_expectations(e, r);
  ASSERT_EQ(res.size(), 3U);
  EXPECT_EQ(res[0].status, ExpectStatus::Pass);  // netns from the drop
  EXPECT_EQ(res[1].status, ExpectStatus::Fail);  // no hop decided
  EXPECT_EQ(res[1].actual, "(none)");
  EXPECT_EQ(res[2].status, ExpectStatus::Pass);
}

// S18: nft's input chain accepted, then the one legacy rule whose counter went up dropped:
// rule, chain and table are the legacy rule's, not the accepting hop's.
TEST(Expectations, LegacyRuleNamedByTheReportDecides) {
  model::ProbeReport r;
  r.outcome = model::Outcome::Dropped;
  r.hops = {hop("provider", Hook::Input, "filter", "input", "accept", "tcp dport 6443 accept")};
  model::DropInfo d;
  d.netns = "provider";
  d.hook = Hook::Input;
  d.rule = "iptables-legacy filter: -A INPUT -p tcp -m tcp --dport 6443 -j DROP";
  d.legacy_rules = {{"filter", "INPUT", 1, "-A INPUT -p tcp -m tcp --dport 6443 -j DROP", Hook::Input, 1}};
  r.drop = d;
  ProbeExpectations e;
  e.request.rule = "--dport 6443 -j DROP";
  e.request.chain = "INPUT";
  e.request.table = "filter";
  e.request.hook = "input";
  auto res = evaluate_expectations(e, r);
  ASSERT_EQ(res.size(), 4U);
  for (const auto& x : res) EXPECT_EQ(x.status, ExpectStatus::Pass) << x.key << ": " << x.actual;
  // With two candidates the report names none: the accepting hop is all there is.
  r.drop->legacy_rules.push_back(r.drop->legacy_rules.front());
  r.drop->rule.clear();
  res = evaluate_expectations(e, r);
  EXPECT_EQ(res[1].status, ExpectStatus::Fail);
  EXPECT_EQ(res[1].actual, "tcp dport 6443 accept");
  EXPECT_EQ(res[2].actual, "input");
}

TEST(Expectations, ReachedUsesTheLastAcceptingHop) {
  model::ProbeReport r;
  r.outcome = model::Outcome::Reached;
  r.socket.outcome = model::SocketOutcome::Connected;
  r.hops = {hop("router", Hook::Forward, "filter", "forward", "accept", "ct state established accept"),
            hop("provider", Hook::Input, "filter", "input", "accept", "tcp dport 6443 accept")};
  ASSERT_NE(deciding_hop(r), nullptr);
  EXPECT_EQ(deciding_hop(r)->netns, "provider");
  ProbeExpectations e;
  e.reply = true;
  e.request.rule = "6443";
  for (const auto& res : evaluate_expectations(e, r)) EXPECT_EQ(res.status, ExpectStatus::Pass) << res.key;
}

// S14's nft form: the SYN met no rule, the SYN-ACK died at the consumer's prerouting.
model::ProbeReport reply_dropped_in_prerouting() {
  model::ProbeReport r;
  r.outcome = model::Outcome::Dropped;
  r.socket.outcome = model::SocketOutcome::Timeout;
  auto fib = hop("consumer", Hook::Prerouting, "firewalld", "filter_PREROUTING", "drop",
                 "fib saddr . mark . iif oif missing drop");
  fib.direction = Direction::Reply;
  auto accept = hop("provider", Hook::Input, "filter", "input", "policy accept");
  r.hops = {accept, fib};
  model::DropInfo d;
  d.direction = Direction::Reply;
  d.netns = "consumer";
  d.hook = Hook::Prerouting;
  d.reason = "NETFILTER_DROP";
  d.rule = fib.rule;
  r.drop = d;
  return r;
}

TEST(Expectations, ReplyKeysReadTheReplyDirectionOnly) {
  const auto r = reply_dropped_in_prerouting();
  ProbeExpectations e;
  e.reply_path.netns = "consumer";
  e.reply_path.hook = "prerouting";
  e.reply_path.verdict = "drop";
  e.reply_path.rule = "fib saddr . mark . iif oif missing drop";
  e.reply_path.chain = "filter_PREROUTING";
  e.reply_path.table = "firewalld";
  e.reply_path.hop_in = {{"consumer", "prerouting"}};
  e.reply_path.no_hop_in = {{"consumer", "input"}};
  auto res = evaluate_expectations(e, r);
  std::vector<std::string> keys;
  for (const auto& x : res) {
    keys.push_back(x.key);
    EXPECT_EQ(x.status, ExpectStatus::Pass) << x.key << ": " << x.actual;
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"reply_netns", "reply_hook", "reply_verdict", "reply_rule", "reply_chain",
                                            "reply_table", "reply_hop_in[0]", "reply_no_hop_in[0]"}));
  // The request's keys do not see the reply's drop or hops: its deciding hop is the
  // provider's accepting policy.
  e = {};
  e.request.netns = "consumer";
  e.request.verdict = "drop";
  e.request.hop_in = {{"consumer", "prerouting"}};
  res = evaluate_expectations(e, r);
  ASSERT_EQ(res.size(), 3U);
  EXPECT_EQ(res[0].status, ExpectStatus::Fail);
  EXPECT_EQ(res[0].actual, "provider");
  EXPECT_EQ(res[1].actual, "policy accept");
  EXPECT_EQ(res[2].status, ExpectStatus::Fail);
  EXPECT_EQ(res[2].actual, "provider input");
  // And the reply's keys do not see the request's.
  const auto fwd = dropped_in_forward();
  e = {};
  e.reply_path.verdict = "policy drop";
  e.reply_path.hop_in = {{"provider", "forward"}};
  res = evaluate_expectations(e, fwd);
  ASSERT_EQ(res.size(), 2U);
  EXPECT_EQ(res[0].status, ExpectStatus::Fail);
  EXPECT_EQ(res[0].actual, "(none)");
  EXPECT_EQ(res[1].status, ExpectStatus::Fail);
  EXPECT_EQ(res[1].actual, "no hop");
}

TEST(Expectations, ErrnoNamesTheSocketError) {
  auto r = rejected_in_input();
  r.socket.err = EHOSTUNREACH;
  ProbeExpectations e;
  e.errno_name = "EHOSTUNREACH";
  EXPECT_EQ(only(evaluate_expectations(e, r)).status, ExpectStatus::Pass);
  e.errno_name = "EPERM";
  auto res = only(evaluate_expectations(e, r));
  EXPECT_EQ(res.status, ExpectStatus::Fail);
  EXPECT_EQ(res.actual, "EHOSTUNREACH");
  r.socket.err = 0;
  e.errno_name = "none";
  EXPECT_EQ(only(evaluate_expectations(e, r)).status, ExpectStatus::Pass);
  e.errno_name = "EPERM";
  EXPECT_EQ(only(evaluate_expectations(e, r)).actual, "none");
  EXPECT_TRUE(known_errno_name("ECONNREFUSED"));
  EXPECT_TRUE(known_errno_name("none"));
  EXPECT_FALSE(known_errno_name("EFOO"));
  EXPECT_FALSE(known_errno_name(""));
}

TEST(Expectations, AnInferredDropHookSaysSo) {
  auto r = dropped_in_forward();
  r.hops.clear();
  r.drop->hook = Hook::Input;
  r.drop->hook_inferred = true;
  r.drop->hook_evidence = "accepted by nft at input";
  ProbeExpectations e;
  e.request.hook = "input";
  const auto res = only(evaluate_expectations(e, r));
  EXPECT_EQ(res.status, ExpectStatus::Pass);
  EXPECT_EQ(res.why, "inferred by the report: accepted by nft at input");
  ScenarioResult sr;
  sr.name = "s18";
  sr.status = ScenarioStatus::Passed;
  sr.probes = {{"api-server", "", {res}}};
  EXPECT_NE(scenario_text(sr).find("PASS api-server hook: input (inferred by the report: accepted by nft at input)"),
            std::string::npos)
      << scenario_text(sr);
}

TEST(Expectations, SkipAllKeepsTheKeys) {
  ProbeExpectations e;
  e.outcome = "dropped";
  e.rewrites = {{"dport", "1", "2", ""}};
  const auto res = skip_expectations(e, "because");
  ASSERT_EQ(res.size(), 2U);
  EXPECT_EQ(res[1].key, "rewrites[0]");
  for (const auto& r : res) {
    EXPECT_EQ(r.status, ExpectStatus::Skip);
    EXPECT_EQ(r.why, "because");
  }
}

ScenarioResult sample(ScenarioStatus status) {
  ScenarioResult r;
  r.file = "a.yaml";
  r.name = "s1";
  r.title = "T <1>";
  r.status = status;
  r.probes = {{"gw",
               "dropped at forward",
               {{"outcome", "dropped", "dropped", ExpectStatus::Pass, ""},
                {"hook", "input", "forward", ExpectStatus::Fail, ""},
                {"drop_reason", "X", "", ExpectStatus::Skip, "no reason on this kernel"}}}};
  return r;
}

TEST(ScenarioResults, TextLinesSummaryJsonJunit) {
  auto failed = sample(ScenarioStatus::Failed);
  EXPECT_EQ(status_from(failed), ScenarioStatus::Failed);
  const std::string text = scenario_text(failed);
  EXPECT_NE(text.find("PASS gw outcome: dropped\n"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL gw hook: expected input, got forward\n"), std::string::npos) << text;
  EXPECT_NE(text.find("SKIP gw drop_reason: no reason on this kernel\n"), std::string::npos) << text;
  ScenarioResult skipped;
  skipped.name = "s2";
  skipped.status = ScenarioStatus::Skipped;
  skipped.skip_reason = "needs wireguard: no";
  auto passed = sample(ScenarioStatus::Passed);
  passed.probes[0].results.erase(passed.probes[0].results.begin() + 1);
  EXPECT_EQ(status_from(passed), ScenarioStatus::Passed);
  const std::vector<ScenarioResult> all = {failed, skipped, passed};
  EXPECT_EQ(summary_text(all), "3 scenarios: 1 passed, 1 failed, 1 skipped\n  skipped s2: needs wireguard: no\n");
  EXPECT_EQ(summary_text({}), "0 scenarios: 0 passed, 0 failed, 0 skipped\n");
  const auto j = results_json(all);
  EXPECT_EQ(j["summary"]["failed"], 1);
  EXPECT_EQ(j["scenarios"][0]["probes"][0]["results"][1]["status"], "FAIL");
  EXPECT_EQ(j["scenarios"][1]["skip_reason"], "needs wireguard: no");
  const std::string xml = results_junit(all);
  EXPECT_NE(xml.find("<testsuite name=\"s1\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase classname=\"s1\" name=\"gw hook\">\n      <failure message=\"FAIL gw hook: "
                     "expected input, got forward\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<skipped message=\"needs wireguard: no\"/>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("T <1>"), std::string::npos);  // never raw markup
}

}  // namespace
}  // namespace fwpath::scenario

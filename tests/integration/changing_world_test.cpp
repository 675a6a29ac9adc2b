// The world changing under a running `fwpath probe`: a rule added and deleted while it
// traces, a traced namespace deleted, an interface going down. fwpath is stopped at known
// points with FWPATH_TEST_PAUSE_AT (util/test_pause.h) and sent on with SIGUSR1 after the
// test changed things; it must finish (no crash, no hang), say what it saw, and leave
// nothing behind. Then the rest of the list: a target that does not answer, and
// IPv6 through the same machinery.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "support/lab_fixture.h"
#include "support/leftovers.h"
#include "support/listeners.h"
#include "support/paused_probe.h"

namespace fwpath::testlab {
namespace {

class ChangingWorld : public WithLab<> {
 protected:
  void expect_nothing_left() const { expect_no_tracer_left({lab_->provider.name(), lab_->consumer.name()}); }
  // The report in a PausedProbe's log (stderr lines before it).
  static nlohmann::json report_in(const std::string& log) {
    const auto json_start = log.find('{');
    if (json_start == std::string::npos) return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(log.substr(json_start), nullptr, false);
  }
  // `fwpath probe --json ...` through the whole lab, run to its end.
  nlohmann::json probe(const std::vector<std::string>& targets, CommandResult& result) const {
    std::vector<std::string> argv = lab_->probe_argv("3");
    argv.insert(argv.end(), targets.begin(), targets.end());
    auto r = run_command(argv, timeout_after(std::chrono::seconds(30)));
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (!r) return nlohmann::json(nlohmann::json::value_t::discarded);
    result = r.value();
    return nlohmann::json::parse(r->out, nullptr, false);
  }
  std::vector<std::string> probe_args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {"--json",
                                  "--timeout",
                                  "2",
                                  "--from-netns",
                                  lab_->consumer.name(),
                                  "--netns",
                                  lab_->provider.name(),
                                  "--api-server",
                                  std::string(ThreeNsLab::kProviderV4) + ":6443"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

// Handles are never reused within a table: a rule added after fwpath's snapshot and deleted
// before the report must be reported as a handle that no longer exists, not as the rule
// that happens to sit nearby.
TEST_F(ChangingWorld, RuleAddedAndDeletedDuringTheTrace) {
  auto listener = TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet filter {\n chain input { type filter hook input priority 0; policy accept;\n"
                            "  tcp dport 22 counter accept comment \"neighbour\"\n }\n}\n")
                  .ok());
  PausedProbe p("setup,tracing", probe_args(), "rule");
  ASSERT_TRUE(p.wait_paused("setup")) << p.log();
  ASSERT_TRUE(lab_->provider
                  .run_ok({"nft", "insert", "rule", "inet", "filter", "input", "tcp", "dport", "6443", "counter",
                           "accept", "comment", "\"added\""})
                  .ok());
  auto listing = lab_->provider.run({"nft", "-a", "list", "chain", "inet", "filter", "input"});
  ASSERT_TRUE(listing.ok() && listing->ok());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(listing->out, m, std::regex("comment \"added\" # handle ([0-9]+)"))) << listing->out;
  const std::string handle = m[1];
  ASSERT_TRUE(p.resume());
  ASSERT_TRUE(p.wait_paused("tracing")) << p.log();
  ASSERT_TRUE(lab_->provider.run_ok({"nft", "delete", "rule", "inet", "filter", "input", "handle", handle}).ok());
  ASSERT_TRUE(p.resume());
  auto r = p.finish();
  ASSERT_TRUE(r.ok()) << r.error().message();
  const std::string out = p.log();
  EXPECT_EQ(r->exit_code, 0) << out;
  EXPECT_NE(out.find("handle " + handle + " no longer exists"), std::string::npos) << out;
  EXPECT_EQ(out.find("neighbour"), std::string::npos) << "another rule's text for the gone handle: " << out;
  expect_nothing_left();
}

// `ip netns del` of a traced namespace only removes its name: fwpath holds it open, keeps
// tracing, and removes its table from it when it ends.
TEST_F(ChangingWorld, TracedNamespaceDeleted) {
  auto extra = TestNetns::create("extra");
  ASSERT_TRUE(extra.ok()) << extra.error().message();
  auto listener = TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  PausedProbe p("setup", probe_args({"--netns", extra->name()}), "netns");
  ASSERT_TRUE(p.wait_paused("setup")) << p.log();
  EXPECT_TRUE(tracer_table_in(extra.value()));
  ASSERT_TRUE(run_checked({"ip", "netns", "del", extra->name()}).ok());
  ASSERT_TRUE(p.resume());
  auto r = p.finish();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 0) << p.log();
  EXPECT_NE(p.log().find("\"outcome\": \"reached\""), std::string::npos) << p.log();
  EXPECT_FALSE(tracer_table_in(extra.value())) << "the table in the deleted namespace";
  expect_nothing_left();
}

// The path's link goes down after setup: the router loses its route to the provider and
// answers the SYN with net-unreachable; fwpath reports that (exit 1) instead of hanging or
// reporting a pass, and blames no rule.
TEST_F(ChangingWorld, InterfaceGoesDown) {
  auto listener = TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  PausedProbe p("setup", probe_args(), "link");
  ASSERT_TRUE(p.wait_paused("setup")) << p.log();
  ASSERT_TRUE(lab_->router.ip({"link", "set", ThreeNsLab::kRouterProviderIf, "down"}).ok());
  ASSERT_TRUE(p.resume());
  auto r = p.finish();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 1) << p.log();
  const auto report = report_in(p.log());
  ASSERT_FALSE(report.is_discarded()) << p.log();
  const auto& t = report["targets"][0];
  EXPECT_FALSE(t["passed"].get<bool>()) << t.dump(2);
  EXPECT_EQ(t["outcome"], "rejected") << t.dump(2);
  EXPECT_EQ(t["reply"]["from"], ThreeNsLab::kRouterConsumerV4) << t.dump(2);
  EXPECT_EQ(t["reply"]["icmp"]["type"], 3) << t.dump(2);
  EXPECT_EQ(t["reply"]["icmp"]["code"], 0) << "net-unreachable: " << t.dump(2);
  EXPECT_TRUE(t["hops"].empty()) << "no rule decided: " << t.dump(2);
  expect_nothing_left();
}

// An address on the provider's link where nobody is: the router asks for it (ARP) and never
// hears back. fwpath must end within its timeout, say the target was not reached, and not
// blame a firewall rule that did not decide.
TEST_F(ChangingWorld, TargetThatDoesNotAnswer) {
  CommandResult r;
  const auto report = probe({"--api-server", "198.51.100.99:6443"}, r);
  ASSERT_FALSE(report.is_discarded()) << r.describe() << r.out;
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  const auto& t = report["targets"][0];
  EXPECT_FALSE(t["passed"].get<bool>()) << t.dump(2);
  EXPECT_EQ(t["outcome"], "no-reply") << t.dump(2);
  EXPECT_EQ(t["reply"]["outcome"], "timeout") << t.dump(2);
  EXPECT_LT(t["reply"]["elapsed_ms"].get<double>(), 3500.0) << "ended by its 3 s timeout: " << t.dump(2);
  EXPECT_TRUE(t["hops"].empty()) << "no rule decided: " << t.dump(2);
  // How far it got: the BPF tracer saw the SYN on the router, which had nobody to hand it to.
  bool on_router = false;
  for (const auto& w : t["wire"]) on_router |= w["netns"] == lab_->router.name();
  EXPECT_TRUE(on_router) << t.dump(2);
  expect_nothing_left();
}

// IPv6 through the whole machinery: a drop by a rule in the provider's input chain is named
// with its rule, hook, namespace and the kernel's reason, as for IPv4.
TEST_F(ChangingWorld, Ipv6DropByRuleIsNamed) {
  auto listener = TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV6), 6443});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  ASSERT_TRUE(lab_->provider
                  .load_nft("table ip6 filter {\n chain input { type filter hook input priority 0; policy accept;\n"
                            "  tcp dport 6443 counter drop comment \"v6 closed\"\n }\n}\n")
                  .ok());
  CommandResult r;
  const auto report = probe({"--api-server", std::string("[") + ThreeNsLab::kProviderV6 + "]:6443"}, r);
  ASSERT_FALSE(report.is_discarded()) << r.describe() << r.out;
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  const auto& t = report["targets"][0];
  EXPECT_EQ(t["outcome"], "dropped") << t.dump(2);
  EXPECT_NE(t["summary"].get<std::string>().find("v6 closed"), std::string::npos) << t.dump(2);
  EXPECT_EQ(t["drop"]["netns"], lab_->provider.name()) << t.dump(2);
  EXPECT_EQ(t["drop"]["hook"], "input") << t.dump(2);
  EXPECT_EQ(t["drop"]["reason"], "NETFILTER_DROP") << t.dump(2);
  ASSERT_EQ(t["hops"].size(), 1U) << t.dump(2);
  EXPECT_EQ(t["hops"][0]["family"], "ip6") << t.dump(2);
  EXPECT_EQ(t["hops"][0]["verdict"], "drop") << t.dump(2);
  EXPECT_EQ(listener->accepted(), 0U);
  expect_nothing_left();
}

}  // namespace
}  // namespace fwpath::testlab

// The world changing under a running `fwpath probe`: a rule added and deleted while it
// traces, a traced namespace deleted, an interface going down. fwpath is stopped at known
// points with FWPATH_TEST_PAUSE_AT (util/test_pause.h) and sent on with SIGUSR1 after the
// test changed things; it must finish (no crash, no hang), say what it saw, and leave
// nothing behind.
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

// The path's link goes down after setup: the probe gets no answer, and fwpath says so
// (exit 1) instead of hanging or reporting a pass.
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
  const auto json_start = p.log().find('{');
  ASSERT_NE(json_start, std::string::npos) << p.log();
  const auto report = nlohmann::json::parse(p.log().substr(json_start), nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << p.log();
  EXPECT_FALSE(report["targets"][0]["passed"].get<bool>()) << report.dump(2);
  expect_nothing_left();
}

}  // namespace
}  // namespace fwpath::testlab

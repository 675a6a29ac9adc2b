// `fwpath demo` end to end, run as a newcomer runs it: the lab is built, both broken paths
// are explained with the rules that break them, and nothing is left behind, whether the
// demo ends normally, is asked to stop (SIGTERM) or is killed (SIGKILL, swept by the
// next run).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lab/lab_names.h"
#include "support/leftovers.h"
#include "support/netns_lab.h"
#include "support/streaming_process.h"

namespace fwpath::testlab {
namespace {

using nlohmann::json;

// The intro's last line: the lab is built when it appears.
constexpr const char* kIntroEnd = "udp 198.51.100.20:30742\n";

const json* target(const json& report, const std::string& label) {
  for (const auto& t : report["targets"]) {
    if (t["label"] == label) return &t;
  }
  return nullptr;
}

const json* hop(const json& hops, const std::string& netns, const std::string& chain, const std::string& verdict) {
  for (const auto& h : hops) {
    if (h["netns"] == netns && h["chain"] == chain && h["verdict"] == verdict) return &h;
  }
  return nullptr;
}

const json* rewrite(const json& t, const std::string& field) {
  for (const auto& w : t["rewrites"]) {
    if (w["field"] == field && w["direction"] == "request") return &w;
  }
  return nullptr;
}

class Demo : public ::testing::Test {
 protected:
  void SetUp() override { FWPATH_REQUIRE_LAB(); }
};

TEST_F(Demo, ExplainsBothBrokenPathsAndLeavesNothing) {
  auto r = run_command({FWPATH_BINARY, "demo", "--json"}, timeout_after(std::chrono::seconds(60)));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 1) << r->describe();
  const json report = json::parse(r->out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << "not JSON:\n" << r->out << "\nstderr: " << r->err;

  // The gateway: DNATed by kube-proxy's endpoint rule, then dropped by forward's policy.
  const json* gw = target(report, "gateway");
  ASSERT_NE(gw, nullptr) << report.dump(2);
  EXPECT_EQ((*gw)["outcome"], "dropped") << gw->dump(2);
  EXPECT_NE((*gw)["summary"].get<std::string>().find("dropped at forward by the policy of inet filter forward"),
            std::string::npos)
      << (*gw)["summary"];
  const json* policy = hop((*gw)["hops"], "provider", "forward", "policy drop");
  ASSERT_NE(policy, nullptr) << (*gw)["hops"].dump(2);
  EXPECT_EQ((*policy)["family"], "inet");
  EXPECT_EQ((*policy)["table"], "filter");
  EXPECT_EQ((*policy)["hook"], "forward");
  const std::string dnat_rule = "meta l4proto udp dnat to 198.18.1.5:51840";
  const json* dport = rewrite(*gw, "dport");
  const json* daddr = rewrite(*gw, "daddr");
  ASSERT_NE(dport, nullptr) << (*gw)["rewrites"].dump(2);
  ASSERT_NE(daddr, nullptr) << (*gw)["rewrites"].dump(2);
  EXPECT_EQ((*dport)["before"], "30742");
  EXPECT_EQ((*dport)["after"], "51840");
  EXPECT_EQ((*daddr)["before"], "198.51.100.20");
  EXPECT_EQ((*daddr)["after"], "198.18.1.5");
  for (const json* w : {dport, daddr}) {
    EXPECT_EQ((*w)["rule"], dnat_rule);
    EXPECT_EQ((*w)["hook"], "prerouting");
    EXPECT_EQ((*w)["netns"], "provider");
  }
  bool kube_proxy_hop = false;  // the rewrite's rule is kube-proxy's endpoint chain
  for (const auto& h : (*gw)["hops"]) {
    kube_proxy_hop |= h["table"] == "kube-proxy" && h["rule"] == dnat_rule &&
                      h["chain"].get<std::string>().rfind("endpoint-", 0) == 0;
  }
  EXPECT_TRUE(kube_proxy_hop) << (*gw)["hops"].dump(2);
  EXPECT_EQ(hop((*gw)["hops"], "provider", "input", "accept"), nullptr) << "after DNAT the datagram never sees input";

  // The API server: the input chain's final reject answers with ICMP admin-prohibited.
  const json* api = target(report, "api-server");
  ASSERT_NE(api, nullptr) << report.dump(2);
  EXPECT_EQ((*api)["outcome"], "rejected") << api->dump(2);
  EXPECT_EQ((*api)["reply"]["outcome"], "icmp-error");
  EXPECT_EQ((*api)["reply"]["icmp"]["type"], 3);
  EXPECT_EQ((*api)["reply"]["icmp"]["code"], 13);
  EXPECT_EQ((*api)["reply"]["from"], "198.51.100.20");
  const json* reject = hop((*api)["hops"], "provider", "input", "reject");
  ASSERT_NE(reject, nullptr) << (*api)["hops"].dump(2);
  EXPECT_EQ((*reject)["rule"], "reject with icmpx admin-prohibited");
  EXPECT_EQ((*reject)["table"], "filter");

  // The services were up and got nothing: evidence the tracer did not produce.
  ASSERT_EQ(report["demo"]["listeners"].size(), 2U) << report["demo"].dump(2);
  for (const auto& l : report["demo"]["listeners"]) EXPECT_EQ(l["served"], 0) << l.dump();

  EXPECT_EQ(report["demo"]["broken_paths"], 2);
  EXPECT_TRUE(report["demo"]["unexpected"].empty()) << report["demo"].dump(2);

  // Nothing left: the run's namespaces (named in the report) and tracer tables.
  ASSERT_EQ(report["demo"]["hosts"].size(), 4U);
  const auto parsed = lab::parse_lab_netns_name(report["demo"]["hosts"][0]["netns"].get<std::string>());
  ASSERT_TRUE(parsed.has_value()) << report["demo"]["hosts"].dump(2);
  for (const auto& h : report["demo"]["hosts"]) {
    EXPECT_FALSE(std::filesystem::exists("/run/netns/" + h["netns"].get<std::string>())) << h["netns"];
  }
  EXPECT_TRUE(lab_netns_of(parsed->run.pid).empty());
  EXPECT_EQ(host_tracer_tables_of(parsed->run.pid), "");
}

TEST_F(Demo, TextEndsWithTheExpectedOutcome) {
  auto r = run_command({FWPATH_BINARY, "demo"}, timeout_after(std::chrono::seconds(60)));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 1) << r->describe();
  EXPECT_NE(r->out.find("FAIL api-server tcp 198.51.100.20:6443: rejected at input by "
                        "`reject with icmpx admin-prohibited`"),
            std::string::npos)
      << r->out;
  EXPECT_NE(r->out.find("FAIL gateway udp 198.51.100.20:30742: dropped at forward by the policy of inet filter "
                        "forward"),
            std::string::npos)
      << r->out;
  ASSERT_FALSE(r->out.empty());
  const auto last = r->out.substr(r->out.rfind('\n', r->out.size() - 2) + 1);
  EXPECT_EQ(last, "fwpath found 2 broken paths; exit 1 is the expected outcome of this demo.\n") << r->out;
  EXPECT_EQ(r->err, "");
}

TEST_F(Demo, SigtermUnwindsAndExitsFour) {
  auto demo = StreamingProcess::start({FWPATH_BINARY, "demo"});
  ASSERT_TRUE(demo.ok()) << demo.error().message();
  const pid_t pid = demo->pid();
  ASSERT_TRUE(demo->read_until(kIntroEnd, std::chrono::seconds(30))) << demo->out();
  // The lab exists now (the intro comes after it is built): the check below is not vacuous.
  EXPECT_EQ(lab_netns_of(pid).size(), 4U);
  demo->signal(SIGTERM);
  const auto r = demo->finish(std::chrono::seconds(30));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->signal, 0) << "the handler must catch SIGTERM, not die of it";
  EXPECT_EQ(r->exit_code, 4) << r->describe() << "\nstdout:\n" << r->out;
  EXPECT_NE(r->err.find("interrupted by TERM"), std::string::npos) << r->err;
  EXPECT_EQ(std::count(r->err.begin(), r->err.end(), '\n'), 1) << r->err;
  EXPECT_TRUE(lab_netns_of(pid).empty());
  EXPECT_EQ(host_tracer_tables_of(pid), "");
}

TEST_F(Demo, NamespacesOfAKilledRunAreSweptByTheNext) {
  auto killed = StreamingProcess::start({FWPATH_BINARY, "demo"});
  ASSERT_TRUE(killed.ok()) << killed.error().message();
  const pid_t dead = killed->pid();
  ASSERT_TRUE(killed->read_until(kIntroEnd, std::chrono::seconds(30))) << killed->out();
  killed->signal(SIGKILL);
  const auto k = killed->finish(std::chrono::seconds(30));
  ASSERT_TRUE(k.ok()) << k.error().message();
  ASSERT_EQ(k->signal, SIGKILL) << k->describe();
  const auto left = lab_netns_of(dead);
  ASSERT_EQ(left.size(), 4U) << "SIGKILL cannot be caught: its lab stays until the next run";

  auto r = run_command({FWPATH_BINARY, "demo", "--json"}, timeout_after(std::chrono::seconds(60)));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->exit_code, 1) << r->describe();
  EXPECT_TRUE(lab_netns_of(dead).empty()) << "the next run sweeps what the killed one left";
  const json report = json::parse(r->out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r->out;
  for (const auto& name : left) {
    bool noted = false;
    for (const auto& n : report["notes"]) noted |= n.get<std::string>().find(name) != std::string::npos;
    EXPECT_TRUE(noted) << name << " not in " << report["notes"].dump(2);
  }
}

TEST(DemoInput, UnknownOptionExitsTwo) {
  auto r = run_command({FWPATH_BINARY, "demo", "--bogus"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 2) << r->describe();
  EXPECT_EQ(std::count(r->err.begin(), r->err.end(), '\n'), 1) << r->err;
}

}  // namespace
}  // namespace fwpath::testlab

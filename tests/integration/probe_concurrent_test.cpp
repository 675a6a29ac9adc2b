// Two `fwpath probe` runs at the same time on one machine, in two labs with the same
// addresses and the same target port: one lab drops the probe, the other answers it.
// The BPF tracepoints see every namespace, so a run that did not filter by namespace (or
// sent from the same UDP source port) would take the other's drop as its own.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "support/netns_lab.h"
#include "support/temp_dir.h"

namespace fwpath::testlab {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr uint16_t kGatewayPort = 51820;

// fwpath probe --gateway in `lab`, JSON to out, stderr to err.
std::vector<std::string> probe_argv(const ThreeNsLab& lab, const std::string& out, const std::string& err) {
  const std::string cmd = std::string(FWPATH_BINARY) + " probe --json --timeout 3 --gateway " +
                          ThreeNsLab::kProviderV4 + ":" + std::to_string(kGatewayPort) + " --from-netns " +
                          lab.consumer.name() + " --netns " + lab.router.name() + " --netns " + lab.provider.name() +
                          " >" + out + " 2>" + err;
  return {"sh", "-c", cmd};
}

json read_report(const std::string& path) {
  auto text = read_file(path);
  EXPECT_TRUE(text) << text.error().message();
  if (!text) return json();
  json j = json::parse(*text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << *text;
  return j;
}

// Every namespace a report names belongs to `lab`.
void expect_only_lab_namespaces(const json& target, const ThreeNsLab& lab) {
  auto ours = [&](const json& ns) {
    return ns == lab.consumer.name() || ns == lab.router.name() || ns == lab.provider.name();
  };
  for (const char* list : {"hops", "wire", "conntrack"}) {
    for (const auto& item : target[list]) EXPECT_TRUE(ours(item["netns"])) << list << ": " << item.dump();
  }
  if (target["drop"].is_object()) {
    EXPECT_TRUE(ours(target["drop"]["netns"])) << target["drop"].dump();
  }
}

TEST(ProbeConcurrent, TwoRunsInTwoLabsEachReportTheirOwnVerdict) {
  FWPATH_REQUIRE_LAB();
  auto dropping = ThreeNsLab::build();
  ASSERT_TRUE(dropping) << dropping.error().message();
  auto answering = ThreeNsLab::build();
  ASSERT_TRUE(answering) << answering.error().message();
  ASSERT_TRUE(dropping->provider
                  .load_nft("table inet filter { chain input { type filter hook input priority 0; policy accept;\n"
                            "  udp dport 51820 drop comment \"lab a drops\"\n}\n}\n")
                  .ok());
  auto echo = UdpEchoListener::start(answering->provider.fd(),
                                     {model::IpAddr::parse(ThreeNsLab::kProviderV4).value(), kGatewayPort});
  ASSERT_TRUE(echo) << echo.error().message();
  auto dir = TempDir::create();
  ASSERT_TRUE(dir) << dir.error().message();

  // Both at once: each sets up its tables and programs while the other probes.
  auto a = BackgroundProcess::start(probe_argv(*dropping, dir->file("a.json"), dir->file("a.err")));
  ASSERT_TRUE(a) << a.error().message();
  auto b = BackgroundProcess::start(probe_argv(*answering, dir->file("b.json"), dir->file("b.err")));
  ASSERT_TRUE(b) << b.error().message();
  auto ra = a->wait(20s);
  auto rb = b->wait(20s);
  ASSERT_TRUE(ra) << ra.error().message();
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(ra->exit_code, 1) << file_text(dir->file("a.err"));
  EXPECT_EQ(rb->exit_code, 0) << file_text(dir->file("b.err"));

  const json ja = read_report(dir->file("a.json"));
  const json jb = read_report(dir->file("b.json"));
  ASSERT_TRUE(ja.is_object() && jb.is_object());
  const json& ta = ja["targets"][0];
  const json& tb = jb["targets"][0];
  EXPECT_EQ(ta["outcome"], "dropped") << ta.dump(2);
  ASSERT_TRUE(ta["drop"].is_object()) << ta.dump(2);
  EXPECT_EQ(ta["drop"]["netns"], dropping->provider.name());
  EXPECT_EQ(tb["outcome"], "reached") << tb.dump(2);
  EXPECT_TRUE(tb["drop"].is_null()) << "lab B took lab A's drop: " << tb["drop"].dump();
  EXPECT_EQ(tb["reply"]["outcome"], "reply") << tb.dump(2);
  expect_only_lab_namespaces(ta, *dropping);
  expect_only_lab_namespaces(tb, *answering);

  // Each run's UDP source port is fixed for the run and in fwpath's range.
  for (const json* t : {&ta, &tb}) {
    const std::string src = (*t)["source"];
    const int port = std::stoi(src.substr(src.rfind(':') + 1));
    EXPECT_GE(port, 40000) << src;
    EXPECT_LE(port, 40999) << src;
  }
}

}  // namespace
}  // namespace fwpath::testlab

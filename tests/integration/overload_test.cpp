// Overload: a flood that overruns the nf_tables trace socket or the BPF ring buffer while a
// probe runs. fwpath must keep going (exit 1, not 3), count what it lost, mark the probe
// incomplete and never report the silent UDP probe's path as clean. The buffers are shrunk
// with the test-only knobs of util/test_knobs.h so that a flood a test can make fills them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/lab_fixture.h"

namespace fwpath::testlab {
namespace {

class Overload : public WithLab<> {
 protected:
  // fwpath probe of a silent UDP port in the provider (no reply, the case where only the
  // trace can say what happened), with `env` set.
  nlohmann::json probe(const std::string& env, CommandResult& result) {
    auto r = run_command(
        {"env", env, FWPATH_BINARY, "probe", "--json", "--timeout", "2", "--from-netns", lab_->consumer.name(),
         "--netns", lab_->provider.name(), "--gateway", std::string(ThreeNsLab::kProviderV4) + ":51840"},
        timeout_after(std::chrono::seconds(60)));
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (!r.ok()) return {};
    result = r.value();
    return nlohmann::json::parse(r->out, nullptr, false);
  }

  static void expect_incomplete_not_clean(const nlohmann::json& report, const CommandResult& r, const char* lost) {
    ASSERT_FALSE(report.is_discarded()) << r.describe() << r.out;
    EXPECT_EQ(r.exit_code, 1) << "kept going, and a probe it could not fully see is not a pass; " << r.describe();
    EXPECT_GT(report.value(nlohmann::json::json_pointer(lost), uint64_t{0}), 0U) << report.dump(2);
    const auto& t = report["targets"][0];
    EXPECT_TRUE(t["incomplete"].get<bool>()) << t.dump(2);
    EXPECT_FALSE(t["passed"].get<bool>()) << t.dump(2);
    EXPECT_NE(t["summary"].get<std::string>().find("incomplete"), std::string::npos) << t.dump(2);
  }
};

TEST_F(Overload, TraceSocketOverrunIsCountedAndMarked) {
  FWPATH_SKIP_UNLESS(have_tool("ping"), "ping (iputils) for the flood");
  // Every packet the provider sends or receives is traced: a ping flood to the router makes
  // trace events far faster than a 4 KiB socket buffer holds.
  ASSERT_TRUE(lab_->provider
                  .load_nft("table inet flood {\n"
                            " chain out { type filter hook output priority 0; meta nftrace set 1; }\n"
                            " chain in { type filter hook input priority 0; meta nftrace set 1; }\n}\n")
                  .ok());
  auto flood =
      BackgroundProcess::start({"ping", "-f", "-q", "-w", "30", ThreeNsLab::kRouterProviderV4}, lab_->provider.fd());
  ASSERT_TRUE(flood.ok()) << flood.error().message();
  CommandResult r;
  const auto report = probe("FWPATH_TEST_NL_RCVBUF=1", r);
  expect_incomplete_not_clean(report, r, "/lost/trace_overruns");
}

TEST_F(Overload, RingBufferOverrunIsCountedAndMarked) {
  FWPATH_SKIP_UNLESS(have_tool("bash"), "bash for the UDP flood");
  // Datagrams to the probed port match the BPF watch list at every device they cross; a
  // one-page ring buffer holds about 16 events.
  const std::string target = std::string("/dev/udp/") + ThreeNsLab::kProviderV4 + "/51840";
  auto flood = BackgroundProcess::start(
      {"bash", "-c", "end=$((SECONDS+30)); while ((SECONDS < end)); do echo x >" + target + "; done"},
      lab_->consumer.fd());
  ASSERT_TRUE(flood.ok()) << flood.error().message();
  CommandResult r;
  const auto report = probe("FWPATH_TEST_RINGBUF_BYTES=4096", r);
  expect_incomplete_not_clean(report, r, "/lost/bpf_events");
}

}  // namespace
}  // namespace fwpath::testlab

// fwpath probe as uid 65534 with exactly the capabilities util/capabilities.h's
// tracing_caps() names (docs/privileges.md), in a lab built as root. With them it traces
// with both sources (nftables trace and BPF tracer) and reaches the listener; with any one
// of them dropped it stops before touching the kernel: exit 3, naming the missing one.
// Two shapes, because CAP_SYS_ADMIN stands for CAP_BPF and CAP_PERFMON where it is needed:
//   in place:      fwpath started inside the consumer namespace, tracefs mounted (the
//                  tests' mount namespace has it): CAP_NET_ADMIN, CAP_BPF, CAP_PERFMON
//   other netns:   --from-netns/--netns (setns): CAP_NET_ADMIN, CAP_SYS_ADMIN
// plus CAP_DAC_READ_SEARCH in both, for a uid other than 0 (tracefs is root's, mode 0700).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/lab_fixture.h"
#include "support/listeners.h"
#include "util/tracefs.h"

namespace fwpath::testlab {
namespace {

CommandOptions timeout_options(int seconds) {
  CommandOptions opt;
  opt.timeout = std::chrono::seconds(seconds);
  return opt;
}

struct CapName {
  std::string setpriv;  // as setpriv names it
  std::string shown;    // as fwpath names it
};

const std::vector<CapName> kInPlace = {{"net_admin", "CAP_NET_ADMIN"},
                                       {"bpf", "CAP_BPF"},
                                       {"perfmon", "CAP_PERFMON"},
                                       {"dac_read_search", "CAP_DAC_READ_SEARCH"}};
const std::vector<CapName> kOtherNetns = {
    {"net_admin", "CAP_NET_ADMIN"}, {"sys_admin", "CAP_SYS_ADMIN"}, {"dac_read_search", "CAP_DAC_READ_SEARCH"}};

class Privileges : public WithLab<::testing::TestWithParam<bool>> {
 protected:
  void SetUp() override {
    WithLab<::testing::TestWithParam<bool>>::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    FWPATH_SKIP_UNLESS(have_tool("setpriv"), "setpriv (util-linux)");
    FWPATH_SKIP_UNLESS(tracefs_mounted(), "tracefs in the tests' mount namespace");
    auto listener = TcpListener::start(lab_->provider.fd(), {addr(ThreeNsLab::kProviderV4), 6443});
    ASSERT_TRUE(listener.ok()) << listener.error().message();
    listener_.emplace(std::move(listener.value()));
    // The rule is in the namespace fwpath traces in each shape.
    const TestNetns& traced = other_netns() ? lab_->provider : lab_->consumer;
    const char* hook = other_netns() ? "input" : "output";
    ASSERT_TRUE(traced
                    .load_nft(std::string("table inet filter {\n chain c { type filter hook ") + hook +
                              " priority 0; policy accept;\n"
                              "  tcp dport 6443 counter accept comment \"least privilege\"\n }\n}\n")
                    .ok());
  }

  bool other_netns() const { return GetParam(); }
  const std::vector<CapName>& needed() const { return other_netns() ? kOtherNetns : kInPlace; }

  // fwpath probe as uid/gid 65534 with `caps` (setpriv names) as its only capabilities:
  // inheritable + ambient so that they survive the exec, bounding set cut to them.
  Result<CommandResult> probe_with(const std::vector<std::string>& caps) {
    std::string list = "-all";
    for (const auto& c : caps) list += ",+" + c;
    std::vector<std::string> argv = {"setpriv",
                                     "--reuid=65534",
                                     "--regid=65534",
                                     "--clear-groups",
                                     "--inh-caps=" + list,
                                     "--ambient-caps=" + list,
                                     "--bounding-set=" + list,
                                     FWPATH_BINARY,
                                     "probe",
                                     "--json",
                                     "--timeout",
                                     "2",
                                     "--api-server",
                                     std::string(ThreeNsLab::kProviderV4) + ":6443"};
    CommandOptions opt = timeout_options(30);
    if (other_netns()) {
      for (const auto& a :
           {std::string("--from-netns"), lab_->consumer.name(), std::string("--netns"), lab_->provider.name()}) {
        argv.push_back(a);
      }
    } else {
      opt.netns_fd = lab_->consumer.fd();
    }
    return run_command(argv, opt);
  }

  std::optional<TcpListener> listener_;
};

TEST_P(Privileges, ExactlyTheDocumentedSetTracesFully) {
  std::vector<std::string> caps;
  for (const auto& c : needed()) caps.push_back(c.setpriv);
  auto r = probe_with(caps);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->exit_code, 0) << r->describe() << r->out;
  const auto report = nlohmann::json::parse(r->out);
  EXPECT_EQ(report["targets"][0]["outcome"], "reached") << report.dump(2);
  // Both sources worked: no note says one was unavailable, the nft trace saw the rule,
  // and the BPF tracer saw the packet on a device.
  EXPECT_EQ(r->out.find("unavailable"), std::string::npos) << report.dump(2);
  EXPECT_NE(r->out.find("least privilege"), std::string::npos) << report.dump(2);
  EXPECT_NE(r->out.find(ThreeNsLab::kConsumerIf), std::string::npos) << report.dump(2);
  EXPECT_TRUE(listener_->wait_accepted(1, 1000));
}

TEST_P(Privileges, OneFewerFailsNamingIt) {
  for (const auto& dropped : needed()) {
    std::vector<std::string> caps;
    for (const auto& c : needed()) {
      if (c.setpriv != dropped.setpriv) caps.push_back(c.setpriv);
    }
    auto r = probe_with(caps);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->exit_code, 3) << "without " << dropped.shown << ": " << r->describe();
    EXPECT_EQ(r->err, "fwpath probe: tracing needs " + dropped.shown + " (run as root)\n")
        << "without " << dropped.shown;
    EXPECT_EQ(r->out, "");
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Privileges, ::testing::Values(false, true), [](const auto& param_info) {
  return std::string(param_info.param ? "OtherNetns" : "InPlace");
});

}  // namespace
}  // namespace fwpath::testlab

// Every command as uid 65534 with exactly the capabilities util/capabilities.h asks for
// (docs/privileges.md): with them it does its whole job, the same as root; with any one
// of them dropped it stops before touching the kernel: exit 3, one line naming the missing
// one, nothing left behind.
//
// fwpath probe, in a lab built as root, in two shapes, because CAP_SYS_ADMIN stands for
// CAP_BPF and CAP_PERFMON where it is needed (tracing_caps()):
//   in place:      fwpath started inside the consumer namespace, tracefs mounted (the
//                  tests' mount namespace has it): CAP_NET_ADMIN, CAP_BPF, CAP_PERFMON
//   other netns:   --from-netns/--netns (setns): CAP_NET_ADMIN, CAP_SYS_ADMIN
// plus CAP_DAC_READ_SEARCH in both, for a uid other than 0 (tracefs is root's, mode 0700).
//
// The commands that build their own lab (lab run, audit, demo: lab_caps()) need
// CAP_NET_ADMIN, CAP_SYS_ADMIN and, for a uid other than 0, CAP_DAC_OVERRIDE (/run/netns is
// root's), plus CAP_NET_RAW for an iptables-legacy-save ruleset; kernel-check
// (kernel_check_caps()) CAP_NET_ADMIN, CAP_SYS_ADMIN and CAP_DAC_READ_SEARCH.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "support/lab_fixture.h"
#include "support/leftovers.h"
#include "support/listeners.h"
#include "util/child_process.h"
#include "util/tracefs.h"

namespace fwpath::testlab {
namespace {

using nlohmann::json;

struct CapName {
  std::string setpriv;  // as setpriv names it
  std::string shown;    // as fwpath names it
};

const CapName kNetAdmin{"net_admin", "CAP_NET_ADMIN"};
const CapName kSysAdmin{"sys_admin", "CAP_SYS_ADMIN"};
const CapName kBpf{"bpf", "CAP_BPF"};
const CapName kPerfmon{"perfmon", "CAP_PERFMON"};
const CapName kDacReadSearch{"dac_read_search", "CAP_DAC_READ_SEARCH"};
const CapName kDacOverride{"dac_override", "CAP_DAC_OVERRIDE"};
const CapName kNetRaw{"net_raw", "CAP_NET_RAW"};

// `fwpath ARGS` as uid/gid 65534 with `caps` as its only capabilities: inheritable and
// ambient so that they survive the exec, the bounding set cut to them.
Result<CommandResult> as_nobody_with(const std::vector<CapName>& caps, const std::vector<std::string>& args,
                                     const CommandOptions& opt) {
  std::string list = "-all";
  for (const auto& c : caps) list += ",+" + c.setpriv;
  std::vector<std::string> argv = {"setpriv",
                                   "--reuid=65534",
                                   "--regid=65534",
                                   "--clear-groups",
                                   "--inh-caps=" + list,
                                   "--ambient-caps=" + list,
                                   "--bounding-set=" + list,
                                   FWPATH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, opt);
}

std::vector<CapName> without(const std::vector<CapName>& caps, const CapName& dropped) {
  std::vector<CapName> out;
  for (const auto& c : caps) {
    if (c.setpriv != dropped.setpriv) out.push_back(c);
  }
  return out;
}

// What a run of process `pid` could have left: lab namespaces named after it, tracer
// tables of it in the tests' namespace, orphaned programs.
void expect_nothing_left_by(pid_t pid) {
  EXPECT_EQ(lab_netns_of(pid), std::vector<std::string>{}) << "lab namespaces of pid " << pid;
  expect_no_tracer_left({}, pid);
}

// ---- fwpath probe --------------------------------------------------------------------

class ProbePrivileges : public WithLab<::testing::TestWithParam<bool>> {
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
  std::vector<CapName> needed() const {
    if (other_netns()) return {kNetAdmin, kSysAdmin, kDacReadSearch};
    return {kNetAdmin, kBpf, kPerfmon, kDacReadSearch};
  }

  Result<CommandResult> probe_with(const std::vector<CapName>& caps) {
    std::vector<std::string> args = {"probe", "--json",       "--timeout",
                                     "2",     "--api-server", std::string(ThreeNsLab::kProviderV4) + ":6443"};
    CommandOptions opt = timeout_after(std::chrono::seconds(30));
    if (other_netns()) {
      for (const auto& a :
           {std::string("--from-netns"), lab_->consumer.name(), std::string("--netns"), lab_->provider.name()}) {
        args.push_back(a);
      }
    } else {
      opt.netns_fd = lab_->consumer.fd();
    }
    return as_nobody_with(caps, args, opt);
  }

  std::optional<TcpListener> listener_;
};

TEST_P(ProbePrivileges, ExactlyTheDocumentedSetTracesFully) {
  auto r = probe_with(needed());
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->exit_code, 0) << r->describe() << r->out;
  const auto report = json::parse(r->out);
  EXPECT_EQ(report["targets"][0]["outcome"], "reached") << report.dump(2);
  // Both sources worked: no note says one was unavailable, the nft trace saw the rule,
  // and the BPF tracer saw the packet on a device.
  EXPECT_EQ(r->out.find("unavailable"), std::string::npos) << report.dump(2);
  EXPECT_NE(r->out.find("least privilege"), std::string::npos) << report.dump(2);
  EXPECT_NE(r->out.find(ThreeNsLab::kConsumerIf), std::string::npos) << report.dump(2);
  EXPECT_TRUE(listener_->wait_accepted(1, 1000));
  expect_nothing_left_by(r->pid);
}

TEST_P(ProbePrivileges, OneFewerFailsNamingIt) {
  for (const auto& dropped : needed()) {
    auto r = probe_with(without(needed(), dropped));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->exit_code, 3) << "without " << dropped.shown << ": " << r->describe();
    EXPECT_EQ(r->err, "fwpath probe: tracing needs " + dropped.shown + " (run as root)\n")
        << "without " << dropped.shown;
    EXPECT_EQ(r->out, "");
    expect_nothing_left_by(r->pid);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ProbePrivileges, ::testing::Values(false, true), [](const auto& param_info) {
  return std::string(param_info.param ? "OtherNetns" : "InPlace");
});

// ---- the commands that build their own lab, and kernel-check -------------------------

std::string source_file(const std::string& relative) {
  return std::string(FWPATH_SOURCE_DIR) + "/" + relative;
}

// kernel-check's answer per feature (available or not).
std::map<std::string, bool> availability(const json& report) {
  std::map<std::string, bool> out;
  for (const auto& f : report["features"]) out[f["name"].get<std::string>()] = f["available"].get<bool>();
  return out;
}

struct CommandCase {
  std::string name;  // the test's
  std::vector<std::string> args;
  std::vector<CapName> needed;
  std::string refusal;  // the line without one of `needed`, up to the capability's name
  int exit_code;        // with all of `needed`
  // What the run with all of `needed` must show besides its exit code.
  void (*check)(const CommandResult& r);
};

const std::vector<CommandCase>& command_cases() {
  static const std::vector<CommandCase> cases = {
      {"LabRun",
       {"lab", "run", source_file("rulesets/scenarios/s02-host-firewall-policy-drop.yaml")},
       {kNetAdmin, kSysAdmin, kDacOverride},
       "fwpath lab: building and tracing a lab needs ",
       0,
       [](const CommandResult& r) {
         EXPECT_NE(r.out.find("PASS api-server drop_reason: NETFILTER_DROP"), std::string::npos) << r.out;
         EXPECT_NE(r.out.find("1 scenarios: 1 passed, 0 failed, 0 skipped"), std::string::npos) << r.out;
       }},
      {"Audit",
       {"audit", "--ruleset", source_file("rulesets/audit/provider-open.nft"), "--role", "provider", "--require",
        "tcp:6443", "--require", "udp:51840", "--json"},
       {kNetAdmin, kSysAdmin, kDacOverride},
       "fwpath audit: building the audit lab needs ",
       0,
       [](const CommandResult& r) {
         const auto j = json::parse(r.out, nullptr, false);
         ASSERT_FALSE(j.is_discarded()) << r.out;
         EXPECT_EQ(j["audit"]["allowed"], 2) << j["audit"].dump(2);
         // Both tracers ran: the accepting rule of each path is named.
         EXPECT_EQ(r.out.find("unavailable"), std::string::npos) << j["probe"]["notes"].dump(2);
         for (const auto& t : j["probe"]["targets"]) EXPECT_FALSE(t["hops"].empty()) << t.dump(2);
       }},
      {"AuditIptablesLegacy",
       {"audit", "--ruleset", source_file("rulesets/audit/provider-iptables.rules"), "--format", "iptables-legacy-save",
        "--role", "provider", "--require", "tcp:6443", "--json"},
       {kNetAdmin, kSysAdmin, kDacOverride, kNetRaw},
       "fwpath audit: building the audit lab needs ",
       1,
       [](const CommandResult& r) {
         // Blocked by the legacy rule, which loaded: not a refusal to load it.
         const auto j = json::parse(r.out, nullptr, false);
         ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
         const auto& result = j["audit"]["results"][0];
         EXPECT_EQ(result["result"], "blocked") << result.dump(2);
         EXPECT_NE(result["summary"].get<std::string>().find("iptables-legacy"), std::string::npos) << result.dump(2);
       }},
      {"Demo",
       {"demo", "--json"},
       {kNetAdmin, kSysAdmin, kDacOverride},
       "fwpath demo: building the demo lab needs ",
       1,
       [](const CommandResult& r) {
         const auto j = json::parse(r.out, nullptr, false);
         ASSERT_FALSE(j.is_discarded()) << r.out;
         EXPECT_EQ(j["demo"]["broken_paths"], 2) << j["demo"].dump(2);
         EXPECT_TRUE(j["demo"]["unexpected"].empty()) << j["demo"].dump(2);
       }},
      {"KernelCheck",
       {"kernel-check", "--json"},
       {kNetAdmin, kSysAdmin, kDacReadSearch},
       "fwpath kernel-check: probing the kernel needs ",
       0,
       [](const CommandResult& r) {
         // Every answer as root gives it: a capability short would turn some "yes" into
         // "no" (tracepoints without tracefs access, x_tables unreadable) and still exit 0.
         auto root = run_command({FWPATH_BINARY, "kernel-check", "--json"});
         ASSERT_TRUE(root.ok() && root->exit_code == r.exit_code) << (root ? root->describe() : "");
         const auto mine = json::parse(r.out, nullptr, false);
         const auto roots = json::parse(root->out, nullptr, false);
         ASSERT_FALSE(mine.is_discarded() || roots.is_discarded()) << r.out;
         EXPECT_EQ(availability(mine), availability(roots)) << r.out;
       }},
  };
  return cases;
}

class CommandPrivileges : public ::testing::TestWithParam<CommandCase> {
 protected:
  void SetUp() override {
    FWPATH_REQUIRE_LAB();
    FWPATH_SKIP_UNLESS(have_tool("setpriv"), "setpriv (util-linux)");
    if (GetParam().name == "AuditIptablesLegacy") {
      FWPATH_SKIP_UNLESS(!find_system_tool("iptables-legacy-restore").empty(), "iptables-legacy-restore");
    }
  }
  Result<CommandResult> run_with(const std::vector<CapName>& caps) const {
    return as_nobody_with(caps, GetParam().args, timeout_after(std::chrono::seconds(120)));
  }
};

TEST_P(CommandPrivileges, ExactlyItsSetDoesItsWholeJob) {
  const CommandCase& c = GetParam();
  auto r = run_with(c.needed);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->exit_code, c.exit_code) << r->describe() << "\n" << r->out;
  c.check(r.value());
  expect_nothing_left_by(r->pid);
}

TEST_P(CommandPrivileges, OneFewerExitsThreeNamingIt) {
  const CommandCase& c = GetParam();
  for (const auto& dropped : c.needed) {
    auto r = run_with(without(c.needed, dropped));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->exit_code, 3) << "without " << dropped.shown << ": " << r->describe();
    EXPECT_EQ(r->err, c.refusal + dropped.shown + " (run as root)\n") << "without " << dropped.shown;
    EXPECT_EQ(r->out, "") << "without " << dropped.shown;
    expect_nothing_left_by(r->pid);
  }
}

INSTANTIATE_TEST_SUITE_P(Commands, CommandPrivileges, ::testing::ValuesIn(command_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace fwpath::testlab

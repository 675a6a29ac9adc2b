// `fwpath kernel-check` on this machine: each answer is compared with evidence gathered
// another way (sysfs, tracefs, bpftool, iproute2, nft, conntrack, iptables-legacy), so a
// probe that lies in either direction fails here. Needs root; skips with the reason
// otherwise. Test namespaces are named fwpath-t<pid>-NAME and removed on every exit path.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "kernel/node_probes.h"
#include "kernel/probe_support.h"
#include "model/kernel_verdict.h"
#include "support/command.h"
#include "support/streaming_process.h"
#include "util/child_process.h"
#include "util/netns.h"
#include "util/tracefs.h"

namespace {

using namespace std::chrono_literals;

// ---- processes -------------------------------------------------------------------

std::string find_tool(const std::string& name) {
  return fwpath::find_system_tool(name);
}

using Outcome = fwpath::testlab::CommandResult;

Outcome run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 20s) {
  fwpath::testlab::CommandOptions opt;
  opt.timeout = timeout;
  auto r = fwpath::testlab::run_command(argv, opt);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r ? r.value() : Outcome{};
}

// ---- namespaces --------------------------------------------------------------------

// `ip netns add fwpath-t<pid>-NAME`, deleted when the object goes.
class TestNetns {
 public:
  explicit TestNetns(const std::string& suffix)
      : ip_(find_tool("ip")), name_("fwpath-t" + std::to_string(::getpid()) + "-" + suffix) {
    ok_ = !ip_.empty() && run({ip_, "netns", "add", name_}).exit_code == 0;
  }
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;
  TestNetns(TestNetns&&) = delete;
  TestNetns& operator=(TestNetns&&) = delete;
  ~TestNetns() {
    if (ok_) run({ip_, "netns", "del", name_});
  }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  // argv prefixed with `ip netns exec NAME`.
  [[nodiscard]] std::vector<std::string> exec(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {ip_, "netns", "exec", name_});
    return argv;
  }

 private:
  std::string ip_;
  std::string name_;
  bool ok_ = false;
};

// ---- kernel-check ------------------------------------------------------------------

std::string string_field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

struct Report {
  Report(int code, const std::string& json_text)
      : exit_code(code), json(nlohmann::json::parse(json_text, nullptr, false)) {}
  int exit_code = -1;
  nlohmann::json json;
  [[nodiscard]] const nlohmann::json& feature(const std::string& name) const {
    for (const auto& f : json["features"]) {
      if (f["name"] == name) return f;
    }
    static const nlohmann::json missing;
    return missing;
  }
  [[nodiscard]] bool available(const std::string& name) const { return feature(name).value("available", false); }
  [[nodiscard]] std::string detail(const std::string& name) const { return string_field(feature(name), "detail"); }
};

Report kernel_check_json() {
  const Outcome o = run({FWPATH_BINARY, "kernel-check", "--json"});
  return Report(o.exit_code, o.out);
}

bool exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

#define REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (kernel-check probes need CAP_NET_ADMIN and CAP_SYS_ADMIN)"

class KernelCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_ROOT();
    report_ = kernel_check_json();
    ASSERT_FALSE(report_.json.is_discarded()) << "kernel-check --json did not print JSON";
  }
  Report report_{-1, ""};
};

// ---- the report as a whole ----------------------------------------------------------

TEST_F(KernelCheck, ReportsEveryFeatureWithAVerdictThatFollowsFromThem) {
  const auto& j = report_.json;
  std::vector<fwpath::model::FeatureResult> features;
  std::vector<std::string> names;
  for (const auto& f : j["features"]) {
    ASSERT_TRUE(f["available"].is_boolean());
    ASSERT_TRUE(f["detail"].is_string());
    EXPECT_FALSE(f["detail"].get<std::string>().empty()) << f["name"];
    names.push_back(f["name"]);
    features.push_back({f["name"], f["available"], f["detail"]});
  }
  EXPECT_EQ(names, fwpath::model::kernel_feature_names());
  const auto assessment = fwpath::model::assess_kernel(features);
  EXPECT_EQ(j["verdict"], fwpath::model::to_string(assessment.verdict));
  EXPECT_EQ(j["costs"].size(), assessment.costs.size());
  // full and degraded exit 0; unsupported is a finding about the node.
  EXPECT_EQ(report_.exit_code, j["verdict"] == "unsupported" ? 1 : 0);
  utsname u{};
  ASSERT_EQ(::uname(&u), 0);
  EXPECT_EQ(j["kernel"], u.release);
  EXPECT_LT(j["elapsed_ms"].get<int>(), 2000) << "kernel-check must stay well under two seconds";
}

TEST_F(KernelCheck, TextOutputCarriesTheSameAnswers) {
  const Outcome o = run({FWPATH_BINARY, "kernel-check"});
  EXPECT_EQ(o.exit_code, report_.exit_code);
  for (const auto& name : fwpath::model::kernel_feature_names()) {
    const std::regex row("(^|\n)" + name + " +" + (report_.available(name) ? "yes" : "no ") + " ");
    EXPECT_TRUE(std::regex_search(o.out, row)) << name << " row not as in JSON:\n" << o.out;
  }
  EXPECT_NE(o.out.find("verdict: " + report_.json["verdict"].get<std::string>()), std::string::npos) << o.out;
}

// ---- each feature against independent evidence ---------------------------------------

TEST_F(KernelCheck, BtfVmlinuxMatchesSysfs) {
  EXPECT_EQ(report_.available("btf_vmlinux"), exists("/sys/kernel/btf/vmlinux")) << report_.detail("btf_vmlinux");
}

TEST_F(KernelCheck, BtfModulesMatchesModuleSupport) {
  if (!exists("/proc/modules")) {
    // No loadable modules: documented as unavailable, saying nf_tables is built in.
    EXPECT_FALSE(report_.available("btf_modules"));
    EXPECT_EQ(report_.detail("btf_modules").rfind("no modules: nf_tables built in", 0), 0U)
        << report_.detail("btf_modules");
    return;
  }
  bool module_btf = false;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/kernel/btf")) {
    module_btf = module_btf || entry.path().filename() != "vmlinux";
  }
  EXPECT_EQ(report_.available("btf_modules"), module_btf) << report_.detail("btf_modules");
}

TEST_F(KernelCheck, KfreeSkbReasonMatchesTheTracefsFormat) {
  const auto tracefs = fwpath::ensure_tracefs();
  if (!tracefs) GTEST_SKIP() << "tracefs unavailable: " << tracefs.error().message();
  const std::string format = read_file("/sys/kernel/tracing/events/skb/kfree_skb/format");
  ASSERT_FALSE(format.empty());
  std::smatch m;
  if (std::regex_search(format, m, std::regex(R"(field:enum skb_drop_reason reason;\s*offset:(\d+);)"))) {
    EXPECT_TRUE(report_.available("kfree_skb_reason"));
    EXPECT_NE(report_.detail("kfree_skb_reason").find("reason at offset " + m[1].str() + " "), std::string::npos)
        << "tracefs says offset " << m[1] << ", kernel-check says: " << report_.detail("kfree_skb_reason");
  } else {
    EXPECT_FALSE(report_.available("kfree_skb_reason")) << report_.detail("kfree_skb_reason");
  }
}

TEST_F(KernelCheck, TracepointMatchesTracefsAndBpftool) {
  const auto tracefs = fwpath::ensure_tracefs();
  if (!tracefs) GTEST_SKIP() << "tracefs unavailable: " << tracefs.error().message();
  const std::string bpftool = find_tool("bpftool");
  if (bpftool.empty()) GTEST_SKIP() << "bpftool not installed";
  const Outcome probe = run({bpftool, "feature", "probe", "kernel"});
  const bool prog_type = probe.out.find("program_type tracepoint is available") != std::string::npos;
  const bool event = exists("/sys/kernel/tracing/events/skb/kfree_skb/id");
  EXPECT_EQ(report_.available("tracepoint"), prog_type && event) << report_.detail("tracepoint");
}

TEST_F(KernelCheck, RawTracepointMatchesBpftool) {
  const std::string bpftool = find_tool("bpftool");
  if (bpftool.empty()) GTEST_SKIP() << "bpftool not installed";
  const Outcome probe = run({bpftool, "feature", "probe", "kernel"});
  const bool prog_type = probe.out.find("program_type raw_tracepoint is available") != std::string::npos;
  EXPECT_EQ(report_.available("raw_tracepoint"), prog_type) << report_.detail("raw_tracepoint");
  if (report_.available("raw_tracepoint")) {
    EXPECT_NE(report_.detail("raw_tracepoint").find("it ran for a datagram dropped"), std::string::npos)
        << report_.detail("raw_tracepoint");
  }
}

TEST_F(KernelCheck, KprobeMatchesTheKernelsKprobeInterfaces) {
  const auto tracefs = fwpath::ensure_tracefs();
  if (!tracefs) GTEST_SKIP() << "tracefs unavailable: " << tracefs.error().message();
  // libbpf attaches a kprobe through the kprobe PMU, or else through kprobe_events.
  const bool kprobes =
      exists("/sys/bus/event_source/devices/kprobe/type") || exists("/sys/kernel/tracing/kprobe_events");
  EXPECT_EQ(report_.available("kprobe"), kprobes) << report_.detail("kprobe");
  if (!kprobes) {
    EXPECT_NE(report_.detail("kprobe").find("refused"), std::string::npos) << report_.detail("kprobe");
  }
}

TEST_F(KernelCheck, RingbufAndTcMatchBpftool) {
  const std::string bpftool = find_tool("bpftool");
  if (bpftool.empty()) GTEST_SKIP() << "bpftool not installed";
  const Outcome probe = run({bpftool, "feature", "probe", "kernel"});
  ASSERT_EQ(probe.exit_code, 0) << probe.err;
  EXPECT_EQ(report_.available("ringbuf"), probe.out.find("map_type ringbuf is available") != std::string::npos)
      << report_.detail("ringbuf");
  // sched_cls is the program type tc runs; without it there is no tc attach.
  if (probe.out.find("program_type sched_cls is NOT available") != std::string::npos) {
    EXPECT_FALSE(report_.available("tc"));
  } else {
    EXPECT_TRUE(report_.available("tc")) << report_.detail("tc");
  }
}

TEST_F(KernelCheck, NftTraceMatchesNftMonitorTrace) {
  const std::string nft = find_tool("nft");
  if (nft.empty()) GTEST_SKIP() << "nft not installed";
  TestNetns ns("kctrace");
  ASSERT_TRUE(ns.ok());
  ASSERT_EQ(run(ns.exec({find_tool("ip"), "link", "set", "lo", "up"})).exit_code, 0);
  const Outcome table = run(ns.exec({nft,
                                     "add table ip kc; add chain ip kc out { type filter hook output priority 0; }; "
                                     "add rule ip kc out udp dport 33100 meta nftrace set 1"}));
  if (table.exit_code != 0) {
    EXPECT_FALSE(report_.available("nft_trace")) << "nft cannot even create the table: " << table.err;
    return;
  }
  auto monitor = fwpath::testlab::StreamingProcess::start(ns.exec({nft, "monitor", "trace"}));
  ASSERT_TRUE(monitor.ok()) << monitor.error().message();
  auto ns_fd = fwpath::open_named_netns(ns.name());
  ASSERT_TRUE(ns_fd) << ns_fd.error().message();
  // `nft monitor` says nothing when it has subscribed: send until a trace shows, bounded.
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  bool traced = false;
  while (!traced && std::chrono::steady_clock::now() < deadline) {
    {
      auto in_ns = fwpath::NetnsEnter::enter(ns_fd->get(), ns.name());
      ASSERT_TRUE(in_ns);
      ASSERT_TRUE(fwpath::kernel::send_udp_loopback(33100));
    }
    traced = monitor->read_until("trace id", 100ms);
  }
  EXPECT_EQ(report_.available("nft_trace"), traced) << report_.detail("nft_trace") << "\nmonitor: " << monitor->out();
}

TEST_F(KernelCheck, NftTableOwnerMatchesNft) {
  const std::string nft = find_tool("nft");
  if (nft.empty()) GTEST_SKIP() << "nft not installed";
  TestNetns ns("kcowner");
  ASSERT_TRUE(ns.ok());
  const Outcome created = run(ns.exec({nft, "add table ip kcowned { flags owner; }"}));
  // nft exits, closing its socket: an owned table must be gone with it.
  const Outcome listed = run(ns.exec({nft, "list tables"}));
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const bool owner_works = created.exit_code == 0 && listed.out.find("kcowned") == std::string::npos;
  EXPECT_EQ(report_.available("nft_table_owner"), owner_works)
      << report_.detail("nft_table_owner") << "\nnft: " << created.err << listed.out;
}

TEST_F(KernelCheck, ConntrackNetlinkMatchesTheConntrackTool) {
  const std::string conntrack = find_tool("conntrack");
  if (conntrack.empty()) GTEST_SKIP() << "conntrack tool not installed";
  TestNetns ns("kcct");
  ASSERT_TRUE(ns.ok());
  const Outcome listed = run(ns.exec({conntrack, "-L"}));
  EXPECT_EQ(report_.available("conntrack_netlink"), listed.exit_code == 0)
      << report_.detail("conntrack_netlink") << "\nconntrack: " << listed.err;
}

TEST_F(KernelCheck, WireguardMatchesIproute2) {
  TestNetns ns("kcwg");
  ASSERT_TRUE(ns.ok());
  const Outcome added = run(ns.exec({find_tool("ip"), "link", "add", "kcwg0", "type", "wireguard"}));
  EXPECT_EQ(report_.available("wireguard"), added.exit_code == 0)
      << report_.detail("wireguard") << "\nip: " << added.err;
}

TEST_F(KernelCheck, HostIptablesLegacyMatchesProcNet) {
  const std::string v4 = read_file("/proc/net/ip_tables_names");
  const std::string v6 = read_file("/proc/net/ip6_tables_names");
  if (v4.empty() && v6.empty()) {
    EXPECT_FALSE(report_.available("iptables_legacy_in_use")) << report_.detail("iptables_legacy_in_use");
    return;
  }
  // The tables exist already, so iptables-legacy-save only reads them.
  const std::string save4 = find_tool("iptables-legacy-save");
  const std::string save6 = find_tool("ip6tables-legacy-save");
  if (save4.empty() || save6.empty()) GTEST_SKIP() << "iptables-legacy-save not installed";
  const std::string rules = (v4.empty() ? "" : run({save4}).out) + (v6.empty() ? "" : run({save6}).out);
  const bool has_rules = std::regex_search(rules, std::regex("(^|\n)-A "));
  const bool has_user_chains = std::regex_search(rules, std::regex("(^|\n):[^ ]+ - "));
  EXPECT_EQ(report_.available("iptables_legacy_in_use"), has_rules || has_user_chains)
      << report_.detail("iptables_legacy_in_use");
}

// ---- usage, cleanup ------------------------------------------------------

TEST(KernelCheckUsage, BadUsageExitsTwoBeforeAnyPrivilegeCheck) {
  for (const char* bad : {"--bogus", "stray", "--json=1"}) {
    const Outcome o = run({FWPATH_BINARY, "kernel-check", bad});
    EXPECT_EQ(o.exit_code, 2) << bad << ": " << o.err;
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << o.err;
  }
}

// BPF programs named after the feature probes ("probe_...", as the kernel truncates them).
std::vector<std::string> probe_programs(const std::string& bpftool) {
  std::vector<std::string> out;
  const auto progs = nlohmann::json::parse(run({bpftool, "prog", "show", "--json"}).out, nullptr, false);
  if (!progs.is_array()) return out;
  for (const auto& p : progs) {
    const std::string name = string_field(p, "name");
    if (name.rfind("probe_", 0) == 0) out.push_back(name + " id " + std::to_string(p.value("id", 0)));
  }
  return out;
}

TEST(KernelCheckCleanup, LeavesNoProgramTableOrNamespaceBehind) {
  REQUIRE_ROOT();
  const std::string bpftool = find_tool("bpftool");
  const std::string nft = find_tool("nft");
  const std::string ip = find_tool("ip");
  if (bpftool.empty() || nft.empty()) GTEST_SKIP() << "bpftool and nft are needed to look";
  ASSERT_EQ(probe_programs(bpftool), std::vector<std::string>{}) << "probe programs present before the run";
  const std::string netns_before = run({ip, "netns", "list"}).out;

  const Outcome o = run({FWPATH_BINARY, "kernel-check"});
  ASSERT_TRUE(o.exit_code == 0 || o.exit_code == 1) << o.err;

  // tc filters release their program after an RCU grace period: wait for it, bounded.
  std::vector<std::string> left = probe_programs(bpftool);
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!left.empty() && std::chrono::steady_clock::now() < deadline) {
    ::poll(nullptr, 0, 20);
    left = probe_programs(bpftool);
  }
  EXPECT_EQ(left, std::vector<std::string>{});
  const Outcome tables = run({nft, "list", "tables"});
  EXPECT_EQ(tables.out.find("fwpath_kcheck"), std::string::npos) << tables.out;
  EXPECT_EQ(run({ip, "netns", "list"}).out, netns_before);
}

// ---- iptables-legacy in a namespace the test owns --------------------------------------

class IptablesLegacyProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_ROOT();
    iptables_ = find_tool("iptables-legacy");
    ip6tables_ = find_tool("ip6tables-legacy");
    if (iptables_.empty() || ip6tables_.empty()) GTEST_SKIP() << "iptables-legacy not installed";
  }
  // The probe, run in-process inside `ns` (it reads the calling thread's namespace).
  static fwpath::model::FeatureResult probe_in(const TestNetns& ns) {
    auto fd = fwpath::open_named_netns(ns.name());
    if (!fd) return {"iptables_legacy_in_use", false, fd.error().message()};
    auto in_ns = fwpath::NetnsEnter::enter(fd->get(), ns.name());
    if (!in_ns) return {"iptables_legacy_in_use", false, in_ns.error().message()};
    return fwpath::kernel::probe_iptables_legacy_in_use();
  }
  std::string iptables_;
  std::string ip6tables_;
};

TEST_F(IptablesLegacyProbe, FreshNamespaceHasNoLegacyTables) {
  TestNetns ns("kclegacy0");
  ASSERT_TRUE(ns.ok());
  const auto r = probe_in(ns);
  EXPECT_FALSE(r.available) << r.detail;
  EXPECT_NE(r.detail.find("no legacy table"), std::string::npos) << r.detail;
}

TEST_F(IptablesLegacyProbe, EmptyTablesAreNotAFinding) {
  TestNetns ns("kclegacy1");
  ASSERT_TRUE(ns.ok());
  ASSERT_EQ(run(ns.exec({iptables_, "-t", "mangle", "-L", "-n"})).exit_code, 0);  // initialises mangle, no rules
  const auto r = probe_in(ns);
  EXPECT_FALSE(r.available) << r.detail;
  EXPECT_NE(r.detail.find("ip mangle"), std::string::npos) << r.detail;
}

TEST_F(IptablesLegacyProbe, RulesInLegacyTablesAreFound) {
  TestNetns ns("kclegacy2");
  ASSERT_TRUE(ns.ok());
  ASSERT_EQ(run(ns.exec({iptables_, "-A", "INPUT", "-s", "192.0.2.1", "-p", "udp", "--dport", "9", "-j", "ACCEPT"}))
                .exit_code,
            0);
  ASSERT_EQ(run(ns.exec({ip6tables_, "-A", "INPUT", "-s", "2001:db8::1", "-j", "ACCEPT"})).exit_code, 0);
  const auto r = probe_in(ns);
  EXPECT_TRUE(r.available) << r.detail;
  EXPECT_NE(r.detail.find("ip filter (1 entry beyond its built-in chains)"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("ip6 filter (1 entry beyond"), std::string::npos) << r.detail;
}

}  // namespace

#include "support/netns_lab.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "util/capabilities.h"
#include "util/netns.h"
#include "util/tracefs.h"

namespace fwpath::testlab {

namespace {

Status g_tracefs = env_error("tracefs not set up: the lab environment did not run");

class LabEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (!have_root()) {
      g_tracefs = env_error("root to mount tracefs");
      return;
    }
    g_tracefs = ensure_tracefs();
  }
};

// Registered before main(): gtest runs it before the first test.
[[maybe_unused]] ::testing::Environment* const g_lab_environment =
    ::testing::AddGlobalTestEnvironment(new LabEnvironment);  // gtest owns it

const std::string& name_prefix() {
  static const std::string prefix = "fwpath-t" + std::to_string(::getpid()) + "-";
  return prefix;
}

bool valid_short_name(const std::string& s) {
  if (s.empty() || s.size() > 24) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// Deletes fwpath-t<pid>-* namespaces whose pid no longer runs: what a crashed or killed
// test program left. Live pids (other test programs running now) are left alone.
void sweep_stale_namespaces() {
  DIR* dir = ::opendir("/run/netns");
  if (dir == nullptr) return;
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe): one reader
    const std::string name = e->d_name;
    if (name.rfind("fwpath-t", 0) != 0) continue;
    const auto dash = name.find('-', 8);
    if (dash == std::string::npos || dash == 8) continue;
    const std::string digits = name.substr(8, dash - 8);
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid == ::getpid()) continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) stale.push_back(name);
  }
  ::closedir(dir);
  for (const auto& name : stale) (void)run_command({"ip", "netns", "del", name});
}

std::string sysctl_path(const std::string& key) {
  std::string path = "/proc/sys/" + key;
  for (size_t i = 10; i < path.size(); ++i) {
    if (path[i] == '.') path[i] = '/';
  }
  return path;
}

bool valid_ifname(const std::string& s) {
  return !s.empty() && s.size() <= 15 && s.find_first_of("/ \t\n:") == std::string::npos;
}

}  // namespace

bool have_root() {
  if (::geteuid() != 0) return false;
  auto caps = effective_caps();
  if (!caps) return false;
  const auto need = (1ULL << static_cast<int>(Cap::NetAdmin)) | (1ULL << static_cast<int>(Cap::SysAdmin));
  return (*caps & need) == need;
}

bool have_tool(const std::string& name) {
  return !find_on_path(name).empty();
}

const Status& tracefs_status() {
  return g_tracefs;
}

Result<TestNetns> TestNetns::create(const std::string& short_name) {
  if (!valid_short_name(short_name)) {
    return input_error("test namespace name must be 1..24 of [a-z0-9-], got", "'" + short_name + "'");
  }
  static std::once_flag swept;
  std::call_once(swept, sweep_stale_namespaces);

  const std::string name = name_prefix() + short_name;
  FWPATH_TRY(run_checked({"ip", "netns", "add", name}));
  // Owned from here: an error below still deletes it.
  TestNetns ns(name, UniqueFd(), 0);
  auto fd = open_named_netns(name);
  if (!fd) return fd.take_error();
  auto inode = netns_inode(fd->get());
  if (!inode) return inode.take_error();
  ns.fd_ = std::move(fd.value());
  ns.inode_ = inode.value();
  FWPATH_TRY(ns.link_up("lo"));
  return ns;
}

TestNetns::TestNetns(TestNetns&& o) noexcept
    : name_(std::exchange(o.name_, {})), fd_(std::move(o.fd_)), inode_(std::exchange(o.inode_, 0)) {}

TestNetns::~TestNetns() {
  if (name_.empty()) return;
  fd_.reset();
  auto r = run_command({"ip", "netns", "del", name_});
  if (!r || !r->ok()) {
    (void)std::fprintf(stderr, "netns_lab: could not delete network namespace %s: %s\n", name_.c_str(),
                       r ? r->describe().c_str() : r.error().message().c_str());
  }
}

Result<CommandResult> TestNetns::run(const std::vector<std::string>& argv, const std::string& stdin_text) const {
  CommandOptions opt;
  opt.netns_fd = fd_.get();
  opt.stdin_text = stdin_text;
  return run_command(argv, opt);
}

Status TestNetns::run_ok(const std::vector<std::string>& argv, const std::string& stdin_text) const {
  CommandOptions opt;
  opt.netns_fd = fd_.get();
  opt.stdin_text = stdin_text;
  auto r = run_checked(argv, opt);
  if (!r) return r.take_error().context("in namespace " + name_);
  return {};
}

Status TestNetns::ip(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_ok(argv);
}

Status TestNetns::add_address(const std::string& ifname, const std::string& cidr) const {
  if (cidr.find(':') != std::string::npos) return ip({"-6", "addr", "add", cidr, "dev", ifname, "nodad"});
  return ip({"addr", "add", cidr, "dev", ifname});
}

Status TestNetns::link_up(const std::string& ifname) const {
  return ip({"link", "set", ifname, "up"});
}

Status TestNetns::add_route(const std::string& dst, const std::string& via) const {
  const bool v6 = via.find(':') != std::string::npos;
  return ip({v6 ? "-6" : "-4", "route", "add", dst, "via", via});
}

Status TestNetns::set_sysctl(const std::string& key, const std::string& value) const {
  // /proc/sys/net shows the namespace of the thread that opens it.
  auto entered = NetnsEnter::enter(fd_.get(), name_);
  if (!entered) return entered.take_error();
  const std::string path = sysctl_path(key);
  UniqueFd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!f.valid()) return sys_error("open sysctl", path + " in " + name_);
  const std::string text = value + "\n";
  if (::write(f.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return sys_error("write sysctl", path + " in " + name_);
  }
  return {};
}

Result<std::string> TestNetns::read_sysctl(const std::string& key) const {
  auto entered = NetnsEnter::enter(fd_.get(), name_);
  if (!entered) return entered.take_error();
  const std::string path = sysctl_path(key);
  std::ifstream in(path);
  if (!in) return sys_error("open sysctl", path + " in " + name_);
  std::string value;
  std::getline(in, value);
  return value;
}

Status TestNetns::load_nft(const std::string& ruleset) const {
  return run_ok({"nft", "-f", "-"}, ruleset);
}

Status add_veth_pair(const TestNetns& a, const std::string& a_if, const TestNetns& b, const std::string& b_if) {
  if (!valid_ifname(a_if) || !valid_ifname(b_if)) {
    return input_error("interface names must be 1..15 characters without '/', ':' or spaces, got",
                       "'" + a_if + "', '" + b_if + "'");
  }
  // Created inside a, its peer directly inside b: the node's own namespace never sees
  // either end.
  FWPATH_TRY(a.ip({"link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b.name()}));
  FWPATH_TRY(a.link_up(a_if));
  return b.link_up(b_if);
}

std::vector<std::string> ThreeNsLab::probe_argv(const std::string& timeout_seconds) const {
  return {FWPATH_BINARY,   "probe",   "--json",      "--timeout", timeout_seconds, "--from-netns",
          consumer.name(), "--netns", router.name(), "--netns",   provider.name()};
}

Result<ThreeNsLab> ThreeNsLab::build() {
  static std::atomic<int> counter{0};
  const std::string tag = "lab" + std::to_string(counter.fetch_add(1));
  auto c = TestNetns::create(tag + "-c");
  if (!c) return c.take_error();
  auto r = TestNetns::create(tag + "-r");
  if (!r) return r.take_error();
  auto p = TestNetns::create(tag + "-p");
  if (!p) return p.take_error();
  ThreeNsLab lab{std::move(c.value()), std::move(r.value()), std::move(p.value())};

  for (const TestNetns* ns : {&lab.consumer, &lab.router, &lab.provider}) {
    // Before the veths exist, so that they inherit these defaults.
    FWPATH_TRY(ns->set_sysctl("net.ipv4.conf.all.rp_filter", "0"));
    FWPATH_TRY(ns->set_sysctl("net.ipv4.conf.default.rp_filter", "0"));
    FWPATH_TRY(ns->set_sysctl("net.ipv6.conf.default.accept_dad", "0"));
  }
  FWPATH_TRY(lab.router.set_sysctl("net.ipv4.ip_forward", "1"));
  FWPATH_TRY(lab.router.set_sysctl("net.ipv6.conf.all.forwarding", "1"));

  FWPATH_TRY(add_veth_pair(lab.consumer, kConsumerIf, lab.router, kRouterConsumerIf));
  FWPATH_TRY(add_veth_pair(lab.router, kRouterProviderIf, lab.provider, kProviderIf));

  FWPATH_TRY(lab.consumer.add_address(kConsumerIf, std::string(kConsumerV4) + "/24"));
  FWPATH_TRY(lab.consumer.add_address(kConsumerIf, std::string(kConsumerV6) + "/64"));
  FWPATH_TRY(lab.router.add_address(kRouterConsumerIf, std::string(kRouterConsumerV4) + "/24"));
  FWPATH_TRY(lab.router.add_address(kRouterConsumerIf, std::string(kRouterConsumerV6) + "/64"));
  FWPATH_TRY(lab.router.add_address(kRouterProviderIf, std::string(kRouterProviderV4) + "/24"));
  FWPATH_TRY(lab.router.add_address(kRouterProviderIf, std::string(kRouterProviderV6) + "/64"));
  FWPATH_TRY(lab.provider.add_address(kProviderIf, std::string(kProviderV4) + "/24"));
  FWPATH_TRY(lab.provider.add_address(kProviderIf, std::string(kProviderV6) + "/64"));

  FWPATH_TRY(lab.consumer.add_route("default", kRouterConsumerV4));
  FWPATH_TRY(lab.consumer.add_route("default", kRouterConsumerV6));
  FWPATH_TRY(lab.provider.add_route("default", kRouterProviderV4));
  FWPATH_TRY(lab.provider.add_route("default", kRouterProviderV6));
  return lab;
}

}  // namespace fwpath::testlab

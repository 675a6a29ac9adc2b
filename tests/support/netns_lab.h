#pragma once
// Network-namespace labs for integration tests. Everything a lab creates lives in
// namespaces named fwpath-t<pid>-<name> (created with `ip netns add`), joined by veth
// pairs created inside them, with addresses from the documentation ranges only
// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15; IPv6 2001:db8::/32).
// A namespace is deleted by its owner's destructor, so a failing ASSERT still cleans up;
// namespaces left by a crashed run (their pid is gone) are swept at the next creation.
//
// tracefs: this library registers a gtest environment that calls fwpath::ensure_tracefs()
// once, before any test, because it may move the process into a private mount namespace:
// that must happen before the first `ip netns add` (whose mount must be seen by the
// `ip netns del` that removes it) and before any thread. BPF tests check tracefs_status().
#include <cstdint>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/listeners.h"
#include "support/skip.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath::testlab {

// What ensure_tracefs() said when the test program started (an error when not root).
const Status& tracefs_status();

class TestNetns {
 public:
  // Creates fwpath-t<pid>-<short_name> (short_name: [a-z0-9-], 1..24 characters) with
  // its loopback up.
  static Result<TestNetns> create(const std::string& short_name);
  TestNetns(TestNetns&& o) noexcept;
  TestNetns& operator=(TestNetns&&) = delete;
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;
  ~TestNetns();

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] uint32_t inode() const { return inode_; }

  // Runs argv inside this namespace.
  [[nodiscard]] Result<CommandResult> run(const std::vector<std::string>& argv,
                                          const std::string& stdin_text = {}) const;
  // The same; a non-zero exit is an Error with the command's stderr.
  Status run_ok(const std::vector<std::string>& argv, const std::string& stdin_text = {}) const;
  // `ip ARGS...` inside this namespace.
  Status ip(const std::vector<std::string>& args) const;

  // "192.0.2.10/24" or "2001:db8:1::10/64" (IPv6 without duplicate address detection,
  // so that it is usable at once).
  Status add_address(const std::string& ifname, const std::string& cidr) const;
  Status link_up(const std::string& ifname) const;
  // dst: "default" or a prefix; via: a gateway address.
  Status add_route(const std::string& dst, const std::string& via) const;
  // key as sysctl(8) names it: "net.ipv4.ip_forward".
  Status set_sysctl(const std::string& key, const std::string& value) const;
  [[nodiscard]] Result<std::string> read_sysctl(const std::string& key) const;
  // `nft -f -` with this ruleset text, inside this namespace.
  Status load_nft(const std::string& ruleset) const;

 private:
  TestNetns(std::string name, UniqueFd fd, uint32_t inode)
      : name_(std::move(name)), fd_(std::move(fd)), inode_(inode) {}
  std::string name_;  // empty once moved from
  UniqueFd fd_;
  uint32_t inode_ = 0;
};

// A veth pair with one end in each namespace (names at most 15 characters), both up.
Status add_veth_pair(const TestNetns& a, const std::string& a_if, const TestNetns& b, const std::string& b_if);

// consumer C --- router R --- provider P, the shape most tests need:
//   C  c-r 192.0.2.10/24    2001:db8:1::10/64  default via 192.0.2.1 / 2001:db8:1::1
//   R  r-c 192.0.2.1/24     2001:db8:1::1/64   forwarding on (IPv4 and IPv6)
//      r-p 198.51.100.1/24  2001:db8:2::1/64
//   P  p-r 198.51.100.20/24 2001:db8:2::20/64  default via 198.51.100.1 / 2001:db8:2::1
// rp_filter is off everywhere, so that asymmetric test routes are not dropped silently.
// No firewall rules: tests load their own with load_nft().
struct ThreeNsLab {
  TestNetns consumer;
  TestNetns router;
  TestNetns provider;

  static constexpr const char* kConsumerIf = "c-r";
  static constexpr const char* kRouterConsumerIf = "r-c";
  static constexpr const char* kRouterProviderIf = "r-p";
  static constexpr const char* kProviderIf = "p-r";
  static constexpr const char* kConsumerV4 = "192.0.2.10";
  static constexpr const char* kRouterConsumerV4 = "192.0.2.1";
  static constexpr const char* kRouterProviderV4 = "198.51.100.1";
  static constexpr const char* kProviderV4 = "198.51.100.20";
  static constexpr const char* kConsumerV6 = "2001:db8:1::10";
  static constexpr const char* kRouterConsumerV6 = "2001:db8:1::1";
  static constexpr const char* kRouterProviderV6 = "2001:db8:2::1";
  static constexpr const char* kProviderV6 = "2001:db8:2::20";

  // Namespaces are named lab<N>-c, lab<N>-r, lab<N>-p (N counts labs in this process).
  static Result<ThreeNsLab> build();

  // `fwpath probe --json --timeout SECONDS` from the consumer, tracing the router and the
  // provider too; the caller appends the targets.
  [[nodiscard]] std::vector<std::string> probe_argv(const std::string& timeout_seconds) const;
};

}  // namespace fwpath::testlab

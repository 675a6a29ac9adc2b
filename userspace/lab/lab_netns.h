#pragma once
// One lab network namespace, named and owned. Created the way `ip netns add` does it (a
// new namespace bind-mounted on /run/netns/NAME, so other parts of fwpath open it by
// name), removed the way `ip netns del` does (unmount, unlink) when the owner goes away.
// Removing the last reference deletes the namespace and with it its links, addresses,
// routes, nftables tables and conntrack entries: nothing else needs cleaning up.
#include <cstdint>
#include <string>
#include <vector>

#include "lab/lab_names.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath::lab {

inline constexpr const char* kNetnsDir = "/run/netns";

class LabNetns {
 public:
  // Creates fwpath-<pid>-<seq>-<host> with its loopback up. EEXIST when the name is taken.
  static Result<LabNetns> create(const LabRunId& run, const std::string& host);

  LabNetns(LabNetns&& o) noexcept;
  LabNetns& operator=(LabNetns&&) = delete;
  LabNetns(const LabNetns&) = delete;
  LabNetns& operator=(const LabNetns&) = delete;
  // remove(); a failure is printed on stderr (a destructor has no one to return it to).
  ~LabNetns();

  // Unmounts and unlinks the name and closes our descriptor. Idempotent.
  Status remove();

  [[nodiscard]] const std::string& host() const { return host_; }
  [[nodiscard]] const std::string& name() const { return name_; }  // under /run/netns
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] uint32_t inode() const { return inode_; }

 private:
  LabNetns(std::string host, std::string name) : host_(std::move(host)), name_(std::move(name)) {}
  std::string host_;
  std::string name_;  // empty once removed or moved from
  UniqueFd fd_;
  uint32_t inode_ = 0;
};

// Removes lab namespaces (fwpath-<pid>-<seq>-<host>) whose creating process no longer
// runs: what a SIGKILLed run left. Namespaces of live processes are left alone. Returns
// the names removed.
Result<std::vector<std::string>> sweep_stale_lab_netns();

}  // namespace fwpath::lab

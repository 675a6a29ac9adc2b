#include "util/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cstdio>

namespace fwpath {

Result<UniqueFd> open_named_netns(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return input_error("invalid network namespace name", "'" + name + "'");
  }
  const std::string path = "/run/netns/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return input_error("no such network namespace", name);
    return sys_error("open network namespace", name);
  }
  return fd;
}

Result<UniqueFd> open_current_netns() {
  UniqueFd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return sys_error("open", "/proc/thread-self/ns/net");
  return fd;
}

Result<uint32_t> netns_inode(int netns_fd) {
  struct stat st {};
  if (::fstat(netns_fd, &st) != 0) return sys_error("stat network namespace", "fd " + std::to_string(netns_fd));
  return static_cast<uint32_t>(st.st_ino);
}

Result<NetnsEnter> NetnsEnter::enter(int target_fd, const std::string& label) {
  auto original = open_current_netns();
  if (!original) return original.take_error();
  // Already there (a probe of the node's own namespace): setns() would still demand
  // CAP_SYS_ADMIN, which nothing else in such a run needs (docs/privileges.md).
  struct stat here {};
  struct stat there {};
  if (::fstat(original->get(), &here) == 0 && ::fstat(target_fd, &there) == 0 && here.st_dev == there.st_dev &&
      here.st_ino == there.st_ino) {
    return NetnsEnter(UniqueFd());
  }
  if (::setns(target_fd, CLONE_NEWNET) != 0) return sys_error("enter network namespace", label);
  return NetnsEnter(std::move(original.value()));
}

NetnsEnter::~NetnsEnter() {
  if (original_.valid() && ::setns(original_.get(), CLONE_NEWNET) != 0) {
    // Continuing in the wrong namespace would make every later step act on the wrong
    // network; there is no safe way on.
    std::perror("fwpath: cannot return to the original network namespace");
    std::abort();
  }
}

Result<UniqueFd> create_private_netns() {
  auto original = open_current_netns();
  if (!original) return original.take_error();
  if (::unshare(CLONE_NEWNET) != 0) return sys_error("create private network namespace", "");
  auto created = open_current_netns();
  if (::setns(original->get(), CLONE_NEWNET) != 0) {
    std::perror("fwpath: cannot return to the original network namespace");
    std::abort();
  }
  return created;
}

}  // namespace fwpath

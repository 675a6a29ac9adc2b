#include "lab/lab_netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "lab/rtnl.h"
#include "util/c_handle.h"
#include "util/netns.h"

namespace fwpath::lab {

namespace {

using Dir = CHandle<DIR, ::closedir>;

std::string path_of(const std::string& name) {
  return std::string(kNetnsDir) + "/" + name;
}

// What `ip netns del` does: detach the bind mount (the namespace lives on while someone
// still holds it open, and dies with the last reference), then remove the mount point.
// A name that is no longer a mount point (its mount namespace died with a killed run)
// only needs the unlink.
Status unmount_and_unlink(const std::string& name) {
  const std::string path = path_of(name);
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return sys_error("unmount network namespace", path);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return sys_error("remove network namespace", path);
  return {};
}

Status ensure_netns_dir() {
  if (::mkdir(kNetnsDir, 0755) != 0 && errno != EEXIST) return sys_error("create directory", kNetnsDir);
  return {};
}

}  // namespace

Result<LabNetns> LabNetns::create(const LabRunId& run, const std::string& host) {
  if (!valid_lab_host_name(host)) {
    return input_error("lab host names are 1..15 of [a-z0-9-] starting with a letter, got", "'" + host + "'");
  }
  FWPATH_TRY(ensure_netns_dir());
  LabNetns ns(host, lab_netns_name(run, host));
  const std::string path = path_of(ns.name_);
  {
    // O_EXCL: a name that exists belongs to someone else; never take it over.
    const UniqueFd mount_point(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (!mount_point.valid()) {
      const int err = errno;
      ns.name_.clear();  // not ours: the destructor must not remove it
      return sys_error("create network namespace mount point", path, err);
    }
  }
  // From here the name is ours: an error below removes it (destructor).
  auto created = create_private_netns();
  if (!created) return created.take_error().context("create network namespace " + ns.name_);
  const std::string source = "/proc/self/fd/" + std::to_string(created->get());
  if (::mount(source.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
    return sys_error("bind-mount network namespace on", path);
  }
  auto inode = netns_inode(created->get());
  if (!inode) return inode.take_error();
  ns.fd_ = std::move(created.value());
  ns.inode_ = inode.value();

  // Loopback: listeners and the kernel's own replies to local addresses need it.
  FWPATH_TRY(set_link_up(NetnsRef{ns.fd_.get(), ns.name_}, "lo"));
  return ns;
}

LabNetns::LabNetns(LabNetns&& o) noexcept
    : host_(std::move(o.host_)), name_(std::exchange(o.name_, {})), fd_(std::move(o.fd_)), inode_(o.inode_) {}

LabNetns::~LabNetns() {
  if (auto r = remove(); !r) (void)std::fprintf(stderr, "fwpath: %s\n", r.error().message().c_str());
}

Status LabNetns::remove() {
  fd_.reset();
  if (name_.empty()) return {};
  const std::string name = std::exchange(name_, {});
  return unmount_and_unlink(name);
}

Result<std::vector<std::string>> sweep_stale_lab_netns() {
  std::vector<std::string> removed;
  const Dir dir(::opendir(kNetnsDir));
  if (!dir) {
    if (errno == ENOENT) return removed;
    return sys_error("list", kNetnsDir);
  }
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe): one reader
    const auto parsed = parse_lab_netns_name(e->d_name);
    if (!parsed || parsed->run.pid == ::getpid()) continue;
    // ESRCH only: EPERM means the process exists (under another user), so not stale.
    if (::kill(parsed->run.pid, 0) != 0 && errno == ESRCH) stale.emplace_back(e->d_name);
  }
  for (const auto& name : stale) {
    FWPATH_TRY(unmount_and_unlink(name));
    removed.push_back(name);
  }
  return removed;
}

}  // namespace fwpath::lab

#include "util/tracefs.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace fwpath {

namespace {
constexpr const char* kTracefs = "/sys/kernel/tracing";
}  // namespace

bool tracefs_mounted() {
  struct stat st {};
  // EACCES: mounted, but root's (mode 0700) and this process lacks CAP_DAC_READ_SEARCH,
  // which require_caps() names; mounting it again would not help.
  return ::stat("/sys/kernel/tracing/events", &st) == 0 || errno == EACCES;
}

Status ensure_tracefs() {
  if (tracefs_mounted()) return {};
  if (::unshare(CLONE_NEWNS) != 0) return sys_error("create private mount namespace for", kTracefs);
  // Stop our mounts from propagating back to the node's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return sys_error("make mounts private before mounting", kTracefs);
  }
  if (::mount("tracefs", kTracefs, "tracefs", 0, nullptr) != 0) return sys_error("mount tracefs on", kTracefs);
  if (!tracefs_mounted()) return env_error("tracefs mounted but has no events directory", kTracefs);
  return {};
}

}  // namespace fwpath

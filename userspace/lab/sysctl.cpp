#include "lab/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include "lab/lab_spec.h"
#include "util/netns.h"

namespace fwpath::lab {

Status write_sysctl(const NetnsRef& ns, const std::string& key, const std::string& value) {
  if (!lab_sysctl_allowed(key)) return input_error("not a per-namespace sysctl a lab may touch:", "'" + key + "'");
  auto entered = NetnsEnter::enter(ns.fd, ns.label);
  if (!entered) return entered.take_error();
  const std::string path = sysctl_path(key);
  const UniqueFd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!f.valid()) return sys_error("open sysctl", path + " in netns " + ns.label);
  const std::string text = value + "\n";
  const ssize_t n = ::write(f.get(), text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) {
    return sys_error("write " + key + "=" + value, "in netns " + ns.label, n < 0 ? errno : EIO);
  }
  return {};
}

Result<std::string> read_sysctl(const NetnsRef& ns, const std::string& key) {
  if (!lab_sysctl_allowed(key)) return input_error("not a per-namespace sysctl a lab may touch:", "'" + key + "'");
  auto entered = NetnsEnter::enter(ns.fd, ns.label);
  if (!entered) return entered.take_error();
  const std::string path = sysctl_path(key);
  const UniqueFd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f.valid()) return sys_error("open sysctl", path + " in netns " + ns.label);
  std::string out(256, '\0');
  const ssize_t n = ::read(f.get(), out.data(), out.size());
  if (n < 0) return sys_error("read " + key, "in netns " + ns.label);
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace fwpath::lab

#include "cli/lab_pidfile.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>

namespace fwpath::cli {

namespace {

constexpr const char* kRunDir = "/run/fwpath";

}  // namespace

std::string lab_pid_path(const std::string& scenario_name) {
  return std::string(kRunDir) + "/lab-" + scenario_name + ".pid";
}

std::optional<pid_t> read_lab_pid(const std::string& scenario_name) {
  std::ifstream in(lab_pid_path(scenario_name));
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || pid <= 1) return std::nullopt;
  return pid;
}

bool is_live_fwpath(pid_t pid) {
  // comm (the executable's name, up to 15 characters), not the exe link: everyone may read
  // it, while the link of another user's process is closed to a non-root `lab down`, which
  // would then take a running lab for a gone one.
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  return std::getline(in, comm) && comm.rfind("fwpath", 0) == 0;
}

Status write_lab_pid(const std::string& scenario_name) {
  if (::mkdir(kRunDir, 0755) != 0 && errno != EEXIST) return sys_error("create directory", kRunDir);
  if (auto pid = read_lab_pid(scenario_name); pid && *pid != ::getpid() && is_live_fwpath(*pid)) {
    return input_error("lab " + scenario_name + " is already up in pid " + std::to_string(*pid) +
                       " (stop it with fwpath lab down)");
  }
  const std::string path = lab_pid_path(scenario_name);
  std::ofstream out(path, std::ios::trunc);
  out << ::getpid() << "\n";
  if (!out.flush()) return sys_error("write pid file", path);
  return {};
}

void remove_lab_pid(const std::string& scenario_name) {
  std::error_code ec;
  std::filesystem::remove(lab_pid_path(scenario_name), ec);
}

}  // namespace fwpath::cli

#include "support/command.h"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <sstream>

#include "util/unique_fd.h"

namespace fwpath::testlab {

namespace {

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// argv with argv[0] resolved on PATH, and this process's environment.
Result<ChildCommand> command_for(const std::vector<std::string>& argv, int netns_fd) {
  if (argv.empty()) return input_error("empty command line");
  std::string path = argv[0].find('/') != std::string::npos ? argv[0] : find_on_path(argv[0]);
  if (path.empty()) return env_error("not found on PATH:", argv[0], ENOENT);
  return ChildCommand{std::move(path), argv, std::nullopt, netns_fd};
}

}  // namespace

CommandOptions timeout_after(std::chrono::seconds timeout) {
  CommandOptions opt;
  opt.timeout = timeout;
  return opt;
}

std::string find_on_path(const std::string& name) {
  const char* env = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): nothing sets it
  std::string path = env != nullptr ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  // Root's tools live in sbin, which a test runner's PATH may lack.
  path += ":/usr/sbin:/sbin";
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir;
    candidate += '/';
    candidate += name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

Result<CommandResult> run_command(const std::vector<std::string>& argv, const CommandOptions& opt) {
  auto cmd = command_for(argv, opt.netns_fd);
  if (!cmd) return cmd.take_error();
  return run_child(cmd.value(), RunOptions{opt.stdin_text, opt.timeout, /*merge_output=*/false});
}

Status run_checked(const std::vector<std::string>& argv, const CommandOptions& opt) {
  auto r = run_command(argv, opt);
  if (!r) return r.take_error();
  if (!r->ok()) return env_error("command failed: " + joined(argv) + ":", r->describe());
  return {};
}

Result<BackgroundProcess> BackgroundProcess::start(const std::vector<std::string>& argv, int netns_fd,
                                                   const std::string& log_path) {
  auto cmd = command_for(argv, netns_fd);
  if (!cmd) return cmd.take_error();
  const std::string target = log_path.empty() ? "/dev/null" : log_path;
  const UniqueFd log(::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!log.valid()) return sys_error("open log file", target);
  const UniqueFd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_in.valid()) return sys_error("open", "/dev/null");
  auto child = ChildProcess::start(cmd.value(), null_in.get(), log.get(), log.get());
  if (!child) return child.take_error();
  return BackgroundProcess(std::move(child.value()));
}

BackgroundProcess::~BackgroundProcess() {
  if (child_.pid() <= 0) return;
  // A chance to clean up first; ChildProcess's destructor kills what is left.
  (void)child_.signal(SIGTERM);
  (void)child_.wait_exit(std::chrono::milliseconds(3000));
}

Result<CommandResult> BackgroundProcess::wait(std::chrono::milliseconds timeout) {
  if (child_.pid() <= 0) return env_error("process already reaped");
  auto exited = child_.wait_exit(timeout);
  if (!exited) return exited.take_error();
  if (!exited.value()) return sys_error("wait for exit of pid", std::to_string(child_.pid()), ETIMEDOUT);
  return child_.reap();
}

Result<CommandResult> BackgroundProcess::stop(int sig, std::chrono::milliseconds grace) {
  if (child_.pid() <= 0) return env_error("process already reaped");
  (void)child_.signal(sig);
  auto exited = child_.wait_exit(grace);
  if (!exited || !exited.value()) (void)child_.signal(SIGKILL);
  return child_.reap();
}

}  // namespace fwpath::testlab

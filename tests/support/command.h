#pragma once
// Running tools (ip, nft, the fwpath binary) inside a network namespace from a test, with
// the product's runner (util/child_process.h): fork, setns() in the child, execve() with an
// argv vector. No shell, so no quoting.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "util/child_process.h"
#include "util/error.h"

namespace fwpath::testlab {

using CommandResult = ChildResult;

struct CommandOptions {
  int netns_fd = -1;                         // run inside this network namespace; -1: ours
  std::string stdin_text;                    // the command's stdin
  std::chrono::milliseconds timeout{30000};  // killed (SIGKILL) after this
};

// Options with only a timeout.
CommandOptions timeout_after(std::chrono::seconds timeout);

// Runs argv[0] (looked up on PATH unless it contains '/') with this process's environment
// and waits for it. An Error only when it could not be run or timed out; a non-zero exit
// is a result.
Result<CommandResult> run_command(const std::vector<std::string>& argv, const CommandOptions& opt = {});

// The same, but a non-zero exit is an Error carrying the command and its stderr.
Status run_checked(const std::vector<std::string>& argv, const CommandOptions& opt = {});

// The absolute path of an executable on PATH, or an empty string.
std::string find_on_path(const std::string& name);

// A process running in the background (e.g. the fwpath binary under test), stopped and
// reaped when the owner goes away, through its pidfd only.
class BackgroundProcess {
 public:
  // stdout and stderr go to log_path (truncated), or to /dev/null when it is empty.
  static Result<BackgroundProcess> start(const std::vector<std::string>& argv, int netns_fd = -1,
                                         const std::string& log_path = {});
  BackgroundProcess(BackgroundProcess&& o) noexcept = default;
  BackgroundProcess& operator=(BackgroundProcess&&) = delete;
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  // SIGTERM, up to 3 s to exit, then SIGKILL (ChildProcess), and reaped.
  ~BackgroundProcess();

  [[nodiscard]] pid_t pid() const { return child_.pid(); }
  [[nodiscard]] int pidfd() const { return child_.pidfd(); }  // readable (POLLIN) once it exited
  bool signal(int sig) const { return child_.signal(sig); }

  // Waits up to `timeout` for it to exit on its own; Error (ETIMEDOUT) if it did not.
  Result<CommandResult> wait(std::chrono::milliseconds timeout);
  // `sig` (SIGTERM by default), then SIGKILL after `grace`; returns how it ended.
  Result<CommandResult> stop(int sig = 15, std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

 private:
  explicit BackgroundProcess(ChildProcess child) : child_(std::move(child)) {}
  ChildProcess child_;
};

}  // namespace fwpath::testlab

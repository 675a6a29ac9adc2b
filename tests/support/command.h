#pragma once
// Running tools (ip, nft, the fwpath binary) inside a network namespace from a test:
// fork, setns() in the child, execve() with an argv vector. No shell, so no quoting.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath::testlab {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, 0 if it exited
  std::string out;
  std::string err;
  [[nodiscard]] bool ok() const { return exit_code == 0; }
  // "exit 1: <stderr>" for messages.
  [[nodiscard]] std::string describe() const;
};

struct CommandOptions {
  int netns_fd = -1;                         // run inside this network namespace; -1: ours
  std::string stdin_text;                    // written to the command's stdin, then closed
  std::chrono::milliseconds timeout{30000};  // killed (SIGKILL) after this
};

// Runs argv[0] (looked up on PATH unless it contains '/') and waits for it. An Error only
// when it could not be run or timed out; a non-zero exit is a result.
Result<CommandResult> run_command(const std::vector<std::string>& argv, const CommandOptions& opt = {});

// The same, but a non-zero exit is an Error carrying the command and its stderr.
Status run_checked(const std::vector<std::string>& argv, const CommandOptions& opt = {});

// The absolute path of an executable on PATH, or an empty string.
std::string find_on_path(const std::string& name);

// A process running in the background (e.g. the fwpath binary under test), stopped and
// reaped when the owner goes away, by its own pid only.
class BackgroundProcess {
 public:
  // stdout and stderr go to log_path (truncated), or to /dev/null when it is empty.
  static Result<BackgroundProcess> start(const std::vector<std::string>& argv, int netns_fd = -1,
                                         const std::string& log_path = {});
  BackgroundProcess(BackgroundProcess&& o) noexcept;
  BackgroundProcess& operator=(BackgroundProcess&&) = delete;
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] int pidfd() const { return pidfd_.get(); }  // readable (POLLIN) once it exited

  // Waits up to `timeout` for it to exit on its own; Error (ETIMEDOUT) if it did not.
  Result<CommandResult> wait(std::chrono::milliseconds timeout);
  // `sig` (SIGTERM by default), then SIGKILL after `grace`; returns how it ended.
  Result<CommandResult> stop(int sig = 15, std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

 private:
  BackgroundProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  pid_t pid_ = -1;  // -1 once reaped
  UniqueFd pidfd_;
};

}  // namespace fwpath::testlab

#pragma once
// Running another program: fork, setns() into a chosen network namespace in the child,
// execve() by absolute path with an argv vector (no shell, no PATH lookup in the child).
// The one runner of the project: the lab runs its tools (tc, wg, iptables-restore) with it
// and the tests run fwpath and their tools with it.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath {

// The exit code of a child that could not join the namespace, wire its descriptors or
// exec; it then says which step failed on its stderr.
inline constexpr int kChildSetupFailed = 127;

struct ChildCommand {
  std::string path;               // absolute
  std::vector<std::string> argv;  // argv[0] included: multi-call binaries pick their mode from it
  // The child's environment; nothing: this process's.
  std::optional<std::vector<std::string>> env;
  int netns_fd = -1;  // run inside this network namespace; -1: this one
};

struct ChildResult {
  pid_t pid = -1;      // what it ran as (lab namespaces and the like are named by it)
  int exit_code = -1;  // -1 when ended by a signal
  int signal = 0;      // the signal that ended it, 0 if it exited
  std::string out;     // stdout (with stderr interleaved when merged)
  std::string err;     // stderr, unless merged
  [[nodiscard]] bool ok() const { return exit_code == 0; }
  // "exit 1: <stderr>" or "killed by signal 9", for messages.
  [[nodiscard]] std::string describe() const;
};

// A started child, owned: killed (SIGKILL through its pidfd, never by a pid that may have
// been reused) and reaped when the owner goes away without having reaped it.
class ChildProcess {
 public:
  // The child's stdin, stdout and stderr become these descriptors (dup2); everything
  // else the process holds open is closed in the child before the exec.
  static Result<ChildProcess> start(const ChildCommand& cmd, int in_fd, int out_fd, int err_fd);

  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] int pidfd() const { return pidfd_.get(); }  // readable (POLLIN) once it exited

  // Through the pidfd; false once reaped or when the kernel refused.
  bool signal(int sig) const;
  // Whether it exited within `timeout` (not reaped yet).
  Result<bool> wait_exit(std::chrono::milliseconds timeout) const;
  // Waits for it to end and collects how (exit_code, signal).
  Result<ChildResult> reap();

 private:
  ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  pid_t pid_ = -1;  // -1 once reaped
  UniqueFd pidfd_;
};

struct RunOptions {
  std::string stdin_text;                    // the child's stdin, whole
  std::chrono::milliseconds timeout{30000};  // killed (SIGKILL) after this
  bool merge_output = false;                 // stderr into `out`, interleaved as written
};

// Runs `cmd` to its end with stdin, stdout and stderr in memory files (nothing to feed
// and drain at the same time, no SIGPIPE when it quits early). An Error only when it could
// not be started or ran past the timeout (it is then killed); a non-zero exit is a result.
Result<ChildResult> run_child(const ChildCommand& cmd, const RunOptions& opt = {});

// The first of /usr/sbin, /sbin, /usr/bin, /bin holding an executable `name`, or an empty
// string. Fixed system directories rather than PATH: fwpath runs as root and must not run
// whatever a PATH entry offers under that name.
std::string find_system_tool(const std::string& name);

}  // namespace fwpath

#pragma once
// A process whose output a test reads while it runs (wait for a line, then signal it, or
// look for what it created by its pid): stdout and stderr on pipes, started with the
// product's runner (util/child_process.h), killed and reaped when the owner goes.
#include <chrono>
#include <string>
#include <vector>

#include "support/command.h"
#include "util/unique_fd.h"

namespace fwpath::testlab {

class StreamingProcess {
 public:
  // argv[0] is looked up on PATH unless it contains '/'; stdin is /dev/null.
  static Result<StreamingProcess> start(const std::vector<std::string>& argv, int netns_fd = -1);

  StreamingProcess(StreamingProcess&&) noexcept = default;
  StreamingProcess& operator=(StreamingProcess&&) = delete;
  StreamingProcess(const StreamingProcess&) = delete;
  StreamingProcess& operator=(const StreamingProcess&) = delete;
  ~StreamingProcess() = default;

  [[nodiscard]] pid_t pid() const { return child_.pid(); }
  void signal(int sig) const { (void)child_.signal(sig); }

  // Reads until stdout holds `text`; false when `timeout` passed or stdout ended first.
  bool read_until(const std::string& text, std::chrono::milliseconds timeout);
  [[nodiscard]] const std::string& out() const { return out_text_; }
  [[nodiscard]] const std::string& err() const { return err_text_; }

  // Reads both streams to their end and reaps it; after `timeout` it is killed first.
  Result<CommandResult> finish(std::chrono::milliseconds timeout);

 private:
  StreamingProcess(ChildProcess child, UniqueFd out, UniqueFd err)
      : child_(std::move(child)), out_(std::move(out)), err_(std::move(err)) {}
  // One poll over the open streams until `deadline`; false when nothing more can come.
  bool pump(std::chrono::steady_clock::time_point deadline);

  ChildProcess child_;
  UniqueFd out_;
  UniqueFd err_;
  std::string out_text_;
  std::string err_text_;
};

}  // namespace fwpath::testlab

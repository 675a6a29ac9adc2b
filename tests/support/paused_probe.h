#pragma once
// `fwpath probe` in the background with pause points (util/test_pause.h): it stops at each
// phase named in FWPATH_TEST_PAUSE_AT, says "fwpath: paused at PHASE" on stderr, and goes
// on at SIGUSR1. Tests change the world, or send a signal, at a known point. Its stdout
// and stderr go to one log file, removed with the object.
#include <optional>
#include <string>
#include <vector>

#include "support/command.h"

namespace fwpath::testlab {

class PausedProbe {
 public:
  // `phases`: "setup", "tracing", "report", comma-separated; `args` follow `fwpath probe`;
  // `tag` names the log file.
  PausedProbe(const std::string& phases, const std::vector<std::string>& args, const std::string& tag);
  ~PausedProbe();
  PausedProbe(const PausedProbe&) = delete;
  PausedProbe& operator=(const PausedProbe&) = delete;
  PausedProbe(PausedProbe&&) = delete;
  PausedProbe& operator=(PausedProbe&&) = delete;

  // Bounded wait (20 s) for "fwpath: paused at PHASE"; false if fwpath exited first or
  // never got there.
  bool wait_paused(const std::string& phase);
  // Through the pidfd; false if it could not be sent.
  bool signal(int sig) const;
  bool resume() const;  // SIGUSR1
  Result<CommandResult> finish() { return proc_ ? proc_->wait(std::chrono::seconds(30)) : env_error("not started"); }
  [[nodiscard]] std::string log() const;

 private:
  std::string log_;
  std::optional<BackgroundProcess> proc_;
};

}  // namespace fwpath::testlab

#include "support/paused_probe.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace fwpath::testlab {

PausedProbe::PausedProbe(const std::string& phases, const std::vector<std::string>& args, const std::string& tag)
    // The pid: other test processes on the machine may use the same tags.
    : log_(::testing::TempDir() + "fwpath-paused-" + std::to_string(::getpid()) + "-" + tag + ".log") {
  std::vector<std::string> argv = {"env", "FWPATH_TEST_PAUSE_AT=" + phases, FWPATH_BINARY, "probe"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = BackgroundProcess::start(argv, -1, log_);
  EXPECT_TRUE(p.ok()) << p.error().message();
  if (p.ok()) proc_.emplace(std::move(p.value()));
}

PausedProbe::~PausedProbe() {
  proc_.reset();
  (void)std::remove(log_.c_str());  // best effort: a stray log in the temp dir harms no test
}

std::string PausedProbe::log() const {
  std::ifstream in(log_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool PausedProbe::wait_paused(const std::string& phase) {
  if (!proc_) return false;
  const std::string marker = "fwpath: paused at " + phase + "\n";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (log().find(marker) != std::string::npos) return true;
    pollfd exited{proc_->pidfd(), POLLIN, 0};
    if (::poll(&exited, 1, 20) != 0) return log().find(marker) != std::string::npos;
  }
  return false;
}

bool PausedProbe::signal(int sig) const {
  return proc_ && proc_->signal(sig);
}

bool PausedProbe::resume() const {
  return signal(SIGUSR1);
}

}  // namespace fwpath::testlab

#include "util/test_pause.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

#include "util/signals.h"

namespace fwpath {

namespace {

std::atomic<bool> g_resume{false};

void on_resume(int /*sig*/) {
  g_resume.store(true, std::memory_order_relaxed);
}

// Whether the comma-separated list `at` names `phase`.
bool names_phase(const std::string& at, const std::string& phase) {
  return ("," + at + ",").find("," + phase + ",") != std::string::npos;
}

// The session's threads may take the signal instead of this one, so a sigsuspend() here
// could sleep through it: check the flags the handlers set, 20 times a second.
void wait_for_signal() {
  while (!stop_requested() && !g_resume.load(std::memory_order_relaxed)) ::poll(nullptr, 0, 50);
  g_resume.store(false, std::memory_order_relaxed);
}

}  // namespace

Status pause_point(const char* phase) {
  const char* at = std::getenv("FWPATH_TEST_PAUSE_AT");  // NOLINT(concurrency-mt-unsafe): read-only env
  if (at != nullptr && names_phase(at, phase)) {
    struct sigaction sa {};
    sa.sa_handler = on_resume;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGUSR1, &sa, nullptr);
    const std::string marker = std::string("fwpath: paused at ") + phase + "\n";
    (void)!::write(STDERR_FILENO, marker.data(), marker.size());
    wait_for_signal();
  }
  if (stop_requested()) return interrupted_error(phase);
  return {};
}

}  // namespace fwpath

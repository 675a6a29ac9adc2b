#include "util/test_pause.h"

#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "util/signals.h"

namespace fwpath {

namespace {

// The session's threads may take the signal instead of this one, so a sigsuspend() here
// could sleep through it: check the flag the handler sets, 20 times a second.
void wait_for_stop_signal() {
  while (!stop_requested()) ::poll(nullptr, 0, 50);
}

}  // namespace

Status pause_point(const char* phase) {
  const char* at = std::getenv("FWPATH_TEST_PAUSE_AT");  // NOLINT(concurrency-mt-unsafe): read-only env
  if (at != nullptr && std::strcmp(at, phase) == 0) {
    const std::string marker = std::string("fwpath: paused at ") + phase + "\n";
    (void)!::write(STDERR_FILENO, marker.data(), marker.size());
    wait_for_stop_signal();
  }
  if (stop_requested()) return interrupted_error(phase);
  return {};
}

}  // namespace fwpath

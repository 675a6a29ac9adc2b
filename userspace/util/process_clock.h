#pragma once
// When this process started, on the steady clock, so that a command can say how long it
// took to reach each step (fwpath probe --timing). main() marks it on its first line.
#include <chrono>

namespace fwpath {

void mark_process_start();
// The marked time; the first call's time when nothing was marked (unit tests).
std::chrono::steady_clock::time_point process_start();

}  // namespace fwpath

#pragma once
// SIGINT/SIGTERM/SIGHUP ask fwpath to stop: the handler only records the request, and
// every wait loop checks it, so that the normal unwinding path (RAII owners) removes
// what was created. SIGKILL cannot be caught: there the kernel's owner flag and the
// sweep at the next start remove what is left.
#include <atomic>

#include "util/error.h"

namespace fwpath {

void install_stop_handlers();
bool stop_requested();
int stop_signal();  // the signal that asked us to stop, 0 if none
// An Interrupted error naming the signal, for loops that notice stop_requested().
Error interrupted_error(const char* during);

}  // namespace fwpath

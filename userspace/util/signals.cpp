#include "util/signals.h"

#include <csignal>
#include <cstring>
#include <string>

namespace fwpath {

namespace {
std::atomic<int> g_stop_signal{0};

void on_stop(int sig) {
  g_stop_signal.store(sig, std::memory_order_relaxed);
}
}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR so loops see the request
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);
}

bool stop_requested() {
  return g_stop_signal.load(std::memory_order_relaxed) != 0;
}
int stop_signal() {
  return g_stop_signal.load(std::memory_order_relaxed);
}

Error interrupted_error(const char* during) {
  const int sig = stop_signal();
  return Error{ErrorKind::Interrupted,
               std::string("interrupted by ") + (sig != 0 ? sigabbrev_np(sig) : "signal") + " during " + during, "", 0};
}

}  // namespace fwpath

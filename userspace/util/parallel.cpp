#include "util/parallel.h"

#include <system_error>
#include <thread>

namespace fwpath {

void run_in_parallel(const std::vector<std::function<void()>>& tasks) {
  if (tasks.empty()) return;
  std::vector<std::jthread> others;
  others.reserve(tasks.size() - 1);
  for (size_t i = 1; i < tasks.size(); ++i) {
    try {
      others.emplace_back(tasks[i]);
    } catch (const std::system_error&) {
      // No thread to be had (a process or memory limit): teardown must still happen, so
      // the task runs here, only later.
      tasks[i]();
    }
  }
  tasks.front()();
  // jthread joins in its destructor: every task has finished when this returns.
}

}  // namespace fwpath

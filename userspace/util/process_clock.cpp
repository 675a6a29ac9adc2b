#include "util/process_clock.h"

#include <optional>

namespace fwpath {

namespace {

std::optional<std::chrono::steady_clock::time_point>& start_slot() {
  static std::optional<std::chrono::steady_clock::time_point> start;
  return start;
}

}  // namespace

void mark_process_start() {
  start_slot() = std::chrono::steady_clock::now();
}

std::chrono::steady_clock::time_point process_start() {
  auto& start = start_slot();
  if (!start) start = std::chrono::steady_clock::now();
  return *start;
}

}  // namespace fwpath

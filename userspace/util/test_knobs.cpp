#include "util/test_knobs.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace fwpath {

std::optional<uint32_t> test_knob(const char* name) {
  const char* text = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before threads start
  if (text == nullptr) return std::nullopt;
  uint32_t value = 0;
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || value == 0) return std::nullopt;
  return value;
}

}  // namespace fwpath

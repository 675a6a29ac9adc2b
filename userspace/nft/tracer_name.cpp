#include "nft/tracer_name.h"

#include <charconv>

namespace fwpath::nft {

namespace {
// Parses a run of decimal digits at the start of `s`; advances `s` past it.
std::optional<uint64_t> take_number(std::string_view& s) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  return value;
}
}  // namespace

std::string tracer_table_name(pid_t pid, uint32_t n) {
  return std::string(kTracerTablePrefix) + "_" + std::to_string(pid) + "_" + std::to_string(n);
}

bool is_tracer_table(std::string_view table) {
  return table.substr(0, kTracerTablePrefix.size()) == kTracerTablePrefix;
}

std::optional<pid_t> tracer_table_pid(std::string_view table) {
  if (!is_tracer_table(table)) return std::nullopt;
  std::string_view rest = table.substr(kTracerTablePrefix.size());
  if (rest.empty() || rest.front() != '_') return std::nullopt;
  rest.remove_prefix(1);
  const auto pid = take_number(rest);
  if (!pid || *pid == 0 || *pid > 0x7fffffffU || rest.empty() || rest.front() != '_') return std::nullopt;
  rest.remove_prefix(1);
  if (!take_number(rest) || !rest.empty()) return std::nullopt;
  return static_cast<pid_t>(*pid);
}

}  // namespace fwpath::nft

#include "sources/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <deque>
#include <mutex>

namespace fwpath::sources {

namespace {

constexpr size_t kKeptLines = 32;

struct WarningLog {
  std::mutex mu;
  std::deque<std::string> lines;
};

WarningLog& warning_log() {
  static WarningLog log;
  return log;
}

int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  if (level != LIBBPF_WARN) return 0;
  va_list copy;
  va_copy(copy, args);
  // The analyzer does not model va_copy() from a parameter; `copy` is initialized.
  const int n = std::vsnprintf(nullptr, 0, format, copy);  // NOLINT(clang-analyzer-valist.Uninitialized)
  va_end(copy);
  if (n <= 0) return 0;
  std::string line(static_cast<size_t>(n) + 1, '\0');
  (void)std::vsnprintf(line.data(), line.size(), format, args);
  line.resize(static_cast<size_t>(n));
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  if (line.empty()) return 0;
  // The verifier log arrives as one multi-line message; an Error is one line.
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  WarningLog& log = warning_log();
  const std::lock_guard lock(log.mu);
  log.lines.push_back(std::move(line));
  if (log.lines.size() > kKeptLines) log.lines.pop_front();
  return n;
}

}  // namespace

void quiet_libbpf_output() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(libbpf_print); });
}

void clear_libbpf_warnings() {
  WarningLog& log = warning_log();
  const std::lock_guard lock(log.mu);
  log.lines.clear();
}

std::string libbpf_warnings(size_t max_chars) {
  WarningLog& log = warning_log();
  const std::lock_guard lock(log.mu);
  std::string out;
  for (const auto& line : log.lines) {
    if (!out.empty()) out += "; ";
    out += line;
  }
  if (out.size() > max_chars) out = "..." + out.substr(out.size() - max_chars);
  return out;
}

}  // namespace fwpath::sources

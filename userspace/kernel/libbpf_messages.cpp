#include "kernel/libbpf_messages.h"

#include <cstdarg>
#include <cstdio>

namespace fwpath::kernel {

namespace {
LibbpfMessages* g_active = nullptr;

std::string trimmed(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  if (line.rfind("libbpf: ", 0) == 0) line.erase(0, 8);
  return line;
}

// libbpf ends a failure with generic lines ("failed to load object", "failed to load
// BPF skeleton"); the specific reason comes before them. Its "try raising 'ulimit -l'"
// guess follows every EPERM, also where memory is not the cause: left out as misleading.
bool generic(const std::string& line) {
  return line.find("failed to load object") != std::string::npos ||
         line.find("failed to load BPF skeleton") != std::string::npos ||
         line.find("': failed to load: ") != std::string::npos ||
         line.find("permission error while running as root") != std::string::npos ||
         line.find("-- BEGIN PROG LOAD LOG --") != std::string::npos ||
         line.find("-- END PROG LOAD LOG --") != std::string::npos;
}
}  // namespace

LibbpfMessages::LibbpfMessages() : outer_(g_active) {
  g_active = this;
  previous_ = libbpf_set_print(&LibbpfMessages::print);
}

LibbpfMessages::~LibbpfMessages() {
  libbpf_set_print(previous_);
  g_active = outer_;
}

int LibbpfMessages::print(enum libbpf_print_level level, const char* format, va_list args) {
  if (level != LIBBPF_WARN || g_active == nullptr) return 0;
  char line[512];
  // args is used once, as libbpf's own default printer does; no copy needed.
  const int n = std::vsnprintf(line, sizeof(line), format, args);
  if (n > 0) g_active->warnings_.push_back(trimmed(line));
  return 0;
}

std::string LibbpfMessages::suffix() const {
  // The first specific line names the cause; the rest repeats it from further up the stack.
  for (const auto& w : warnings_) {
    if (!w.empty() && !generic(w)) return "; libbpf: " + w;
  }
  return {};
}

}  // namespace fwpath::kernel

#include "sources/kallsyms.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

#include "util/unique_fd.h"

namespace fwpath::sources {

namespace {

// Splits off the next space- or tab-separated field of line.
std::string_view next_field(std::string_view& line) {
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    line = {};
    return {};
  }
  line.remove_prefix(start);
  const auto end = line.find_first_of(" \t");
  const std::string_view field = line.substr(0, end);
  line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  return field;
}

// Everything `fd` holds, read in large pieces (the kernel prints a page of /proc/kallsyms
// per read at most, so the size only saves calls); empty on a read error.
std::string read_all(int fd) {
  std::string text;
  std::array<char, 1 << 16> buf{};
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      return {};
    }
    text.append(buf.data(), static_cast<size_t>(n));
  }
}

bool is_text_type(char t) {
  return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

}  // namespace

Kallsyms Kallsyms::parse(std::string_view text) {
  Kallsyms k;
  k.table_ = parse_table(text);
  return k;
}

Kallsyms::Table Kallsyms::parse_table(std::string_view text) {
  Table k;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);

    const std::string_view addr_text = next_field(line);
    const std::string_view type = next_field(line);
    const std::string_view name = next_field(line);
    if (addr_text.empty() || type.size() != 1 || name.empty() || !is_text_type(type[0])) continue;
    uint64_t addr = 0;
    const auto* end = addr_text.data() + addr_text.size();
    auto [ptr, ec] = std::from_chars(addr_text.data(), end, addr, 16);
    if (ec != std::errc() || ptr != end) continue;
    k.entries.push_back(Entry{addr, static_cast<uint32_t>(k.names.size()), static_cast<uint32_t>(name.size()),
                              type[0] == 'T' || type[0] == 'W'});
    k.names.append(name);
  }
  // Several names can share an address (aliases such as _stext/_text): prefer a global
  // symbol, then the one listed first, so that the answer does not depend on sort order.
  std::stable_sort(k.entries.begin(), k.entries.end(), [](const Entry& a, const Entry& b) {
    if (a.addr != b.addr) return a.addr < b.addr;
    return a.global && !b.global;
  });
  k.entries.erase(
      std::unique(k.entries.begin(), k.entries.end(), [](const Entry& a, const Entry& b) { return a.addr == b.addr; }),
      k.entries.end());
  return k;
}

Result<Kallsyms> Kallsyms::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return sys_error("open", path);
  // The first text symbol tells whether addresses are visible: every one reads as zero to a
  // process without CAP_SYSLOG when kernel.kptr_restrict is 1, or when it is 0 and
  // kernel.perf_event_paranoid is above 1 (Debian's default is 2), and to every process
  // when kptr_restrict is 2.
  std::string line;
  std::optional<Table> first;
  while (std::getline(in, line)) {
    Table t = parse_table(line);
    if (!t.entries.empty()) {
      first = std::move(t);
      break;
    }
  }
  if (in.bad()) return sys_error("read", path);
  if (!first) return env_error("no text symbols in", path);
  if (first->entries.front().addr == 0) {
    return env_error(
        "kernel symbol addresses are hidden (kernel.kptr_restrict, kernel.perf_event_paranoid; CAP_SYSLOG sees them) "
        "in",
        path, EPERM);
  }
  // Opened here, read there: what was checked is what is read, wherever the path points later.
  auto fd = std::make_shared<UniqueFd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd->valid()) return sys_error("open", path);
  auto read = [fd]() -> Table {
    try {
      return parse_table(read_all(fd->get()));
    } catch (const std::bad_alloc&) {
      return {};  // nothing symbolized, as for a failed read
    }
  };
  Kallsyms k;
  try {
    k.loading_ = std::async(std::launch::async, read).share();
  } catch (const std::system_error&) {
    k.loading_ = std::async(std::launch::deferred, read).share();  // no thread to be had: read on first use
  }
  return k;
}

const Kallsyms::Table& Kallsyms::table() const {
  if (!loading_.valid()) return table_;
  return loading_.get();
}

std::optional<std::string> Kallsyms::symbolize(uint64_t addr) const {
  const Table& t = table();
  auto it =
      std::upper_bound(t.entries.begin(), t.entries.end(), addr, [](uint64_t a, const Entry& e) { return a < e.addr; });
  if (it == t.entries.begin()) return std::nullopt;
  --it;
  const uint64_t off = addr - it->addr;
  if (off > kMaxOffset) return std::nullopt;
  std::ostringstream out;
  out << std::string_view(t.names).substr(it->name_off, it->name_len) << "+0x" << std::hex << off;
  return out.str();
}

}  // namespace fwpath::sources

#pragma once
// Kernel text addresses -> "function+0xoffset", from /proc/kallsyms. kfree_skb reports
// where a packet was freed as a return address; the symbol is what a reader understands
// ("nf_hook_slow+0x8e" is a netfilter verdict, "__udp4_lib_rcv+0x..." no socket).
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace fwpath::sources {

class Kallsyms {
 public:
  // Parses the text of /proc/kallsyms ("ADDR TYPE NAME [MODULE]" per line). Keeps text
  // symbols (t, T, w, W) only: data symbols between functions would otherwise claim the
  // addresses of the code after them. Malformed lines are skipped. Pure: no I/O.
  static Kallsyms parse(std::string_view text);

  // Checks the file now and reads it on a thread of its own from here on: the kernel takes
  // 40-70 ms to print /proc/kallsyms (120k lines), longer than a probe's packet takes to
  // die, so the read overlaps the tracing instead of delaying the report. symbolize(),
  // size() and empty() wait for it. Fails when the file cannot be opened, has no text
  // symbol, or shows the first one at zero (kernel.kptr_restrict hides addresses from this
  // process). Should the later read fail, nothing is symbolized.
  static Result<Kallsyms> load(const std::string& path = "/proc/kallsyms");

  // "name+0xoff" for the symbol at or below addr; std::nullopt below the first symbol or
  // more than kMaxOffset past the nearest one (no function is that long: it is a gap,
  // such as the space between the kernel image and the modules).
  [[nodiscard]] std::optional<std::string> symbolize(uint64_t addr) const;

  [[nodiscard]] size_t size() const { return table().entries.size(); }
  [[nodiscard]] bool empty() const { return table().entries.empty(); }

  static constexpr uint64_t kMaxOffset = 1U << 20;

 private:
  // Names live in one pool: a kernel has >100k symbols and one allocation per name
  // would dominate the load time.
  struct Entry {
    uint64_t addr;
    uint32_t name_off;
    uint32_t name_len;
    bool global;
  };
  struct Table {
    std::vector<Entry> entries;
    std::string names;
  };
  static Table parse_table(std::string_view text);
  [[nodiscard]] const Table& table() const;

  Table table_;  // parse(): filled at once
  // load(): the file's one read, shared by copies.
  std::shared_future<Table> loading_;
};

}  // namespace fwpath::sources

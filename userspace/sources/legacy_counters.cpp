#include "sources/legacy_counters.h"

#include <chrono>
#include <fstream>
#include <vector>

#include "util/child_process.h"
#include "util/netns.h"

namespace fwpath::sources {

namespace {

constexpr std::chrono::milliseconds kSaveTimeout{5000};

// Whether the namespace lists a legacy table of the family. /proc/thread-self/net is the
// namespace of the calling thread, the one NetnsEnter moved.
Result<bool> tables_listed(int netns_fd, const std::string& label, bool v6) {
  auto in_ns = NetnsEnter::enter(netns_fd, label);
  if (!in_ns) return in_ns.take_error();
  std::ifstream in(v6 ? "/proc/thread-self/net/ip6_tables_names" : "/proc/thread-self/net/ip_tables_names");
  // No file: x_tables of that family is not loaded, so no legacy table exists anywhere.
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) return true;
  }
  return false;
}

}  // namespace

Result<std::optional<model::XtTables>> read_legacy_counters(int netns_fd, const std::string& netns_label, bool v6) {
  auto listed = tables_listed(netns_fd, netns_label, v6);
  if (!listed) return listed.take_error();
  if (!listed.value()) return std::optional<model::XtTables>{};
  const std::string tool = v6 ? "ip6tables-legacy-save" : "iptables-legacy-save";
  const std::string path = find_system_tool(tool);
  if (path.empty()) return env_error(tool + " is not installed (looked in /usr/sbin, /sbin, /usr/bin, /bin)");
  const ChildCommand cmd{path, {tool, "-c"}, std::vector<std::string>{"LC_ALL=C"}, netns_fd};
  auto run = run_child(cmd, RunOptions{{}, kSaveTimeout, /*merge_output=*/false});
  if (!run) return run.take_error().context(tool + " in netns " + netns_label);
  if (!run->ok()) return env_error(tool + " -c in netns " + netns_label + " failed:", run->describe());
  auto tables = model::parse_iptables_save(run->out);
  if (!tables) return tables.take_error().context("reading " + tool + " -c in netns " + netns_label);
  return std::optional<model::XtTables>{std::move(tables.value())};
}

}  // namespace fwpath::sources

#include "support/leftovers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "lab/lab_names.h"
#include "support/command.h"

namespace fwpath::testlab {

bool orphaned_fwpath_programs() {
  auto r = run_command({"bpftool", "prog", "show"});
  if (!r.ok()) return false;
  std::set<std::string> ours;
  std::istringstream lines(r->out);
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    if (line.find("name fwpath_") != std::string::npos && colon != std::string::npos)
      ours.insert(line.substr(0, colon));
  }
  if (ours.empty()) return false;
  std::error_code ec;
  for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
    std::error_code inner;
    for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fdinfo", inner)) {
      std::ifstream info(fd.path());
      for (std::string l; std::getline(info, l);) {
        if (l.rfind("prog_id:", 0) == 0) ours.erase(l.substr(l.find_first_not_of(" \t", 8)));
      }
    }
  }
  return !ours.empty();
}

std::vector<std::string> lab_netns_of(pid_t pid) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    const auto name = e.path().filename().string();
    const auto parsed = lab::parse_lab_netns_name(name);
    if (parsed && parsed->run.pid == pid) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string host_tracer_tables_of(pid_t pid) {
  auto r = run_command({"nft", "list", "tables"});
  if (!r || !r->ok()) return "<nft list tables failed>";
  std::istringstream in(r->out);
  std::string found;
  const std::string mine = "fwpath_" + std::to_string(pid) + "_";
  for (std::string line; std::getline(in, line);) {
    if (line.find(mine) != std::string::npos) found += line + "\n";
  }
  return found;
}

bool tracer_table_in(const std::string& netns_name) {
  auto r = run_command({"ip", "netns", "exec", netns_name, "nft", "list", "tables"});
  return r.ok() && r->ok() && r->out.find("fwpath_") != std::string::npos;
}

bool tracer_table_in(const TestNetns& ns) {
  auto r = ns.run({"nft", "list", "tables"});
  return r.ok() && r->ok() && r->out.find("fwpath_") != std::string::npos;
}

void expect_no_tracer_left(const std::vector<std::string>& netns_names, pid_t pid) {
  const auto in_host = [pid] { return pid != 0 && !host_tracer_tables_of(pid).empty(); };
  const auto any_left = [&] {
    return in_host() || orphaned_fwpath_programs() ||
           std::any_of(netns_names.begin(), netns_names.end(), [](const std::string& n) { return tracer_table_in(n); });
  };
  const auto settle = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (any_left() && std::chrono::steady_clock::now() < settle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (const auto& n : netns_names) EXPECT_FALSE(tracer_table_in(n)) << "a tracer table in " << n;
  if (pid != 0) {
    EXPECT_EQ(host_tracer_tables_of(pid), "") << "tracer tables of pid " << pid << " in this namespace";
  }
  EXPECT_FALSE(orphaned_fwpath_programs()) << "fwpath_ BPF programs nobody holds";
}

}  // namespace fwpath::testlab

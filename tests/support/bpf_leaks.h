#pragma once
// Whether a run left BPF programs behind, on a machine where other fwpath runs may be
// loading theirs at the same time.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "support/command.h"

namespace fwpath::testlab {

// fwpath_ BPF programs that no live process holds (by a program or link fd): what a run
// could have left behind. Programs of other fwpath runs on the machine (other tests, other
// users) are held by their processes and do not count.
inline bool orphaned_fwpath_programs() {
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

}  // namespace fwpath::testlab

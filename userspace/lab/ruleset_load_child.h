#pragma once
// Runs one restore tool inside a lab namespace: fork, setns() in the child, execve() with
// a fixed argv and environment. No shell, no PATH lookup, no `ip netns exec` (which would
// remount /sys for the whole run). The ruleset goes in on stdin, and what the tool says
// is captured for the error message.
#include <chrono>
#include <string>
#include <vector>

#include "lab/rtnl.h"
#include "util/error.h"

namespace fwpath::lab {

// The exit code of a child that could not join the namespace or exec the tool; its
// output then says which step failed.
inline constexpr int kChildSetupFailed = 127;

struct ToolRun {
  int exit_code = -1;  // -1 when ended by a signal
  int signal = 0;
  std::string output;  // stdout and stderr, interleaved as the tool wrote them
};

// `path` is absolute; argv[0] matters to multi-call binaries (xtables-nft-multi picks its
// mode from it). An Error only when the tool could not be started or ran past `timeout`
// (it is then killed, by its pid); a non-zero exit is a ToolRun.
Result<ToolRun> run_tool_in_netns(const NetnsRef& ns, const std::string& path, const std::vector<std::string>& argv,
                                  const std::string& stdin_text,
                                  std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

// The first of /usr/sbin, /sbin, /usr/bin, /bin holding an executable `name`, or an
// empty string. Fixed system directories rather than PATH: fwpath runs as root and must not run whatever a PATH
// entry offers under that name.
std::string find_system_tool(const std::string& name);

}  // namespace fwpath::lab

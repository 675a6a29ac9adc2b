#pragma once
// Runs a system tool (tc, wg, iptables-restore) inside a lab namespace, for what the
// project does not speak over netlink itself: util/child_process.h's runner, the tool
// found in the system directories (find_system_tool), a fixed environment, stdout and
// stderr captured together. The namespace fwpath runs in is never the target.
#include <chrono>
#include <string>
#include <vector>

#include "lab/rtnl.h"
#include "util/child_process.h"
#include "util/error.h"

namespace fwpath::lab {

// Runs argv in `ns`, `stdin_text` on its stdin. argv[0] is the tool's name, found with
// find_system_tool() and passed on as argv[0] (multi-call binaries such as
// xtables-nft-multi pick their mode from it). The result's `out` holds stdout and stderr
// as the tool wrote them. An Error only when the tool is not installed, could not be
// started or ran past `timeout` (it is then killed); a non-zero exit is a result
// (kChildSetupFailed when it could not even exec).
Result<ChildResult> run_tool_in_netns(const NetnsRef& ns, const std::vector<std::string>& argv,
                                      const std::string& stdin_text = {},
                                      std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

// The same for a tool that must succeed: what it printed, or an Environment error that
// carries the command line and its output on one line.
Result<std::string> run_in_netns(const NetnsRef& ns, const std::vector<std::string>& argv,
                                 const std::string& stdin_text = {});

}  // namespace fwpath::lab

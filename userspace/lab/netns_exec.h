#pragma once
// Runs a tool (tc, wg, ip, iptables-restore) inside a lab namespace: fork, setns() in the
// child, exec by full path with an argv (never a shell). Used for what the project does
// not speak over netlink itself; the namespace fwpath runs in is never the target.
#include <string>
#include <vector>

#include "lab/rtnl.h"
#include "util/error.h"

namespace fwpath::lab {

// The full path of an executable found on $PATH (then /usr/sbin, /sbin), or "".
std::string find_executable(const std::string& name);

// Runs argv (argv[0] looked up with find_executable) in `ns` (ns.fd < 0: this namespace),
// `input` on its stdin, and returns what it printed (stdout and stderr). A non-zero exit
// is an Environment error carrying that output; a missing tool too.
Result<std::string> run_in_netns(const NetnsRef& ns, const std::vector<std::string>& argv,
                                 const std::string& input = {});

}  // namespace fwpath::lab

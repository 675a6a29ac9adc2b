#pragma once
// Per-namespace sysctls (ip_forward, rp_filter, ...), written through /proc/sys from a
// thread inside the namespace: /proc/sys/net shows the network namespace of the thread
// that opens it, so no `ip netns exec` and no remount of /proc are needed.
#include <string>

#include "lab/rtnl.h"
#include "util/error.h"

namespace fwpath::lab {

// key as sysctl(8) names it ("net.ipv4.ip_forward"); only lab_sysctl_allowed() keys.
Status write_sysctl(const NetnsRef& ns, const std::string& key, const std::string& value);
Result<std::string> read_sysctl(const NetnsRef& ns, const std::string& key);

}  // namespace fwpath::lab

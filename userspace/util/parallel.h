#pragma once
// Runs independent blocking kernel calls at the same time. Closing a BPF link, removing an
// nftables table or walking conntrack's hash each wait in the kernel (an RCU grace period,
// a walk of a table shared by every namespace) for tens of milliseconds; one after the
// other, a three-namespace run spent more on teardown than on tracing. On separate
// threads the waits overlap.
#include <functional>
#include <vector>

namespace fwpath {

// Runs every task on a thread of its own (the first on the calling thread) and returns
// when all have finished. Tasks must not throw: they are teardown and read steps whose
// failures are values in their own results.
void run_in_parallel(const std::vector<std::function<void()>>& tasks);

}  // namespace fwpath

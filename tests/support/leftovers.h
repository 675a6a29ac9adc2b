#pragma once
// What a run may leave behind, looked for on a machine where other fwpath runs (other
// tests, other users) create and remove theirs at the same time: only what is provably
// this run's, or nobody's, counts.
#include <sys/types.h>

#include <string>
#include <vector>

#include "support/netns_lab.h"

namespace fwpath::testlab {

// fwpath_ BPF programs that no live process holds (by a program or link fd): what a run
// could have left behind. Programs of other fwpath runs are held by their processes and
// do not count.
bool orphaned_fwpath_programs();

// The lab namespaces (/run/netns/fwpath-<pid>-...) of process `pid`, sorted.
std::vector<std::string> lab_netns_of(pid_t pid);

// The lines of `nft list tables` in this namespace naming a tracer table of process `pid`
// (fwpath_<pid>_...), or "<nft list tables failed>".
std::string host_tracer_tables_of(pid_t pid);

// Whether the namespace /run/netns/NAME holds a tracer table (fwpath_...).
bool tracer_table_in(const std::string& netns_name);
// The same by the test's descriptor: still right after `ip netns del` removed the name.
bool tracer_table_in(const TestNetns& ns);

// No tracer table in any of the named namespaces, none of process `pid` in this one (when
// given) and no orphaned fwpath_ program, after up to 5 s for the kernel's asynchronous
// part (the owner flag removes a table when its socket closes; programs go with their last
// descriptor).
void expect_no_tracer_left(const std::vector<std::string>& netns_names, pid_t pid = 0);

}  // namespace fwpath::testlab

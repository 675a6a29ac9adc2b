#pragma once
// Runs every kernel-check probe and gathers the report. Probes that need a network
// namespace share one private, anonymous namespace (lo up) that exists only while the
// check runs; the node's own namespace is only read (iptables-legacy tables).
#include <string>

#include "model/kernel_verdict.h"
#include "util/error.h"

namespace fwpath::kernel {

// tracefs_ready: what ensure_tracefs() said; it must run before any thread is started,
// so the command calls it first and hands the outcome over. Fails only when a stop
// signal interrupts the check (every probe still cleans up after itself).
Result<model::KernelReport> run_kernel_check(const Status& tracefs_ready);

// uname's release, e.g. "6.18.44-fc-v669".
std::string kernel_release();

}  // namespace fwpath::kernel

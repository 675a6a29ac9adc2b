#pragma once
// Names of the lab's network namespaces. Every namespace a lab creates is called
// fwpath-<pid>-<seq>-<host>: <pid> is the creating process, <seq> counts labs within it,
// so two labs (two runs, or two labs of one run) never clash, and a namespace whose
// <pid> no longer runs is known to be left over by a killed run. Pure: no system calls.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fwpath::lab {

struct LabRunId {
  pid_t pid = 0;
  uint32_t seq = 0;
  friend bool operator==(const LabRunId&, const LabRunId&) = default;
};

// This process's pid and the next sequence number: a fresh id per call.
LabRunId next_lab_run_id();

// A host name inside a lab: 1..15 of [a-z0-9-], starting with a letter. Short enough that
// the namespace name stays readable in reports.
bool valid_lab_host_name(std::string_view host);

// "fwpath-<pid>-<seq>-<host>". The host must be valid.
std::string lab_netns_name(const LabRunId& run, std::string_view host);

struct ParsedLabNetnsName {
  LabRunId run;
  std::string host;
};

// The parts of a lab namespace name, or nothing when `name` is not one (the test lab's
// fwpath-t<pid>-... names, anything else under /run/netns).
std::optional<ParsedLabNetnsName> parse_lab_netns_name(std::string_view name);

}  // namespace fwpath::lab

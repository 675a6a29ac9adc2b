#pragma once
// The pid file of a running `fwpath lab up` (/run/fwpath/lab-NAME.pid), and the check that
// a pid found there still is a fwpath process before `lab down` signals it.
#include <sys/types.h>

#include <optional>
#include <string>

#include "util/error.h"

namespace fwpath::cli {

std::string lab_pid_path(const std::string& scenario_name);

// The pid recorded for the scenario, or nothing when there is no (readable) pid file.
std::optional<pid_t> read_lab_pid(const std::string& scenario_name);

// Whether `pid` runs and its executable is called fwpath.
bool is_live_fwpath(pid_t pid);

// Writes this process's pid; BadInput when a live fwpath already holds the file.
Status write_lab_pid(const std::string& scenario_name);
void remove_lab_pid(const std::string& scenario_name);

}  // namespace fwpath::cli

#pragma once
// Names of the tracer's own nf_tables tables. Every table fwpath creates is called
// fwpath_<pid>_<n>: the prefix lets listings and trace events leave them out, and the pid
// lets a later run tell whether the process that made a table is still alive.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fwpath::nft {

inline constexpr std::string_view kTracerTablePrefix = "fwpath";

// "fwpath_<pid>_<n>".
std::string tracer_table_name(pid_t pid, uint32_t n);

// Whether a table belongs to a tracer (any table whose name starts with "fwpath"):
// such tables are never part of the ruleset being explained.
bool is_tracer_table(std::string_view table);

// The pid in a name made by tracer_table_name(); nullopt for any other name, including
// other tables that merely start with "fwpath".
std::optional<pid_t> tracer_table_pid(std::string_view table);

}  // namespace fwpath::nft

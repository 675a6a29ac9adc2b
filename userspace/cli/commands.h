#pragma once
// One entry point per subcommand. Each parses its own options from argv (argv[0] is the
// subcommand's name) and returns the exit code, or an Error that main() turns into one
// line on stderr and the matching exit code.
#include <string>
#include <vector>

#include "util/error.h"
#include "util/exit_code.h"

namespace fwpath::cli {

using Args = std::vector<std::string>;

Result<ExitCode> kernel_check(const Args& args);
Result<ExitCode> probe(const Args& args);
Result<ExitCode> demo(const Args& args);
Result<ExitCode> audit(const Args& args);
Result<ExitCode> lab(const Args& args);

struct Command {
  const char* name;
  const char* summary;
  Result<ExitCode> (*run)(const Args&);
};

// All subcommands, in the order `fwpath --help` lists them.
const std::vector<Command>& commands();

}  // namespace fwpath::cli

// fwpath: command line -> subcommand -> exit code. The only place where an Error becomes
// an exit code and a line on stderr.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "util/exit_code.h"
#include "util/process_clock.h"
#include "util/signals.h"

namespace {

void print_help() {
  std::cout << "fwpath: trace test packets through a Linux node's firewall and NAT, and say\n"
               "which rule, rewrite or kernel drop decided their fate.\n\n"
               "usage: fwpath COMMAND [OPTIONS]   (fwpath COMMAND --help for its options)\n\n"
               "commands:\n";
  for (const auto& c : fwpath::cli::commands()) {
    std::printf("  %-14s %s\n", c.name, c.summary);
  }
  std::cout << "\nexit codes: 0 all good, 1 a finding (path blocked or rewritten, check failed),\n"
               "2 bad usage or input, 3 environment cannot do it (privilege, kernel feature),\n"
               "4 interrupted by a signal\n";
}

}  // namespace

int main(int argc, char** argv) {
  fwpath::mark_process_start();
  using fwpath::ExitCode;
  if (argc < 2) {
    print_help();
    return to_int(ExitCode::BadInput);
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_help();
    return to_int(ExitCode::Ok);
  }
  if (name == "--version") {
    std::cout << "fwpath " << FWPATH_VERSION << "\n";
    return to_int(ExitCode::Ok);
  }
  fwpath::install_stop_handlers();
  fwpath::cli::Args args(argv + 1, argv + argc);
  for (const auto& c : fwpath::cli::commands()) {
    if (name != c.name) continue;
    try {
      auto r = c.run(args);
      if (r) return to_int(r.value());
      std::cerr << "fwpath " << name << ": " << r.error().message() << "\n";
      return to_int(fwpath::exit_code_for(r.error().kind));
    } catch (const std::exception& e) {
      // Only a bug or an allocation failure gets here; still one line and a clear code.
      std::cerr << "fwpath " << name << ": internal error: " << e.what() << "\n";
      return to_int(ExitCode::Environment);
    }
  }
  std::cerr << "fwpath: unknown command '" << name << "' (see fwpath --help)\n";
  return to_int(ExitCode::BadInput);
}

#pragma once
// The exit codes every fwpath command uses. Documented in docs/exit-codes.md.
#include "util/error.h"

namespace fwpath {

enum class ExitCode : int {
  Ok = 0,           // all good
  Finding = 1,      // a path blocked or rewritten, a check failed
  BadInput = 2,     // bad usage or bad input
  Environment = 3,  // this environment cannot do it: privilege or kernel feature missing
  Interrupted = 4,  // stopped by a signal; everything we created was removed
};

constexpr int to_int(ExitCode c) {
  return static_cast<int>(c);
}

constexpr ExitCode exit_code_for(ErrorKind k) {
  switch (k) {
    case ErrorKind::BadInput: return ExitCode::BadInput;
    case ErrorKind::Environment: return ExitCode::Environment;
    case ErrorKind::Interrupted: return ExitCode::Interrupted;
  }
  return ExitCode::Environment;
}

}  // namespace fwpath

#pragma once
// Memory files (memfd_create): text handed to a program or a library that wants a file,
// and what a child process writes, read back once it has exited.
#include <string>

#include "util/error.h"
#include "util/unique_fd.h"

namespace fwpath {

// A close-on-exec memory file holding `content`, its offset back at the start.
Result<UniqueFd> memory_file(const char* name, const std::string& content);

// Everything in the file, from its start.
Result<std::string> read_memory_file(int fd);

}  // namespace fwpath

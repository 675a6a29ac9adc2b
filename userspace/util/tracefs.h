#pragma once
#include "util/error.h"

namespace fwpath {

// Classic tracepoints are attached by id, read from tracefs. Many nodes (this project's
// CI machine among them) boot without tracefs mounted, and `ip netns exec` hides it.
// When it is missing we mount it in a mount namespace private to this process, so the
// mount disappears with us and the node's mount table is never changed.
// Must run before any thread is started (unshare(CLONE_NEWNS) requires it).
Status ensure_tracefs();

// Whether tracefs's events directory is visible here. stat(2), not access(2): access
// checks with the real uid and drops capabilities for a non-root uid, so a process
// granted CAP_DAC_READ_SEARCH instead of running as root would see no tracefs.
bool tracefs_mounted();

}  // namespace fwpath

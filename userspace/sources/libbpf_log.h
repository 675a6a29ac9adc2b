#pragma once
// libbpf prints through one process-wide callback; by default it writes every debug and
// info line to stderr. fwpath keeps stderr for its own one-line messages: libbpf's
// debug/info output is dropped, and its warnings (the verifier log, "failed to find BTF
// for ...") are kept in memory so that a failed load can say why.
#include <string>

namespace fwpath::sources {

// Installs the quiet callback. Idempotent; safe to call from any thread.
void quiet_libbpf_output();

// Marks the start of a libbpf operation whose warnings should be reported if it fails:
// clears what was kept so far (for the calling process; libbpf's log is global).
void clear_libbpf_warnings();

// The last warnings libbpf printed since clear_libbpf_warnings(), joined with "; " and
// shortened to at most max_chars (the tail is kept: the verifier's last lines say why).
std::string libbpf_warnings(size_t max_chars = 600);

}  // namespace fwpath::sources

#pragma once
// Turns what nft and iptables-restore print about a ruleset they refused into one line
// that points at the input: "SOURCE:LINE: message". Pure text functions, so every shape
// of message the tools print is unit-tested without running them.
#include <string>

namespace fwpath::lab {

// nft's error buffer, whose locations name `input_name` (the path libnftables read, e.g.
// "/proc/self/fd/7"): each "INPUT:LINE:COL-COL: Error: MSG" becomes
// "SOURCE:LINE: MSG [column COL: the offending line]"; several errors are joined by "; ".
// Text without any location is returned as "SOURCE: text".
std::string nft_error_line(const std::string& nft_errors, const std::string& input_name, const std::string& source);

// What an iptables-restore variant printed when it failed. The shapes seen from
// iptables 1.8.9 (nft and legacy):
//   "iptables-restore v1.8.9 (legacy): Couldn't load target `DRP'..." + "Error occurred at line: 4"
//   "iptables-nft-restore: line 3 failed: No chain/target/match by that name."
//   "iptables-nft-restore: COMMIT expected at line 3"
// become "SOURCE:4: Couldn't load target `DRP'...", "SOURCE:3: No chain/target/match by
// that name.", "SOURCE:3: COMMIT expected". Without a line number: "SOURCE: message".
// `tool` names the program when its message carries nothing but the line ("line 1 failed").
std::string restore_error_line(const std::string& output, const std::string& tool, const std::string& source);

// Whether an iptables-save dump says it came from ip6tables-save (its header comment).
bool is_ip6tables_save(const std::string& text);

}  // namespace fwpath::lab

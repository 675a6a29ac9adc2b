#pragma once
// Small text helpers shared by the parsers of tool output (nft listings, iptables-save).
#include <string_view>

namespace fwpath {

// `s` without the spaces, tabs and carriage returns at either end.
constexpr std::string_view trim_blanks(std::string_view s) {
  constexpr std::string_view kBlanks = " \t\r";
  const auto first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

}  // namespace fwpath

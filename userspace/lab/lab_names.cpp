#include "lab/lab_names.h"

#include <unistd.h>

#include <atomic>
#include <charconv>

namespace fwpath::lab {

namespace {

constexpr std::string_view kPrefix = "fwpath-";

// A decimal number of at most `max_digits` digits, no sign, no leading zero (so that a
// name has exactly one spelling).
template <class T>
std::optional<T> parse_decimal(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

LabRunId next_lab_run_id() {
  static std::atomic<uint32_t> seq{0};
  return LabRunId{::getpid(), seq.fetch_add(1)};
}

bool valid_lab_host_name(std::string_view host) {
  if (host.empty() || host.size() > 15) return false;
  if (host[0] < 'a' || host[0] > 'z') return false;
  for (char c : host) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string lab_netns_name(const LabRunId& run, std::string_view host) {
  std::string name(kPrefix);
  name += std::to_string(run.pid);
  name += '-';
  name += std::to_string(run.seq);
  name += '-';
  name += host;
  return name;
}

std::optional<ParsedLabNetnsName> parse_lab_netns_name(std::string_view name) {
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = name.substr(kPrefix.size());
  const auto dash1 = rest.find('-');
  if (dash1 == std::string_view::npos) return std::nullopt;
  const auto dash2 = rest.find('-', dash1 + 1);
  if (dash2 == std::string_view::npos) return std::nullopt;
  const auto pid = parse_decimal<pid_t>(rest.substr(0, dash1), 10);
  const auto seq = parse_decimal<uint32_t>(rest.substr(dash1 + 1, dash2 - dash1 - 1), 10);
  const std::string_view host = rest.substr(dash2 + 1);
  if (!pid || *pid <= 0 || !seq || !valid_lab_host_name(host)) return std::nullopt;
  return ParsedLabNetnsName{LabRunId{*pid, *seq}, std::string(host)};
}

}  // namespace fwpath::lab

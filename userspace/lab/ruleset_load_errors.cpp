#include "lab/ruleset_load_errors.h"

#include <regex>
#include <sstream>
#include <vector>

namespace fwpath::lab {

namespace {

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// nft underlines the offending part with a line of ^ and ~: meaningful only in a terminal.
bool is_marker_line(const std::string& line) {
  return line.find_first_not_of(" \t^~") == std::string::npos;
}

}  // namespace

std::string nft_error_line(const std::string& nft_errors, const std::string& input_name, const std::string& source) {
  // libnftables 1.0.6 (erec_print): "NAME:LINE:FIRST-LAST: Error: MSG", then the input
  // line, then the markers. NAME is the path it read; LAST may be absent.
  const std::regex located(R"(^(.*):(\d+):(\d+)(?:-\d+)?: (?:Error|Warning): (.*)$)");
  const auto lines = lines_of(nft_errors);
  std::vector<std::string> errors;
  std::vector<std::string> unlocated;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (std::regex_match(lines[i], m, located) && (m[1] == input_name || m[1] == source)) {
      std::string e = source + ":" + m[2].str() + ": " + trimmed(m[4].str());
      // The input line nft echoes after the message, unless the next line is already
      // another error or the markers.
      if (i + 1 < lines.size() && !is_marker_line(lines[i + 1]) && !std::regex_match(lines[i + 1], located)) {
        e += " [column " + m[3].str() + ": " + trimmed(lines[i + 1]) + "]";
        ++i;
      }
      errors.push_back(e);
    } else if (!is_marker_line(lines[i])) {
      unlocated.push_back(trimmed(lines[i]));
    }
  }
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "; ") + e;
  if (!out.empty()) return out;
  for (const auto& u : unlocated) out += (out.empty() ? "" : " ") + u;
  return source + ": " + (out.empty() ? "refused by nft (no message)" : out);
}

std::string restore_error_line(const std::string& output, const std::string& tool, const std::string& source) {
  const std::regex occurred(R"(^Error occurred at line: (\d+)\s*$)");
  const std::regex line_failed(R"(^line (\d+) failed(?::\s*(.*))?$)");
  const std::regex at_line(R"(^(.*\S)\s+at line:? (\d+)\s*$)");
  // "iptables-restore v1.8.9 (legacy): " or "iptables-nft-restore: ".
  const std::regex program_prefix(R"(^[A-Za-z0-9_.-]+(?: v[0-9.]+(?: \([^)]*\))?)?: )");
  std::string line_no;
  std::string message;
  for (const auto& raw : lines_of(output)) {
    const std::string line = trimmed(raw);
    std::smatch m;
    if (line.empty() || line.rfind("Try `", 0) == 0) continue;
    if (std::regex_match(line, m, occurred)) {
      if (line_no.empty()) line_no = m[1].str();
      continue;
    }
    if (!message.empty()) continue;  // the first message is the cause; later ones follow from it
    const std::string text = std::regex_replace(line, program_prefix, "", std::regex_constants::format_first_only);
    if (std::regex_match(text, m, line_failed)) {
      line_no = m[1].str();
      message = m[2].matched && !trimmed(m[2].str()).empty() ? trimmed(m[2].str()) : "refused by " + tool;
    } else if (std::regex_match(text, m, at_line)) {
      line_no = m[2].str();
      message = m[1].str();
    } else {
      message = text;
    }
  }
  if (message.empty()) message = "refused by " + tool + " (no message)";
  return source + ":" + (line_no.empty() ? "" : line_no + ":") + " " + message;
}

bool is_ip6tables_save(const std::string& text) {
  for (const auto& raw : lines_of(text)) {
    const std::string line = trimmed(raw);
    if (line.empty()) continue;
    if (line[0] != '#') return false;  // the header comes before the first table
    if (line.find("ip6tables-save") != std::string::npos) return true;
  }
  return false;
}

}  // namespace fwpath::lab

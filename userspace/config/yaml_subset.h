#pragma once
// A reader for the block-style YAML subset that kubeconfig and scenario files use
// (mappings, sequences, plain and quoted scalars, comments, one-line flow collections
// `[a, b]` / `{k: v}` (nested), block scalars `|`/`>` kept as text). The project's
// dependencies include no YAML library; these files need only this much, and a file
// outside the subset is refused with the line that could not be read.
#include <string>
#include <vector>

#include "util/error.h"

namespace fwpath::config {

struct YamlNode {
  enum class Kind { Null, Scalar, Map, Seq } kind = Kind::Null;
  std::string scalar;
  // A mapping as two parallel lists: std::pair<std::string, YamlNode> would need YamlNode
  // complete here, which std::vector<YamlNode> does not.
  std::vector<std::string> keys;
  std::vector<YamlNode> values;
  std::vector<YamlNode> seq;
  int line = 0;  // 1-based line the node starts on, for error messages; 0 when unknown

  // The value under key, or nullptr (maps only).
  [[nodiscard]] const YamlNode* get(const std::string& key) const;
  [[nodiscard]] std::string str(const std::string& key) const;  // "" when absent or not a scalar
};

Result<YamlNode> parse_yaml_subset(const std::string& text, const std::string& source_name);

}  // namespace fwpath::config

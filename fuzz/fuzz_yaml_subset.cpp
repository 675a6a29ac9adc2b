// The YAML subset reader on its own: any text either parses into a node tree or is refused
// with the line that could not be read.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/yaml_subset.h"

namespace {

// Walks the tree the way kubeconfig lookups do, so that a malformed node shape shows up.
size_t walk(const fwpath::config::YamlNode& n) {
  size_t count = 1;
  for (const auto& v : n.values) count += walk(v);
  for (const auto& v : n.seq) count += walk(v);
  if (n.keys.size() != n.values.size()) __builtin_trap();  // the map's two lists must agree
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // NOLINT: bytes as text
  auto root = fwpath::config::parse_yaml_subset(text, "fuzz.yaml");
  if (root) {
    (void)walk(root.value());
    (void)root->str("current-context");
  }
  return 0;
}

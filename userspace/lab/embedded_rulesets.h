#pragma once
// The demo's rulesets, rulesets/demo/*.nft, built into the binary at build time
// (cmake/EmbedText.cmake): `fwpath demo` reads no file at run time.
#include <optional>
#include <string_view>
#include <vector>

namespace fwpath::lab {

struct EmbeddedFile {
  std::string_view name;  // the file's base name, "kube-proxy.nft"
  std::string_view text;  // its exact bytes
};

std::vector<EmbeddedFile> demo_rulesets();
std::optional<std::string_view> find_demo_ruleset(std::string_view name);

}  // namespace fwpath::lab

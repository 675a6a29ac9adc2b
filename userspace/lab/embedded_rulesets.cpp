#include "lab/embedded_rulesets.h"

#include <demo_rulesets.h>  // generated: fwpath::embedded::demo_rulesets::kFiles

namespace fwpath::lab {

std::vector<EmbeddedFile> demo_rulesets() {
  std::vector<EmbeddedFile> out;
  out.reserve(embedded::demo_rulesets::kFiles.size());
  for (const auto& [name, text] : embedded::demo_rulesets::kFiles) out.push_back({name, text});
  return out;
}

std::optional<std::string_view> find_demo_ruleset(std::string_view name) {
  for (const auto& [n, text] : embedded::demo_rulesets::kFiles) {
    if (n == name) return text;
  }
  return std::nullopt;
}

}  // namespace fwpath::lab

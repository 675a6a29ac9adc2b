// A scenario file as an untrusted pipeline might hand it to `fwpath lab run`: the YAML subset,
// every key checked. Rulesets it names come back as a fixed small text, so that the parser's
// own handling of paths and formats is reached without touching the file system.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenario/scenario_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // NOLINT: bytes as text
  const fwpath::scenario::RulesetReader reader = [](const std::string& path) -> fwpath::Result<std::string> {
    if (path.empty()) return fwpath::input_error("ruleset path", "empty");
    return std::string("table inet t {\n}\n");
  };
  (void)fwpath::scenario::parse_scenario(text, "fuzz.yaml", reader);
  return 0;
}

#include "lab/scenario_ruleset.h"

#include "lab/nft_load.h"

namespace fwpath::lab {

Status load_scenario_ruleset(const NetnsRef& ns, const std::string& format, const std::string& source,
                             const std::string& text) {
  if (format == "nft") return load_nft_ruleset(ns, source, text);
  // The merge switches this to load_ruleset(ns, parse_ruleset_format(format), source, text).
  return env_error("ruleset " + source + ": format " + format + ": not wired yet");
}

}  // namespace fwpath::lab

#include "cli/commands.h"

namespace fwpath::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"kernel-check", "say what this node's kernel can give the tracer", kernel_check},
      {"probe", "send test packets along the API-server and gateway paths and trace them", probe},
      {"demo", "build a small lab with a broken firewall, probe it, explain it, remove it", demo},
      {"audit", "load a ruleset into a sandbox playing the node, probe the required paths, say which are blocked",
       audit},
      {"lab", "build scenario labs (run: probe them and check expectations; up/down)", lab},
  };
  return all;
}

}  // namespace fwpath::cli

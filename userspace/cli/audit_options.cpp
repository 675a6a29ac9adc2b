#include "cli/audit_options.h"

namespace fwpath::cli {

po::options_description audit_options_description() {
  po::options_description d("audit options");
  d.add_options()                                                                                          //
      ("ruleset", po::value<std::string>(), "the ruleset file to audit (required)")                        //
      ("format", po::value<std::string>()->default_value("nft"),                                           //
       "nft | iptables-save (loaded with iptables-nft-restore) | iptables-legacy-save")                    //
      ("role", po::value<std::string>(), "consumer (paths go out of the node) | provider (they come in)")  //
      ("require", po::value<std::vector<std::string>>()->composing(),                                      //
       "a required path, tcp:PORT or udp:PORT; repeat for each")                                           //
      ("iface", po::value<std::string>()->default_value(audit::kDefaultIface),                             //
       "the node's interface, as the ruleset names it")                                                    //
      ("node-ip", po::value<std::string>()->default_value(audit::kDefaultNodeIp),                          //
       "the node's address in the lab (documentation ranges only)")                                        //
      ("peer", po::value<std::string>()->default_value(audit::kDefaultPeerIp),                             //
       "the peer's address in the lab (documentation ranges only, another /24)")                           //
      ("junit", po::value<std::string>(), "also write a JUnit XML report to FILE")                         //
      ("json", po::bool_switch(), "print the report as JSON (docs/audit.md)");
  return d;
}

Result<AuditOptions> parse_audit_options(const Args& args) {
  const auto desc = audit_options_description();
  auto parsed = parse(args, desc);
  if (!parsed) return parsed.take_error();
  AuditOptions o;
  if (parsed->help) {
    o.help = true;
    return o;
  }
  const auto& vm = parsed->vm;
  if (vm.count("ruleset") == 0) return input_error("--ruleset FILE is required");
  o.ruleset = vm["ruleset"].as<std::string>();
  if (o.ruleset.empty()) return input_error("--ruleset: empty file name");
  auto format = lab::parse_ruleset_format(vm["format"].as<std::string>());
  if (!format) return format.take_error();
  o.format = format.value();
  if (vm.count("role") == 0) return input_error("--role consumer|provider is required");
  auto role = audit::parse_role(vm["role"].as<std::string>());
  if (!role) return role.take_error();
  o.setup.role = role.value();
  auto reqs = audit::parse_requirements(vm.count("require") != 0 ? vm["require"].as<std::vector<std::string>>()
                                                                 : std::vector<std::string>{});
  if (!reqs) return reqs.take_error();
  o.setup.requirements = std::move(reqs.value());
  o.setup.iface = vm["iface"].as<std::string>();
  o.setup.node_ip = vm["node-ip"].as<std::string>();
  o.setup.peer_ip = vm["peer"].as<std::string>();
  if (vm.count("junit") != 0) {
    o.junit = vm["junit"].as<std::string>();
    if (o.junit.empty()) return input_error("--junit: empty file name");
  }
  o.json = vm["json"].as<bool>();
  auto plan = audit::plan_audit(o.setup);  // the addresses and the interface name
  if (!plan) return plan.take_error();
  return o;
}

}  // namespace fwpath::cli

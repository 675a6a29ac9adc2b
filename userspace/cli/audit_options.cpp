#include "cli/audit_options.h"

namespace fwpath::cli {

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
  if (vm.count("format") != 0) {
    auto format = lab::parse_ruleset_format(vm["format"].as<std::string>());
    if (!format) return format.take_error();
    o.format = format.value();
  }
  if (vm.count("role") == 0) return input_error("--role consumer|provider is required");
  auto role = audit::parse_role(vm["role"].as<std::string>());
  if (!role) return role.take_error();
  o.setup.role = role.value();
  auto reqs = audit::parse_requirements(vm.count("require") != 0 ? vm["require"].as<std::vector<std::string>>()
                                                                 : std::vector<std::string>{});
  if (!reqs) return reqs.take_error();
  o.setup.requirements = std::move(reqs.value());
  // Defaults come from AuditSetup (Boost's default_value for strings trips
  // -Wnull-dereference in its own header with GCC 12).
  if (vm.count("iface") != 0) o.setup.iface = vm["iface"].as<std::string>();
  if (vm.count("node-ip") != 0) o.setup.node_ip = vm["node-ip"].as<std::string>();
  if (vm.count("peer") != 0) o.setup.peer_ip = vm["peer"].as<std::string>();
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

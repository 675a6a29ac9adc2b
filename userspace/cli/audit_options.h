#pragma once
// `fwpath audit` options: parsed and checked without privileges or I/O, so that every
// mistake on the command line is exit 2 before anything is created.
#include <string>

#include "audit/audit_lab.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "lab/ruleset_load.h"

namespace fwpath::cli {

struct AuditOptions {
  bool help = false;
  std::string ruleset;  // --ruleset FILE
  lab::RulesetFormat format = lab::RulesetFormat::Nft;
  audit::AuditSetup setup;  // role, requirements, iface, addresses
  std::string junit;        // --junit FILE; empty: none
  bool json = false;
};

// The option table (audit_usage.cpp).
po::options_description audit_options_description();
inline constexpr const char* kAuditSynopsis =
    "--ruleset FILE [--format nft|iptables-save|iptables-legacy-save] --role consumer|provider "
    "--require tcp:PORT|udp:PORT... [--iface NAME] [--node-ip ADDR] [--peer ADDR] [--junit FILE] [--json]";

// BadInput for anything missing or malformed; the lab plan is checked too (addresses,
// interface name), so a successful parse builds.
Result<AuditOptions> parse_audit_options(const Args& args);

}  // namespace fwpath::cli

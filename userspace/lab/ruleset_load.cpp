#include "lab/ruleset_load.h"

#include <nftables/libnftables.h>

#include "lab/netns_exec.h"
#include "lab/ruleset_load_errors.h"
#include "util/c_handle.h"
#include "util/memory_file.h"
#include "util/netns.h"

namespace fwpath::lab {

namespace {

using NftCtx = CHandle<nft_ctx, nft_ctx_free>;

Status load_nft(const NetnsRef& ns, const std::string& source, const std::string& text) {
  // From a file, not a buffer: libnftables 1.0.6 reports errors in multi-line buffers
  // against the wrong line, and in files as PATH:LINE:COLUMN, which we map back to
  // `source`.
  auto mem = memory_file("fwpath-ruleset", text);
  if (!mem) return mem.take_error().context("load " + source);
  const std::string path = "/proc/self/fd/" + std::to_string(mem->get());

  // libnftables opens its netlink socket inside nft_run_cmd_from_filename(): stay in the
  // namespace until the context, and its socket, are gone (reverse destruction order).
  auto entered = NetnsEnter::enter(ns.fd, ns.label);
  if (!entered) return entered.take_error();
  const NftCtx ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return env_error("create libnftables context in netns", ns.label, ENOMEM);
  if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0) {
    return env_error("buffer libnftables output in netns", ns.label, ENOMEM);
  }
  if (nft_run_cmd_from_filename(ctx.get(), path.c_str()) != 0) {
    const char* errors = nft_ctx_get_error_buffer(ctx.get());
    return input_error(nft_error_line(errors != nullptr ? errors : "", path, source));
  }
  return {};
}

struct RestoreTool {
  const char* name;  // also argv[0]: xtables-*-multi choose their mode by it
};

Status load_iptables_save(const NetnsRef& ns, const RestoreTool& tool, const std::string& source,
                          const std::string& text) {
  if (is_ip6tables_save(text)) {
    return input_error(source +
                       ": an ip6tables-save dump; the audit lab is IPv4, give the iptables-save (IPv4) "
                       "dump of the same node");
  }
  if (find_system_tool(tool.name).empty()) {
    return env_error(std::string(tool.name) +
                     " not found in /usr/sbin, /sbin, /usr/bin or /bin: install the "
                     "iptables package to load " +
                     source);
  }
  auto run = run_tool_in_netns(ns, {tool.name}, text);
  if (!run) return run.error().context("load " + source);
  if (run->exit_code == 0) return {};
  if (run->signal != 0 || run->exit_code == kChildSetupFailed) {
    return env_error("run " + std::string(tool.name) + " in netns " + ns.label + " for " + source + ": " +
                     (run->signal != 0 ? "killed by signal " + std::to_string(run->signal) : run->out));
  }
  return input_error(restore_error_line(run->out, tool.name, source));
}

}  // namespace

Result<RulesetFormat> parse_ruleset_format(const std::string& name) {
  for (auto f : {RulesetFormat::Nft, RulesetFormat::IptablesSave, RulesetFormat::IptablesLegacySave}) {
    if (name == to_string(f)) return f;
  }
  return input_error("unknown ruleset format '" + name + "'", "(use nft, iptables-save or iptables-legacy-save)");
}

std::string to_string(RulesetFormat format) {
  switch (format) {
    case RulesetFormat::Nft: return "nft";
    case RulesetFormat::IptablesSave: return "iptables-save";
    case RulesetFormat::IptablesLegacySave: return "iptables-legacy-save";
  }
  return "nft";
}

Status load_ruleset(const NetnsRef& ns, RulesetFormat format, const std::string& source, const std::string& text) {
  switch (format) {
    case RulesetFormat::Nft: return load_nft(ns, source, text);
    case RulesetFormat::IptablesSave: return load_iptables_save(ns, {"iptables-nft-restore"}, source, text);
    case RulesetFormat::IptablesLegacySave: return load_iptables_save(ns, {"iptables-legacy-restore"}, source, text);
  }
  return input_error("unknown ruleset format for", source);
}

}  // namespace fwpath::lab

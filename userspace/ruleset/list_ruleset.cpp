#include "ruleset/list_ruleset.h"

#include <nftables/libnftables.h>

#include <optional>

#include "util/c_handle.h"
#include "util/netns.h"

namespace fwpath::ruleset {

namespace {
using NftCtx = CHandle<nft_ctx, nft_ctx_free>;

std::string without_trailing_newlines(const char* s) {
  std::string out = s != nullptr ? s : "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

struct Listed {
  bool ok = false;
  std::string text;  // the output when ok, the error buffer otherwise
};

Result<Listed> run_list(int netns_fd, const std::string& netns_label, const std::string& command) {
  // libnftables opens its netlink socket on its own: stay in the namespace until the
  // context, and with it the socket, is gone (destruction runs in reverse order).
  std::optional<NetnsEnter> inside;
  if (netns_fd >= 0) {
    auto entered = NetnsEnter::enter(netns_fd, netns_label);
    if (!entered) return entered.take_error();
    inside.emplace(std::move(entered).value());
  }
  NftCtx ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return env_error("create libnftables context in network namespace", netns_label, ENOMEM);
  if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0) {
    return env_error("buffer libnftables output in network namespace", netns_label, ENOMEM);
  }
  // Handles only: names stay symbolic and counters stay in, as the user sees them.
  nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_HANDLE);
  Listed out;
  out.ok = nft_run_cmd_from_buffer(ctx.get(), command.c_str()) == 0;
  const char* text = out.ok ? nft_ctx_get_output_buffer(ctx.get()) : nft_ctx_get_error_buffer(ctx.get());
  out.text = out.ok ? std::string(text != nullptr ? text : "") : without_trailing_newlines(text);
  return out;
}

// nft reads a double-quoted name as the name itself, whatever characters it holds
// (kube-proxy's chain names have '/' in them); a name cannot hold a double quote there.
Result<std::string> quoted(const std::string& name) {
  if (name.find('"') != std::string::npos) return input_error("nft name with a double quote", name);
  return "\"" + name + "\"";
}
}  // namespace

Result<std::string> list_ruleset_text(int netns_fd, const std::string& netns_label) {
  auto listed = run_list(netns_fd, netns_label, "list ruleset");
  if (!listed) return listed.take_error();
  if (!listed->ok) return env_error("list ruleset in network namespace " + netns_label + ": " + listed->text);
  return std::move(listed->text);
}

Result<std::string> list_table_text(int netns_fd, const std::string& netns_label, const std::string& family,
                                    const std::string& table) {
  auto name = quoted(table);
  if (!name) return name.take_error();
  const std::string command = "list table " + family + " " + name.value();
  auto listed = run_list(netns_fd, netns_label, command);
  if (!listed) return listed.take_error();
  if (listed->ok) return std::move(listed->text);
  // libnftables reports a missing table only as text: strerror(ENOENT) under the command.
  if (listed->text.find("No such file or directory") != std::string::npos) return std::string();
  return env_error(command + " in network namespace " + netns_label + ": " + listed->text);
}

}  // namespace fwpath::ruleset

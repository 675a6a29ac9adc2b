#include "ruleset/list_ruleset.h"

#include <nftables/libnftables.h>

#include <algorithm>
#include <optional>
#include <string_view>

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

std::string warning_lines(const char* errors) {
  std::string out;
  const std::string_view all = errors != nullptr ? errors : "";
  size_t pos = 0;
  while (pos < all.size()) {
    size_t eol = all.find('\n', pos);
    if (eol == std::string_view::npos) eol = all.size();
    const std::string_view line = all.substr(pos, eol - pos);
    if (line.rfind("# Warning:", 0) == 0) out.append(line).push_back('\n');
    pos = eol + 1;
  }
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
  // A listing's warnings ("# Warning: table ip filter is managed by iptables-nft, ...")
  // go to the error output; kept as the comment lines nft shows on a terminal, they tell
  // xt_comments.h which tables hold xt matches.
  if (out.ok) out.text = warning_lines(nft_ctx_get_error_buffer(ctx.get())) + out.text;
  return out;
}

// Whether nft's scanner reads `name` as one identifier ([a-zA-Z_.][a-zA-Z0-9/_.-]*). It
// takes no quoted table name in `list table`, and the kernel allows names it cannot read.
bool plain_identifier(const std::string& name) {
  if (name.empty()) return false;
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.'; };
  if (!letter(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '/' || c == '-'; });
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
  if (plain_identifier(table)) {
    const std::string command = "list table " + family + " " + table;
    auto listed = run_list(netns_fd, netns_label, command);
    if (!listed) return listed.take_error();
    if (listed->ok) return std::move(listed->text);
    // libnftables reports a missing table only as text: strerror(ENOENT) under the command.
    if (listed->text.find("No such file or directory") != std::string::npos) return std::string();
    // Anything else (a table name that is also an nft keyword): the whole ruleset holds it.
    if (listed->text.find("syntax error") == std::string::npos) {
      return env_error(command + " in network namespace " + netns_label + ": " + listed->text);
    }
  }
  return list_ruleset_text(netns_fd, netns_label);
}

}  // namespace fwpath::ruleset

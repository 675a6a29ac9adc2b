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
}  // namespace

Result<std::string> list_ruleset_text(int netns_fd, const std::string& netns_label) {
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
  if (nft_run_cmd_from_buffer(ctx.get(), "list ruleset") != 0) {
    return env_error("list ruleset in network namespace " + netns_label + ": " +
                     without_trailing_newlines(nft_ctx_get_error_buffer(ctx.get())));
  }
  const char* text = nft_ctx_get_output_buffer(ctx.get());
  return std::string(text != nullptr ? text : "");
}

}  // namespace fwpath::ruleset

#include "lab/nft_load.h"

#include <nftables/libnftables.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sstream>

#include "util/c_handle.h"
#include "util/netns.h"
#include "util/unique_fd.h"

namespace fwpath::lab {

namespace {

using NftCtx = CHandle<nft_ctx, nft_ctx_free>;

// nft's error buffer as one line: "SOURCE:3:21-21: Error: ... | the offending line". Its
// caret lines (^^^ ~~~) only make sense under the input line in a terminal.
std::string one_line(const char* buffer, const std::string& path, const std::string& source) {
  std::istringstream in(buffer != nullptr ? buffer : "");
  std::string out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t^~") == std::string::npos) continue;
    for (auto at = line.find(path); at != std::string::npos; at = line.find(path, at + source.size())) {
      line.replace(at, path.size(), source);
    }
    const auto start = line.find_first_not_of(" \t");
    out += (out.empty() ? "" : " | ") + line.substr(start);
  }
  return out;
}

}  // namespace

Status load_nft_ruleset(const NetnsRef& ns, const std::string& source, const std::string& text) {
  // Read from a file, not a buffer: libnftables 1.0.6 reports errors in multi-line buffers
  // against the wrong line, and in files with file:line:column.
  const UniqueFd mem(::memfd_create("fwpath-ruleset", MFD_CLOEXEC));
  if (!mem.valid()) return sys_error("create memory file for ruleset", source);
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(mem.get(), text.data() + done, text.size() - done);
    if (n <= 0) return sys_error("write ruleset to memory file", source, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(mem.get());

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
    return input_error("nft refused ruleset " + source + " in netns " + ns.label + ":",
                       one_line(nft_ctx_get_error_buffer(ctx.get()), path, source));
  }
  return {};
}

}  // namespace fwpath::lab

#include "ruleset/xt_comments.h"

#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_comment.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "nft/netlink_socket.h"
#include "util/c_handle.h"

namespace fwpath::ruleset {

namespace {

using NftnlRule = CHandle<nftnl_rule, nftnl_rule_free>;

constexpr int kDumpAttempts = 3;
constexpr std::string_view kWarningStart = "# Warning: table ";
constexpr std::string_view kWarningEnd = " is managed by iptables-nft";

std::optional<uint16_t> nfproto_of(const std::string& family) {
  static constexpr std::array<std::pair<std::string_view, uint16_t>, 6> kFamilies = {{
      {"ip", NFPROTO_IPV4},
      {"ip6", NFPROTO_IPV6},
      {"inet", NFPROTO_INET},
      {"arp", NFPROTO_ARP},
      {"bridge", NFPROTO_BRIDGE},
      {"netdev", NFPROTO_NETDEV},
  }};
  for (const auto& [name, proto] : kFamilies) {
    if (name == family) return proto;
  }
  return std::nullopt;
}

int collect_comment(nftnl_expr* e, void* data) {
  const char* kind = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
  if (kind == nullptr || std::strcmp(kind, "match") != 0) return MNL_CB_OK;
  const char* name = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
  if (name == nullptr || std::strcmp(name, "comment") != 0) return MNL_CB_OK;
  uint32_t len = 0;
  const auto* info = static_cast<const char*>(nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len));
  if (info == nullptr) return MNL_CB_OK;
  // xt_comment_info is the text, NUL-padded to XT_MAX_COMMENT_LEN.
  const size_t max = std::min<size_t>(len, XT_MAX_COMMENT_LEN);
  std::string text(info, strnlen(info, max));
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '"' || c == '\n' || c == '\r'; }, ' ');
  static_cast<std::vector<std::string>*>(data)->push_back(std::move(text));
  return MNL_CB_OK;
}

// Where a rule line's "# handle N" starts and N, if the line ends in one.
std::optional<std::pair<size_t, uint64_t>> handle_of(std::string_view line) {
  constexpr std::string_view kMarker = " # handle ";
  const size_t at = line.rfind(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view digits = line.substr(at + kMarker.size());
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::pair{at, std::stoull(std::string(digits))};
}

}  // namespace

std::vector<std::string> xt_comments_of(const nftnl_rule* rule) {
  std::vector<std::string> out;
  // libnftnl's iterator takes a non-const rule but does not change it.
  nftnl_expr_foreach(const_cast<nftnl_rule*>(rule), collect_comment,
                     &out);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  return out;
}

std::vector<std::pair<std::string, std::string>> iptables_nft_tables(std::string_view listing) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while ((pos = listing.find(kWarningStart, pos)) != std::string_view::npos) {
    const size_t start = pos + kWarningStart.size();
    const size_t end = listing.find(kWarningEnd, start);
    const size_t eol = listing.find('\n', start);
    pos = start;
    if (end == std::string_view::npos || (eol != std::string_view::npos && end > eol)) continue;
    const std::string_view name = listing.substr(start, end - start);  // "ip filter"
    const size_t space = name.find(' ');
    if (space == std::string_view::npos) continue;
    std::pair<std::string, std::string> t{std::string(name.substr(0, space)), std::string(name.substr(space + 1))};
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
  }
  return out;
}

std::string add_xt_comments(std::string_view listing, const std::string& family, const std::string& table,
                            const XtComments& comments) {
  const std::string table_line = "table " + family + " " + table + " {";
  std::string out;
  out.reserve(listing.size());
  bool inside = false;
  size_t pos = 0;
  while (pos < listing.size()) {
    size_t eol = listing.find('\n', pos);
    if (eol == std::string_view::npos) eol = listing.size();
    const std::string_view line = listing.substr(pos, eol - pos);
    const std::string_view bare = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
    if (bare.rfind("table ", 0) == 0) inside = bare.rfind(table_line, 0) == 0;
    auto handle = inside ? handle_of(line) : std::nullopt;
    auto found = handle ? comments.find(handle->second) : comments.end();
    if (found != comments.end() && !found->second.empty()) {
      out.append(line.substr(0, handle->first));
      for (const auto& c : found->second) out.append(" comment \"").append(c).append("\"");
      out.append(line.substr(handle->first));
    } else {
      out.append(line);
    }
    if (eol < listing.size()) out.push_back('\n');
    pos = eol + 1;
  }
  return out;
}

Result<XtComments> dump_xt_comments(int netns_fd, const std::string& netns_label, const std::string& family,
                                    const std::string& table) {
  const auto nfproto = nfproto_of(family);
  if (!nfproto) return input_error("not an nftables family:", family);
  auto sock = nft::NetlinkSocket::open(netns_fd, netns_label, NETLINK_NETFILTER);
  if (!sock) return sock.take_error();
  NftnlRule filter(nftnl_rule_alloc());
  if (!filter) return sys_error("allocate nftnl rule", "", ENOMEM);
  nftnl_rule_set_str(filter.get(), NFTNL_RULE_TABLE, table.c_str());
  const std::string what = "dump rules of " + family + " " + table;
  std::vector<char> request(MNL_SOCKET_BUFFER_SIZE);
  for (int attempt = 1;; ++attempt) {
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(request.data(), NFT_MSG_GETRULE, *nfproto, NLM_F_DUMP, sock->next_seq());
    nftnl_rule_nlmsg_build_payload(nlh, filter.get());
    XtComments out;
    auto status = sock->dump(
        nlh,
        [&](const nlmsghdr& reply) -> Status {
          NftnlRule r(nftnl_rule_alloc());
          if (!r) return sys_error("allocate nftnl rule", "", ENOMEM);
          if (nftnl_rule_nlmsg_parse(&reply, r.get()) < 0) {
            return env_error("parse rule in " + what + " in", netns_label, errno);
          }
          auto comments = xt_comments_of(r.get());
          if (!comments.empty()) out[nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE)] = std::move(comments);
          return {};
        },
        what);
    if (status) return out;
    // EINTR: the table changed while it was dumped; a fresh dump is consistent again.
    if (status.error().err != EINTR || attempt == kDumpAttempts) return status.take_error();
  }
}

Result<std::string> with_xt_comments(int netns_fd, const std::string& netns_label, std::string listing) {
  for (const auto& [family, table] : iptables_nft_tables(listing)) {
    auto comments = dump_xt_comments(netns_fd, netns_label, family, table);
    if (!comments) return comments.take_error();
    if (!comments->empty()) listing = add_xt_comments(listing, family, table, comments.value());
  }
  return listing;
}

}  // namespace fwpath::ruleset

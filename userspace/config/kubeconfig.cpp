#include "config/kubeconfig.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "config/yaml_subset.h"
#include "util/signals.h"
#include "util/unique_fd.h"

namespace fwpath::config {

namespace {

// Finds `name` in a list of {name, <field>: {...}} entries and returns the field's map.
const YamlNode* named_entry(const YamlNode* list, const std::string& name, const std::string& field) {
  if (list == nullptr || list->kind != YamlNode::Kind::Seq) return nullptr;
  for (const auto& item : list->seq) {
    if (item.str("name") == name) return item.get(field);
  }
  return nullptr;
}

std::string names_in(const YamlNode* list) {
  std::string out;
  if (list != nullptr) {
    for (const auto& item : list->seq) out += (out.empty() ? "" : ", ") + item.str("name");
  }
  return out.empty() ? "none" : out;
}

// JSON kubeconfigs become the same node tree, so one lookup serves both forms. Values
// nested deeper than kubeconfig's few levels are left out (Null): the parser accepts any
// depth, and converting a hostile `[[[[...` 16 MiB deep by recursion would overflow the
// stack.
constexpr int kMaxJsonDepth = 64;
YamlNode from_json(const nlohmann::json& j, int depth = 0) {
  YamlNode n;
  if (depth >= kMaxJsonDepth) return n;
  if (j.is_object()) {
    n.kind = YamlNode::Kind::Map;
    for (const auto& [k, v] : j.items()) {
      n.keys.push_back(k);
      n.values.push_back(from_json(v, depth + 1));
    }
  } else if (j.is_array()) {
    n.kind = YamlNode::Kind::Seq;
    for (const auto& v : j) n.seq.push_back(from_json(v, depth + 1));
  } else if (j.is_string()) {
    n.kind = YamlNode::Kind::Scalar;
    n.scalar = j.get<std::string>();
  } else if (!j.is_null()) {
    n.kind = YamlNode::Kind::Scalar;
    n.scalar = j.dump();
  }
  return n;
}

}  // namespace

Result<ApiServer> parse_server_url(const std::string& url) {
  ApiServer s;
  s.url = url;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return input_error("kubeconfig server is not a URL:", "'" + url + "'");
  const std::string scheme = url.substr(0, scheme_end);
  uint16_t default_port = 0;
  if (scheme == "https") {
    default_port = 443;
  } else if (scheme == "http") {
    default_port = 80;
  } else {
    return input_error("kubeconfig server has an unsupported scheme:", "'" + url + "'");
  }
  std::string authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) return input_error("kubeconfig server has an unclosed '[':", "'" + url + "'");
    s.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return input_error("kubeconfig server is malformed:", "'" + url + "'");
      port_text = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.find(':');
    s.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (s.host.empty()) return input_error("kubeconfig server has no host:", "'" + url + "'");
  s.port = default_port;
  if (!port_text.empty()) {
    unsigned v = 0;
    const auto* end = port_text.data() + port_text.size();
    auto [ptr, ec] = std::from_chars(port_text.data(), end, v);
    if (ec != std::errc() || ptr != end || v == 0 || v > 65535) {
      return input_error("kubeconfig server port must be 1..65535:", "'" + url + "'");
    }
    s.port = static_cast<uint16_t>(v);
  }
  return s;
}

Result<ApiServer> api_server_from_kubeconfig(const std::string& text, const std::string& context,
                                             const std::string& source_name) {
  YamlNode root;
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return input_error("kubeconfig is neither valid YAML nor valid JSON:", source_name);
    root = from_json(j);
  } else {
    auto parsed = parse_yaml_subset(text, source_name);
    if (!parsed) return parsed.take_error();
    root = std::move(parsed.value());
  }
  if (root.kind != YamlNode::Kind::Map) return input_error("kubeconfig has no top-level mapping:", source_name);
  const std::string ctx = context.empty() ? root.str("current-context") : context;
  if (ctx.empty()) return input_error("kubeconfig has no current-context; name one with --context:", source_name);
  const YamlNode* contexts = root.get("contexts");
  const YamlNode* c = named_entry(contexts, ctx, "context");
  if (c == nullptr) {
    return input_error("kubeconfig has no context '" + ctx + "' (contexts: " + names_in(contexts) + ") in",
                       source_name);
  }
  const std::string cluster = c->str("cluster");
  const YamlNode* clusters = root.get("clusters");
  const YamlNode* cl = named_entry(clusters, cluster, "cluster");
  if (cl == nullptr) {
    return input_error("kubeconfig context '" + ctx + "' names cluster '" + cluster + "', which is not defined in",
                       source_name);
  }
  const std::string server = cl->str("server");
  if (server.empty()) return input_error("kubeconfig cluster '" + cluster + "' has no server in", source_name);
  auto s = parse_server_url(server);
  if (!s) return s.take_error();
  s->context = ctx;
  s->cluster = cluster;
  return s;
}

Result<ApiServer> read_kubeconfig(const std::string& path, const std::string& context) {
  // read(2) rather than a stream: a directory must fail with EISDIR (a stream reads it as
  // an empty file), and a file that never ends (/dev/zero, a FIFO) must stop at the limit
  // instead of filling memory.
  constexpr size_t kMaxSize = 16U << 20U;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error{ErrorKind::BadInput, "cannot read kubeconfig", path, errno};
  std::string text;
  std::array<char, 65536> buf{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      if (stop_requested()) return interrupted_error("reading the kubeconfig");
      continue;
    }
    if (n < 0) return Error{ErrorKind::BadInput, "cannot read kubeconfig", path, errno};
    if (n == 0) break;
    text.append(buf.data(), static_cast<size_t>(n));
    if (text.size() > kMaxSize) return input_error("kubeconfig is larger than 16 MiB:", path);
  }
  return api_server_from_kubeconfig(text, context, path);
}

}  // namespace fwpath::config

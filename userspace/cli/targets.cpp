#include "cli/targets.h"

#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <memory>
#include <random>

#include "sources/udp_source_port.h"

namespace fwpath::cli {

namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* p) const { ::freeaddrinfo(p); }
};

}  // namespace

Result<model::Endpoint> resolve_host_port(const std::string& host, uint16_t port, const std::string& shown) {
  if (auto literal = model::IpAddr::parse(host)) return model::Endpoint{literal.value(), port};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  if (rc != 0 || raw == nullptr) {
    return input_error("cannot resolve host '" + host + "' in", "'" + shown + "': " + ::gai_strerror(rc));
  }
  model::Endpoint ep;
  ep.port = port;
  if (raw->ai_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, raw->ai_addr, sizeof(sin));
    ep.addr = model::IpAddr::v4_from_be(reinterpret_cast<const uint8_t*>(&sin.sin_addr));
  } else {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, raw->ai_addr, sizeof(sin6));
    ep.addr = model::IpAddr::v6_from_be(reinterpret_cast<const uint8_t*>(&sin6.sin6_addr));
  }
  return ep;
}

Result<HostPort> split_target(const std::string& text) {
  // Literal forms go through the model's parser, which names the exact problem.
  auto literal = model::parse_endpoint(text);
  if (literal) return HostPort{literal->addr.str(), literal->port, literal.value()};
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || text.front() == '[' || text.find(':') != colon) {
    return literal.take_error();
  }
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port == 0 || port > 65535) {
    return input_error("port must be 1..65535, got", "'" + port_text + "' in '" + text + "'");
  }
  return HostPort{text.substr(0, colon), static_cast<uint16_t>(port), std::nullopt};
}

Result<model::Endpoint> resolve_target(const std::string& text) {
  auto split = split_target(text);
  if (!split) return split.take_error();
  if (split->literal) return *split->literal;
  return resolve_host_port(split->host, split->port, text);
}

Result<std::vector<model::ProbeSpec>> build_probe_specs(const std::vector<TargetRequest>& requests) {
  std::random_device rd;
  std::mt19937 rng(rd());
  uint16_t tcp_port = static_cast<uint16_t>(std::uniform_int_distribution<int>(41000, 48999)(rng));
  // A per-run start; the job moves any port a socket holds to the next free one.
  auto udp_port = static_cast<uint16_t>(
      std::uniform_int_distribution<int>(sources::kUdpSourcePortFirst, sources::kUdpSourcePortLast)(rng));
  std::vector<model::ProbeSpec> specs;
  uint32_t id = 1;
  for (const auto& r : requests) {
    auto ep = resolve_target(r.text);
    if (!ep) return ep.take_error().context("--" + r.label);
    model::ProbeSpec s;
    s.id = id++;
    s.label = r.label;
    s.target_text = r.text;
    s.proto = r.proto;
    s.target = ep.value();
    if (r.proto == model::L4::Tcp) {
      s.source_port = tcp_port++;
    } else {
      s.source_port = udp_port;
      udp_port = udp_port == sources::kUdpSourcePortLast ? sources::kUdpSourcePortFirst : udp_port + 1;
    }
    s.marker = static_cast<uint32_t>(rng());
    specs.push_back(s);
  }
  return specs;
}

}  // namespace fwpath::cli

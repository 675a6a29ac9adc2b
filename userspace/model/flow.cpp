#include "model/flow.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace fwpath::model {

std::string to_string(L4 p) {
  switch (p) {
    case L4::Icmp: return "icmp";
    case L4::Tcp: return "tcp";
    case L4::Udp: return "udp";
    case L4::Icmpv6: return "icmpv6";
  }
  return "l4:" + std::to_string(static_cast<int>(p));
}

Result<IpAddr> IpAddr::parse(const std::string& text) {
  IpAddr a;
  if (::inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) return a;
  a.v6 = true;
  if (::inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) return a;
  return input_error("not an IPv4 or IPv6 address:", "'" + text + "'");
}

IpAddr IpAddr::v4_from_be(const uint8_t* p) {
  IpAddr a;
  std::memcpy(a.bytes.data(), p, 4);
  return a;
}

IpAddr IpAddr::v6_from_be(const uint8_t* p) {
  IpAddr a;
  a.v6 = true;
  std::memcpy(a.bytes.data(), p, 16);
  return a;
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf));
  return buf;
}

std::string Endpoint::str() const {
  return (addr.v6 ? "[" + addr.str() + "]" : addr.str()) + ":" + std::to_string(port);
}

std::string Flow::str() const {
  return to_string(proto) + " " + src.str() + " -> " + dst.str();
}

Result<Endpoint> parse_endpoint(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return input_error("expected [IPV6]:PORT, got", "'" + text + "'");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      return input_error("expected HOST:PORT (IPv6 as [ADDR]:PORT), got", "'" + text + "'");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto* end = port.data() + port.size();
  auto [ptr, ec] = std::from_chars(port.data(), end, value);
  if (port.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535) {
    return input_error("port must be 1..65535, got", "'" + port + "' in '" + text + "'");
  }
  auto addr = IpAddr::parse(host);
  if (!addr) return addr.take_error();
  return Endpoint{addr.value(), static_cast<uint16_t>(value)};
}

namespace {

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

bool read_ports(const uint8_t* l4, size_t len, ParsedPacket& out) {
  if (out.flow.proto != L4::Tcp && out.flow.proto != L4::Udp) return true;
  if (len < 4) return false;
  out.flow.src.port = be16(l4);
  out.flow.dst.port = be16(l4 + 2);
  if (out.flow.proto == L4::Tcp && len >= 14) out.tcp_flags = l4[13];
  return true;
}

// Parses the IP header at data; sets addresses and proto; returns the L4 offset.
std::optional<size_t> read_ip(const uint8_t* data, size_t len, ParsedPacket& out) {
  if (len < 1) return std::nullopt;
  const int version = data[0] >> 4;
  if (version == 4) {
    if (len < 20) return std::nullopt;
    const size_t ihl = static_cast<size_t>(data[0] & 0x0f) * 4;
    if (ihl < 20 || len < ihl) return std::nullopt;
    out.flow.proto = static_cast<L4>(data[9]);
    out.flow.src.addr = IpAddr::v4_from_be(data + 12);
    out.flow.dst.addr = IpAddr::v4_from_be(data + 16);
    out.ip_len = be16(data + 2);
    return ihl;
  }
  if (version == 6) {
    if (len < 40) return std::nullopt;
    out.flow.proto = static_cast<L4>(data[6]);
    out.flow.src.addr = IpAddr::v6_from_be(data + 8);
    out.flow.dst.addr = IpAddr::v6_from_be(data + 24);
    out.ip_len = static_cast<uint16_t>(be16(data + 4) + 40);
    return 40;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ParsedPacket> parse_ip_packet(const uint8_t* data, size_t len) {
  ParsedPacket out;
  auto l4 = read_ip(data, len, out);
  if (!l4) return std::nullopt;
  const uint8_t* p = data + *l4;
  size_t rest = len - *l4;
  const bool icmp4 = out.flow.proto == L4::Icmp;
  const bool icmp6 = out.flow.proto == L4::Icmpv6;
  if (icmp4 || icmp6) {
    if (rest < 2) return out;
    out.icmp_type = p[0];
    out.icmp_code = p[1];
    const bool error = icmp4 ? (p[0] == 3 || p[0] == 11 || p[0] == 12) : (p[0] >= 1 && p[0] <= 4);
    if (!error) return out;
    out.icmp_error_unquoted = true;
    if (rest < 8) return out;
    ParsedPacket inner;
    auto inner_l4 = read_ip(p + 8, rest - 8, inner);
    if (!inner_l4) return out;
    out.icmp_error_unquoted = false;
    out.icmp_error = true;
    out.outer_src = out.flow.src.addr;
    out.flow = inner.flow;
    if (!read_ports(p + 8 + *inner_l4, rest - 8 - *inner_l4, out)) return out;
    out.tcp_flags = 0;
    return out;
  }
  read_ports(p, rest, out);
  return out;
}

}  // namespace fwpath::model

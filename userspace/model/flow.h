#pragma once
// Addresses, ports and flows as plain values: the model's vocabulary. No kernel types.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "util/error.h"

namespace fwpath::model {

enum class L4 : uint8_t { Icmp = 1, Tcp = 6, Udp = 17, Icmpv6 = 58 };
std::string to_string(L4 p);

// An IPv4 or IPv6 address in network byte order.
struct IpAddr {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static Result<IpAddr> parse(const std::string& text);
  static IpAddr v4_from_be(const uint8_t* p);
  static IpAddr v6_from_be(const uint8_t* p);
  [[nodiscard]] std::string str() const;
  friend bool operator==(const IpAddr&, const IpAddr&) = default;
  friend auto operator<=>(const IpAddr&, const IpAddr&) = default;
};

// A transport endpoint: "192.0.2.10:40000" or "[2001:db8::1]:6443".
struct Endpoint {
  IpAddr addr;
  uint16_t port = 0;
  [[nodiscard]] std::string str() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// One direction of a transport flow as a header shows it.
struct Flow {
  L4 proto = L4::Tcp;
  Endpoint src;
  Endpoint dst;
  [[nodiscard]] Flow reversed() const { return Flow{proto, dst, src}; }
  [[nodiscard]] std::string str() const;  // "udp 192.0.2.10:40000 -> 198.51.100.20:30742"
  friend bool operator==(const Flow&, const Flow&) = default;
};

// Parses "HOST:PORT", "[V6]:PORT". HOST must be a literal address; names are resolved by
// the caller (cli) so that the model never does I/O. Port 1..65535.
Result<Endpoint> parse_endpoint(const std::string& text);

// Reads an IP packet (from its network header) into a Flow. For ICMP errors, returns the
// flow quoted inside (with `icmp_error` set) so an error can be tied to its probe.
struct ParsedPacket {
  Flow flow;
  bool icmp_error = false;
  // An ICMP error whose quoted packet is cut off before its addresses (an nft trace holds
  // 20 bytes of the transport header): `flow` is the error's own, whose packet it is about
  // is unknown (model/icmp_twin.h).
  bool icmp_error_unquoted = false;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  IpAddr outer_src;  // the sender of the ICMP error
  uint8_t tcp_flags = 0;
  uint16_t ip_len = 0;
};
std::optional<ParsedPacket> parse_ip_packet(const uint8_t* data, size_t len);

}  // namespace fwpath::model

#include "lab/wireguard_key.h"

#include <sys/random.h>

#include <cerrno>

namespace fwpath::lab {

std::string base64(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    const uint32_t b0 = data[i];
    const uint32_t b1 = i + 1 < size ? data[i + 1] : 0;
    const uint32_t b2 = i + 2 < size ? data[i + 2] : 0;
    const uint32_t n = b0 << 16 | b1 << 8 | b2;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < size ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < size ? kAlphabet[n & 63] : '=';
  }
  return out;
}

Result<std::string> new_wireguard_private_key() {
  std::array<uint8_t, 32> key{};
  for (size_t done = 0; done < key.size();) {
    const ssize_t n = ::getrandom(key.data() + done, key.size() - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read random bytes for", "a WireGuard private key");
    done += static_cast<size_t>(n);
  }
  return base64(key.data(), key.size());
}

}  // namespace fwpath::lab

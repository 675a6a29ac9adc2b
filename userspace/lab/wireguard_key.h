#pragma once
// A WireGuard private key for a lab gateway, made here: 32 random bytes in base64, the form
// `wg set ... private-key` reads (the kernel clamps it for Curve25519). `wg genkey` would do
// the same, but it warns on stderr when its output is not a private file, and the lab's
// tool runner hands it a memory file.
#include <array>
#include <cstdint>
#include <string>

#include "util/error.h"

namespace fwpath::lab {

// Standard base64 with padding (RFC 4648 section 4).
std::string base64(const uint8_t* data, size_t size);

// 32 bytes from getrandom(), base64 (44 characters).
Result<std::string> new_wireguard_private_key();

}  // namespace fwpath::lab

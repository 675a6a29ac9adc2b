#include "lab/wireguard_key.h"

#include <gtest/gtest.h>

#include <string>

namespace fwpath::lab {
namespace {

std::string b64(const std::string& s) {
  return base64(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(Base64, Rfc4648TestVectors) {
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg==");
  EXPECT_EQ(b64("fo"), "Zm8=");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foob"), "Zm9vYg==");
  EXPECT_EQ(b64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
}

TEST(WireguardKey, FortyFourCharactersOfBase64AndNewEachTime) {
  auto a = new_wireguard_private_key();
  auto b = new_wireguard_private_key();
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(a->size(), 44U);
  EXPECT_EQ(a->back(), '=') << "32 bytes end in one padding character";
  EXPECT_EQ(a->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
            std::string::npos);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace fwpath::lab

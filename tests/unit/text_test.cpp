#include "util/text.h"

#include <gtest/gtest.h>

namespace fwpath {
namespace {

TEST(TrimBlanks, SpacesTabsAndCarriageReturnsAtEitherEnd) {
  EXPECT_EQ(trim_blanks("  \tudp dport 53 accept\r"), "udp dport 53 accept");
  EXPECT_EQ(trim_blanks("a  b"), "a  b") << "blanks inside stay";
  EXPECT_EQ(trim_blanks(" \t\r "), "");
  EXPECT_EQ(trim_blanks(""), "");
  static_assert(trim_blanks(" x ") == "x");
}

}  // namespace
}  // namespace fwpath

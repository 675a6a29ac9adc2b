#pragma once
// What the lab-based integration tests share: a fresh consumer -> router -> provider lab
// per test (skipped with the reason where privileges or tools are missing), and address
// parsing that fails the test instead of returning an error.
#include <gtest/gtest.h>

#include <optional>

#include "support/netns_lab.h"

namespace fwpath::testlab {

// Base may be ::testing::Test or ::testing::TestWithParam<T>.
template <class Base = ::testing::Test>
class WithLab : public Base {
 protected:
  void SetUp() override {
    FWPATH_REQUIRE_LAB();
    auto lab = ThreeNsLab::build();
    ASSERT_TRUE(lab.ok()) << lab.error().message();
    lab_.emplace(std::move(lab.value()));
  }
  std::optional<ThreeNsLab> lab_;
};

inline model::IpAddr addr(const char* text) {
  auto a = model::IpAddr::parse(text);
  EXPECT_TRUE(a) << text;
  return a ? a.value() : model::IpAddr{};
}

}  // namespace fwpath::testlab

// scenario/requirements.h: within one run each feature is tried once, however many
// scenarios need it, and the first missing one is the skip reason.
#include <gtest/gtest.h>

#include <map>

#include "scenario/requirements.h"

namespace fwpath::scenario {
namespace {

struct CountingTry {
  std::map<std::string, int>* tries;
  std::optional<std::string> operator()(const std::string& feature) const {
    ++(*tries)[feature];
    if (feature == "wireguard") return std::string("create wireguard link: Operation not supported");
    return std::nullopt;
  }
};

TEST(RequirementCheck, EachFeatureIsTriedOncePerRun) {
  std::map<std::string, int> tries;
  RequirementCheck check(CountingTry{&tries});
  EXPECT_EQ(check.missing({"tc", "iptables-nft"}), std::nullopt);
  EXPECT_EQ(check.missing({"tc"}), std::nullopt);
  EXPECT_EQ(check.missing({"iptables-nft", "tc"}), std::nullopt);
  EXPECT_EQ(tries, (std::map<std::string, int>{{"iptables-nft", 1}, {"tc", 1}}));
}

TEST(RequirementCheck, AMissingFeatureIsRememberedToo) {
  std::map<std::string, int> tries;
  RequirementCheck check(CountingTry{&tries});
  const std::string reason = "needs wireguard: create wireguard link: Operation not supported";
  EXPECT_EQ(check.missing({"tc", "wireguard"}), reason);
  EXPECT_EQ(check.missing({"wireguard"}), reason);
  EXPECT_EQ(tries["wireguard"], 1);
}

TEST(RequirementCheck, TheFirstMissingFeatureIsTheReasonAndTheRestIsNotTried) {
  std::map<std::string, int> tries;
  RequirementCheck check(CountingTry{&tries});
  EXPECT_EQ(check.missing({"wireguard", "tc"}), "needs wireguard: create wireguard link: Operation not supported");
  EXPECT_EQ(tries.count("tc"), 0U);
}

TEST(RequirementCheck, SeparateRunsTryAgain) {
  std::map<std::string, int> tries;
  RequirementCheck first(CountingTry{&tries});
  RequirementCheck second(CountingTry{&tries});
  (void)first.missing({"tc"});
  (void)second.missing({"tc"});
  EXPECT_EQ(tries["tc"], 2);
}

TEST(RequirementCheck, AnUnknownFeatureIsMissing) {
  EXPECT_EQ(try_feature("teleport"), "unknown feature");
}

}  // namespace
}  // namespace fwpath::scenario

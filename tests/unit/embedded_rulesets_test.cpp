// The build embeds rulesets/demo/*.nft into the binary (cmake/embed_text_script.cmake):
// every file, byte for byte, and nothing else.
#include "lab/embedded_rulesets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fwpath::lab {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(FWPATH_SOURCE_DIR) / "rulesets" / "demo";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

TEST(EmbeddedRulesets, EveryDemoFileIsEmbeddedByteForByte) {
  std::vector<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() == ".nft") on_disk.push_back(e.path().filename().string());
  }
  std::sort(on_disk.begin(), on_disk.end());
  ASSERT_FALSE(on_disk.empty());

  std::vector<std::string> embedded;
  for (const auto& f : demo_rulesets()) embedded.emplace_back(f.name);
  EXPECT_EQ(embedded, on_disk);

  for (const auto& name : on_disk) {
    auto text = find_demo_ruleset(name);
    ASSERT_TRUE(text.has_value()) << name;
    const std::string want = read_file(kDir / name);
    EXPECT_EQ(text->size(), want.size()) << name;
    EXPECT_EQ(std::string(*text), want) << name;
  }
}

TEST(EmbeddedRulesets, UnknownNameIsNotFound) {
  EXPECT_FALSE(find_demo_ruleset("nope.nft").has_value());
  EXPECT_FALSE(find_demo_ruleset("").has_value());
}

}  // namespace
}  // namespace fwpath::lab

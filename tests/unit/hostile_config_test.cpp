// Kubeconfig input that once crashed or hung fwpath (found while building the bad-input
// table and fuzzing, docs/bad-input.md): each must now give a BadInput error, and quickly.
#include <gtest/gtest.h>

#include <string>

#include "config/kubeconfig.h"
#include "config/yaml_subset.h"

namespace fwpath::config {
namespace {

TEST(HostileKubeconfig, DeepJsonDoesNotOverflowTheStack) {
  // 300,000 levels (well under 16 MiB): the recursive conversion to the node tree used to overflow the
  // stack (nlohmann's parser itself is iterative).
  constexpr size_t kDepth = 300'000;
  const std::string text = "{\"a\":" + std::string(kDepth, '[') + std::string(kDepth, ']') + "}";
  auto r = api_server_from_kubeconfig(text, "", "deep.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::BadInput);
  EXPECT_NE(r.error().message().find("no current-context"), std::string::npos) << r.error().message();
}

TEST(HostileKubeconfig, DeepJsonStillFindsShallowFields) {
  const std::string deep = std::string(500, '[') + std::string(500, ']');
  const std::string text = R"({"current-context":"p","junk":)" + deep +
                           R"(,"contexts":[{"name":"p","context":{"cluster":"c"}}],)"
                           R"("clusters":[{"name":"c","cluster":{"server":"https://192.0.2.1:6443"}}]})";
  auto r = api_server_from_kubeconfig(text, "", "deep.json");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->host, "192.0.2.1");
  EXPECT_EQ(r->port, 6443);
}

TEST(HostileKubeconfig, DeepYamlIsRefusedWithTheLine) {
  std::string text;
  for (int i = 0; i < 6000; ++i) text += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  auto r = parse_yaml_subset(text, "deep.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::BadInput);
  EXPECT_EQ(r.error().message(), "cannot read deep.yaml line 65: nested deeper than 64 levels");
}

TEST(HostileKubeconfig, SixtyFourLevelsAreRead) {
  std::string text;
  for (int i = 0; i < 64; ++i) text += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  EXPECT_TRUE(parse_yaml_subset(text, "ok.yaml"));
}

TEST(HostileKubeconfig, DirectorySaysSo) {
  auto r = read_kubeconfig("/", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::BadInput);
  EXPECT_EQ(r.error().message(), "cannot read kubeconfig /: Is a directory");
}

TEST(HostileKubeconfig, EndlessFileStopsAtTheLimit) {
  auto r = read_kubeconfig("/dev/zero", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "kubeconfig is larger than 16 MiB: /dev/zero");
}

TEST(HostileKubeconfig, NoContextsSaysNone) {
  auto r = api_server_from_kubeconfig("current-context: p\ncontexts: []\n", "", "k.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "kubeconfig has no context 'p' (contexts: none) in k.yaml");
}

}  // namespace
}  // namespace fwpath::config

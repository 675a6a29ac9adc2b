// Rendering of the kernel-check report: the JSON schema of docs/kernel-check.md and the
// aligned text table, from hand-made reports.
#include "output/kernel_check_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace fwpath::output {
namespace {

using model::FeatureCost;
using model::FeatureResult;
using model::Impact;
using model::KernelReport;
using model::KernelVerdict;

KernelReport degraded_report() {
  KernelReport r;
  r.kernel = "6.18.44-test";
  r.features = {
      FeatureResult{"btf_vmlinux", true, "loaded from /sys/kernel/btf/vmlinux: 100 types"},
      FeatureResult{"kprobe", false, "loaded, but attach refused: ENOENT"},
      FeatureResult{"iptables_legacy_in_use", false, "no legacy table in use"},
  };
  r.assessment.verdict = KernelVerdict::Degraded;
  r.assessment.costs = {
      FeatureCost{"kprobe", Impact::Degraded, "no fallback for fentry"},
      FeatureCost{"wireguard", Impact::Info, "the lab cannot run a real WireGuard gateway"},
  };
  r.elapsed = std::chrono::milliseconds(123);
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

size_t line_index(const std::vector<std::string>& lines, const std::string& starting_with) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(starting_with, 0) == 0) return i;
  }
  return lines.size();
}

TEST(KernelCheckJson, HasTheDocumentedShapeInOrder) {
  const auto j = nlohmann::ordered_json::parse(render_kernel_report_json(degraded_report()));
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"schema_version", "kernel", "features", "verdict", "costs", "elapsed_ms"}));
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["kernel"], "6.18.44-test");
  EXPECT_EQ(j["verdict"], "degraded");
  EXPECT_EQ(j["elapsed_ms"], 123);
  ASSERT_EQ(j["features"].size(), 3U);
  EXPECT_EQ(j["features"][0], (nlohmann::ordered_json{{"name", "btf_vmlinux"},
                                                      {"available", true},
                                                      {"detail", "loaded from /sys/kernel/btf/vmlinux: 100 types"}}));
  EXPECT_EQ(j["features"][1]["name"], "kprobe");
  EXPECT_EQ(j["features"][1]["available"], false);
  EXPECT_TRUE(j["features"][1]["available"].is_boolean());
  ASSERT_EQ(j["costs"].size(), 2U);
  EXPECT_EQ(j["costs"][0], (nlohmann::ordered_json{
                               {"feature", "kprobe"}, {"impact", "degraded"}, {"text", "no fallback for fentry"}}));
  EXPECT_EQ(j["costs"][1]["impact"], "info");
}

TEST(KernelCheckJson, EveryVerdictIsSpelledAsDocumented) {
  auto r = degraded_report();
  for (auto [verdict, text] : {std::pair{KernelVerdict::Full, "full"}, std::pair{KernelVerdict::Degraded, "degraded"},
                               std::pair{KernelVerdict::Unsupported, "unsupported"}}) {
    r.assessment.verdict = verdict;
    EXPECT_EQ(nlohmann::json::parse(render_kernel_report_json(r))["verdict"], text);
  }
}

TEST(KernelCheckJson, DetailsWithQuotesAndBadBytesStayValidJson) {
  auto r = degraded_report();
  r.features[1].detail = "libbpf: \"prog\"\tfailed\nnext line \\ end";
  r.features[2].detail = std::string("bad byte \xff here");
  std::string text;
  ASSERT_NO_THROW(text = render_kernel_report_json(r));
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["features"][1]["detail"], "libbpf: \"prog\"\tfailed\nnext line \\ end");
  EXPECT_EQ(j["features"][2]["detail"], "bad byte \xEF\xBF\xBD here");  // U+FFFD
  EXPECT_EQ(text.back(), '\n');
}

TEST(KernelCheckJson, EmptyReportStillHasEveryKey) {
  const auto j = nlohmann::json::parse(render_kernel_report_json(KernelReport{}));
  EXPECT_TRUE(j["features"].is_array());
  EXPECT_TRUE(j["costs"].is_array());
  EXPECT_EQ(j["verdict"], "full");
}

TEST(KernelCheckText, RowsAreAlignedUnderTheHeader) {
  const auto lines = lines_of(render_kernel_report_text(degraded_report()));
  ASSERT_GE(lines.size(), 6U);
  EXPECT_EQ(lines[0], "kernel 6.18.44-test");
  const size_t header = line_index(lines, "feature");
  ASSERT_LT(header, lines.size());
  const size_t yes_no_col = lines[header].find("available");
  const size_t detail_col = lines[header].find("detail");
  ASSERT_NE(yes_no_col, std::string::npos);
  const auto& features = degraded_report().features;
  for (size_t i = 0; i < features.size(); ++i) {
    const std::string& row = lines[header + 1 + i];
    EXPECT_EQ(row.rfind(features[i].name, 0), 0U) << row;
    EXPECT_EQ(row.substr(yes_no_col, 3), features[i].available ? "yes" : "no ") << row;
    EXPECT_EQ(row.substr(detail_col), features[i].detail) << row;
  }
}

TEST(KernelCheckText, DegradedNamesEachCostThenTheInformationalOnes) {
  const std::string text = render_kernel_report_text(degraded_report());
  const auto lines = lines_of(text);
  const size_t verdict = line_index(lines, "verdict: degraded");
  const size_t kprobe = line_index(lines, "  kprobe");
  const size_t info = line_index(lines, "informational");
  const size_t wireguard = line_index(lines, "  wireguard");
  ASSERT_LT(wireguard, lines.size()) << text;
  EXPECT_LT(verdict, kprobe);
  EXPECT_LT(kprobe, info);
  EXPECT_LT(info, wireguard);
  EXPECT_NE(lines[kprobe].find("no fallback for fentry"), std::string::npos);
  EXPECT_EQ(line_index(lines, "also missing"), lines.size());
  EXPECT_NE(text.find("checked in 123 ms"), std::string::npos);
}

TEST(KernelCheckText, UnsupportedPutsTheBlockerFirst) {
  auto r = degraded_report();
  r.assessment.verdict = KernelVerdict::Unsupported;
  r.assessment.costs.insert(r.assessment.costs.begin(),
                            FeatureCost{"nft_trace", Impact::Unsupported, "no nftables trace"});
  // Report order has nft_trace after kprobe; the blocker is still listed first.
  std::swap(r.assessment.costs[0], r.assessment.costs[1]);
  const auto lines = lines_of(render_kernel_report_text(r));
  const size_t verdict = line_index(lines, "verdict: unsupported");
  ASSERT_LT(verdict + 1, lines.size());
  EXPECT_EQ(lines[verdict + 1].rfind("  nft_trace", 0), 0U);
  const size_t also = line_index(lines, "also missing:");
  EXPECT_LT(verdict, also);
  EXPECT_LT(also, line_index(lines, "  kprobe"));
}

TEST(KernelCheckText, FullHasNoCostSection) {
  auto r = degraded_report();
  r.assessment.verdict = KernelVerdict::Full;
  r.assessment.costs.clear();
  const auto lines = lines_of(render_kernel_report_text(r));
  const size_t verdict = line_index(lines, "verdict: full");
  ASSERT_LT(verdict + 1, lines.size());
  EXPECT_EQ(lines[verdict + 1], "");
  EXPECT_EQ(line_index(lines, "informational"), lines.size());
}

}  // namespace
}  // namespace fwpath::output

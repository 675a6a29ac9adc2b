// docs/bad-input.md must show the table the integration test runs
// (tests/support/bad_input_table.h), so that the doc never promises a line fwpath no
// longer prints.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/bad_input_table.h"

namespace fwpath::testlab {
namespace {

TEST(BadInputDoc, ShowsTheTestedTable) {
  std::ifstream in(std::string(FWPATH_SOURCE_DIR) + "/docs/bad-input.md");
  ASSERT_TRUE(in) << "docs/bad-input.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::string begin = "<!-- table: tests/support/bad_input_table.h -->\n";
  const std::string end = "<!-- end of table -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  ASSERT_NE(b, std::string::npos) << "marker missing: " << begin;
  ASSERT_NE(e, std::string::npos) << "marker missing: " << end;
  ASSERT_LT(b, e);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), bad_input_markdown())
      << "update docs/bad-input.md's table to:\n"
      << bad_input_markdown();
}

TEST(BadInputDoc, EveryRowIsOneLineAndACodeTheDocsKnow) {
  for (const auto& c : bad_input_cases()) {
    EXPECT_EQ(std::string(c.stderr_line).find('\n'), std::string::npos) << c.input;
    EXPECT_TRUE(c.exit_code == 2 || c.exit_code == 3) << c.input;
    EXPECT_EQ(std::string(c.stderr_line).rfind("fwpath", 0), 0U) << c.input;
  }
}

}  // namespace
}  // namespace fwpath::testlab

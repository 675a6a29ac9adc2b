// Argument handling of `fwpath kernel-check`: every usage error is BadInput (exit 2) and
// is decided before any privilege check or kernel access, so these run unprivileged.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "cli/commands.h"

namespace fwpath::cli {
namespace {

// Captures std::cout for the lifetime of the object.
class CoutCapture {
 public:
  CoutCapture() : old_(std::cout.rdbuf(buffer_.rdbuf())) {}
  ~CoutCapture() { std::cout.rdbuf(old_); }
  CoutCapture(const CoutCapture&) = delete;
  CoutCapture& operator=(const CoutCapture&) = delete;
  CoutCapture(CoutCapture&&) = delete;
  CoutCapture& operator=(CoutCapture&&) = delete;
  [[nodiscard]] std::string text() const { return buffer_.str(); }

 private:
  std::ostringstream buffer_;
  std::streambuf* old_;
};

void expect_bad_input(const Args& args, const std::string& message_part) {
  const CoutCapture out;
  auto r = kernel_check(args);
  ASSERT_FALSE(r.ok()) << "accepted: " << args.back();
  EXPECT_EQ(r.error().kind, ErrorKind::BadInput);
  EXPECT_EQ(exit_code_for(r.error().kind), ExitCode::BadInput);
  EXPECT_NE(r.error().message().find(message_part), std::string::npos) << r.error().message();
  EXPECT_EQ(out.text(), "");  // nothing on stdout: the error is the one line main() prints
}

TEST(KernelCheckArgs, UnknownOptionIsBadInput) {
  expect_bad_input({"kernel-check", "--bogus"}, "--bogus");
}

TEST(KernelCheckArgs, StrayOperandIsBadInput) {
  expect_bad_input({"kernel-check", "now"}, "positional");
}

TEST(KernelCheckArgs, JsonTakesNoValue) {
  expect_bad_input({"kernel-check", "--json=yes"}, "json");
}

TEST(KernelCheckArgs, HelpPrintsUsageAndSucceeds) {
  const CoutCapture out;
  auto r = kernel_check({"kernel-check", "--help"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r.value(), ExitCode::Ok);
  EXPECT_NE(out.text().find("usage: fwpath kernel-check [--json]"), std::string::npos) << out.text();
  EXPECT_NE(out.text().find("--json"), std::string::npos);
}

TEST(KernelCheckArgs, IsListedAmongTheCommands) {
  bool found = false;
  for (const auto& c : commands()) found = found || std::string(c.name) == "kernel-check";
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace fwpath::cli

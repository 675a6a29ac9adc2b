// Every row of tests/support/bad_input_table.h against the real binary: one line on stderr,
// nothing on stdout, the row's exit code, and nothing left behind (namespaces, host nft
// tables, BPF programs, files in the scratch directory). Runs as root so that the
// namespace rows get past the capability check; rows marked as_nobody drop to uid 65534
// with no capabilities through setpriv.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "support/bad_input_table.h"
#include "support/command.h"
#include "support/skip.h"

namespace fwpath::testlab {
namespace {

CommandOptions timeout_options(int seconds) {
  CommandOptions opt;
  opt.timeout = std::chrono::seconds(seconds);
  return opt;
}

namespace fs = std::filesystem;

std::string replace_dir(std::string s, const std::string& dir) {
  for (size_t at = s.find("$DIR"); at != std::string::npos; at = s.find("$DIR", at + dir.size())) {
    s.replace(at, 4, dir);
  }
  return s;
}

// What a run could leave behind, as text to compare before and after.
std::string world_state(const std::string& dir) {
  std::string out;
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"ip", "netns", "list"}, std::vector<std::string>{"nft", "list", "tables"}}) {
    auto r = run_command(argv);
    out += r.ok() ? r->out : "(" + argv[0] + " failed)";
  }
  auto progs = run_command({"bpftool", "prog", "show"});
  if (progs.ok()) {
    size_t n = 0;
    for (size_t at = progs->out.find("fwpath_"); at != std::string::npos; at = progs->out.find("fwpath_", at + 1)) ++n;
    out += "fwpath BPF programs: " + std::to_string(n) + "\n";
  }
  std::set<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) files.insert(e.path().string());
  for (const auto& f : files) out += f + "\n";
  return out;
}

class BadInput : public ::testing::TestWithParam<size_t> {
 protected:
  void SetUp() override {
    FWPATH_SKIP_UNLESS(have_root(), "root: the namespace rows must get past the capability check");
    FWPATH_SKIP_UNLESS(have_tool("setpriv"), "setpriv (util-linux) for the rows run without privileges");
    std::string tmpl = (fs::temp_directory_path() / "fwpath-bad-input-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    // uid 65534 must reach the files: the mode-000 row is about the file, not the directory.
    ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
    for (const auto& f : bad_input_files()) {
      const std::string path = dir_ + "/" + f.name;
      std::ofstream(path) << f.content;
      ASSERT_EQ(::chmod(path.c_str(), f.mode), 0) << path;
    }
  }
  void TearDown() override {
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }
  std::string dir_;
};

TEST_P(BadInput, OneLineExitCodeNothingLeft) {
  const BadInputCase& c = bad_input_cases().at(GetParam());
  std::vector<std::string> argv;
  if (c.as_nobody) {
    argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"};
  }
  argv.emplace_back(FWPATH_BINARY);
  for (const auto& a : c.args) argv.push_back(replace_dir(a, dir_));
  const std::string before = world_state(dir_);
  auto r = run_command(argv, timeout_options(20));
  ASSERT_TRUE(r.ok()) << r.error().message();
  const std::string want = replace_dir(c.stderr_line, dir_) + "\n";
  if (r->err != want && want.find("Name or service not known") != std::string::npos) {
    // The resolver's own words: without a reachable DNS server glibc says this instead.
    std::string offline = want;
    offline.replace(offline.find("Name or service not known"), 25, "Temporary failure in name resolution");
    EXPECT_EQ(r->err, offline);
  } else {
    EXPECT_EQ(r->err, want);
  }
  EXPECT_EQ(r->exit_code, c.exit_code) << r->describe();
  EXPECT_EQ(r->out, "") << "a bad input prints nothing on stdout";
  EXPECT_EQ(world_state(dir_), before) << "left behind by: " << c.input;
}

std::string row_name(const ::testing::TestParamInfo<size_t>& param_info) {
  std::string name;
  for (char ch : std::string(bad_input_cases().at(param_info.param).input)) {
    name += std::isalnum(static_cast<unsigned char>(ch)) != 0 ? ch : '_';
  }
  return std::to_string(param_info.param) + "_" + name;
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::Range<size_t>(0, bad_input_cases().size()), row_name);

}  // namespace
}  // namespace fwpath::testlab

// Every row of tests/support/bad_input_table.h against the real binary: one line on stderr,
// nothing on stdout, the row's exit code, and nothing left behind (namespaces, host nft
// tables, BPF programs, files in the scratch directory). Runs as root so that the
// namespace rows get past the capability check; rows marked as_nobody drop to uid 65534
// with no capabilities through setpriv.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "support/bad_input_table.h"
#include "support/command.h"
#include "support/skip.h"

namespace fwpath::testlab {
namespace {

namespace fs = std::filesystem;

std::string replace_dir(std::string s, const std::string& dir) {
  for (size_t at = s.find("$DIR"); at != std::string::npos; at = s.find("$DIR", at + dir.size())) {
    s.replace(at, 4, dir);
  }
  return s;
}

// What the run of fwpath with `pid` could leave behind, as text to compare before and
// after: namespaces and host nft tables named after its pid (other work on the machine
// comes and goes meanwhile), anything pinned in bpffs under fwpath's name (BPF programs
// and links without a pin die with the process), and the scratch directory's files.
std::string world_state(pid_t pid, const std::string& dir) {
  std::string out;
  const std::string pid_text = std::to_string(pid);
  auto keep_lines = [&](const std::vector<std::string>& argv, const std::string& needle) {
    auto r = run_command(argv);
    if (!r.ok()) return "(" + argv[0] + " failed)\n";
    std::string kept;
    std::istringstream lines(r->out);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(needle) != std::string::npos) kept += line + "\n";
    }
    return kept;
  };
  out += keep_lines({"ip", "netns", "list"}, "fwpath-" + pid_text + "-");
  out += keep_lines({"nft", "list", "tables"}, "fwpath_" + pid_text + "_");
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator("/sys/fs/bpf", ec)) {
    if (e.path().string().find("fwpath") != std::string::npos) out += e.path().string() + "\n";
  }
  std::set<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) files.insert(e.path().string());
  for (const auto& f : files) out += f + "\n";
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
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
  // Started in the background for its pid; stdout and stderr go to one log, which must
  // hold exactly the one line (so stdout is empty).
  const std::string log = dir_ + ".log";
  const std::string before = world_state(0, dir_);  // pid 0: what is there of no run
  auto p = BackgroundProcess::start(argv, -1, log);
  ASSERT_TRUE(p.ok()) << p.error().message();
  const pid_t pid = p->pid();
  auto r = p->wait(std::chrono::seconds(20));
  ASSERT_TRUE(r.ok()) << r.error().message();
  const std::string got = read_file(log);
  (void)std::remove(log.c_str());  // best effort: a stray log in the temp dir harms no test
  const std::string want = replace_dir(c.stderr_line, dir_) + "\n";
  if (got != want && want.find("Name or service not known") != std::string::npos) {
    // The resolver's own words: without a reachable DNS server glibc says this instead.
    std::string offline = want;
    offline.replace(offline.find("Name or service not known"), 25, "Temporary failure in name resolution");
    EXPECT_EQ(got, offline);
  } else {
    EXPECT_EQ(got, want);
  }
  EXPECT_EQ(r->exit_code, c.exit_code) << got;
  EXPECT_EQ(world_state(pid, dir_), before) << "left behind by: " << c.input;
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

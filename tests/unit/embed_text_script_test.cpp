// The generator behind the embedded rulesets (cmake/embed_text_script.cmake), run as the
// build runs it: text that CMake could mangle (semicolons, backslashes, ${...}, quotes)
// must come out verbatim inside the raw string, and text it cannot embed exactly must
// fail the build instead of being embedded wrongly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

class EmbedTextScript : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "fwpath-embed-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  // Runs the script on the named files; the exit status of cmake.
  int generate(const std::vector<std::string>& names) const {
    std::string files;
    for (const auto& n : names) files += (files.empty() ? "" : "|") + (dir_ / n).string();
    // mkdtemp's names and ours hold no shell metacharacters; stderr is kept out of the log.
    const std::string cmd = std::string("'") + FWPATH_CMAKE_COMMAND + "' '-DOUT=" + (dir_ / "out.h").string() +
                            "' -DNAMESPACE=t::gen '-DFILES=" + files + "' -P '" + FWPATH_SOURCE_DIR +
                            "/cmake/embed_text_script.cmake' 2>/dev/null";
    const int status = std::system(cmd.c_str());  // NOLINT(cert-env33-c): fixed command line, test only
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  [[nodiscard]] std::string output() const {
    std::ifstream in(dir_ / "out.h", std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
  }

  fs::path dir_;
};

TEST_F(EmbedTextScript, TextComesOutVerbatim) {
  const std::string tricky =
      "table inet t { chain c { type filter hook input priority 0; policy accept; } }\n"
      "# a;b;c \\ back\\\\slash \"quoted\" ${NOT_A_VARIABLE} @{x} [[bracket]] )fwpath_embe\"\n"
      "\ttab, no final newline";
  write("tricky.nft", tricky);
  write("second.nft", "two\n");
  ASSERT_EQ(generate({"tricky.nft", "second.nft"}), 0);
  const std::string out = output();
  EXPECT_NE(out.find("namespace t::gen {"), std::string::npos) << out;
  EXPECT_NE(out.find("std::array<std::pair<std::string_view, std::string_view>, 2> kFiles"), std::string::npos) << out;
  EXPECT_NE(out.find("{\"tricky.nft\", R\"fwpath_embed(" + tricky + ")fwpath_embed\"},"), std::string::npos) << out;
  EXPECT_NE(out.find("{\"second.nft\", R\"fwpath_embed(two\n)fwpath_embed\"},"), std::string::npos) << out;
}

TEST_F(EmbedTextScript, RefusesWhatItCannotEmbedExactly) {
  write("closes.nft", "x )fwpath_embed\" y\n");
  EXPECT_NE(generate({"closes.nft"}), 0) << "the raw-string terminator inside the text";
  write("crlf.nft", "x\r\ny\r\n");
  EXPECT_NE(generate({"crlf.nft"}), 0) << "carriage returns";
  write("bad name.nft", "x\n");
  EXPECT_NE(generate({"bad name.nft"}), 0) << "a name that is not a plain file name";
}

}  // namespace

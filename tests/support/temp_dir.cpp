#include "support/temp_dir.h"

#include <stdlib.h>  // NOLINT(modernize-deprecated-headers): mkdtemp is POSIX, not in <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace fwpath::testlab {

Result<TempDir> TempDir::create() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "fwpath-test-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return sys_error("create temporary directory", tmpl);
  return TempDir(std::string(buf.data()));
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // nothing to report to from a destructor
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sys_error("open", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string file_text(const std::string& path) {
  auto text = read_file(path);
  return text ? text.value() : text.error().message();
}

}  // namespace fwpath::testlab

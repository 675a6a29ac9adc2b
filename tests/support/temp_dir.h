#pragma once
// A private directory for a test's files (captures, reports), removed with everything in
// it when the owner goes, on every exit path of the test.
#include <string>

#include "util/error.h"

namespace fwpath::testlab {

class TempDir {
 public:
  static Result<TempDir> create();
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The whole content of a file; Error when it cannot be read.
Result<std::string> read_file(const std::string& path);
// The same for test messages: the content, or why it could not be read.
std::string file_text(const std::string& path);

}  // namespace fwpath::testlab

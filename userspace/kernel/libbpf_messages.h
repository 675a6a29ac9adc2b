#pragma once
// libbpf reports why a load or attach failed through its print callback, by default onto
// stderr. kernel-check wants that reason in the feature's detail, not scattered over the
// terminal: while a LibbpfMessages lives, libbpf's warnings are collected here instead of
// printed. Not thread-safe (libbpf's callback is process-wide); kernel-check is one thread.
#include <bpf/libbpf.h>

#include <string>
#include <vector>

namespace fwpath::kernel {

class LibbpfMessages {
 public:
  LibbpfMessages();
  ~LibbpfMessages();
  LibbpfMessages(const LibbpfMessages&) = delete;
  LibbpfMessages& operator=(const LibbpfMessages&) = delete;
  LibbpfMessages(LibbpfMessages&&) = delete;
  LibbpfMessages& operator=(LibbpfMessages&&) = delete;

  // "; libbpf: <the first specific warning>", or empty when libbpf said nothing useful.
  [[nodiscard]] std::string suffix() const;
  [[nodiscard]] const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  static int print(enum libbpf_print_level level, const char* format, va_list args);
  std::vector<std::string> warnings_;
  libbpf_print_fn_t previous_ = nullptr;
  LibbpfMessages* outer_ = nullptr;
};

}  // namespace fwpath::kernel

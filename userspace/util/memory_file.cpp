#include "util/memory_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <array>

namespace fwpath {

Result<UniqueFd> memory_file(const char* name, const std::string& content) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  if (!fd.valid()) return sys_error("create memory file", name);
  for (size_t done = 0; done < content.size();) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sys_error("write memory file", name, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return sys_error("rewind memory file", name);
  return fd;
}

Result<std::string> read_memory_file(int fd) {
  if (::lseek(fd, 0, SEEK_SET) != 0) return sys_error("rewind memory file", "fd " + std::to_string(fd));
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read memory file", "fd " + std::to_string(fd));
    if (n == 0) return out;
    out.append(buf.data(), static_cast<size_t>(n));
  }
}

}  // namespace fwpath

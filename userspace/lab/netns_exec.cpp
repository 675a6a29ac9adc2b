#include "lab/netns_exec.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "util/unique_fd.h"

namespace fwpath::lab {

namespace {

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Writes all of `data`; a child that exits early (EPIPE) is reported by its exit status.
void write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// The tool's output on one line: errors are one line (docs/exit-codes.md).
std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::string out;
  for (const char c : s) out += c == '\n' ? std::string("; ") : std::string(1, c);
  return out;
}

}  // namespace

std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return executable(name) ? name : "";
  const char* env = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read before any fork
  std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  path += ":/usr/local/sbin:/usr/sbin:/sbin";
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir;
    candidate.append("/").append(name);
    if (executable(candidate)) return candidate;
  }
  return "";
}

Result<std::string> run_in_netns(const NetnsRef& ns, const std::vector<std::string>& argv, const std::string& input) {
  if (argv.empty()) return input_error("run_in_netns: empty command");
  const std::string exe = find_executable(argv[0]);
  if (exe.empty()) return env_error("tool not installed:", argv[0]);
  // Everything the child needs is prepared before fork(): after it, in a process with
  // threads, the child may only make async-signal-safe calls.
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));  // NOLINT: execv's signature
  cargv.push_back(nullptr);
  int in_pipe[2];
  int out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return sys_error("create pipe for", argv[0]);
  UniqueFd in_r(in_pipe[0]);
  UniqueFd in_w(in_pipe[1]);
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return sys_error("create pipe for", argv[0]);
  UniqueFd out_r(out_pipe[0]);
  UniqueFd out_w(out_pipe[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork for", argv[0]);
  if (pid == 0) {
    if (ns.fd >= 0 && ::setns(ns.fd, CLONE_NEWNET) != 0) ::_exit(126);
    if (::dup2(in_r.get(), 0) < 0 || ::dup2(out_w.get(), 1) < 0 || ::dup2(out_w.get(), 2) < 0) ::_exit(126);
    ::execv(exe.c_str(), cargv.data());
    ::_exit(127);
  }
  out_w.reset();
  // Our copy of the read end stays open while writing: a child that died early then
  // cannot turn the write into SIGPIPE; the input (a few bytes) fits the pipe's buffer.
  write_all(in_w.get(), input);
  in_w.reset();
  in_r.reset();
  const std::string output = read_all(out_r.get());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return sys_error("wait for", argv[0]);
  }
  const std::string where = " in netns " + ns.label;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return output;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 126) return env_error("enter netns" + where + " to run", argv[0]);
  const std::string how =
      WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status)) : "signal " + std::to_string(WTERMSIG(status));
  return env_error("`" + joined(argv) + "`" + where + " failed (" + how + "):", one_line(output));
}

}  // namespace fwpath::lab

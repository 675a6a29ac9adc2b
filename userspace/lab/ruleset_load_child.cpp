#include "lab/ruleset_load_child.h"

#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstring>

#include "util/unique_fd.h"

namespace fwpath::lab {

namespace {

using Clock = std::chrono::steady_clock;

// stdin and the captured output are memory files, not pipes: nothing to feed and drain
// at the same time, no SIGPIPE when the tool quits at its first error, and the output is
// read once the tool has exited.
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

Result<std::string> read_all(int fd) {
  if (::lseek(fd, 0, SEEK_SET) != 0) return sys_error("rewind tool output", "");
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read tool output", "");
    if (n == 0) return out;
    out.append(buf.data(), static_cast<size_t>(n));
  }
}

// Everything the child touches is prepared before fork(): in a process with threads (the
// lab's listeners) the child may only make async-signal-safe calls.
struct ExecPlan {
  std::string path;
  std::vector<std::string> args;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

// Fixed, small environment: the tool's behaviour must not depend on the caller's (a
// pipeline's) variables; C messages so that the error mapping recognises them.
char kPathVar[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";  // NOLINT(*-avoid-c-arrays)
char kLocaleVar[] = "LC_ALL=C";                          // NOLINT(*-avoid-c-arrays)

[[noreturn]] void exec_child(const ExecPlan& plan, int netns_fd, int in_fd, int out_fd) {
  auto fail = [out_fd](const char* what) {
    (void)!::write(out_fd, what, std::strlen(what));
    (void)!::write(out_fd, " failed in the child process\n", 29);
    ::_exit(kChildSetupFailed);
  };
  if (::setns(netns_fd, CLONE_NEWNET) != 0) fail("setns");
  if (::dup2(in_fd, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(out_fd, STDERR_FILENO) < 0) {
    fail("dup2");
  }
  // Whatever else the process holds open (netlink sockets, BPF objects) is not the tool's.
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  ::execve(plan.path.c_str(), plan.argv.data(), plan.envp.data());
  fail("execve");
  ::_exit(kChildSetupFailed);
}

Result<ToolRun> reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return sys_error("wait for tool process", std::to_string(pid));
  }
  ToolRun r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

// Whether the child exited before the deadline (its pidfd turns readable).
Result<bool> wait_exit(int pidfd, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{pidfd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return sys_error("wait for tool exit", "");
  }
}

}  // namespace

std::string find_system_tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    std::string candidate = std::string(dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

Result<ToolRun> run_tool_in_netns(const NetnsRef& ns, const std::string& path, const std::vector<std::string>& argv,
                                  const std::string& stdin_text, std::chrono::milliseconds timeout) {
  if (argv.empty()) return input_error("run tool: empty argv for", path);
  ExecPlan plan{path, argv, {}, {kPathVar, kLocaleVar, nullptr}};
  for (auto& a : plan.args) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  auto in = memory_file("fwpath-tool-in", stdin_text);
  if (!in) return in.take_error();
  auto out = memory_file("fwpath-tool-out", "");
  if (!out) return out.take_error();

  const pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork to run", path);
  if (pid == 0) exec_child(plan, ns.fd, in->get(), out->get());

  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  Result<bool> exited =
      pidfd.valid() ? wait_exit(pidfd.get(), Clock::now() + timeout) : Result<bool>(sys_error("open pidfd for", path));
  if (!exited || !exited.value()) {
    ::kill(pid, SIGKILL);  // our own child, by pid; reaped below so it leaves no zombie
    (void)reap(pid);
    if (!exited) return exited.take_error();
    return env_error("run " + path + " in netns " + ns.label + ": no exit within " + std::to_string(timeout.count()) +
                     " ms; killed");
  }
  auto run = reap(pid);
  if (!run) return run.take_error();
  auto text = read_all(out->get());
  if (!text) return text.take_error();
  run->output = std::move(text.value());
  return run;
}

}  // namespace fwpath::lab

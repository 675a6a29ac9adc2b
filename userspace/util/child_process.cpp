#include "util/child_process.h"

#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstring>

#include "util/memory_file.h"

extern char** environ;

namespace fwpath {

namespace {

using Clock = std::chrono::steady_clock;

// Everything the child touches is prepared before fork(): in a process with threads (the
// tracer's, the lab's listeners) the child may only make async-signal-safe calls.
struct ExecPlan {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;  // empty: environ
};

ExecPlan plan_exec(const ChildCommand& cmd) {
  ExecPlan plan{cmd.path, cmd.argv, cmd.env.value_or(std::vector<std::string>{}), {}, {}};
  for (auto& a : plan.args) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  if (cmd.env) {
    for (auto& e : plan.env) plan.envp.push_back(e.data());
    plan.envp.push_back(nullptr);
  }
  return plan;
}

// In the child: "fwpath: WHAT failed in the child process: errno N" on stderr and exit
// kChildSetupFailed. No allocation and no strerror() (neither is async-signal-safe).
[[noreturn]] void child_failed(const char* what) {
  const int err = errno;
  std::array<char, 16> num{};
  size_t len = 0;
  for (auto e = static_cast<unsigned>(err); len == 0 || e != 0; e /= 10)
    num.at(len++) = static_cast<char>('0' + e % 10);
  const auto put = [](const char* s, size_t n) { (void)!::write(STDERR_FILENO, s, n); };
  put("fwpath: ", 8);
  put(what, std::strlen(what));
  put(" failed in the child process: errno ", 36);
  while (len > 0) put(&num.at(--len), 1);
  put("\n", 1);
  ::_exit(kChildSetupFailed);
}

[[noreturn]] void exec_child(const ExecPlan& plan, int netns_fd, int in_fd, int out_fd, int err_fd) {
  // stderr first, so that a later failure can be told.
  if (::dup2(err_fd, STDERR_FILENO) < 0) ::_exit(kChildSetupFailed);
  if (::dup2(in_fd, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0) child_failed("dup2");
  if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) child_failed("setns");
  // Whatever else the process holds open (netlink sockets, BPF objects, the namespace) is
  // not the program's.
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  ::execve(plan.path.c_str(), plan.argv.data(), plan.envp.empty() ? environ : plan.envp.data());
  child_failed(plan.path.c_str());
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

std::string ChildResult::describe() const {
  std::string text = signal != 0 ? "killed by signal " + std::to_string(signal) : "exit " + std::to_string(exit_code);
  if (!err.empty()) text += ": " + err;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

Result<ChildProcess> ChildProcess::start(const ChildCommand& cmd, int in_fd, int out_fd, int err_fd) {
  if (cmd.argv.empty()) return input_error("run a program: empty argv for", cmd.path);
  if (cmd.path.empty() || cmd.path.front() != '/') return input_error("run a program: not an absolute path:", cmd.path);
  const ExecPlan plan = plan_exec(cmd);
  const pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork to run", cmd.path);
  if (pid == 0) exec_child(plan, cmd.netns_fd, in_fd, out_fd, err_fd);
  // Raw syscalls: glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrappers do not
  // link from C++.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) {
    const int err = errno;
    ::kill(pid, SIGKILL);  // our own child, not yet reaped: the pid is still its
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return sys_error("open pidfd of", cmd.path, err);
  }
  return ChildProcess(pid, std::move(pidfd));
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept : pid_(std::exchange(o.pid_, -1)), pidfd_(std::move(o.pidfd_)) {}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  (void)signal(SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

bool ChildProcess::signal(int sig) const {
  return pid_ > 0 && ::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0) == 0;
}

Result<bool> ChildProcess::wait_exit(std::chrono::milliseconds timeout) const {
  if (pid_ <= 0) return true;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{pidfd_.get(), POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return sys_error("wait for the exit of pid", std::to_string(pid_));
  }
}

Result<ChildResult> ChildProcess::reap() {
  if (pid_ <= 0) return env_error("reap a child process: already reaped");
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) return sys_error("wait for pid", std::to_string(pid_));
  }
  ChildResult r;
  r.pid = std::exchange(pid_, -1);
  pidfd_.reset();
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

Result<ChildResult> run_child(const ChildCommand& cmd, const RunOptions& opt) {
  auto in = memory_file("fwpath-child-in", opt.stdin_text);
  if (!in) return in.take_error();
  auto out = memory_file("fwpath-child-out", "");
  if (!out) return out.take_error();
  auto err = opt.merge_output ? Result<UniqueFd>(UniqueFd()) : memory_file("fwpath-child-err", "");
  if (!err) return err.take_error();
  const int err_fd = opt.merge_output ? out->get() : err->get();

  auto child = ChildProcess::start(cmd, in->get(), out->get(), err_fd);
  if (!child) return child.take_error();
  auto exited = child->wait_exit(opt.timeout);
  if (!exited) return exited.take_error();  // the child is killed and reaped by its owner
  if (!exited.value()) {
    return env_error(
        "run `" + joined(cmd.argv) + "`: no exit within " + std::to_string(opt.timeout.count()) + " ms; killed", "",
        ETIMEDOUT);
  }
  auto result = child->reap();
  if (!result) return result.take_error();
  auto text = read_memory_file(out->get());
  if (!text) return text.take_error();
  result->out = std::move(text.value());
  if (!opt.merge_output) {
    auto err_text = read_memory_file(err->get());
    if (!err_text) return err_text.take_error();
    result->err = std::move(err_text.value());
  }
  return result;
}

std::string find_system_tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    std::string candidate = std::string(dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

}  // namespace fwpath

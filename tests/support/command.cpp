#include "support/command.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace fwpath::testlab {

namespace {

using Clock = std::chrono::steady_clock;

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Everything the child needs, prepared before fork(): after fork() in a threaded process
// the child may only make async-signal-safe calls (no allocation).
struct ExecPlan {
  std::string path;
  std::vector<std::string> args;
  std::vector<char*> argv;
};

Result<ExecPlan> plan_exec(const std::vector<std::string>& argv) {
  if (argv.empty()) return input_error("empty command line");
  ExecPlan plan;
  plan.path = argv[0].find('/') != std::string::npos ? argv[0] : find_on_path(argv[0]);
  if (plan.path.empty()) return env_error("not found on PATH:", argv[0], ENOENT);
  plan.args = argv;
  for (auto& a : plan.args) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  return plan;
}

// In the child: enter the namespace, wire the descriptors, exec. Only async-signal-safe
// calls; on failure the reason goes to stderr (the capture pipe) and exit code 127.
[[noreturn]] void exec_child(const ExecPlan& plan, int netns_fd, int in_fd, int out_fd, int err_fd) {
  auto fail = [err_fd](const char* what) {
    // "WHAT: errno N" with no allocation: strerror() is not async-signal-safe.
    char num[16];
    int len = 0;
    for (unsigned e = static_cast<unsigned>(errno); len == 0 || e != 0; e /= 10)
      num[len++] = static_cast<char>('0' + e % 10);
    (void)!::write(err_fd, what, std::strlen(what));
    (void)!::write(err_fd, ": errno ", 8);
    while (len > 0) (void)!::write(err_fd, &num[--len], 1);
    (void)!::write(err_fd, "\n", 1);
    ::_exit(127);
  };
  if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) fail("setns");
  if (::dup2(in_fd, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(err_fd, STDERR_FILENO) < 0) {
    fail("dup2");
  }
  ::execve(plan.path.c_str(), plan.argv.data(), environ);
  fail(plan.path.c_str());
  ::_exit(127);
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return sys_error("create pipe", "");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

CommandResult from_wait_status(int status) {
  CommandResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

// Raw syscalls: glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrappers do not link
// from C++.
int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}
int pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

Result<UniqueFd> open_pidfd(pid_t pid) {
  UniqueFd fd(pidfd_open(pid));
  if (!fd.valid()) return sys_error("open pidfd for", std::to_string(pid));
  return fd;
}

// Waits for the pidfd to become readable (the process exited) until the deadline.
Result<bool> wait_exit(int pidfd, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{pidfd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return sys_error("wait for process exit", "");
  }
}

Result<CommandResult> reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return sys_error("waitpid", std::to_string(pid));
  }
  return from_wait_status(status);
}

}  // namespace

std::string CommandResult::describe() const {
  std::string text = signal != 0 ? "killed by signal " + std::to_string(signal) : "exit " + std::to_string(exit_code);
  if (!err.empty()) text += ": " + err;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string find_on_path(const std::string& name) {
  const char* env = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): nothing sets it
  std::string path = env != nullptr ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  // Root's tools live in sbin, which a test runner's PATH may lack.
  path += ":/usr/sbin:/sbin";
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir;
    candidate += '/';
    candidate += name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

Result<CommandResult> run_command(const std::vector<std::string>& argv, const CommandOptions& opt) {
  auto plan = plan_exec(argv);
  if (!plan) return plan.take_error();
  auto in = make_pipe();
  auto out = make_pipe();
  auto err = make_pipe();
  if (!in) return in.take_error();
  if (!out) return out.take_error();
  if (!err) return err.take_error();

  const pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork for", joined(argv));
  if (pid == 0) exec_child(plan.value(), opt.netns_fd, in->read.get(), out->write.get(), err->write.get());

  in->read.reset();
  out->write.reset();
  err->write.reset();
  // Feed stdin and drain stdout/stderr together: a large output would otherwise block
  // the child on a full pipe while we block on writing its input.
  std::string_view to_write = opt.stdin_text;
  if (to_write.empty()) {
    in->write.reset();
  } else {
    (void)::fcntl(in->write.get(), F_SETFL, O_NONBLOCK);
  }
  CommandResult result;
  const auto deadline = Clock::now() + opt.timeout;
  bool timed_out = false;
  while (out->read.valid() || err->read.valid()) {
    pollfd fds[3] = {{out->read.get(), POLLIN, 0}, {err->read.get(), POLLIN, 0}, {in->write.get(), POLLOUT, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    const int n = ::poll(fds, 3, static_cast<int>(left));
    if (n < 0 && errno != EINTR) break;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        (i == 0 ? out->read : err->read).reset();
      }
    }
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t put = ::write(fds[2].fd, to_write.data(), to_write.size());
      if (put > 0) to_write.remove_prefix(static_cast<size_t>(put));
      if (put < 0 && errno != EAGAIN && errno != EINTR) to_write = {};
      if (to_write.empty()) in->write.reset();
    }
  }
  if (timed_out) (void)::kill(pid, SIGKILL);
  auto status = reap(pid);
  if (!status) return status.take_error();
  if (timed_out) return sys_error("timed out running", joined(argv), ETIMEDOUT);
  result.exit_code = status->exit_code;
  result.signal = status->signal;
  return result;
}

Status run_checked(const std::vector<std::string>& argv, const CommandOptions& opt) {
  auto r = run_command(argv, opt);
  if (!r) return r.take_error();
  if (!r->ok()) return env_error("command failed: " + joined(argv) + ":", r->describe());
  return {};
}

Result<BackgroundProcess> BackgroundProcess::start(const std::vector<std::string>& argv, int netns_fd,
                                                   const std::string& log_path) {
  auto plan = plan_exec(argv);
  if (!plan) return plan.take_error();
  const std::string target = log_path.empty() ? "/dev/null" : log_path;
  UniqueFd log(::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!log.valid()) return sys_error("open log file", target);
  UniqueFd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_in.valid()) return sys_error("open", "/dev/null");

  const pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork for", joined(argv));
  if (pid == 0) exec_child(plan.value(), netns_fd, null_in.get(), log.get(), log.get());
  auto pidfd = open_pidfd(pid);
  if (!pidfd) {
    (void)::kill(pid, SIGKILL);
    (void)reap(pid);
    return pidfd.take_error();
  }
  return BackgroundProcess(pid, std::move(pidfd.value()));
}

BackgroundProcess::BackgroundProcess(BackgroundProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), pidfd_(std::move(o.pidfd_)) {}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ <= 0) return;
  // stop() without its allocations, so that nothing can throw here: SIGTERM, a bounded
  // wait on the pidfd, SIGKILL, reap.
  (void)pidfd_send_signal(pidfd_.get(), SIGTERM);
  pollfd p{pidfd_.get(), POLLIN, 0};
  if (::poll(&p, 1, 3000) <= 0) (void)pidfd_send_signal(pidfd_.get(), SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

Result<CommandResult> BackgroundProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return env_error("process already reaped");
  auto exited = wait_exit(pidfd_.get(), Clock::now() + timeout);
  if (!exited) return exited.take_error();
  if (!exited.value()) return sys_error("wait for exit of pid", std::to_string(pid_), ETIMEDOUT);
  auto r = reap(std::exchange(pid_, -1));
  pidfd_.reset();
  return r;
}

Result<CommandResult> BackgroundProcess::stop(int sig, std::chrono::milliseconds grace) {
  if (pid_ <= 0) return env_error("process already reaped");
  // pidfd_send_signal cannot hit a recycled pid: the pidfd names this process only.
  (void)pidfd_send_signal(pidfd_.get(), sig);
  auto exited = wait_exit(pidfd_.get(), Clock::now() + grace);
  if (!exited || !exited.value()) (void)pidfd_send_signal(pidfd_.get(), SIGKILL);
  auto r = reap(std::exchange(pid_, -1));
  pidfd_.reset();
  return r;
}

}  // namespace fwpath::testlab

#include "support/streaming_process.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <csignal>

namespace fwpath::testlab {

namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return sys_error("create pipe", "");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace

Result<StreamingProcess> StreamingProcess::start(const std::vector<std::string>& argv, int netns_fd) {
  if (argv.empty()) return input_error("empty command line");
  const std::string path = argv[0].find('/') != std::string::npos ? argv[0] : find_on_path(argv[0]);
  if (path.empty()) return env_error("not found on PATH:", argv[0], ENOENT);
  auto out = make_pipe();
  if (!out) return out.take_error();
  auto err = make_pipe();
  if (!err) return err.take_error();
  const UniqueFd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_in.valid()) return sys_error("open", "/dev/null");
  auto child = ChildProcess::start(ChildCommand{path, argv, std::nullopt, netns_fd}, null_in.get(), out->write.get(),
                                   err->write.get());
  if (!child) return child.take_error();
  // Our write ends close here, so that the pipes end when the child exits.
  return StreamingProcess(std::move(child.value()), std::move(out->read), std::move(err->read));
}

bool StreamingProcess::pump(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0 || (!out_.valid() && !err_.valid())) return false;
  std::array<pollfd, 2> fds = {{{out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}}};
  const int n = ::poll(fds.data(), fds.size(), static_cast<int>(left));
  if (n < 0) return errno == EINTR;
  for (size_t i = 0; i < fds.size(); ++i) {
    if (fds.at(i).fd < 0 || fds.at(i).revents == 0) continue;
    std::array<char, 4096> buf{};
    const ssize_t got = ::read(fds.at(i).fd, buf.data(), buf.size());
    if (got > 0) {
      (i == 0 ? out_text_ : err_text_).append(buf.data(), static_cast<size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      (i == 0 ? out_ : err_).reset();
    }
  }
  return true;
}

bool StreamingProcess::read_until(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (out_text_.find(text) == std::string::npos) {
    if (!out_.valid() || !pump(deadline)) return out_text_.find(text) != std::string::npos;
  }
  return true;
}

Result<CommandResult> StreamingProcess::finish(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (out_.valid() || err_.valid()) {
    if (!pump(deadline)) break;
  }
  if (out_.valid() || err_.valid()) signal(SIGKILL);  // past the deadline
  auto r = child_.reap();
  if (!r) return r.take_error();
  r->out = out_text_;
  r->err = err_text_;
  return r;
}

}  // namespace fwpath::testlab

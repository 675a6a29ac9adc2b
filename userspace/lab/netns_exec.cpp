#include "lab/netns_exec.h"

namespace fwpath::lab {

namespace {

// The tool's behaviour must not depend on the caller's (a pipeline's) variables; C
// messages so that the error mapping recognises them.
const std::vector<std::string>& tool_environment() {
  static const std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"};
  return env;
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// The tool's output on one line: errors are one line (docs/exit-codes.md).
std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::string out;
  for (const char c : s) out += c == '\n' ? std::string("; ") : std::string(1, c);
  return out;
}

}  // namespace

Result<ChildResult> run_tool_in_netns(const NetnsRef& ns, const std::vector<std::string>& argv,
                                      const std::string& stdin_text, std::chrono::milliseconds timeout) {
  if (argv.empty()) return input_error("run a tool: empty command line");
  const std::string path = find_system_tool(argv[0]);
  if (path.empty()) return env_error("tool not installed (looked in /usr/sbin, /sbin, /usr/bin, /bin):", argv[0]);
  const ChildCommand cmd{path, argv, tool_environment(), ns.fd};
  auto run = run_child(cmd, RunOptions{stdin_text, timeout, /*merge_output=*/true});
  if (!run) return run.take_error().context("in netns " + ns.label);
  return run;
}

Result<std::string> run_in_netns(const NetnsRef& ns, const std::vector<std::string>& argv,
                                 const std::string& stdin_text) {
  auto run = run_tool_in_netns(ns, argv, stdin_text);
  if (!run) return run.take_error();
  if (run->ok()) return std::move(run->out);
  const std::string how =
      run->signal != 0 ? "signal " + std::to_string(run->signal) : "exit " + std::to_string(run->exit_code);
  return env_error("`" + command_line(argv) + "` in netns " + ns.label + " failed (" + how + "):", one_line(run->out));
}

}  // namespace fwpath::lab

// fwpath kernel-check [--json]: what this node's kernel can give the tracer, each answer
// from a real attempt. Exit 0 for a full or degraded verdict, 1 for unsupported (a
// finding about the node), 2 for bad usage, 3 without the privileges to probe.
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "kernel/kernel_check.h"
#include "output/kernel_check_report.h"
#include "util/capabilities.h"
#include "util/tracefs.h"

namespace fwpath::cli {

namespace {

po::options_description kernel_check_options() {
  po::options_description desc("options");
  desc.add_options()                                                       //
      ("json", "print the report as JSON (schema: docs/kernel-check.md)")  //
      ("help,h", "show this help");
  return desc;
}

ExitCode verdict_exit_code(model::KernelVerdict v) {
  return v == model::KernelVerdict::Unsupported ? ExitCode::Finding : ExitCode::Ok;
}

}  // namespace

Result<ExitCode> kernel_check(const Args& args) {
  const auto desc = kernel_check_options();
  const po::positional_options_description no_operands;  // so that a stray word is an error
  auto parsed = parse(args, desc, &no_operands);
  if (!parsed) return parsed.take_error();
  if (parsed->help) {
    std::cout << usage_text("kernel-check", "[--json]", desc);
    return ExitCode::Ok;
  }
  const bool json = parsed->vm.count("json") > 0;

  FWPATH_TRY(require_caps(kernel_check_caps(), "probing the kernel"));

  // Before anything could start a thread: it may unshare the mount namespace.
  const Status tracefs = ensure_tracefs();

  auto report = kernel::run_kernel_check(tracefs);
  if (!report) return report.take_error();
  std::cout << (json ? output::render_kernel_report_json(*report) : output::render_kernel_report_text(*report));
  std::cout.flush();
  return verdict_exit_code(report->assessment.verdict);
}

}  // namespace fwpath::cli

#pragma once
// Shared Boost.Program_options plumbing: parse a subcommand's argv into a variables_map,
// turning every parse failure into a BadInput error (exit 2) with Boost's message.
#include <boost/program_options.hpp>
#include <string>

#include "cli/commands.h"

namespace fwpath::cli {

namespace po = boost::program_options;

// Parses args (args[0] is the subcommand). Returns std::nullopt-like empty map with
// help_requested set when --help was given; the caller prints `desc` then.
struct Parsed {
  po::variables_map vm;
  bool help = false;
};
Result<Parsed> parse(const Args& args, const po::options_description& desc,
                     const po::positional_options_description* positional = nullptr);

std::string usage_text(const std::string& command, const std::string& synopsis, const po::options_description& desc);

}  // namespace fwpath::cli

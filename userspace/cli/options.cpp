#include "cli/options.h"

#include <sstream>

namespace fwpath::cli {

Result<Parsed> parse(const Args& args, const po::options_description& desc,
                     const po::positional_options_description* positional) {
  Parsed out;
  std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  for (const auto& a : rest) {
    if (a == "--help" || a == "-h") {
      out.help = true;
      return out;
    }
  }
  try {
    auto parser = po::command_line_parser(rest).options(desc);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), out.vm);
    po::notify(out.vm);
  } catch (const po::error& e) {
    // Boost reports usage errors by exception; this is the boundary where they become a
    // value (and, in main, exit code 2).
    return input_error(e.what());
  }
  return out;
}

std::string usage_text(const std::string& command, const std::string& synopsis, const po::options_description& desc) {
  std::ostringstream os;
  os << "usage: fwpath " << command << " " << synopsis << "\n\n" << desc;
  return os.str();
}

}  // namespace fwpath::cli

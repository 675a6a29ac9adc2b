// fwpath audit's option table. In its own translation unit: compiled together with
// parse_audit_options(), GCC 12 inlines Boost's typed_value<>::notify() into a context
// where it reports a potential null dereference inside Boost (-Wnull-dereference).
#include "cli/audit_options.h"

namespace fwpath::cli {

po::options_description audit_options_description() {
  po::options_description d("audit options");
  d.add_options()                                                                                          //
      ("ruleset", po::value<std::string>(), "the ruleset file to audit (required)")                        //
      ("format", po::value<std::string>(),                                                                 //
       "nft (default) | iptables-save (loaded with iptables-nft-restore) | iptables-legacy-save")          //
      ("role", po::value<std::string>(), "consumer (paths go out of the node) | provider (they come in)")  //
      ("require", po::value<std::vector<std::string>>()->composing(),                                      //
       "a required path, tcp:PORT or udp:PORT; repeat for each")                                           //
      ("iface", po::value<std::string>(),                                                                  //
       "the node's interface, as the ruleset names it (default eth0)")                                     //
      ("node-ip", po::value<std::string>(),                                                                //
       "the node's address in the lab (default 192.0.2.10; documentation ranges only)")                    //
      ("peer", po::value<std::string>(),                                                                   //
       "the peer's address in the lab (default 198.51.100.20; documentation ranges, another /24)")         //
      ("junit", po::value<std::string>(), "also write a JUnit XML report to FILE")                         //
      ("json", po::bool_switch(), "print the report as JSON (docs/audit.md)");
  return d;
}

}  // namespace fwpath::cli

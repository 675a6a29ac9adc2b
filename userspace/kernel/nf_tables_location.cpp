#include "kernel/nf_tables_location.h"

#include <unistd.h>

#include <fstream>

namespace fwpath::kernel {

namespace {
bool exists(const char* path) {
  return ::access(path, F_OK) == 0;
}

bool listed_in_proc_modules(const char* module) {
  std::ifstream in("/proc/modules");
  const std::string prefix = std::string(module) + " ";
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return true;
  }
  return false;
}
}  // namespace

bool btf_has_function(const btf* b, const char* name) {
  return b != nullptr && btf__find_by_name_kind(b, name, BTF_KIND_FUNC) > 0;
}

NfTablesLocation locate_nf_tables(const btf* vmlinux) {
  NfTablesLocation loc;
  loc.modules_supported = exists("/proc/modules");
  if (loc.modules_supported && listed_in_proc_modules("nf_tables")) {
    loc.placement = NfTablesPlacement::Module;
    loc.evidence = "listed in /proc/modules";
  } else if (btf_has_function(vmlinux, "nft_do_chain")) {
    loc.placement = NfTablesPlacement::BuiltIn;
    loc.evidence = "nft_do_chain is in vmlinux BTF";
  } else if (exists("/sys/module/nf_tables")) {
    loc.placement = NfTablesPlacement::BuiltIn;
    loc.evidence = "/sys/module/nf_tables exists without a /proc/modules entry";
  } else if (loc.modules_supported) {
    loc.placement = NfTablesPlacement::NotLoaded;
    loc.evidence = "not in /proc/modules, not in vmlinux BTF";
  } else {
    loc.placement = NfTablesPlacement::Unknown;
    loc.evidence = "no loadable modules, and no BTF to show it built in";
  }
  return loc;
}

std::string NfTablesLocation::describe() const {
  switch (placement) {
    case NfTablesPlacement::BuiltIn: return "nf_tables built in (" + evidence + ")";
    case NfTablesPlacement::Module: return "nf_tables is a module (" + evidence + ")";
    case NfTablesPlacement::NotLoaded: return "nf_tables not loaded (" + evidence + ")";
    case NfTablesPlacement::Unknown: break;
  }
  return "nf_tables location unknown (" + evidence + ")";
}

}  // namespace fwpath::kernel

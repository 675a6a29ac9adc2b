#pragma once
// Where this kernel's nf_tables lives: built into vmlinux or a module. It decides where
// fentry finds nft_do_chain (vmlinux BTF or the module's BTF) and is reported in the
// nft_trace and btf_modules details. Read-only: nothing is loaded to find out.
#include <bpf/btf.h>

#include <string>

namespace fwpath::kernel {

enum class NfTablesPlacement { BuiltIn, Module, NotLoaded, Unknown };

struct NfTablesLocation {
  NfTablesPlacement placement = NfTablesPlacement::Unknown;
  bool modules_supported = false;  // /proc/modules exists (CONFIG_MODULES)
  std::string evidence;            // what showed it, e.g. "nft_do_chain is in vmlinux BTF"
  [[nodiscard]] std::string describe() const;
};

// vmlinux may be null (no BTF): then only procfs and sysfs are consulted.
NfTablesLocation locate_nf_tables(const btf* vmlinux);

// Whether BTF `b` declares a function (BTF_KIND_FUNC) called `name`.
bool btf_has_function(const btf* b, const char* name);

}  // namespace fwpath::kernel

#pragma once
// unique_ptr owners for C-library handles (libbpf, libnftnl, libmnl, libnftables,
// libpcap). A deleter type per handle keeps each owner one word wide and makes the
// free function impossible to mix up.
#include <memory>

namespace fwpath {

template <auto FreeFn>
struct CDeleter {
  template <class T>
  void operator()(T* p) const {
    if (p != nullptr) FreeFn(p);
  }
};

template <class T, auto FreeFn>
using CHandle = std::unique_ptr<T, CDeleter<FreeFn>>;

}  // namespace fwpath

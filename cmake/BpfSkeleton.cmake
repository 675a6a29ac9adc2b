# fwpath_bpf_skeleton(<name> <source.bpf.c>)
# clang -target bpf -> <name>.bpf.o -> bpftool gen skeleton -> <name>.skel.h, exposed as the
# INTERFACE target bpf_<name>. The skeleton embeds the whole ELF object, so the fwpath
# binary never reads a .o at run time.
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

set(FWPATH_BPF_ARCH "x86")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(FWPATH_BPF_ARCH "arm64")
endif()

function(fwpath_bpf_skeleton name source)
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/bpf")
  set(obj "${out_dir}/${name}.bpf.o")
  set(skel "${out_dir}/${name}.skel.h")
  file(MAKE_DIRECTORY "${out_dir}")
  add_custom_command(
    OUTPUT "${obj}"
    COMMAND "${BPF_CLANG}" -g -O2 -Wall -Werror -target bpf
            -D__TARGET_ARCH_${FWPATH_BPF_ARCH}
            -I "${CMAKE_SOURCE_DIR}/bpf"
            -c "${source}" -o "${obj}"
    DEPENDS "${source}" "${CMAKE_SOURCE_DIR}/bpf/fwpath_events.h" "${CMAKE_SOURCE_DIR}/bpf/vmlinux.h"
    COMMENT "BPF ${name}: clang -target bpf"
    VERBATIM)
  add_custom_command(
    OUTPUT "${skel}"
    COMMAND "${BPFTOOL}" gen skeleton "${obj}" name "fwpath_${name}" > "${skel}"
    DEPENDS "${obj}"
    COMMENT "BPF ${name}: bpftool gen skeleton"
    VERBATIM)
  add_custom_target(bpf_${name}_gen DEPENDS "${skel}")
  add_library(bpf_${name} INTERFACE)
  add_dependencies(bpf_${name} bpf_${name}_gen)
  # SYSTEM: the generated header is bpftool's code, not ours to lint.
  target_include_directories(bpf_${name} SYSTEM INTERFACE "${out_dir}")
endfunction()

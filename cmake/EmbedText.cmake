# fwpath_embed_text(<name> NAMESPACE <c++ namespace> FILES <file>...)
# Turns text files into one generated header, <build>/embedded/<name>.h, holding
#   inline constexpr std::array<std::pair<std::string_view, std::string_view>, N> kFiles
# in NAMESPACE: each file's base name and its exact bytes as a raw string literal. Exposed
# as the INTERFACE target embedded_<name>, so the binary carries the files and reads none
# at run time. Regenerated when a file or the generator changes.
set(FWPATH_EMBED_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/embed_text_script.cmake")

function(fwpath_embed_text name)
  cmake_parse_arguments(ARG "" "NAMESPACE" "FILES" ${ARGN})
  if(NOT ARG_NAMESPACE OR NOT ARG_FILES)
    message(FATAL_ERROR "fwpath_embed_text(${name}): NAMESPACE and FILES are required")
  endif()
  set(out_dir "${CMAKE_BINARY_DIR}/embedded")
  set(header "${out_dir}/${name}.h")
  file(MAKE_DIRECTORY "${out_dir}")
  # A CMake list cannot pass through -D intact; '|' cannot appear in a path we accept.
  string(JOIN "|" files_arg ${ARG_FILES})
  add_custom_command(
    OUTPUT "${header}"
    COMMAND "${CMAKE_COMMAND}" "-DOUT=${header}" "-DNAMESPACE=${ARG_NAMESPACE}" "-DFILES=${files_arg}"
            -P "${FWPATH_EMBED_SCRIPT}"
    DEPENDS ${ARG_FILES} "${FWPATH_EMBED_SCRIPT}"
    COMMENT "embed ${name}: ${CMAKE_COMMAND} -P embed_text_script.cmake"
    VERBATIM)
  add_custom_target(embedded_${name}_gen DEPENDS "${header}")
  add_library(embedded_${name} INTERFACE)
  add_dependencies(embedded_${name} embedded_${name}_gen)
  # SYSTEM: generated, not ours to lint.
  target_include_directories(embedded_${name} SYSTEM INTERFACE "${out_dir}")
endfunction()

# fwpath_warnings(<target>): the project's own code builds without warnings; CI sets
# FWPATH_WERROR so that a new warning fails the build.
function(fwpath_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wnull-dereference)
  if(FWPATH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(FWPATH_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC 12's flow analysis is unreliable under -fsanitize=address: it reports
      # -Wmaybe-uninitialized inside libstdc++'s <regex> (std::function moves), which the
      # normal build does not; the sanitizer build catches real uninitialised reads anyway.
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
  endif()
endfunction()

# iop_embed(TARGET t SRC dir FILES f... OUT name HEADER h NAMESPACE ns FUNCTION fn): compiles the
# FILES (paths relative to SRC) into target t as `fn()` of header h (cmake/embed_files.cmake
# writes the source). Shared by the main build and the fuzz build, so both embed the same data.
set(IOP_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake)
function(iop_embed)
  cmake_parse_arguments(E "" "TARGET;SRC;OUT;HEADER;NAMESPACE;FUNCTION" "FILES" ${ARGN})
  list(TRANSFORM E_FILES PREPEND ${E_SRC}/ OUTPUT_VARIABLE paths)
  string(REPLACE ";" "," csv "${E_FILES}")
  set(out ${CMAKE_BINARY_DIR}/generated/${E_OUT}.cpp)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DSRC=${E_SRC} -DFILES=${csv} -DOUT=${out} -DHEADER=${E_HEADER}
            -DNAMESPACE=${E_NAMESPACE} -DFUNCTION=${E_FUNCTION} -P ${IOP_EMBED_SCRIPT}
    DEPENDS ${paths} ${IOP_EMBED_SCRIPT}
    VERBATIM)
  target_sources(${E_TARGET} PRIVATE ${out})
  # Istio's CRD file alone is over a megabyte: more than the 64 KiB that ISO C++ promises for a
  # literal, which GCC and Clang handle but -Wpedantic reports.
  set_source_files_properties(${out} PROPERTIES COMPILE_OPTIONS -Wno-overlength-strings)
endfunction()

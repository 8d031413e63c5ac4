# Istio's charts and profiles, compiled into a target from the pinned istio.io/istio module
# (scripts/istio-version.sh), which scripts/fetch-istio.sh downloads through the Go module proxy.
# -DIOP_ISTIO_MANIFESTS=DIR compiles another `manifests/` directory in instead.
#
# iop_embed_istio_manifests(TARGET t): embeds the files and defines, for t's sources,
# IOP_ISTIO_SOURCE (the module version or the directory) and IOP_ISTIO_RELEASE (Istio's VERSION).
set(IOP_ISTIO_MANIFESTS "" CACHE PATH "An Istio manifests/ directory to compile in instead of the pinned module's")
set(iop_istio_version_file ${CMAKE_CURRENT_LIST_DIR}/../scripts/istio-version.sh)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${iop_istio_version_file})

function(iop_embed_istio_manifests)
  cmake_parse_arguments(E "" "TARGET" "" ${ARGN})
  get_filename_component(root ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/.. ABSOLUTE)
  if(IOP_ISTIO_MANIFESTS)
    set(dir ${IOP_ISTIO_MANIFESTS})
    set(source ${IOP_ISTIO_MANIFESTS})
  else()
    execute_process(COMMAND bash ${root}/scripts/fetch-istio.sh OUTPUT_VARIABLE dir
                    RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "could not fetch Istio's manifests (scripts/fetch-istio.sh failed; see above)")
    endif()
    file(STRINGS ${root}/scripts/istio-version.sh pin REGEX "^ISTIO_PINNED_VERSION=")
    string(REGEX REPLACE "^ISTIO_PINNED_VERSION=" "istio.io/istio " source "${pin}")
  endif()
  set(release "unknown")
  if(EXISTS ${dir}/../VERSION)
    file(STRINGS ${dir}/../VERSION release LIMIT_COUNT 1)
  endif()
  set(globs ${dir}/profiles/*.yaml)
  foreach(chart base istio-control/istio-discovery gateways/istio-ingress gateways/istio-egress
                istio-cni ztunnel default)
    if(NOT EXISTS ${dir}/charts/${chart}/Chart.yaml)
      message(FATAL_ERROR "${dir}/charts/${chart}/Chart.yaml is missing: not an Istio manifests/ directory")
    endif()
    list(APPEND globs ${dir}/charts/${chart}/*)
  endforeach()
  file(GLOB_RECURSE files RELATIVE ${dir} ${globs})
  list(SORT files)
  iop_embed(TARGET ${E_TARGET} SRC ${dir} FILES ${files} OUT istio_manifests_data
            HEADER reconcilers/render/istio_manifests_data.h NAMESPACE iop::reconcilers
            FUNCTION compiledInIstioFiles)
  list(LENGTH files count)
  message(STATUS "Istio manifests compiled in: ${source} (Istio ${release}, ${count} files)")
  set_property(SOURCE ${root}/reconcilers/render/istio_manifests.cpp APPEND PROPERTY COMPILE_DEFINITIONS
               "IOP_ISTIO_SOURCE=\"${source}\"" "IOP_ISTIO_RELEASE=\"${release}\"")
endfunction()

#pragma once

#include <cstddef>

#include "base/yaml_json.h"

// What one IstioOperator may cost iop. Each bound is far above what a real installation
// writes (Istio's own profiles and the fidelity CRs stay under a tenth of each) and low enough
// that parsing, validating and rendering the largest CR allowed takes milliseconds and a few
// megabytes: a CR beyond one is refused with the field path and the limit, before any work
// proportional to it is done. Validation (validation.cpp) holds them on the parsed document,
// whichever way it came (a file, --set flags, the API server).
namespace iop::reconcilers {

// The YAML or JSON text of one CR (the API server stores at most ~1.5 MiB per object).
inline constexpr std::size_t kMaxCRBytes = 1024 * 1024;
// Maps and lists inside each other, counted from the document's root.
inline constexpr std::size_t kMaxCRDepth = 64;
// Values (maps, lists and scalars) in the whole document.
inline constexpr std::size_t kMaxCRValues = 100'000;
// Any one string (a whole injection template fits ten times over).
inline constexpr std::size_t kMaxStringBytes = 256 * 1024;
// Ingress plus egress gateways of one CR.
inline constexpr std::size_t kMaxGateways = 64;
// Entries of each `k8s` list (env, volumes, volumeMounts, tolerations).
inline constexpr std::size_t kMaxK8sListItems = 512;
// Overlays of one component, patches of one overlay, and patches of the whole CR.
inline constexpr std::size_t kMaxOverlays = 64;
inline constexpr std::size_t kMaxPatchesPerOverlay = 256;
inline constexpr std::size_t kMaxPatches = 1024;
// Segments of one overlay path, and bytes of one "[regex]" selector pattern.
inline constexpr std::size_t kMaxOverlayPathSegments = 64;
inline constexpr std::size_t kMaxSelectorPatternBytes = 1024;

// The YAML limits for one CR's text.
inline iop::base::YamlLimits crYamlLimits() {
  iop::base::YamlLimits limits;
  limits.maxBytes = kMaxCRBytes;
  limits.maxDepth = kMaxCRDepth;
  limits.maxNodes = kMaxCRValues;
  limits.maxAliasNodes = 10'000;
  limits.maxAliasBytes = kMaxCRBytes;
  return limits;
}

}  // namespace iop::reconcilers

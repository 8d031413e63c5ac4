#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "reconcilers/render/istio_manifests.h"

// Installation profiles (default, minimal, empty, demo, remote, preview, stable, ambient, ...):
// the IstioOperator documents of the Istio release's profiles/ directory.
namespace iop::reconcilers {

// The profile as an IstioOperator document (JSON as Go reads it: numbers are float64),
// overlaid on `default` as istioctl does ("" means default). nullopt with `error` set when the
// profile does not exist (naming the ones that do) or does not parse.
std::optional<nlohmann::json> resolveProfile(const IstioManifests& manifests, const std::string& name,
                                             std::string& error);

}  // namespace iop::reconcilers

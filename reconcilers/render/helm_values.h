#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/render/components.h"

// IstioOperator -> Helm values, step for step as istioctl computes them
// (operator/pkg/render/manifest.go: MergeInputs, translateIstioOperatorToHelm,
// applyComponentValuesToHelmValues).
//
// Values carry Go's types, because the charts' output depends on them (`{{ 1000000 }}` prints
// 1000000 for an int and 1e+06 for a float64): istioctl reads YAML and JSON into float64, keeps
// ints only where it parses a `--set` value itself, and turns everything back into float64
// whenever it deep-clones through JSON. In the JSON model here, number_integer is a Go int and
// number_float a float64.
namespace iop::reconcilers {

// The merged IstioOperator istioctl renders from: `profile` (default overlaid with the named
// profile) under the CR, top-level fields translated into values (hub, tag, revision,
// meshConfig, compatibilityVersion, component enablement), `metadata.namespace` set from
// values.global.istioNamespace, the user's values on top again, then unvalidatedValues.
// `setFlags` are the CR's `--set` flags (paths under spec), applied after the CR as istioctl
// applies them, with its parsing of their values.
nlohmann::json mergeIstioOperator(const IstioOperator& iop, const nlohmann::json& profile,
                                  const std::vector<std::string>& setFlags, FieldErrors& errors);

// The `.Values` of one instance's chart: spec.values of the merged IstioOperator with the
// instance's name, labels, ports, replica and HPA bounds, CPU, hub and tag moved into the
// component's values, and flattened for charts that read their settings unprefixed.
nlohmann::json componentValues(const Component& c, const ComponentInstance& instance,
                               const nlohmann::json& merged);

// Kubernetes' canonical text of a resource quantity ("1000m" -> "1", "0.5" -> "500m"), as
// resource.Quantity's String() gives it; nullopt when `q` is not a quantity.
std::optional<std::string> canonicalQuantity(const nlohmann::json& q);

}  // namespace iop::reconcilers

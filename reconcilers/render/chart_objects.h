#pragma once

#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"
#include "reconcilers/render/istio_manifests.h"

// One chart of Istio's, rendered by the Helm engine and cut into Kubernetes objects as istioctl
// does it (operator/pkg/helm/helm.go): templates in file-name order, each split at "---" lines
// and parsed like sigs.k8s.io/yaml, documents without a kind dropped, the chart's crds/ files
// last; NOTES.txt gives warnings ("WARNING: ..." lines), not objects.
namespace iop::reconcilers {

struct ChartObjects {
  std::vector<nlohmann::json> objects;
  std::vector<std::string> warnings;
};

// Renders manifests' charts/<chart> with `values` (the chart's `.Values` before its own
// values.yaml is coalesced in) for release "istio" in `ns`. A template or parse error is
// appended to `errors` under `path` with the template's file, line and column, and no objects
// come back. Thread-safe; the parsed chart is shared.
ChartObjects renderChartObjects(const IstioManifests& manifests, const std::string& chart,
                                const std::string& ns, const nlohmann::json& values, const std::string& path,
                                FieldErrors& errors, std::stop_token stop = {});

// istioctl's yml.SplitString: the documents of a multi-document YAML text, split at lines that
// start with "---", trimmed, empty ones left out.
std::vector<std::string> splitYamlDocuments(const std::string& text);

}  // namespace iop::reconcilers

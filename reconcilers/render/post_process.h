#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"
#include "reconcilers/api/istio_operator.h"

// What istioctl does to a component's chart output after Helm (operator/pkg/render/postprocess.go).
namespace iop::reconcilers {

// The `k8s` settings: strategic-merge patches on the component's main Deployment/DaemonSet,
// Service, HPA and PDB (named `resourceName`), plus the PDB fix-up istioctl does. Settings the
// API accepts but istioctl does not apply (volumes, volumeMounts) come back as warnings.
std::vector<std::string> applyK8sSettings(std::vector<nlohmann::json>& objects, const ComponentSpec& spec,
                                          const std::string& kind, const std::string& resourceName,
                                          const std::string& containerName, bool isGateway);

// The `k8s.overlays`: path patches (a.b.[name:x].c, [0], [key:value]; null deletes) on objects
// of the component matched by kind and name. Appends an error (with the overlay's field path)
// for each path that matches nothing.
void applyOverlays(std::vector<nlohmann::json>& objects, const ComponentSpec& spec, FieldErrors& errors);

}  // namespace iop::reconcilers

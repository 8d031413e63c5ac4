#pragma once

// Shared by the per-component renderers (render_*.cpp); not part of the public API.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"
#include "reconcilers/api/istio_operator.h"

namespace iop::reconcilers::detail {

// Everything a component renderer needs: the chart values after defaults, the Helm-side
// profile (values.profile), the user's values and the component's own settings, like
// Helm's `.Values` in the chart istioctl renders.
struct ComponentInput {
  std::string component;      // "Pilot", "IngressGateways", ...
  std::string namespace_;     // the Helm release namespace
  nlohmann::json values;      // the chart's view (.Values)
  nlohmann::json userValues;  // the values as the CR gave them, before chart defaults
  ComponentSpec spec;
};

// The chart's value defaults (the parts iop's renderers read), per chart.
nlohmann::json chartDefaults(const std::string& component);
// The values a Helm-side profile (values.profile: demo, ambient, ...) overlays on the defaults;
// nullopt for an unknown profile.
std::optional<nlohmann::json> chartProfileValues(const std::string& profile);

// Labels Istio's charts put on everything ("istio.labels"), for chart `chart`.
nlohmann::json helmLabels(const std::string& chart);
// A metadata object with name, optional namespace and labels.
nlohmann::json meta(const std::string& name, const std::string& ns, nlohmann::json labels);
// The owning CR name the charts label with (values.ownerName), "unknown" when unset.
std::string ownerName(const nlohmann::json& values);
// "-R" when there is a revision, else "".
std::string revSuffix(const nlohmann::json& values);
// The revision label value: the revision, or "default".
std::string revLabel(const nlohmann::json& values);
// Helm's resource helper: limits/requests without empty entries.
nlohmann::json resources(const nlohmann::json& r);
// The image reference hub/name:tag[-variant].
std::string image(const std::string& hub, const std::string& name, const nlohmann::json& tag,
                  const std::string& variant);
// {"name": n, "value": v} / {"name": n, "valueFrom": {"fieldRef": ...}}
nlohmann::json env(const std::string& name, const std::string& value);
nlohmann::json envField(const std::string& name, const std::string& fieldPath, bool withApiVersion = false);
nlohmann::json envResource(const std::string& name, const std::string& resource);
nlohmann::json rule(std::vector<std::string> groups, std::vector<std::string> resources,
                    std::vector<std::string> verbs);

std::vector<nlohmann::json> renderBase(const ComponentInput& in);
std::vector<nlohmann::json> renderPilot(const ComponentInput& in);
// The stable channel ValidatingAdmissionPolicy and its binding (part of Pilot).
std::vector<nlohmann::json> renderStablePolicy(const ComponentInput& in);
std::vector<nlohmann::json> renderGateway(const ComponentInput& in, bool ingress);
std::vector<nlohmann::json> renderCni(const ComponentInput& in);
std::vector<nlohmann::json> istioCrds(const nlohmann::json& labels);

// istioctl's post-render `k8s` settings: patches the component's main Deployment/DaemonSet,
// Service, HPA and PDB (named `resourceName`) the way its strategic merge patches do.
void applyK8sSettings(std::vector<nlohmann::json>& objects, const ComponentSpec& spec,
                      const std::string& kind, const std::string& resourceName,
                      const std::string& containerName, bool isGateway);

// istioctl's `k8s.overlays`: path patches (a.b.[name:x].c, [0], [key:value]; null deletes).
// Appends an error (with the overlay's field path) for each path that matches nothing.
void applyOverlays(std::vector<nlohmann::json>& objects, const ComponentSpec& spec, FieldErrors& errors);

// The config-validation webhook both Base (default revision) and Pilot (per revision) render:
// Istio's API groups, CREATE/UPDATE, failing closed only when a CA bundle is given in values.
nlohmann::json istioValidationWebhook(const std::string& name, nlohmann::json clientConfig,
                                      const nlohmann::json& values);

}  // namespace iop::reconcilers::detail

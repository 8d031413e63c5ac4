#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"
#include "reconcilers/api/istio_operator.h"

// Istio's operator components (istioctl's operator/pkg/component): which chart each renders,
// where its values live, which of its objects the `k8s` settings patch, and which instances of
// it an IstioOperator enables.
namespace iop::reconcilers {

// Component names as istioctl (and the operator.istio.io/component label) spell them.
inline constexpr const char* kBase = "Base";
inline constexpr const char* kPilot = "Pilot";
inline constexpr const char* kIngressGateways = "IngressGateways";
inline constexpr const char* kEgressGateways = "EgressGateways";
inline constexpr const char* kCni = "Cni";
inline constexpr const char* kZtunnel = "Ztunnel";

struct Component {
  const char* name;          // user-facing, e.g. "IngressGateways"
  const char* specName;      // key under spec.components
  bool enabledByDefault;     // enabled unless the CR says otherwise
  bool multi;                // a list (gateways)
  const char* resourceType;  // the kind `k8s` settings patch ("" for Base)
  const char* resourceName;  // its name before revision/gateway name
  const char* containerName;
  const char* chart;       // under manifests/charts/
  const char* valuesRoot;  // where its settings sit under spec.values
  // The chart reads its settings unprefixed (`resources`, not `ztunnel.resources`).
  bool flattenValues;
  // A values path that force-enables the component, or "".
  const char* altEnablementPath;

  bool isGateway() const;
};

// Every component, in istioctl's render order.
const std::vector<Component>& components();

// One enabled instance of a component, as istioctl's Component.Get builds it. `fromDefault`
// marks an instance the CR did not list (a component enabled by default), which istioctl
// renders from values untouched.
struct ComponentInstance {
  ComponentSpec spec;
  bool fromDefault = false;
};

// The enabled instances of `c` in the merged IstioOperator (profile + CR, translated).
// `defaultNamespace` is where an instance without its own namespace goes. Type errors (a
// `k8s.replicaCount` that is no number) are appended to `errors` with the field path.
std::vector<ComponentInstance> enabledInstances(const Component& c, const nlohmann::json& merged,
                                                const std::string& defaultNamespace, FieldErrors& errors);

}  // namespace iop::reconcilers

// libFuzzer target: the overlay path engine (k8s.overlays, reconcilers/render/overlays.cpp). The input is
// a YAML or JSON list of overlays ({kind, name, patches: [{path, value}]}) applied to the objects
// a gateway renders to (Deployment, Service, ServiceAccount, Role, RoleBinding, HPA, PDB, all
// named "gw"), then serialized as the applier would. Paths that match nothing must come back
// as errors; nothing may throw or crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/yaml_json.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/render/post_process.h"
#include "reconcilers/render/render.h"

using namespace iop::reconcilers;
using nlohmann::json;

namespace {

std::vector<json> gatewayObjects() {
  auto parsed = parseIstioOperator(
      "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: fuzz}\n"
      "spec:\n  profile: empty\n  namespace: fuzz\n  components:\n    ingressGateways:\n"
      "    - {name: gw, enabled: true, k8s: {hpaSpec: {maxReplicas: 3}, podDisruptionBudget: {minAvailable: "
      "1}}}\n");
  std::vector<json> out;
  if (!parsed.ok()) __builtin_trap();  // the fixed input above is valid; anything else is a bug here
  for (auto& o : render(*parsed.iop).objects) out.push_back(o.object);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<json> objects = gatewayObjects();
  std::vector<json> docs;
  try {
    docs = iop::base::yamlDocumentsToJson(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::runtime_error&) {
    return 0;  // not YAML: the documented way yamlDocumentsToJson reports a syntax error
  }
  if (docs.size() != 1 || !docs.front().is_array()) return 0;
  // Validation runs before overlays in the reconciler; the engine only sees validated shapes.
  json cr = {
      {"apiVersion", kIstioOperatorApiVersion},
      {"kind", kIstioOperatorKind},
      {"metadata", {{"name", "fuzz"}}},
      {"spec",
       {{"components", {{"ingressGateways", {{{"name", "gw"}, {"k8s", {{"overlays", docs.front()}}}}}}}}}}};
  if (!validateIstioOperator(cr).empty()) return 0;
  ComponentSpec spec;
  spec.k8s = {{"overlays", docs.front()}};
  spec.specPath = "spec.components.ingressGateways[0]";
  std::vector<json> patched = objects;
  FieldErrors errors;
  applyOverlays(patched, spec, errors);
  for (const auto& e : errors) (void)e.str();
  for (const auto& o : patched) {
    (void)o.dump();
    (void)iop::base::jsonToYaml(o);
  }
  return 0;
}

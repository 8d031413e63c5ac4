// The `stable` profile's ValidatingAdmissionPolicy (experimental.stableValidationPolicy): rejects
// Istio APIs and fields that are not part of the stable channel, for this revision's objects.
#include "reconcilers/api/json_tree.h"
#include "reconcilers/render/render_internal.h"

namespace iop::reconcilers::detail {

using nlohmann::json;

std::vector<json> renderStablePolicy(const ComponentInput& in) {
  const json& v = in.values;
  const std::string istioNs = getString(v, "global.istioNamespace", in.namespace_);
  const std::string name = "stable-channel-policy" + revSuffix(v) + "-" + istioNs + ".istio.io";
  json labels = helmLabels("istiod");
  labels["app.kubernetes.io/name"] = "istiod";
  json variables = json::array();
  for (const char* kind : {"EnvoyFilter", "WasmPlugin", "ProxyConfig", "Telemetry", "AuthorizationPolicy"}) {
    variables.push_back(
        {{"name", std::string("is") + kind}, {"expression", std::string("object.kind == '") + kind + "'"}});
  }
  const char* telemetry =
      "!(\n"
      "  variables.isTelemetry && (\n"
      "    (has(object.spec.tracing) ? object.spec.tracing : {}).exists(t, "
      "has(t.useRequestIdForTraceSampling)) ||\n"
      "    (has(object.spec.metrics) ? object.spec.metrics : {}).exists(m, has(m.reportingInterval)) ||\n"
      "    (has(object.spec.accessLogging) ? object.spec.accessLogging : {}).exists(l, has(l.filter))\n"
      "  )\n"
      ")\n";
  const char* authz =
      "!(\n"
      "  variables.isAuthorizationPolicy &&\n"
      "  has(object.spec.rules) &&\n"
      "  object.spec.rules.exists(r,\n"
      "    has(r.from) && r.from.exists(f,\n"
      "      has(f.source) && (has(f.source.trustDomains) || has(f.source.notTrustDomains))\n"
      "    )\n"
      "  )\n"
      ")";
  json policy = {
      {"apiVersion", "admissionregistration.k8s.io/v1"},
      {"kind", "ValidatingAdmissionPolicy"},
      {"metadata", meta(name, "", labels)},
      {"spec",
       {{"failurePolicy", "Fail"},
        {"matchConstraints",
         {{"resourceRules",
           {{{"apiGroups",
              {"security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io"}},
             {"apiVersions", {"*"}},
             {"operations", {"CREATE", "UPDATE"}},
             {"resources", {"*"}}}}},
          {"objectSelector",
           {{"matchExpressions",
             {{{"key", "istio.io/rev"}, {"operator", "In"}, {"values", {revLabel(v)}}}}}}}}},
        {"variables", variables},
        {"validations",
         {{{"expression", "!variables.isEnvoyFilter"}},
          {{"expression", "!variables.isWasmPlugin"}},
          {{"expression", "!variables.isProxyConfig"}},
          {{"expression", telemetry}},
          {{"expression", authz}}}}}}};
  json binding = {
      {"apiVersion", "admissionregistration.k8s.io/v1"},
      {"kind", "ValidatingAdmissionPolicyBinding"},
      {"metadata", {{"name", "stable-channel-policy-binding" + revSuffix(v) + "-" + istioNs + ".istio.io"}}},
      {"spec", {{"policyName", name}, {"validationActions", {"Deny"}}}}};
  return {policy, binding};
}

}  // namespace iop::reconcilers::detail

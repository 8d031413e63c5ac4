#include "reconcilers/api/json_tree.h"
#include "reconcilers/render/render_internal.h"

namespace iop::reconcilers::detail {

using nlohmann::json;

json helmLabels(const std::string& chart) {
  // istioctl renders every chart as Helm release "istio" with chart version 1.0.0 (the charts'
  // placeholder version), so these are the values it prints.
  return {{"app.kubernetes.io/managed-by", "Helm"},
          {"app.kubernetes.io/instance", "istio"},
          {"app.kubernetes.io/part-of", "istio"},
          {"app.kubernetes.io/version", "1.0.0"},
          {"helm.sh/chart", chart + "-1.0.0"}};
}

json meta(const std::string& name, const std::string& ns, json labels) {
  json m = {{"name", name}};
  if (!ns.empty()) m["namespace"] = ns;
  m["labels"] = std::move(labels);
  return m;
}

std::string ownerName(const json& values) {
  std::string o = getString(values, "ownerName");
  return o.empty() ? "unknown" : o;
}

std::string revSuffix(const json& values) {
  std::string r = getString(values, "revision");
  return r.empty() ? "" : "-" + r;
}

std::string revLabel(const json& values) {
  std::string r = getString(values, "revision");
  return r.empty() ? "default" : r;
}

json resources(const json& r) {
  json out = json::object();
  if (!r.is_object()) return out;
  for (const char* key : {"limits", "requests"}) {
    auto it = r.find(key);
    if (it == r.end() || !it->is_object()) continue;
    json kept = json::object();
    for (const auto& [name, value] : it->items()) {
      if (truthy(value)) kept[name] = value;
    }
    if (!kept.empty()) out[key] = kept;
  }
  return out;
}

std::string image(const std::string& hub, const std::string& name, const json& tag,
                  const std::string& variant) {
  if (name.find('/') != std::string::npos) return name;
  std::string ref = hub + "/" + name + ":" + scalarText(tag);
  if (!variant.empty()) ref += "-" + variant;
  return ref;
}

json env(const std::string& name, const std::string& value) {
  return {{"name", name}, {"value", value}};
}

json envField(const std::string& name, const std::string& fieldPath, bool withApiVersion) {
  json ref = {{"fieldPath", fieldPath}};
  if (withApiVersion) ref["apiVersion"] = "v1";
  return {{"name", name}, {"valueFrom", {{"fieldRef", ref}}}};
}

json envResource(const std::string& name, const std::string& resource) {
  return {{"name", name}, {"valueFrom", {{"resourceFieldRef", {{"resource", resource}, {"divisor", "1"}}}}}};
}

json rule(std::vector<std::string> groups, std::vector<std::string> resources,
          std::vector<std::string> verbs) {
  return {{"apiGroups", groups}, {"resources", resources}, {"verbs", verbs}};
}

json istioValidationWebhook(const std::string& name, json clientConfig, const json& values) {
  std::string caBundle = getString(values, "base.validationCABundle");
  if (!caBundle.empty()) clientConfig["caBundle"] = caBundle;
  return {{"name", name},
          {"clientConfig", clientConfig},
          {"rules",
           {{{"operations", {"CREATE", "UPDATE"}},
             {"apiGroups",
              {"security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io"}},
             {"apiVersions", {"*"}},
             {"resources", {"*"}}}}},
          {"failurePolicy",
           !caBundle.empty() ? "Fail" : getString(values, "base.validationFailurePolicy", "Ignore")},
          {"sideEffects", "None"},
          {"admissionReviewVersions", {"v1"}}};
}

}  // namespace iop::reconcilers::detail

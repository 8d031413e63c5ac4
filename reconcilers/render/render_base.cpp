// The Base component: what Istio's base chart renders (Istio's API CRDs, the reader
// ServiceAccount, and the default-revision validating webhook when values.defaultRevision
// names one).
#include "reconcilers/api/json_tree.h"
#include "reconcilers/render/render.h"
#include "reconcilers/render/render_internal.h"

namespace iop::reconcilers::detail {

using nlohmann::json;

std::vector<json> renderBase(const ComponentInput& in) {
  const json& v = in.values;
  const std::string scope = getString(v, "global.resourceScope", "all");
  const bool nsScope = scope == "all" || scope == "namespace";
  const bool clusterScope = scope == "all" || scope == "cluster";
  const std::string istioNs = getString(v, "global.istioNamespace", in.namespace_);
  std::vector<json> out;

  if (clusterScope && getBool(v, "base.enableIstioConfigCRDs", true)) {
    std::set<std::string> excluded;
    for (const auto& e : getPath(v, "base.excludedCRDs").value_or(json::array()))
      excluded.insert(scalarText(e));
    for (auto& crd : istioCrds(helmLabels("base"))) {
      if (!excluded.count(crd["metadata"]["name"].get<std::string>())) out.push_back(std::move(crd));
    }
  }
  if (nsScope && getBool(v, "global.enableReaderRBAC", true) &&
      getString(v, "global.readerServiceAccount.name").empty()) {
    json l = {{"app", "istio-reader"}, {"release", "istio"}, {"app.kubernetes.io/name", "istio-reader"}};
    l.update(helmLabels("base"));
    json sa = {{"apiVersion", "v1"},
               {"kind", "ServiceAccount"},
               {"metadata", meta("istio-reader-service-account", istioNs, l)}};
    if (auto pulls = v["global"].value("imagePullSecrets", json::array()); !pulls.empty()) {
      json secrets = json::array();
      for (const auto& s : pulls) secrets.push_back({{"name", s}});
      sa["imagePullSecrets"] = secrets;
    }
    out.push_back(sa);
  }
  const std::string defaultRevision = getString(v, "defaultRevision");
  if (clusterScope && !defaultRevision.empty()) {
    json l = {{"app", "istiod"},
              {"release", "istio"},
              {"istio", "istiod"},
              {"istio.io/rev", defaultRevision},
              {"app.kubernetes.io/name", "istiod"}};
    l.update(helmLabels("base"));
    json client = json::object();
    if (std::string url = getString(v, "base.validationURL"); !url.empty()) {
      client["url"] = url;
    } else {
      client["service"] = {{"name", defaultRevision == "default" ? "istiod" : "istiod-" + defaultRevision},
                           {"namespace", istioNs},
                           {"path", "/validate"}};
    }
    json hook = istioValidationWebhook("validation.istio.io", client, v);
    out.push_back({{"apiVersion", "admissionregistration.k8s.io/v1"},
                   {"kind", "ValidatingWebhookConfiguration"},
                   {"metadata", meta("istiod-default-validator", "", l)},
                   {"webhooks", {hook}}});
  }
  return out;
}

}  // namespace iop::reconcilers::detail

#include "reconcilers/ownership.h"

namespace iop::reconcilers {

using json = nlohmann::json;

std::string Owner::labelSelector() const {
  return std::string(kOwningResourceLabel) + "=" + name + "," + kOwningNamespaceLabel + "=" + ns;
}

Owner ownerOf(const json& object) {
  const json& labels =
      object.contains("metadata") ? object["metadata"].value("labels", json::object()) : json::object();
  if (!labels.is_object()) return {};
  Owner o{labels.value(kOwningResourceLabel, ""), labels.value(kOwningNamespaceLabel, "")};
  if (o.name == "unknown") return {};
  return o;
}

const std::vector<OwnedKind>& ownedKinds() {
  static const std::vector<OwnedKind> kinds = {
      {{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"}, false, false},
      {{"", "v1", "ServiceAccount"}, true, true},
      {{"rbac.authorization.k8s.io", "v1", "ClusterRole"}, false, true},
      {{"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"}, false, true},
      {{"rbac.authorization.k8s.io", "v1", "Role"}, true, true},
      {{"rbac.authorization.k8s.io", "v1", "RoleBinding"}, true, true},
      {{"admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration"}, false, true},
      {{"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration"}, false, true},
      {{"admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy"}, false, true},
      {{"admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding"}, false, true},
      {{"", "v1", "ConfigMap"}, true, true},
      {{"", "v1", "ResourceQuota"}, true, true},
      {{"apps", "v1", "Deployment"}, true, true},
      {{"apps", "v1", "DaemonSet"}, true, true},
      {{"autoscaling", "v2", "HorizontalPodAutoscaler"}, true, true},
      {{"policy", "v1", "PodDisruptionBudget"}, true, true},
      {{"", "v1", "Service"}, true, true},
      // The endpointslice controller copies a Service's labels, ownership labels included, onto
      // the slices it makes: those are its own, never iop's (prune would delete them in a loop,
      // and their churn would wake the reconciler). iop's one slice (remote istiod) says Helm.
      {{"discovery.k8s.io", "v1", "EndpointSlice"},
       true,
       true,
       "endpointslice.kubernetes.io/managed-by!=endpointslice-controller.k8s.io"},
  };
  return kinds;
}

const OwnedKind* ownedKind(const std::string& kind) {
  for (const auto& k : ownedKinds())
    if (k.gvk.kind == kind) return &k;
  return nullptr;
}

std::string selectorFor(const std::string& labelSelector, const OwnedKind& kind) {
  if (!*kind.selector) return labelSelector;
  return labelSelector.empty() ? kind.selector : labelSelector + "," + kind.selector;
}

std::string describeObject(const json& object) {
  const json meta = object.value("metadata", json::object());
  std::string ns = meta.value("namespace", "");
  return object.value("kind", "") + " " + (ns.empty() ? "" : ns + "/") + meta.value("name", "");
}

}  // namespace iop::reconcilers

#include "reconcilers/apply/ownership.h"

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

std::string Installation::describe() const {
  return owner.describe() + "@" + revision;
}

std::optional<Installation> Installation::parse(const std::string& text) {
  auto slash = text.find('/');
  auto at = text.rfind('@');
  if (slash == std::string::npos || at == std::string::npos || at < slash || slash == 0 || at == slash + 1 ||
      at + 1 == text.size())
    return std::nullopt;
  return Installation{{text.substr(slash + 1, at - slash - 1), text.substr(0, slash)}, text.substr(at + 1)};
}

Installation installationOf(const json& object) {
  const json& labels =
      object.contains("metadata") ? object["metadata"].value("labels", json::object()) : json::object();
  return {ownerOf(object), labels.is_object() ? labels.value(kRevisionLabel, "") : ""};
}

bool isSharedAcrossRevisions(const json& object) {
  return isSharedAcrossRevisions(object.value("kind", ""), object);
}

bool kindMayBeShared(const std::string& kind) {
  return kind == "CustomResourceDefinition" || kind == "ServiceAccount" ||
         kind == "MutatingWebhookConfiguration" || kind == "ValidatingWebhookConfiguration" ||
         kind == "Service";
}

bool isSharedAcrossRevisions(const std::string& kind, const json& object) {
  if (!kindMayBeShared(kind)) return false;
  const json& labels =
      object.contains("metadata") ? object["metadata"].value("labels", json::object()) : json::object();
  if (!labels.is_object()) return false;
  // A revision tag's objects (values.revisionTags): one name whichever revision the tag points
  // at, so moving the tag from one CR to another hands them over in place.
  if (kind == "MutatingWebhookConfiguration" || kind == "Service" || kind == "ValidatingWebhookConfiguration")
    if (labels.contains(kTagLabel)) return true;
  if (kind == "MutatingWebhookConfiguration" || kind == "Service") return false;
  // Base's: its CRDs, the reader ServiceAccount, and the default revision's validator
  // (values.defaultRevision), its only webhook.
  return labels.value(kComponentLabel, "") == "Base";
}

std::vector<Installation> coOwnersOf(const json& object) {
  std::vector<Installation> out;
  if (!object.contains("metadata")) return out;
  const json annotations = object["metadata"].value("annotations", json::object());
  if (!annotations.is_object()) return out;
  const std::string value = annotations.value(kCoOwnersAnnotation, "");
  std::size_t start = 0;
  while (start < value.size()) {
    auto comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    if (auto i = Installation::parse(value.substr(start, comma - start))) out.push_back(*i);
    start = comma + 1;
  }
  return out;
}

std::string coOwnersValue(const std::vector<Installation>& coOwners) {
  std::string out;
  for (const auto& i : coOwners) out += (out.empty() ? "" : ",") + i.describe();
  return out;
}

Leaving leavingOwner(const Owner& owner, const std::string& revision) {
  return [owner, revision](const Installation& i) {
    return i.owner == owner && (revision.empty() || i.revision == revision);
  };
}

Leaving leavingRevision(const std::string& revision) {
  return [revision](const Installation& i) { return revision.empty() || i.revision == revision; };
}

Release planRelease(const json& live, const Leaving& leaving) {
  const Installation primary = installationOf(live);
  const std::vector<Installation> listed = coOwnersOf(live);
  std::vector<Installation> kept;
  for (const auto& i : listed)
    if (!leaving(i) && !(i == primary)) kept.push_back(i);
  Release r;
  if (!leaving(primary)) {
    if (kept.size() != listed.size()) r = {Release::Kind::Withdraw, {}, kept};
    return r;
  }
  if (!kept.empty()) {
    r.kind = Release::Kind::HandOver;
    r.to = kept.front();
    r.after.assign(kept.begin() + 1, kept.end());
    return r;
  }
  const OwnedKind* kind = ownedKind(live.value("kind", ""));
  if (kind && kind->prunable) r.kind = Release::Kind::Delete;
  return r;
}

Holding holdingOf(const json& live, const json& desired, const Owner& owner, bool perRevision,
                  const OwnerExists& ownerExists, bool adopt) {
  const Installation holder = installationOf(live);
  const Owner& current = holder.owner;
  if (current.name.empty()) {
    const json& meta = live.contains("metadata") ? live["metadata"] : json::object();
    const json labels = meta.is_object() ? meta.value("labels", json::object()) : json::object();
    const bool installed = labels.is_object() && labels.value(kManagedLabel, "") == kManagedValue;
    return installed || adopt ? Holding::Write : Holding::Foreign;
  }
  if (isSharedAcrossRevisions(desired) && isSharedAcrossRevisions(live) &&
      holder.revision != installationOf(desired).revision) {
    if (current == owner ? perRevision : ownerExists(current)) return Holding::Share;
    return Holding::Write;
  }
  return current != owner && ownerExists(current) ? Holding::Conflict : Holding::Write;
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
      {{"networking.k8s.io", "v1", "NetworkPolicy"}, true, true},
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

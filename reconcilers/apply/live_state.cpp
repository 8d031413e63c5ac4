#include "reconcilers/apply/live_state.h"

namespace iop::reconcilers {

using json = nlohmann::json;

std::string managedSelector() {
  return std::string(kManagedLabel) + "=" + kManagedValue;
}

kube::Result<std::optional<json>> ClientLiveState::get(const OwnedKind& kind, const std::string& ns,
                                                       const std::string& name) {
  auto r = client_.get(kind.gvk, kind.namespaced ? ns : "", name);
  if (!r) {
    if (kube::isNotFound(r.error())) return std::optional<json>();
    return r.error();
  }
  return std::optional<json>(std::move(*r));
}

kube::Result<std::vector<json>> ClientLiveState::owned(const OwnedKind& kind, const Owner& owner) {
  return matching(kind, owner.labelSelector());
}

kube::Result<std::vector<json>> ClientLiveState::shared(const OwnedKind& kind) {
  // Base's, or a tag's (labelled istio.io/tag, of component Pilot).
  auto all = matching(kind, managedSelector());
  if (!all) return all;
  std::erase_if(*all, [](const json& o) { return !isSharedAcrossRevisions(o); });
  return all;
}

kube::Result<std::vector<json>> ClientLiveState::matching(const OwnedKind& kind,
                                                          const std::string& selector) {
  auto list = client_.listAll(kind.gvk, "", {.labelSelector = selectorFor(selector, kind)});
  if (!list) {
    // A kind the server does not serve holds nothing of ours.
    if (kube::isNoKindMatch(list.error())) return std::vector<json>();
    return list.error();
  }
  std::vector<json> out;
  for (auto& item : (*list)["items"]) {
    item["apiVersion"] = kind.gvk.apiVersion();
    item["kind"] = kind.gvk.kind;
    out.push_back(std::move(item));
  }
  return out;
}

namespace {

constexpr const char* kOwnerIndex = "owner";
constexpr const char* kSharedIndex = "shared";

std::string ownerIndexValue(const json& object) {
  Owner owner = ownerOf(object);
  return owner.name.empty() ? "" : owner.describe();
}

}  // namespace

void trimForCache(const OwnedKind& kind, json& object) {
  if (!object.is_object()) return;
  const std::string& k = kind.gvk.kind;
  if (k == "Deployment" || k == "DaemonSet") {
    // Only the counters workloadNotReadyReason() reads; conditions carry long messages.
    static const char* const kReadiness[] = {"observedGeneration",     "replicas",
                                             "updatedReplicas",        "availableReplicas",
                                             "desiredNumberScheduled", "updatedNumberScheduled",
                                             "numberAvailable"};
    if (auto status = object.find("status"); status != object.end() && status->is_object()) {
      json kept = json::object();
      for (const char* field : kReadiness)
        if (auto v = status->find(field); v != status->end()) kept[field] = std::move(*v);
      *status = std::move(kept);
    }
  } else {
    object.erase("status");
  }
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  meta->erase("creationTimestamp");
  if (auto a = meta->find("annotations"); a != meta->end() && a->is_object()) {
    a->erase("kubectl.kubernetes.io/last-applied-configuration");
    if (a->empty()) meta->erase(a);
  }
  auto fields = meta->find("managedFields");
  if (fields == meta->end()) return;
  // Of iop's own Apply entry on a Deployment, only whether it holds spec.replicas matters (the
  // applier hands the replicas over to an HPA when it does); the rest of its field set is as big
  // as the spec itself.
  json kept = json::array();
  if (k == "Deployment" && fields->is_array())
    for (auto& m : *fields) {
      if (!m.is_object() || m.value("manager", "") != kFieldManager || m.value("operation", "") != "Apply")
        continue;
      const json& f = m.value("fieldsV1", json::object());
      if (!f.is_object() || !f.contains("f:spec") || !f["f:spec"].is_object() ||
          !f["f:spec"].contains("f:replicas"))
        continue;
      kept.push_back({{"manager", m["manager"]},
                      {"operation", m["operation"]},
                      {"fieldsV1", {{"f:spec", {{"f:replicas", json::object()}}}}}});
    }
  if (kept.empty()) {
    meta->erase(fields);
  } else {
    *fields = std::move(kept);
  }
}

InformerLiveState::InformerLiveState(controller::InformerFactory& factory) {
  for (const auto& k : ownedKinds()) {
    auto& informer = factory.informer(k.gvk, "", selectorFor(managedSelector(), k));
    informer.addIndex(kOwnerIndex, ownerIndexValue);
    informer.addIndex(kSharedIndex,
                      [&k](const json& o) { return isSharedAcrossRevisions(k.gvk.kind, o) ? "true" : ""; });
    informer.setTransform([&k](json& object) { trimForCache(k, object); });
    byKind_[k.gvk.kind] = &informer;
  }
}

std::vector<controller::Informer*> InformerLiveState::informers() const {
  std::vector<controller::Informer*> out;
  for (const auto& [kind, inf] : byKind_) out.push_back(inf);
  return out;
}

kube::Result<std::optional<json>> InformerLiveState::get(const OwnedKind& kind, const std::string& ns,
                                                         const std::string& name) {
  auto it = byKind_.find(kind.gvk.kind);
  if (it == byKind_.end()) return kube::Error::invalid("no informer for " + kind.gvk.describe());
  auto o = it->second->get(kind.namespaced ? ns : "", name);
  if (o) {
    (*o)["apiVersion"] = kind.gvk.apiVersion();
    (*o)["kind"] = kind.gvk.kind;
  }
  return o;
}

kube::Result<std::vector<json>> InformerLiveState::owned(const OwnedKind& kind, const Owner& owner) {
  if (owner.name.empty()) return std::vector<json>();
  return byIndex(kind, kOwnerIndex, owner.describe());
}

kube::Result<std::vector<json>> InformerLiveState::shared(const OwnedKind& kind) {
  return byIndex(kind, kSharedIndex, "true");
}

kube::Result<std::vector<json>> InformerLiveState::byIndex(const OwnedKind& kind, const char* index,
                                                           const std::string& value) {
  auto it = byKind_.find(kind.gvk.kind);
  if (it == byKind_.end()) return kube::Error::invalid("no informer for " + kind.gvk.describe());
  auto out = it->second->byIndex(index, value);
  for (auto& o : out) {
    o["apiVersion"] = kind.gvk.apiVersion();
    o["kind"] = kind.gvk.kind;
  }
  return out;
}

}  // namespace iop::reconcilers

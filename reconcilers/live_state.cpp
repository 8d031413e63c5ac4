#include "reconcilers/live_state.h"

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
  auto list = client_.listAll(kind.gvk, "", {.labelSelector = selectorFor(owner.labelSelector(), kind)});
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

InformerLiveState::InformerLiveState(controller::InformerFactory& factory) {
  for (const auto& k : ownedKinds())
    byKind_[k.gvk.kind] = &factory.informer(k.gvk, "", selectorFor(managedSelector(), k));
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
  auto it = byKind_.find(kind.gvk.kind);
  if (it == byKind_.end()) return kube::Error::invalid("no informer for " + kind.gvk.describe());
  std::vector<json> out;
  for (auto& o : it->second->list()) {
    if (ownerOf(o) != owner) continue;
    o["apiVersion"] = kind.gvk.apiVersion();
    o["kind"] = kind.gvk.kind;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace iop::reconcilers

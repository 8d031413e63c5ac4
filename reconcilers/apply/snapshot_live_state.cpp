#include "reconcilers/apply/snapshot_live_state.h"

#include "reconcilers/apply/concurrently.h"

namespace iop::reconcilers {

using json = nlohmann::json;

kube::Result<void> SnapshotLiveState::load(const OwnedKind& kind) {
  {
    std::lock_guard lock(mu_);
    if (byKind_.count(kind.gvk.kind)) return {};
  }
  Objects objects;
  auto list = client_.listAll(kind.gvk, "", {.labelSelector = selectorFor(managedSelector(), kind)});
  if (!list) {
    // A kind the server does not serve holds nothing: an object of it is simply absent.
    if (!kube::isNoKindMatch(list.error())) return list.error();
  } else {
    for (auto& item : (*list)["items"]) {
      item["apiVersion"] = kind.gvk.apiVersion();
      item["kind"] = kind.gvk.kind;
      trimForCache(kind, item);  // what the informers keep: all the applier reads, less memory
      const json& meta = item["metadata"];
      std::pair<std::string, std::string> key{kind.namespaced ? meta.value("namespace", "") : "",
                                              meta.value("name", "")};
      objects.emplace(std::move(key), std::move(item));
    }
  }
  std::lock_guard lock(mu_);
  byKind_.try_emplace(kind.gvk.kind, std::move(objects));
  return {};
}

void SnapshotLiveState::prefetch(const std::vector<OwnedKind>& kinds, int concurrency) {
  forEachConcurrently(kinds.size(), concurrency, [&](std::size_t i) { (void)load(kinds[i]); });
}

kube::Result<std::optional<json>> SnapshotLiveState::get(const OwnedKind& kind, const std::string& ns,
                                                         const std::string& name) {
  if (auto loaded = load(kind); !loaded) return loaded.error();
  std::lock_guard lock(mu_);
  const Objects& objects = byKind_.at(kind.gvk.kind);
  auto it = objects.find({kind.namespaced ? ns : "", name});
  if (it == objects.end()) return std::optional<json>();
  return std::optional<json>(it->second);
}

kube::Result<std::vector<json>> SnapshotLiveState::owned(const OwnedKind& kind, const Owner& owner) {
  if (auto loaded = load(kind); !loaded) return loaded.error();
  std::vector<json> out;
  if (owner.name.empty()) return out;
  std::lock_guard lock(mu_);
  for (const auto& [key, o] : byKind_.at(kind.gvk.kind))
    if (ownerOf(o) == owner) out.push_back(o);
  return out;
}

kube::Result<std::vector<json>> SnapshotLiveState::shared(const OwnedKind& kind) {
  if (auto loaded = load(kind); !loaded) return loaded.error();
  std::vector<json> out;
  std::lock_guard lock(mu_);
  for (const auto& [key, o] : byKind_.at(kind.gvk.kind))
    if (isSharedAcrossRevisions(kind.gvk.kind, o)) out.push_back(o);
  return out;
}

}  // namespace iop::reconcilers

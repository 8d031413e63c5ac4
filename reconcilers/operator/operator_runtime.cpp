#include "reconcilers/operator/operator_runtime.h"

#include <sstream>

namespace iop::reconcilers {

using json = nlohmann::json;

std::vector<std::string> splitNamespaces(const std::string& commaList) {
  std::vector<std::string> out;
  std::stringstream in(commaList);
  for (std::string item; std::getline(in, item, ',');) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

void trimIstioOperatorForCache(json& cr) {
  if (!cr.is_object()) return;
  json kept = json::object();
  for (const char* field : {"apiVersion", "kind"})
    if (auto v = cr.find(field); v != cr.end()) kept[field] = std::move(*v);
  if (auto meta = cr.find("metadata"); meta != cr.end() && meta->is_object()) {
    json& m = kept["metadata"] = json::object();
    for (const char* field :
         {"name", "namespace", "uid", "resourceVersion", "generation", "deletionTimestamp"})
      if (auto v = meta->find(field); v != meta->end()) m[field] = std::move(*v);
  }
  if (auto meta = cr.find("metadata"); meta != cr.end() && meta->is_object()) {
    if (auto a = meta->find("annotations"); a != meta->end() && a->is_object()) {
      json mine = json::object();
      for (const char* key : {kIgnoreReconcileAnnotation, kForceDeleteAnnotation, kAdoptAnnotation})
        if (auto v = a->find(key); v != a->end()) mine[key] = *v;
      if (!mine.empty()) kept["metadata"]["annotations"] = std::move(mine);
    }
  }
  if (auto spec = cr.find("spec"); spec != cr.end() && spec->is_object())
    if (auto rev = spec->find("revision"); rev != spec->end()) kept["spec"] = {{"revision", std::move(*rev)}};
  cr = std::move(kept);
}

bool crChanged(const json& before, const json& now) {
  auto part = [](const json& cr, const char* field) {
    const json meta = cr.is_object() ? cr.value("metadata", json::object()) : json::object();
    return meta.is_object() ? meta.value(field, json()) : json();
  };
  for (const char* field : {"generation", "deletionTimestamp", "annotations", "uid"})
    if (part(before, field) != part(now, field)) return true;
  const json specBefore = before.is_object() ? before.value("spec", json()) : json();
  const json specNow = now.is_object() ? now.value("spec", json()) : json();
  // A CR without a generation (not served by the CRD's status subresource): any change counts.
  return specBefore != specNow || part(now, "generation").is_null();
}

OperatorRuntime::OperatorRuntime(kube::Client& client, OperatorOptions options)
    : options_(std::move(options)) {
  controller::ManagerOptions m;
  m.client = &client;
  m.metricsAddress = options_.metricsAddress;
  m.healthAddress = options_.healthAddress;
  m.leaderElection = options_.leaderElection;
  m.handleSignals = options_.handleSignals;
  m.onCachesSynced = options_.onCachesSynced;
  manager_ = std::make_unique<controller::Manager>(std::move(m));
  live_ = std::make_unique<InformerLiveState>(manager_->informers());
  events_ = std::make_unique<EventRecorder>(client);
  reconciler_ = std::make_unique<IstioOperatorReconciler>(
      client, *live_, *events_,
      IstioOperatorReconcilerOptions{.revision = options_.revision,
                                     .iopVersion = options_.iopVersion,
                                     .manifests = options_.manifests,
                                     .notReadyRequeue = options_.notReadyRequeue,
                                     .pruneWait = options_.pruneWait,
                                     .policy = options_.policy});
  controller::Controller& ctl =
      manager_->addController({.name = "istiooperator", .workers = options_.workers}, *reconciler_);

  const std::string revision = options_.revision;
  auto enqueueCR = [&ctl, revision](const json& cr) {
    if (!revisionMatches(cr, revision)) return;
    const json& meta = cr["metadata"];
    ctl.enqueue({meta.value("namespace", ""), meta.value("name", "")});
  };
  controller::InformerHandlers crHandlers{
      .onAdd = enqueueCR,
      // Only a change the reconcile acts on wakes it: the spec (generation), deletion, the
      // revision, iop's annotations. Its own status writes do not, or a status that keeps
      // changing (a failure's message) would reconcile in a loop past the backoff.
      .onUpdate =
          [enqueueCR](const json& before, const json& now) {
            if (crChanged(before, now)) enqueueCR(now);
          },
      .onDelete = enqueueCR};
  std::vector<std::string> namespaces = options_.watchNamespaces;
  if (namespaces.empty()) namespaces.push_back("");
  for (const auto& ns : namespaces) {
    auto& crs = manager_->informers().informer(kIstioOperatorGVK, ns);
    crs.setTransform(trimIstioOperatorForCache);
    crs.addHandlers(crHandlers);
  }

  // An owned object's event is its owning CR's business; the reconciler checks the revision.
  auto enqueueOwner = [this, &ctl](const json& object) {
    Owner owner = ownerOf(object);
    if (owner.name.empty() || !watched(owner.ns)) return;
    ctl.enqueue({owner.ns, owner.name});
  };
  controller::InformerHandlers ownedHandlers{.onAdd = enqueueOwner,
                                             .onUpdate =
                                                 [enqueueOwner](const json& before, const json& now) {
                                                   enqueueOwner(now);
                                                   if (ownerOf(before) != ownerOf(now)) enqueueOwner(before);
                                                 },
                                             .onDelete = enqueueOwner};
  for (auto* informer : live_->informers()) informer->addHandlers(ownedHandlers);

  // A gateway CR says whether an istiod of its revision exists (ControlPlaneFound): when one of
  // this revision comes or goes, every CR of the revision looks again (few CRs, rare events).
  auto crInformers = std::make_shared<std::vector<controller::Informer*>>();
  for (const auto& ns : namespaces)
    crInformers->push_back(&manager_->informers().informer(kIstioOperatorGVK, ns));
  auto enqueueRevision = [&ctl, revision, crInformers](const json& deployment) {
    const json labels = deployment["metadata"].value("labels", json::object());
    if (!labels.is_object() || labels.value("app", "") != "istiod") return;
    const std::string rev = labels.value(kRevisionLabel, "");
    if ((rev == kDefaultRevision ? "" : rev) != (revision == kDefaultRevision ? "" : revision)) return;
    for (auto* informer : *crInformers)
      for (const auto& cr : informer->list())
        if (revisionMatches(cr, revision))
          ctl.enqueue({cr["metadata"].value("namespace", ""), cr["metadata"].value("name", "")});
  };
  manager_->informers()
      .informer(ownedKind("Deployment")->gvk, "", selectorFor(managedSelector(), *ownedKind("Deployment")))
      .addHandlers({.onAdd = enqueueRevision, .onDelete = enqueueRevision});
}

OperatorRuntime::~OperatorRuntime() = default;

bool OperatorRuntime::watched(const std::string& ns) const {
  if (options_.watchNamespaces.empty()) return true;
  for (const auto& w : options_.watchNamespaces)
    if (w == ns) return true;
  return false;
}

}  // namespace iop::reconcilers

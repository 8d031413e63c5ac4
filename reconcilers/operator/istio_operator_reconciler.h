#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "controller/change_log.h"
#include "controller/reconciler.h"
#include "kube/client.h"
#include "reconcilers/apply/applier.h"
#include "reconcilers/apply/live_state.h"
#include "reconcilers/operator/event_recorder.h"
#include "reconcilers/operator/install_status.h"
#include "reconcilers/render/istio_manifests.h"
#include "reconcilers/render/object_policy.h"

namespace iop::reconcilers {

struct IstioOperatorReconcilerOptions {
  // The revision this operator reconciles: "" (or "default") for the default revision.
  std::string revision;
  std::string iopVersion;  // the operator.istio.io/version label
  // Istio's charts and profiles (`iop run --manifests`), for every CR. Null: each CR's
  // spec.installPackagePath when set, else the compiled-in ones.
  std::shared_ptr<const IstioManifests> manifests;
  // How soon to look again while workloads are not ready or a deletion is held.
  std::chrono::milliseconds notReadyRequeue{3000};
  std::chrono::milliseconds actionRequiredRequeue{10000};
  // How soon to look again at a CR whose objects another CR owns: no event of ours fires when
  // that other CR goes away (the objects' events name it), so poll to adopt them then.
  std::chrono::milliseconds conflictRequeue{5000};
  // How long objects no longer desired are kept while the CR's workloads are not ready, so an
  // old gateway keeps serving until its replacement is available (or this much time passed).
  // Waiting is a requeue, never a sleep on a worker. HPAs are exempt: one left behind would
  // fight the fixed replica count that replaced it, so they go in the same reconcile.
  std::chrono::milliseconds pruneWait{std::chrono::minutes(2)};
  // What rendered objects may be (pod security, namespaces, RBAC and webhook overlays).
  ObjectPolicy policy;
};

// Whether an IstioOperator (as JSON) is for `operatorRevision`: spec.revision equal to it,
// with "" and "default" meaning the same thing.
bool revisionMatches(const nlohmann::json& cr, const std::string& operatorRevision);

// The IstioOperator reconciler: for one CR, finalizer, validation, render, apply, prune,
// readiness, status and events; on deletion, uninstall what the CR owns and release the
// finalizer. Level-based: reads the CR and live state each time, keeps no memory of what it
// applied. Client, live state and events are borrowed and must outlive it. Thread-safe for
// different Requests at once (the controller never runs one Request twice at once).
class IstioOperatorReconciler final : public controller::Reconciler {
 public:
  IstioOperatorReconciler(kube::Client& client, LiveState& live, EventRecorder& events,
                          IstioOperatorReconcilerOptions options);
  controller::Result reconcile(const controller::Request& request) override;

 private:
  controller::Result reconcileLive(nlohmann::json cr);
  controller::Result reconcileDeletion(const nlohmann::json& cr);
  // Writes status when it differs from the CR's; false (and logs) when the write failed.
  bool writeStatus(const nlohmann::json& cr, const nlohmann::json& status);
  // The InUse condition of a control plane of `revision` (revisionUsers). Blocks on a few LISTs.
  Condition inUseCondition(const std::string& revision);
  // Whether the prune wait of `key` (started now when it was not running) has run out, and
  // how much of it is left.
  void logOutcome(const std::string& key, const ApplyReport& applied, const DeleteReport& pruned,
                  const std::vector<std::string>& deferred, const std::vector<std::string>& conflicts,
                  const std::vector<std::string>& failures);
  bool pruneWaitOver(const std::string& key, std::chrono::milliseconds& left);
  void endPruneWait(const std::string& key);

  kube::Client& client_;
  LiveState& live_;
  EventRecorder& events_;
  Applier applier_;
  IstioOperatorReconcilerOptions options_;
  std::mutex pruneMu_;  // guards pruneDeadlines_
  // CR key -> when its deferred prune goes ahead anyway. Only timing lives here, never state:
  // after a restart the wait starts again, bounded all the same.
  std::map<std::string, std::chrono::steady_clock::time_point> pruneDeadlines_;
  // Conflicts and failures already logged per CR: a persisting one is logged once.
  controller::ChangeLog problems_;
};

}  // namespace iop::reconcilers

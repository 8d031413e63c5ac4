#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/manager.h"
#include "kube/client.h"
#include "reconcilers/apply/live_state.h"
#include "reconcilers/operator/event_recorder.h"
#include "reconcilers/operator/istio_operator_reconciler.h"

// The operator of one revision, assembled: a Manager with informers on IstioOperator CRs (in the
// watched namespaces) and on every owned kind (cluster-wide, operator.istio.io/managed=Reconcile),
// whose events become the owning CR's key, and the IstioOperator reconciler behind a controller.
// `iop run` parses flags into OperatorOptions; tests run it in-process.
namespace iop::reconcilers {

struct OperatorOptions {
  std::string revision;                      // "" or "default": the default revision
  std::vector<std::string> watchNamespaces;  // empty: every namespace
  std::string metricsAddress = ":8383";
  std::string healthAddress = ":8081";
  int workers = 8;
  std::optional<controller::LeaderElectionConfig> leaderElection;
  std::string iopVersion;
  // See IstioOperatorReconcilerOptions::manifests.
  std::shared_ptr<const IstioManifests> manifests;
  bool handleSignals = true;
  std::chrono::milliseconds notReadyRequeue{3000};
  // See IstioOperatorReconcilerOptions::pruneWait.
  std::chrono::milliseconds pruneWait{std::chrono::minutes(2)};
  std::function<void()> onCachesSynced;  // see controller::ManagerOptions
  ObjectPolicy policy;                   // see IstioOperatorReconcilerOptions::policy
};

// Lifecycle: construct (creates informers, starts nothing), run() once (blocks until stop(),
// a signal or lost leadership), destroy after run() returned. client is borrowed.
class OperatorRuntime {
 public:
  OperatorRuntime(kube::Client& client, OperatorOptions options);
  ~OperatorRuntime();
  OperatorRuntime(const OperatorRuntime&) = delete;
  OperatorRuntime& operator=(const OperatorRuntime&) = delete;

  std::optional<std::string> run() { return manager_->start(); }
  void stop() { manager_->stop(); }  // thread-safe, non-blocking
  controller::Manager& manager() { return *manager_; }

 private:
  bool watched(const std::string& ns) const;

  OperatorOptions options_;
  std::unique_ptr<controller::Manager> manager_;
  std::unique_ptr<InformerLiveState> live_;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<IstioOperatorReconciler> reconciler_;
};

// What the operator caches of an IstioOperator CR: apiVersion, kind, metadata's name,
// namespace, uid, resourceVersion, generation and deletionTimestamp, and spec.revision. That is
// all its event handlers read, plus iop's annotations (ignoreReconcile, force-delete, adopt),
// whose changes wake a reconcile (a reconcile GETs the CR afresh); its spec, status and
// managedFields would cost memory for each CR in the watched namespaces, of any revision.
void trimIstioOperatorForCache(nlohmann::json& cr);

// Whether an update of a CR (as trimIstioOperatorForCache keeps it) is one its reconcile acts
// on: the spec's generation, deletion, spec.revision or iop's annotations changed. Status
// writes (the reconciler's own) are not.
bool crChanged(const nlohmann::json& before, const nlohmann::json& now);

// "a,b, c" -> {"a","b","c"}; blanks dropped.
std::vector<std::string> splitNamespaces(const std::string& commaList);

}  // namespace iop::reconcilers

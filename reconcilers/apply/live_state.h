#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "controller/informer_factory.h"
#include "kube/client.h"
#include "reconcilers/apply/ownership.h"

// Where the applier reads the live copies of the objects it writes. The operator reads its
// informers' caches (so a reconcile with nothing to do sends no request at all); one-shot
// commands read the API server directly.
namespace iop::reconcilers {

class LiveState {
 public:
  virtual ~LiveState() = default;
  // The live object, nullopt when it does not exist. Thread-safe.
  virtual kube::Result<std::optional<nlohmann::json>> get(const OwnedKind& kind, const std::string& ns,
                                                          const std::string& name) = 0;
  // Every object of `kind` (all namespaces) whose owning-resource labels name `owner`.
  virtual kube::Result<std::vector<nlohmann::json>> owned(const OwnedKind& kind, const Owner& owner) = 0;
  // Every object of `kind` that installations of several revisions may share
  // (isSharedAcrossRevisions), whoever owns it. Thread-safe.
  virtual kube::Result<std::vector<nlohmann::json>> shared(const OwnedKind& kind) = 0;
};

// Reads through the client: a GET per object, a LIST per kind. client is borrowed.
class ClientLiveState final : public LiveState {
 public:
  explicit ClientLiveState(kube::Client& client) : client_(client) {}
  kube::Result<std::optional<nlohmann::json>> get(const OwnedKind& kind, const std::string& ns,
                                                  const std::string& name) override;
  kube::Result<std::vector<nlohmann::json>> owned(const OwnedKind& kind, const Owner& owner) override;
  kube::Result<std::vector<nlohmann::json>> shared(const OwnedKind& kind) override;
  // Every object of `kind` matching `selector` (narrowed by kind.selector), with apiVersion
  // and kind set; none when the server does not serve the kind.
  kube::Result<std::vector<nlohmann::json>> matching(const OwnedKind& kind, const std::string& selector);

 private:
  kube::Client& client_;
};

// Reads the caches of informers on every owned kind, cluster-wide, selecting
// operator.istio.io/managed=Reconcile. Objects without that label are invisible here, which
// is what the applier wants: it only skips or refuses objects carrying iop's labels, and
// applies everything else. The factory is borrowed; the constructor creates the informers
// (call it before the factory starts), indexes them by owner, so owned() costs the owner's
// objects and not every cached one, and trims what they cache with trimForCache().
class InformerLiveState final : public LiveState {
 public:
  explicit InformerLiveState(controller::InformerFactory& factory);
  kube::Result<std::optional<nlohmann::json>> get(const OwnedKind& kind, const std::string& ns,
                                                  const std::string& name) override;
  kube::Result<std::vector<nlohmann::json>> owned(const OwnedKind& kind, const Owner& owner) override;
  kube::Result<std::vector<nlohmann::json>> shared(const OwnedKind& kind) override;
  // The informers, one per owned kind, for adding event handlers.
  std::vector<controller::Informer*> informers() const;

 private:
  kube::Result<std::vector<nlohmann::json>> byIndex(const OwnedKind& kind, const char* index,
                                                    const std::string& value);
  std::map<std::string, controller::Informer*> byKind_;  // immutable after construction
};

// The label selector of the owned-kind informers.
std::string managedSelector();

// Drops from a live object of `kind` what nothing reading InformerLiveState looks at, so the
// operator's caches cost less memory: the kubectl last-applied-configuration annotation,
// creationTimestamp, status (but for the replica counters of Deployments and DaemonSets that
// readiness reads), and managedFields (but for iop's own Apply entry on a Deployment when it
// holds spec.replicas, reduced to just that: the applier reads it to hand the replicas over to
// an HPA). Spec, labels and the other annotations stay whole: drift is detected against them.
void trimForCache(const OwnedKind& kind, nlohmann::json& object);

}  // namespace iop::reconcilers

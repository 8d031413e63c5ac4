#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/client.h"

// `iop status`: what is installed in a cluster, revision by revision, and whether it is really
// up — the "verify install" that users of Istio's operator asked for. Every IstioOperator with
// its revision, whether an operator of that revision runs (its Lease is held and fresh), its
// status and conditions, the workloads it owns with ready/desired replicas; what `iop install`
// installed without a CR; and per revision, its operator and which namespaces select it.
// readOverview() lists, computeOverview() judges (pure), overviewJson() is the -o json form.
namespace iop::reconcilers {

struct WorkloadState {
  std::string kind;  // Deployment, DaemonSet
  std::string ns, name, component, revision;
  long ready = 0, desired = 0;
  std::string notReady;  // workloadNotReadyReason(); "" when ready
};

struct ConditionState {
  std::string type, status, reason, message;
};

// The operator of one revision as the cluster shows it.
struct OperatorState {
  std::string revision;
  std::string deployment;  // "istio-operator/istio-operator-1-8-0"; "" when not installed
  std::string lease;       // "istio-operator/iop-1-8-0-leader"; "" when there is none
  std::string holder;      // the lease's holderIdentity; "" when released
  long renewedSecondsAgo = -1;
  bool running = false;  // a holder renewed within the lease duration (and a few seconds)
};

struct IstioOperatorState {
  std::string ns, name, revision;  // revision "default" for none
  std::string status;              // status.status; "" when never written
  long generation = 0, observedGeneration = 0;
  bool deleting = false;
  bool handled = false;  // an operator of its revision is running
  std::vector<ConditionState> conditions;
  std::vector<WorkloadState> workloads;
  std::vector<std::string> problems;  // empty: healthy
};

// Objects of `iop install` (no IstioOperator of that name in the cluster): one owner at one revision.
struct InstallationState {
  std::string owner;  // "istio-system/control-plane"
  std::string revision;
  std::vector<WorkloadState> workloads;
  std::vector<std::string> problems;
};

struct RevisionState {
  std::string revision;
  OperatorState operatorState;
  std::vector<std::string> controlPlanes;  // "istio-system/istiod-1-8-0", istiod Deployments
  std::vector<std::string> namespaces;     // selecting it (istio.io/rev, istio-injection for default)
  // Revision tags pointing at it (their injector webhooks), each with the namespaces selecting it.
  std::map<std::string, std::vector<std::string>> tags;
};

struct Overview {
  std::vector<IstioOperatorState> istioOperators;
  std::vector<InstallationState> installations;
  std::vector<RevisionState> revisions;
  // Every problem, "istio-system/gateways: ..." first by CR then by installation; empty: healthy.
  std::vector<std::string> problems;
  bool healthy() const { return problems.empty(); }
};

// What readOverview() lists, as the API server returned it (items of each list).
struct ClusterListing {
  std::vector<nlohmann::json> istioOperators;  // empty when the CRD is not installed
  std::vector<nlohmann::json> workloads;       // iop's Deployments and DaemonSets (kind set)
  std::vector<nlohmann::json> operatorDeployments;
  std::vector<nlohmann::json> leases;  // named iop-*-leader
  std::vector<nlohmann::json> namespaces;
  std::vector<nlohmann::json> tagWebhooks;  // MutatingWebhookConfigurations labelled istio.io/tag
};

// Judges a listing at `now`. Pure.
Overview computeOverview(const ClusterListing& listing, std::chrono::system_clock::time_point now);

// Lists what computeOverview() needs (six LISTs, cluster-wide; read-only). Errors say which
// list failed.
kube::Result<ClusterListing> listForOverview(kube::Client& client);

// The machine-readable form (`iop status -o json|yaml`).
nlohmann::json overviewJson(const Overview& overview);

}  // namespace iop::reconcilers

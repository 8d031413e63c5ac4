#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/client.h"

// Why a workload is not ready, in the words the cluster already has for it. "1/1 updated, 0/1
// available" says that something is wrong; the reason is on other objects: the scheduler's
// FailedScheduling on the pods, a kubelet's ImagePullBackOff or CrashLoopBackOff in their
// container states, the ReplicaSet's FailedCreate when a quota refuses its pods. `iop install`
// shows these while it waits and when it gives up.
namespace iop::reconcilers {

struct WorkloadProblem {
  std::string reason;   // "FailedScheduling", "ImagePullBackOff", "FailedCreate", ...
  std::string message;  // the cluster's own text
  std::string where;    // "pod istio-ingressgateway-7d9f-x2x (and 1 more)", "ReplicaSet ns/x"
};

// What the cluster says about the Deployment or DaemonSet `workload` (a live copy) and the
// objects it runs through: its conditions (ReplicaFailure, ProgressDeadlineExceeded), its
// current ReplicaSet's (FailedCreate), its pods' (PodScheduled=False) and their containers'
// (waiting or crashed), and the Warning events of all of them. One entry per distinct message,
// events first; empty when nothing is wrong yet (pods just starting). Blocks on three or four
// LISTs; read-only.
kube::Result<std::vector<WorkloadProblem>> diagnoseWorkload(kube::Client& client,
                                                            const nlohmann::json& workload);

// The pure part of diagnoseWorkload(), for the objects already read: `replicaSets` and `pods`
// are those of the workload's namespace matching its selector (filtered here by owner), `events`
// the namespace's Warning events.
std::vector<WorkloadProblem> workloadProblems(const nlohmann::json& workload,
                                              const std::vector<nlohmann::json>& replicaSets,
                                              const std::vector<nlohmann::json>& pods,
                                              const std::vector<nlohmann::json>& events);

// "FailedScheduling: 0/1 nodes are available: ... (pod x)".
std::string describeProblem(const WorkloadProblem& problem);

}  // namespace iop::reconcilers

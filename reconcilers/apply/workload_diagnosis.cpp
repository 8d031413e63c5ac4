#include "reconcilers/apply/workload_diagnosis.h"

#include <map>
#include <set>

namespace iop::reconcilers {

using json = nlohmann::json;

namespace {

const kube::GroupVersionKind kReplicaSet{"apps", "v1", "ReplicaSet"};
const kube::GroupVersionKind kPod{"", "v1", "Pod"};
const kube::GroupVersionKind kEvent{"", "v1", "Event"};

// Waiting reasons of a container that is merely starting, not stuck.
const std::set<std::string> kStarting = {"ContainerCreating", "PodInitializing"};

std::string str(const json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

const json& field(const json& o, const char* key) {
  static const json kNull;
  return o.is_object() && o.contains(key) ? o[key] : kNull;
}

std::vector<json> items(const json& o, const char* key) {
  const json& v = field(o, key);
  return v.is_array() ? std::vector<json>(v.begin(), v.end()) : std::vector<json>{};
}

bool ownedBy(const json& object, const std::string& uid) {
  for (const auto& ref : items(field(object, "metadata"), "ownerReferences"))
    if (str(ref, "uid") == uid) return true;
  return false;
}

long revisionOf(const json& replicaSet) {
  const std::string r =
      str(field(field(replicaSet, "metadata"), "annotations"), "deployment.kubernetes.io/revision");
  try {
    return r.empty() ? 0 : std::stol(r);
  } catch (const std::exception&) {
    return 0;
  }
}

// Collects problems, one per distinct message, counting the further objects that repeat one.
class Problems {
 public:
  // One problem per object and reason (the first said wins: events come first), and one per
  // message (the others objects repeating it are counted).
  void add(std::string reason, std::string message, const std::string& where) {
    if (reason.empty() || !said_.insert({where, reason}).second) return;
    const std::string key = message.empty() ? reason : message;
    auto [it, fresh] = index_.try_emplace(key, list_.size());
    if (fresh) {
      list_.push_back({std::move(reason), std::move(message), where});
      repeats_.push_back(0);
    } else if (list_[it->second].where != where) {
      ++repeats_[it->second];
    }
  }
  bool empty() const { return list_.empty(); }
  std::vector<WorkloadProblem> take() {
    for (std::size_t i = 0; i < list_.size(); ++i)
      if (repeats_[i] > 0) list_[i].where += " (and " + std::to_string(repeats_[i]) + " more)";
    return std::move(list_);
  }

 private:
  std::vector<WorkloadProblem> list_;
  std::vector<int> repeats_;
  std::map<std::string, std::size_t> index_;
  std::set<std::pair<std::string, std::string>> said_;  // (where, reason)
};

void containerProblems(const json& pod, const char* statuses, const std::string& where, Problems& out) {
  for (const auto& c : items(field(pod, "status"), statuses)) {
    const json& state = field(c, "state");
    const std::string container = "container " + str(c, "name") + ": ";
    if (const json& waiting = field(state, "waiting"); waiting.is_object()) {
      const std::string reason = str(waiting, "reason");
      if (reason.empty() || kStarting.count(reason)) continue;
      std::string message = str(waiting, "message");
      const json& last = field(field(c, "lastState"), "terminated");
      if (last.is_object() && last.contains("exitCode"))
        message += (message.empty() ? "" : "; ") + std::string("last exit code ") + last["exitCode"].dump() +
                   (str(last, "reason").empty() ? "" : " (" + str(last, "reason") + ")");
      out.add(reason, container + (message.empty() ? reason : message), where);
    } else if (const json& ended = field(state, "terminated"); ended.is_object()) {
      const json& code = field(ended, "exitCode");
      if (!code.is_number_integer() || code.get<long>() == 0) continue;
      std::string reason = str(ended, "reason").empty() ? "Error" : str(ended, "reason");
      out.add(reason,
              container + "exited with code " + code.dump() +
                  (str(ended, "message").empty() ? "" : ": " + str(ended, "message")),
              where);
    }
  }
}

std::string selectorOf(const json& workload) {
  std::string out;
  const json& labels = field(field(field(workload, "spec"), "selector"), "matchLabels");
  if (labels.is_object())
    for (const auto& [k, v] : labels.items())
      if (v.is_string()) out += (out.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  return out;
}

}  // namespace

std::vector<WorkloadProblem> workloadProblems(const json& workload, const std::vector<json>& replicaSets,
                                              const std::vector<json>& pods,
                                              const std::vector<json>& events) {
  const json& meta = field(workload, "metadata");
  const std::string kind = str(workload, "kind");
  const std::string ns = str(meta, "namespace");
  const std::string uid = str(meta, "uid");

  // Which objects run this workload: its current ReplicaSet (a Deployment's highest revision)
  // and that one's pods, or a DaemonSet's own pods.
  const json* current = nullptr;
  for (const auto& rs : replicaSets)
    if (ownedBy(rs, uid) && (!current || revisionOf(rs) > revisionOf(*current))) current = &rs;
  const std::string podOwner =
      kind == "Deployment" ? (current ? str(field(*current, "metadata"), "uid") : "") : uid;
  std::vector<const json*> ours;
  for (const auto& p : pods)
    if (!podOwner.empty() && ownedBy(p, podOwner) && !field(p, "metadata").contains("deletionTimestamp"))
      ours.push_back(&p);

  std::map<std::string, std::string> involved = {{uid, kind + " " + ns + "/" + str(meta, "name")}};
  if (current)
    involved[str(field(*current, "metadata"), "uid")] =
        "ReplicaSet " + ns + "/" + str(field(*current, "metadata"), "name");
  for (const json* p : ours)
    involved[str(field(*p, "metadata"), "uid")] = "pod " + str(field(*p, "metadata"), "name");

  Problems out;
  // The events first: they carry the names users search for (FailedScheduling, FailedCreate).
  // Of one object's events of one reason only the latest counts: a ReplicaSet refused by a
  // quota says so once per pod it tried, each message naming another pod.
  std::map<std::pair<std::string, std::string>, std::string> latest;  // (uid, reason) -> message
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto& e : events) {
    const std::string objectUid = str(field(e, "involvedObject"), "uid");
    if (str(e, "type") != "Warning" || !involved.count(objectUid)) continue;
    std::string message = str(e, "message");
    const std::string combined = "(combined from similar events): ";
    if (message.starts_with(combined)) message = message.substr(combined.size());
    auto key = std::make_pair(objectUid, str(e, "reason"));
    if (!latest.count(key)) order.push_back(key);
    latest[key] = message;
  }
  for (const auto& key : order) out.add(key.second, latest[key], involved[key.first]);
  if (current)
    for (const auto& c : items(field(*current, "status"), "conditions"))
      if (str(c, "type") == "ReplicaFailure" && str(c, "status") == "True")
        out.add(str(c, "reason"), str(c, "message"), involved[str(field(*current, "metadata"), "uid")]);
  for (const json* p : ours) {
    const std::string where = involved[str(field(*p, "metadata"), "uid")];
    for (const auto& c : items(field(*p, "status"), "conditions"))
      if (str(c, "type") == "PodScheduled" && str(c, "status") == "False")
        out.add(str(c, "reason").empty() ? "Unschedulable" : str(c, "reason"), str(c, "message"), where);
    containerProblems(*p, "initContainerStatuses", where, out);
    containerProblems(*p, "containerStatuses", where, out);
  }
  // The workload's own conditions repeat what its ReplicaSet or pods said, less precisely: only
  // when they said nothing (e.g. the progress deadline passed with no pod in trouble).
  if (out.empty())
    for (const auto& c : items(field(workload, "status"), "conditions")) {
      const std::string type = str(c, "type"), status = str(c, "status");
      if ((type == "ReplicaFailure" && status == "True") || (type == "Progressing" && status == "False"))
        out.add(str(c, "reason"), str(c, "message"), involved[uid]);
    }
  return out.take();
}

kube::Result<std::vector<WorkloadProblem>> diagnoseWorkload(kube::Client& client, const json& workload) {
  const std::string ns = str(field(workload, "metadata"), "namespace");
  const std::string selector = selectorOf(workload);
  std::vector<json> replicaSets;
  if (str(workload, "kind") == "Deployment") {
    auto listed = client.listAll(kReplicaSet, ns, {.labelSelector = selector});
    if (!listed) return listed.error();
    replicaSets = items(*listed, "items");
  }
  auto pods = client.listAll(kPod, ns, {.labelSelector = selector});
  if (!pods) return pods.error();
  auto events = client.listAll(kEvent, ns, {.fieldSelector = "type=Warning"});
  if (!events) return events.error();
  return workloadProblems(workload, replicaSets, items(*pods, "items"), items(*events, "items"));
}

std::string describeProblem(const WorkloadProblem& p) {
  return p.reason + ": " + (p.message.empty() ? "(no message)" : p.message) + " (" + p.where + ")";
}

}  // namespace iop::reconcilers

// istioctl's `k8s` component settings, applied after rendering like its strategic merge
// patches (operator/pkg/render/postprocess.go), plus the PDB fix-up istioctl does.
#include <map>
#include <unordered_map>

#include "reconcilers/api/json_tree.h"
#include "reconcilers/render/post_process.h"

namespace iop::reconcilers {

using nlohmann::json;

namespace {

// Merge keys of the Kubernetes list fields these patches touch (from the API types'
// patchMergeKey tags); lists not named here are atomic and replaced whole.
const char* mergeKey(const std::string& field, const json& list) {
  static const std::map<std::string, const char*> keys = {
      {"containers", "name"}, {"initContainers", "name"},    {"env", "name"},
      {"volumes", "name"},    {"volumeMounts", "mountPath"}, {"imagePullSecrets", "name"}};
  if (field == "ports") {
    // Container ports merge on containerPort, Service ports on port.
    for (const auto& e : list) {
      if (e.is_object() && e.contains("containerPort")) return "containerPort";
    }
    return "port";
  }
  auto it = keys.find(field);
  return it == keys.end() ? nullptr : it->second;
}

void strategicMerge(json& base, const json& patch);

// Linear in both lists: an index of base's elements by merge key instead of a scan per patch
// element (30,000 env entries took tens of seconds that way).
void mergeList(json& base, const json& patch, const char* key) {
  std::unordered_map<std::string, std::size_t> index;
  auto keyOf = [key](const json& e) {
    return e.is_object() && e.contains(key) ? e[key].dump() : std::string();
  };
  for (std::size_t i = 0; i < base.size(); ++i) {
    std::string k = keyOf(base[i]);
    if (!k.empty()) index.emplace(std::move(k), i);  // the first of equal keys, as before
  }
  for (const auto& p : patch) {
    std::string k = keyOf(p);
    if (k.empty()) {
      base.push_back(p);
      continue;
    }
    auto it = index.find(k);
    if (it != index.end()) {
      strategicMerge(base[it->second], p);
    } else {
      index.emplace(std::move(k), base.size());
      base.push_back(p);
    }
  }
}

void strategicMerge(json& base, const json& patch) {
  if (!base.is_object() || !patch.is_object()) {
    base = patch;
    return;
  }
  for (const auto& [k, v] : patch.items()) {
    if (v.is_null()) {
      base.erase(k);
      continue;
    }
    auto it = base.find(k);
    if (it == base.end()) {
      base[k] = v;
    } else if (v.is_object() && it->is_object()) {
      strategicMerge(*it, v);
    } else if (v.is_array() && it->is_array()) {
      const char* key = mergeKey(k, *it);
      if (key && !v.empty()) {
        mergeList(*it, v, key);
      } else if (!key) {
        *it = v;
      }
    } else {
      *it = v;
    }
  }
}

json* find(std::vector<json>& objects, const std::string& kind, const std::string& name) {
  for (auto& o : objects) {
    if (o.value("kind", "") == kind && getString(o, "metadata.name") == name) return &o;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> applyK8sSettings(std::vector<json>& objects, const ComponentSpec& spec,
                                          const std::string& kind, const std::string& resourceName,
                                          const std::string& containerName, bool isGateway) {
  std::vector<std::string> warnings;
  const json& k8s = spec.k8s;
  if (!k8s.is_object() || k8s.empty()) return warnings;
  json* workload = find(objects, kind, resourceName);
  auto patchWorkload = [&](const json& patch) {
    if (workload) strategicMerge(*workload, patch);
  };
  auto containerPatch = [&](const std::string& field, const json& value) {
    return json{
        {"spec", {{"template", {{"spec", {{"containers", {{{"name", containerName}, {field, value}}}}}}}}}}};
  };
  auto podPatch = [&](const std::string& field, const json& value) {
    return json{{"spec", {{"template", {{"spec", {{field, value}}}}}}}};
  };
  // Same order as istioctl's patch table; each key patches one object.
  for (const auto& [field, value] : k8s.items()) {
    if (value.is_null()) continue;
    if (field == "affinity" || field == "nodeSelector" || field == "priorityClassName" ||
        field == "tolerations" || field == "securityContext") {
      patchWorkload(podPatch(field, value));
    } else if (field == "env" || field == "imagePullPolicy" || field == "readinessProbe" ||
               field == "resources") {
      patchWorkload(containerPatch(field, value));
    } else if (field == "volumes" || field == "volumeMounts") {
      // The API has these fields, but istioctl's post-processing never applies them; rendering
      // what istioctl renders means saying so rather than patching.
      warnings.push_back(spec.specPath + ".k8s." + field +
                         " is accepted but not applied by Istio's installer; use k8s.overlays to add " +
                         field);
    } else if (field == "podAnnotations") {
      patchWorkload({{"spec", {{"template", {{"metadata", {{"annotations", value}}}}}}}});
    } else if (field == "replicaCount") {
      patchWorkload({{"spec", {{"replicas", value}}}});
    } else if (field == "strategy") {
      patchWorkload({{"spec", {{"strategy", value}}}});
    } else if (field == "hpaSpec") {
      if (json* hpa = find(objects, "HorizontalPodAutoscaler", resourceName))
        strategicMerge(*hpa, {{"spec", value}});
    } else if (field == "podDisruptionBudget") {
      if (json* pdb = find(objects, "PodDisruptionBudget", resourceName)) {
        strategicMerge(*pdb, {{"spec", value}});
        // A PDB may not set both; istioctl drops the chart's default minAvailable.
        if ((*pdb)["spec"].contains("maxUnavailable") && (*pdb)["spec"].contains("minAvailable")) {
          (*pdb)["spec"].erase("minAvailable");
        }
      }
    } else if (field == "serviceAnnotations") {
      if (json* svc = find(objects, "Service", resourceName))
        strategicMerge(*svc, {{"metadata", {{"annotations", value}}}});
    } else if (field == "service") {
      json patch = value;
      // Gateway ports already went through the chart values (istioctl does the same,
      // because strategic merge of Service ports is broken upstream: kubernetes#103544).
      if (isGateway && patch.is_object()) patch.erase("ports");
      if (json* svc = find(objects, "Service", resourceName)) strategicMerge(*svc, {{"spec", patch}});
    }
  }
  return warnings;
}

}  // namespace iop::reconcilers

#include "reconcilers/apply/kind_summary.h"

#include <algorithm>
#include <map>

namespace iop::reconcilers {

namespace {

// The group a kind is counted in, as singular and plural.
std::pair<std::string, std::string> groupOf(const std::string& kind) {
  if (kind == "ServiceAccount" || kind == "Role" || kind == "RoleBinding" || kind == "ClusterRole" ||
      kind == "ClusterRoleBinding")
    return {"RBAC", "RBAC"};
  if (kind == "ValidatingWebhookConfiguration" || kind == "MutatingWebhookConfiguration" ||
      kind == "ValidatingAdmissionPolicy" || kind == "ValidatingAdmissionPolicyBinding")
    return {"webhook", "webhooks"};
  if (kind == "CustomResourceDefinition") return {"CRD", "CRDs"};
  if (kind == "HorizontalPodAutoscaler") return {"HPA", "HPAs"};
  if (kind == "PodDisruptionBudget") return {"PDB", "PDBs"};
  return {kind, kind + "s"};
}

}  // namespace

std::string countByKind(const std::vector<std::string>& objects) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const auto& o : objects) ++counts[groupOf(o.substr(0, o.find(' ')))];
  std::vector<std::pair<int, std::string>> parts;
  parts.reserve(counts.size());
  for (const auto& [names, n] : counts) parts.emplace_back(n, n == 1 ? names.first : names.second);
  std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::string out;
  for (const auto& [n, name] : parts) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + name;
  return out;
}

std::string totalByKind(const std::vector<std::string>& objects) {
  return objects.empty() ? "0" : std::to_string(objects.size()) + ": " + countByKind(objects);
}

}  // namespace iop::reconcilers

#include "reconcilers/apply/revision_in_use.h"

#include <algorithm>

#include "reconcilers/api/labels.h"
#include "reconcilers/render/render.h"

namespace iop::reconcilers {

using json = nlohmann::json;

namespace {

const kube::GroupVersionKind kNamespace{"", "v1", "Namespace"};

std::string normalRevision(const std::string& revision) {
  return revision.empty() ? kDefaultRevision : revision;
}

}  // namespace

std::string RevisionUsers::describe() const {
  if (namespaces.empty()) return "";
  std::string names;
  for (const auto& n : namespaces) names += (names.empty() ? "" : ", ") + n;
  return "namespaces still select revision " + revision + " (label " + kRevisionLabel + "=" + revision +
         (revision == kDefaultRevision ? " or istio-injection=enabled" : "") + "): " + names +
         "; move them to another revision first (kubectl label namespace " + namespaces.front() + " " +
         kRevisionLabel + "=NEW --overwrite)";
}

kube::Result<RevisionUsers> revisionUsers(kube::Client& client, const std::string& revision) {
  RevisionUsers users{normalRevision(revision), {}};
  std::vector<std::string> selectors = {std::string(kRevisionLabel) + "=" + users.revision};
  // A namespace with both labels follows istio.io/rev, so only the ones without it count here.
  if (users.revision == kDefaultRevision)
    selectors.push_back(std::string("istio-injection=enabled,!") + kRevisionLabel);
  for (const auto& selector : selectors) {
    auto listed = client.listAll(kNamespace, "", {.labelSelector = selector});
    if (!listed) return listed.error();
    for (const auto& n : (*listed)["items"])
      if (!n["metadata"].contains("deletionTimestamp"))
        users.namespaces.push_back(n["metadata"].value("name", ""));
  }
  std::sort(users.namespaces.begin(), users.namespaces.end());
  return users;
}

std::set<std::string> controlPlaneRevisions(const std::vector<json>& objects) {
  std::set<std::string> out;
  for (const auto& o : objects) {
    if (o.value("kind", "") != "Deployment") continue;
    const json labels = o.value("metadata", json::object()).value("labels", json::object());
    if (!labels.is_object() || labels.value(kComponentLabel, "") != kPilot) continue;
    out.insert(normalRevision(labels.value(kRevisionLabel, "")));
  }
  return out;
}

}  // namespace iop::reconcilers

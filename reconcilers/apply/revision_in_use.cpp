#include "reconcilers/apply/revision_in_use.h"

#include <algorithm>

#include "reconcilers/api/labels.h"
#include "reconcilers/apply/revision_tags.h"
#include "reconcilers/render/render.h"

namespace iop::reconcilers {

using json = nlohmann::json;

namespace {

const kube::GroupVersionKind kNamespace{"", "v1", "Namespace"};

const kube::GroupVersionKind kPod{"", "v1", "Pod"};

std::string normalRevision(const std::string& revision) {
  return revision.empty() ? kDefaultRevision : revision;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Namespaces labelled istio.io/rev=`value` (a revision or a tag), and for "default" also those
// with istio-injection=enabled and no istio.io/rev (Istio injects them from the default one).
kube::Result<std::vector<std::string>> selectingNamespaces(kube::Client& client, const std::string& value) {
  std::vector<std::string> selectors = {std::string(kRevisionLabel) + "=" + value};
  if (value == kDefaultRevision)
    selectors.push_back(std::string("istio-injection=enabled,!") + kRevisionLabel);
  std::vector<std::string> out;
  for (const auto& selector : selectors) {
    auto listed = client.listAll(kNamespace, "", {.labelSelector = selector});
    if (!listed) return listed.error();
    for (const auto& n : (*listed)["items"])
      if (!n["metadata"].contains("deletionTimestamp")) out.push_back(n["metadata"].value("name", ""));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool RevisionUsers::empty() const {
  if (!namespaces.empty()) return false;
  for (const auto& [tag, selecting] : tags)
    if (!selecting.empty()) return false;
  return pods <= 0;
}

bool RevisionUsers::referenced() const {
  return !namespaces.empty() || !tags.empty() || pods > 0;
}

std::string RevisionUsers::describe() const {
  std::vector<std::string> parts;
  if (!namespaces.empty())
    parts.push_back("namespaces still select revision " + revision + " (label " + kRevisionLabel + "=" +
                    revision + (revision == kDefaultRevision ? " or istio-injection=enabled" : "") + "): " +
                    joined(namespaces) + "; move them to another revision first (kubectl label namespace " +
                    namespaces.front() + " " + kRevisionLabel + "=NEW --overwrite)");
  for (const auto& [tag, selecting] : tags)
    if (!selecting.empty())
      parts.push_back("revision tag " + tag + " points at revision " + revision +
                      " and namespaces select it: " + joined(selecting) +
                      "; move the tag first (iop tag set " + tag + " --revision NEW --overwrite)");
  if (pods > 0) {
    std::string where;
    for (const auto& [ns, n] : podsByNamespace)
      where += (where.empty() ? "" : ", ") + ns + ": " + std::to_string(n);
    parts.push_back(std::to_string(pods) +
                    (pods == 1 ? " running pod still has" : " running pods still have") + " revision " +
                    revision + "'s sidecar (" + where +
                    "); restart their workloads first, once their namespaces select another revision "
                    "(kubectl rollout restart deployment -n " +
                    podsByNamespace.begin()->first + ")");
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string RevisionUsers::summary() const {
  std::vector<std::string> parts;
  if (!namespaces.empty()) parts.push_back("namespaces " + joined(namespaces));
  for (const auto& [tag, selecting] : tags)
    parts.push_back("tag " + tag +
                    (selecting.empty() ? " (no namespace)" : " (namespaces " + joined(selecting) + ")"));
  if (pods > 0) parts.push_back(std::to_string(pods) + (pods == 1 ? " pod" : " pods") + " with its sidecar");
  if (pods < 0) parts.push_back("pods not counted (no permission to list them)");
  if (parts.empty()) return "no namespace, tag or pod uses revision " + revision;
  std::string out = "revision " + revision + " is used by: ";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out;
}

kube::Result<RevisionUsers> revisionUsers(kube::Client& client, const std::string& revision) {
  RevisionUsers users{normalRevision(revision), {}, {}, 0, {}};
  auto direct = selectingNamespaces(client, users.revision);
  if (!direct) return direct.error();
  users.namespaces = std::move(*direct);
  auto tags = tagsOf(client, users.revision);
  if (!tags) return tags.error();
  for (const auto& tag : *tags) {
    auto selecting = selectingNamespaces(client, tag);
    if (!selecting) return selecting.error();
    users.tags[tag] = std::move(*selecting);
  }
  // Pods of the mesh (injection labels them security.istio.io/tlsMode) that R injected.
  auto pods = client.listAll(kPod, "", {.labelSelector = "security.istio.io/tlsMode"});
  if (!pods) {
    users.pods = -1;
    return users;
  }
  for (const auto& p : (*pods)["items"]) {
    const json annotations = p["metadata"].value("annotations", json::object());
    if (!annotations.is_object() || annotations.value(kRevisionLabel, "") != users.revision) continue;
    if (p["metadata"].contains("deletionTimestamp")) continue;
    if (p.value("status", json::object()).value("phase", "") != "Running") continue;
    ++users.pods;
    ++users.podsByNamespace[p["metadata"].value("namespace", "")];
  }
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

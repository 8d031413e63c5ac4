#include "reconcilers/apply/control_plane_lookup.h"

#include "reconcilers/api/labels.h"

namespace iop::reconcilers {

namespace {

std::string normalRevision(const std::string& revision) {
  return revision.empty() ? kDefaultRevision : revision;
}

}  // namespace

bool installsGatewaysOnly(const std::vector<RenderedObject>& objects) {
  bool gateways = false;
  for (const auto& o : objects) {
    if (o.component == kPilot) return false;
    gateways |= o.component == "IngressGateways" || o.component == "EgressGateways";
  }
  return gateways;
}

kube::Result<std::optional<std::string>> findControlPlane(kube::Client& client, const std::string& revision) {
  auto listed = client.listAll(
      kube::GroupVersionKind{"apps", "v1", "Deployment"}, "",
      {.labelSelector = std::string("app=istiod,") + kRevisionLabel + "=" + normalRevision(revision)});
  if (!listed) return listed.error();
  for (const auto& d : (*listed)["items"]) {
    const auto& meta = d["metadata"];
    if (meta.contains("deletionTimestamp")) continue;
    return std::optional<std::string>(meta.value("namespace", "") + "/" + meta.value("name", ""));
  }
  return std::optional<std::string>();
}

std::string noControlPlaneMessage(const std::string& revision) {
  const std::string rev = normalRevision(revision);
  return "no control plane of revision " + rev + " is installed (no istiod Deployment labelled " +
         kRevisionLabel + "=" + rev + "): its gateways get no configuration until one is";
}

}  // namespace iop::reconcilers

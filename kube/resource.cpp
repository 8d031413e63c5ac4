#include "kube/resource.h"

namespace iop::kube {

GroupVersionKind GroupVersionKind::fromApiVersion(std::string_view apiVersion, std::string kind) {
  GroupVersionKind g;
  auto slash = apiVersion.find('/');
  if (slash == std::string_view::npos) {
    g.version = std::string(apiVersion);
  } else {
    g.group = std::string(apiVersion.substr(0, slash));
    g.version = std::string(apiVersion.substr(slash + 1));
  }
  g.kind = std::move(kind);
  return g;
}

GroupVersionKind GroupVersionKind::fromObject(const nlohmann::json& object) {
  std::string apiVersion, kind;
  if (object.is_object()) {
    if (auto it = object.find("apiVersion"); it != object.end() && it->is_string()) apiVersion = *it;
    if (auto it = object.find("kind"); it != object.end() && it->is_string()) kind = *it;
  }
  return fromApiVersion(apiVersion, kind);
}

std::string GroupVersionKind::apiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string GroupVersionKind::describe() const {
  return apiVersion() + ", Kind=" + kind;
}

std::string TypeRef::describe() const {
  if (!byResource) return gvk.describe();
  return (gvr.group.empty() ? gvr.version : gvr.group + "/" + gvr.version) + ", Resource=" + gvr.resource;
}

}  // namespace iop::kube

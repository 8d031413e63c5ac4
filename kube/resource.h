#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace iop::kube {

// apiVersion + kind, split. The core group is "".
struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;

  // "apps/v1" + "Deployment" -> {apps, v1, Deployment}; "v1" + "Pod" -> {"", v1, Pod}.
  static GroupVersionKind fromApiVersion(std::string_view apiVersion, std::string kind);
  // From an object's apiVersion and kind fields (empty fields when absent).
  static GroupVersionKind fromObject(const nlohmann::json& object);
  std::string apiVersion() const;  // "apps/v1", "v1"
  std::string describe() const;    // "apps/v1, Kind=Deployment"
  bool operator==(const GroupVersionKind&) const = default;
};

// A REST collection: group + version + plural resource name ("deployments").
struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;
  bool operator==(const GroupVersionResource&) const = default;
};

// How a call names the type it works on: by kind (resolved through discovery, which also says
// whether it is namespaced) or directly by resource (no discovery; the namespace argument
// alone decides the URL: non-empty -> /namespaces/NS/..., empty -> cluster-wide).
// Implicitly constructible from both so calls read naturally:
//   client.get(GroupVersionKind{"apps", "v1", "Deployment"}, "ns", "name");
//   client.list(GroupVersionResource{"", "v1", "configmaps"}, "ns");
struct TypeRef {
  TypeRef(GroupVersionKind k) : gvk(std::move(k)) {}                        // NOLINT: implicit by design
  TypeRef(GroupVersionResource r) : gvr(std::move(r)), byResource(true) {}  // NOLINT
  GroupVersionKind gvk;
  GroupVersionResource gvr;
  bool byResource = false;
  std::string describe() const;
};

// What discovery knows about one resource.
struct ResourceInfo {
  GroupVersionResource gvr;
  std::string kind;
  bool namespaced = false;
  std::vector<std::string> verbs;
  std::vector<std::string> subresources;  // e.g. "status", "scale"
};

}  // namespace iop::kube

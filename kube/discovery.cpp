// Discovery: which resource serves a kind, and whether it is namespaced. Prefers aggregated
// discovery (one document for all groups: apidiscovery.k8s.io/v2), falls back to the
// per-group-version documents (APIResourceList) of older servers.
#include <algorithm>

#include "kube/client_impl.h"

namespace iop::kube {

namespace {

constexpr const char* kAggregatedAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// APIGroupDiscoveryList -> "group/version" -> resources.
std::map<std::string, std::vector<ResourceInfo>> fromAggregated(const json& doc) {
  std::map<std::string, std::vector<ResourceInfo>> out;
  for (const auto& group : doc.value("items", json::array())) {
    std::string g = group.contains("metadata") ? str(group["metadata"], "name") : "";
    for (const auto& version : group.value("versions", json::array())) {
      std::string v = str(version, "version");
      auto& list = out[g.empty() ? v : g + "/" + v];
      for (const auto& res : version.value("resources", json::array())) {
        ResourceInfo info;
        info.gvr = {g, v, str(res, "resource")};
        if (res.contains("responseKind")) info.kind = str(res["responseKind"], "kind");
        info.namespaced = str(res, "scope") == "Namespaced";
        info.verbs = strings(res, "verbs");
        for (const auto& sub : res.value("subresources", json::array()))
          info.subresources.push_back(str(sub, "subresource"));
        if (!info.kind.empty() && !info.gvr.resource.empty()) list.push_back(std::move(info));
      }
    }
  }
  return out;
}

// APIResourceList of one group version.
std::vector<ResourceInfo> fromResourceList(const GroupVersionKind& gv, const json& doc) {
  std::vector<ResourceInfo> out;
  std::map<std::string, std::vector<std::string>> subresources;
  for (const auto& res : doc.value("resources", json::array())) {
    auto name = str(res, "name");
    auto slash = name.find('/');
    if (slash != std::string::npos) {
      subresources[name.substr(0, slash)].push_back(name.substr(slash + 1));
      continue;
    }
    ResourceInfo info;
    info.gvr = {gv.group, gv.version, name};
    info.kind = str(res, "kind");
    info.namespaced = res.value("namespaced", false);
    info.verbs = strings(res, "verbs");
    out.push_back(std::move(info));
  }
  for (auto& info : out) info.subresources = subresources[info.gvr.resource];
  return out;
}

}  // namespace

Result<void> Client::Impl::refreshDiscovery(const GroupVersionKind& gvk, const CancelToken& cancel) {
  const bool core = gvk.group.empty();
  const std::string root = core ? "/api" : "/apis";
  std::lock_guard refreshing(discoveryRefreshMu);
  {
    std::lock_guard lock(discoveryMu);
    auto now = options.clock();
    auto it = lastDiscovery.find(root);
    if (it != lastDiscovery.end() && now - it->second < std::chrono::seconds(1)) return {};
  }
  auto r = execute("GET", root, "", "", "", kAggregatedAccept, cancel, true);
  if (!r) return r.error();
  auto doc = json::parse(r->body, nullptr, false);
  if (doc.is_discarded()) return Error::decode("GET " + root + ": discovery document is not JSON");
  if (str(doc, "kind") == "APIGroupDiscoveryList") {
    auto fresh = fromAggregated(doc);
    std::lock_guard lock(discoveryMu);
    // Replace everything this document covers, so removed resources disappear too.
    for (auto it = discovered.begin(); it != discovered.end();) {
      bool isCore = it->first.find('/') == std::string::npos;
      it = isCore == core ? discovered.erase(it) : std::next(it);
    }
    for (auto& [gv, list] : fresh) discovered[gv] = std::move(list);
    lastDiscovery[root] = options.clock();
    return {};
  }
  // Unaggregated server: fetch just the group version asked about.
  const std::string path = core ? "/api/" + gvk.version : "/apis/" + gvk.group + "/" + gvk.version;
  auto gv = execute("GET", path, "", "", "", "application/json", cancel, true);
  if (!gv) {
    if (isNotFound(gv.error())) {
      std::lock_guard lock(discoveryMu);
      discovered.erase(gvk.apiVersion());
      return {};
    }
    return gv.error();
  }
  auto list = json::parse(gv->body, nullptr, false);
  if (list.is_discarded()) return Error::decode("GET " + path + ": discovery document is not JSON");
  auto infos = fromResourceList(gvk, list);
  std::lock_guard lock(discoveryMu);
  discovered[gvk.apiVersion()] = std::move(infos);
  lastDiscovery[root] = options.clock();
  return {};
}

}  // namespace iop::kube

#pragma once

#include <string>
#include <string_view>

namespace iop::controller {

// What a reconciler is asked to reconcile: only the object's namespace and name, never the
// event that caused it (reconciling is level-based: read the current state, converge to it).
struct Request {
  std::string ns;  // empty for cluster-scoped objects
  std::string name;

  // "namespace/name", or "name" when cluster-scoped: the work queue key.
  std::string key() const { return ns.empty() ? name : ns + "/" + name; }
  // The inverse of key().
  static Request fromKey(std::string_view key) {
    auto slash = key.find('/');
    if (slash == std::string_view::npos) return Request{"", std::string(key)};
    return Request{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
  }
  bool operator==(const Request&) const = default;
};

}  // namespace iop::controller

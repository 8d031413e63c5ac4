#include "reconcilers/render/components.h"

#include "reconcilers/api/json_tree.h"

namespace iop::reconcilers {

using nlohmann::json;

bool Component::isGateway() const {
  return std::string_view(name) == kIngressGateways || std::string_view(name) == kEgressGateways;
}

const std::vector<Component>& components() {
  static const std::vector<Component> all = {
      {kBase, "base", true, false, "", "", "", "base", "global", false, ""},
      {kPilot, "pilot", true, false, "Deployment", "istiod", "discovery", "istio-control/istio-discovery",
       "pilot", false, ""},
      {kIngressGateways, "ingressGateways", true, true, "Deployment", "istio-ingressgateway", "istio-proxy",
       "gateways/istio-ingress", "gateways.istio-ingressgateway", false,
       "spec.values.gateways.istio-ingressgateway.enabled"},
      {kEgressGateways, "egressGateways", false, true, "Deployment", "istio-egressgateway", "istio-proxy",
       "gateways/istio-egress", "gateways.istio-egressgateway", false,
       "spec.values.gateways.istio-egressgateway.enabled"},
      {kCni, "cni", false, false, "DaemonSet", "istio-cni-node", "install-cni", "istio-cni", "cni", false,
       ""},
      {kZtunnel, "ztunnel", false, false, "DaemonSet", "ztunnel", "istio-proxy", "ztunnel", "ztunnel", true,
       ""},
  };
  return all;
}

namespace {

// istioctl reads `enabled` as a BoolValue: absent means true.
bool enabledOf(const json& m) {
  auto it = m.find("enabled");
  return it == m.end() || !it->is_boolean() || it->get<bool>();
}

ComponentSpec toSpec(const json& m, const std::string& path, const std::string& defaultNamespace,
                     FieldErrors& errors) {
  ComponentSpec s;
  s.enabled = enabledOf(m);
  s.namespace_ = m.value("namespace", "");
  if (s.namespace_.empty()) s.namespace_ = defaultNamespace;
  if (s.namespace_.empty()) s.namespace_ = "istio-system";
  s.hub = m.value("hub", "");
  s.tag = m.value("tag", json());
  s.name = m.value("name", "");
  for (const auto& [k, v] : objectAt(m, "label").items()) {
    if (v.is_string()) {
      s.label[k] = v.get<std::string>();
    } else {
      errors.push_back({path + ".label." + k, "must be a string"});
    }
  }
  s.k8s = m.contains("k8s") && m["k8s"].is_object() ? m["k8s"] : json::object();
  s.specPath = path;
  return s;
}

}  // namespace

std::vector<ComponentInstance> enabledInstances(const Component& c, const json& merged,
                                                const std::string& defaultNamespace, FieldErrors& errors) {
  bool def = c.enabledByDefault;
  bool altEnabled = false;
  if (*c.altEnablementPath && getBool(merged, c.altEnablementPath)) def = altEnabled = true;
  std::vector<ComponentInstance> out;
  const std::string path = std::string("spec.components.") + c.specName;
  auto defaultResponse = [&] {
    if (def) {
      ComponentSpec s;
      s.enabled = true;
      s.namespace_ = defaultNamespace;
      s.specPath = path;
      out.push_back({std::move(s), true});
    }
    return out;
  };
  auto node = getPath(merged, path);
  if (c.multi) {
    // A list, even an empty one, replaces the default instance; anything else is "not set".
    if (!node || node->is_null()) return defaultResponse();
    if (!node->is_array()) {
      errors.push_back({path, "must be a list"});
      return out;
    }
    for (size_t i = 0; i < node->size(); ++i) {
      const json& item = (*node)[i];
      ComponentSpec s = toSpec(item.is_object() ? item : json::object(), path + "[" + std::to_string(i) + "]",
                               defaultNamespace, errors);
      if (s.enabled || altEnabled) out.push_back({std::move(s), false});
    }
    return out;
  }
  if (!node || !node->is_object()) return defaultResponse();
  ComponentSpec s = toSpec(*node, path, defaultNamespace, errors);
  if (s.enabled || altEnabled) out.push_back({std::move(s), false});
  return out;
}

}  // namespace iop::reconcilers

#include "reconcilers/render/render.h"

#include <algorithm>
#include <cctype>

#include "reconcilers/api/json_tree.h"
#include "reconcilers/api/labels.h"
#include "reconcilers/render/render_internal.h"
#include "base/yaml_json.h"

namespace iop::reconcilers {

using detail::ComponentInput;
using nlohmann::json;

namespace {

// istioctl's component table (operator/pkg/component), in its render order.
struct Component {
  const char* name;
  const char* specName;
  bool multi;
  bool enabledByDefault;
  const char* resourceType;
  const char* resourceName;
  const char* containerName;
  const char* valuesRoot;
  const char* altEnablementPath;  // values path that force-enables the component, or ""
};

const Component kComponents[] = {
    {kBase, "base", false, true, "", "", "", "global", ""},
    {kPilot, "pilot", false, true, "Deployment", "istiod", "discovery", "pilot", ""},
    {kIngressGateways, "ingressGateways", true, true, "Deployment", "istio-ingressgateway", "istio-proxy",
     "gateways.istio-ingressgateway", "spec.values.gateways.istio-ingressgateway.enabled"},
    {kEgressGateways, "egressGateways", true, false, "Deployment", "istio-egressgateway", "istio-proxy",
     "gateways.istio-egressgateway", "spec.values.gateways.istio-egressgateway.enabled"},
    {kCni, "cni", false, false, "DaemonSet", "istio-cni-node", "install-cni", "cni", ""},
    {kZtunnel, "ztunnel", false, false, "DaemonSet", "ztunnel", "istio-proxy", "ztunnel", ""},
};

int kindOrder(const std::string& kind) {
  static const std::vector<std::string> order = {"CustomResourceDefinition",
                                                 "Namespace",
                                                 "ServiceAccount",
                                                 "ClusterRole",
                                                 "ClusterRoleBinding",
                                                 "Role",
                                                 "RoleBinding",
                                                 "ValidatingWebhookConfiguration",
                                                 "MutatingWebhookConfiguration",
                                                 "ValidatingAdmissionPolicy",
                                                 "ValidatingAdmissionPolicyBinding",
                                                 "ConfigMap",
                                                 "Secret",
                                                 "ResourceQuota",
                                                 "Deployment",
                                                 "DaemonSet",
                                                 "HorizontalPodAutoscaler",
                                                 "PodDisruptionBudget",
                                                 "Service",
                                                 "EndpointSlice"};
  auto it = std::find(order.begin(), order.end(), kind);
  return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

ComponentSpec toSpec(const json& m, const std::string& path) {
  ComponentSpec s;
  s.enabled = !m.contains("enabled") || !m["enabled"].is_boolean() || m["enabled"].get<bool>();
  s.namespace_ = m.value("namespace", "");
  s.hub = m.value("hub", "");
  s.tag = m.value("tag", json());
  s.name = m.value("name", "");
  for (const auto& [k, v] : objectAt(m, "label").items()) s.label[k] = scalarText(v);
  s.k8s = m.contains("k8s") && m["k8s"].is_object() ? m["k8s"] : json::object();
  s.specPath = path;
  return s;
}

// The enabled instances of a component, like istioctl's Component.Get.
std::vector<ComponentSpec> instances(const Component& c, const json& merged) {
  bool def = c.enabledByDefault;
  bool forced = false;
  if (*c.altEnablementPath && getBool(merged, c.altEnablementPath)) def = forced = true;
  std::vector<ComponentSpec> out;
  const std::string path = std::string("spec.components.") + c.specName;
  auto node = getPath(merged, path);
  if (!node || node->is_null()) {
    if (def) out.push_back(toSpec(json::object(), path));
    return out;
  }
  if (c.multi) {
    if (!node->is_array()) return out;
    for (size_t i = 0; i < node->size(); ++i) {
      const json& item = (*node)[i];
      ComponentSpec s =
          toSpec(item.is_object() ? item : json::object(), path + "[" + std::to_string(i) + "]");
      if (s.enabled || forced) out.push_back(std::move(s));
    }
    return out;
  }
  ComponentSpec s = toSpec(node->is_object() ? *node : json::object(), path);
  if (s.enabled || forced) out.push_back(std::move(s));
  return out;
}

// The profile + CR + istioctl's translation of top-level fields into Helm values.
json mergeWithProfile(const IstioOperator& iop, const json& profile) {
  json merged = profile;
  if (!merged.contains("spec") || !merged["spec"].is_object()) merged["spec"] = json::object();
  json user = {{"apiVersion", kIstioOperatorApiVersion},
               {"kind", kIstioOperatorKind},
               {"metadata", json::object()},
               {"spec", iop.spec}};
  if (!iop.name.empty()) user["metadata"]["name"] = iop.name;
  if (!iop.namespace_.empty()) user["metadata"]["namespace"] = iop.namespace_;
  deepMerge(merged, user);
  json& spec = merged["spec"];
  if (!spec.contains("values") || !spec["values"].is_object()) spec["values"] = json::object();
  json& values = spec["values"];
  if (auto hub = spec.find("hub"); hub != spec.end() && !hub->is_null()) values["global"]["hub"] = *hub;
  if (auto tag = spec.find("tag"); tag != spec.end() && !tag->is_null()) values["global"]["tag"] = *tag;
  if (auto rev = spec.find("revision"); rev != spec.end() && !rev->is_null()) values["revision"] = *rev;
  // spec.namespace moves the whole control plane: the charts place istiod's ServiceAccount, RBAC
  // and webhooks by global.istioNamespace, so a fallback for the Deployment alone would split it.
  if (auto ns = spec.find("namespace");
      ns != spec.end() && ns->is_string() && !ns->get<std::string>().empty())
    values["global"]["istioNamespace"] = *ns;
  if (auto cv = spec.find("compatibilityVersion"); cv != spec.end() && !cv->is_null())
    values["compatibilityVersion"] = *cv;
  if (auto mesh = spec.find("meshConfig"); mesh != spec.end() && mesh->is_object()) {
    if (!values.contains("meshConfig") || !values["meshConfig"].is_object())
      values["meshConfig"] = json::object();
    deepMerge(values["meshConfig"], *mesh);
  }
  // Component enablement is visible to the other charts (cross-chart dependencies).
  values["pilot"]["enabled"] = getBool(merged, "spec.components.pilot.enabled");
  values["pilot"]["cni"]["enabled"] = getBool(merged, "spec.components.cni.enabled");
  if (std::string ns = getString(values, "global.istioNamespace"); !ns.empty())
    merged["metadata"]["namespace"] = ns;
  // The user's own values win over anything translated above.
  if (auto uv = iop.spec.find("values"); uv != iop.spec.end() && uv->is_object()) deepMerge(values, *uv);
  if (auto unvalidated = spec.find("unvalidatedValues");
      unvalidated != spec.end() && unvalidated->is_object()) {
    deepMerge(values, *unvalidated);
  }
  return merged;
}

// The chart's `.Values` for one instance of a component (istioctl's
// applyComponentValuesToHelmValues, then the chart's defaults/profile layering).
json chartValues(const Component& c, const ComponentSpec& spec, const json& merged, FieldErrors& errors,
                 json& userValues) {
  json user = merged["spec"]["values"];
  const std::string root = c.valuesRoot;
  auto set = [&user, &root](const std::string& leaf, const json& value) {
    setPath(user, root + "." + leaf, value);
  };
  const bool gateway = c.name == std::string(kIngressGateways) || c.name == std::string(kEgressGateways);
  if (gateway) {
    set("name", spec.name);
    json labels = json::object();
    for (const auto& [k, v] : spec.label) labels[k] = v;
    // A label map merges over the chart's default labels (app, istio).
    json current = getPath(user, root + ".labels").value_or(json::object());
    if (!current.is_object()) current = json::object();
    current.update(labels);
    set("labels", current);
    if (auto ports = getPath(spec.k8s, "service.ports"); ports && ports->is_array() && !ports->empty())
      set("ports", *ports);
  }
  if (std::string(c.resourceType) == "Deployment") {
    if (auto min = getPath(spec.k8s, "hpaSpec.minReplicas"); min && min->is_number())
      set("autoscaleMin", *min);
    if (auto max = getPath(spec.k8s, "hpaSpec.maxReplicas");
        max && max->is_number() && max->get<long long>() > 0) {
      set("autoscaleMax", *max);
    }
    if (auto rc = spec.k8s.find("replicaCount");
        rc != spec.k8s.end() && rc->is_number() && rc->get<long long>() > 0) {
      set("replicaCount", *rc);
    }
  }
  // CPU from k8s.resources is visible to the charts' guards too (istioctl does the same).
  for (const char* kind : {"limits", "requests"}) {
    if (auto cpu = getPath(spec.k8s, std::string("resources.") + kind + ".cpu"); cpu && truthy(*cpu)) {
      set(std::string("resources.") + kind + ".cpu", scalarText(*cpu));
    }
  }
  if (!spec.hub.empty()) set("hub", spec.hub);
  if (!spec.tag.is_null()) set("tag", spec.tag);

  userValues = user;
  json values = detail::chartDefaults(c.name);
  std::string profile = getString(user, "profile");
  if (profile.empty()) profile = getString(user, "global.profile");
  if (!profile.empty()) {
    if (auto pv = detail::chartProfileValues(profile)) {
      deepMerge(values, *pv);
    } else {
      errors.push_back({"spec.values.profile", "unknown chart profile \"" + profile +
                                                   "\" (known: ambient, demo, preview, remote, stable)"});
    }
  }
  deepMerge(values, user);
  // The charts label what they render with the owning CR (istioctl's operator sets the same).
  if (std::string owner = getString(merged, "metadata.name"); !owner.empty()) values["ownerName"] = owner;
  for (const char* key : {"global", "meshConfig"}) {
    if (!values[key].is_object()) {
      errors.push_back({std::string("spec.values.") + key, "expected an object"});
      values[key] = json::object();
    }
  }
  // Charts that read their own section unprefixed (zzy_descope_legacy.yaml).
  const std::string descope = c.name == std::string(kPilot) ? "pilot"
                              : c.name == std::string(kCni) ? "cni"
                                                            : "";
  if (!descope.empty() && values.contains(descope) && values[descope].is_object()) {
    json section = values[descope];
    deepMerge(values, section);
  }
  return values;
}

void addOwnership(json& obj, const IstioOperator& iop, const std::string& component,
                  const RenderOptions& options) {
  json& labels = obj["metadata"]["labels"];
  if (!labels.is_object()) labels = json::object();
  labels[kManagedLabel] = kManagedValue;
  labels[kOwningResourceLabel] = iop.name;
  labels[kOwningNamespaceLabel] = iop.namespace_;
  labels[kComponentLabel] = component;
  labels[kVersionLabel] = options.iopVersion;
  if (!labels.contains(kRevisionLabel)) {
    std::string rev = iop.revision();
    labels[kRevisionLabel] = rev.empty() ? kDefaultRevision : rev;
  }
}

}  // namespace

std::vector<json> RenderResult::component(const std::string& name) const {
  std::vector<json> out;
  for (const auto& o : objects) {
    if (o.component == name) out.push_back(o.object);
  }
  return out;
}

RenderResult render(const IstioOperator& iop, const RenderOptions& options) {
  RenderResult result;
  try {
    static const ProfileSource builtin;
    const ProfileSource& profiles = options.profiles ? *options.profiles : builtin;
    std::string profileError;
    auto profile = profiles.resolve(iop.profile(), profileError);
    if (!profile) {
      result.errors.push_back({"spec.profile", profileError});
      return result;
    }
    result.merged = mergeWithProfile(iop, *profile);
    const json& merged = result.merged;
    const std::string specNamespace = getString(merged, "spec.namespace");
    const std::string istioNamespace = getString(merged, "spec.values.global.istioNamespace");
    std::string defaultNamespace = !specNamespace.empty() ? specNamespace : istioNamespace;
    if (defaultNamespace.empty()) defaultNamespace = getString(merged, "metadata.namespace", "istio-system");

    std::set<std::string> wanted;
    for (const auto& c : options.components) wanted.insert(lower(c));

    for (const Component& c : kComponents) {
      if (!wanted.empty() && !wanted.count(lower(c.name))) continue;
      for (ComponentSpec& spec : instances(c, merged)) {
        if (c.name == std::string(kZtunnel)) {
          result.warnings.push_back(
              std::string(spec.specPath) +
              ": the Ztunnel component is enabled but iop does not render it yet; skipped");
          continue;
        }
        if (spec.namespace_.empty()) spec.namespace_ = defaultNamespace;
        json userValues;
        json chartVals = chartValues(c, spec, merged, result.errors, userValues);
        ComponentInput in{c.name, spec.namespace_, std::move(chartVals), std::move(userValues), spec};
        std::vector<json> objs;
        const bool gateway =
            c.name == std::string(kIngressGateways) || c.name == std::string(kEgressGateways);
        if (c.name == std::string(kBase)) {
          objs = detail::renderBase(in);
        } else if (c.name == std::string(kPilot)) {
          objs = detail::renderPilot(in);
        } else if (gateway) {
          objs = detail::renderGateway(in, c.name == std::string(kIngressGateways));
        } else if (c.name == std::string(kCni)) {
          objs = detail::renderCni(in);
        }
        std::string resourceName = c.resourceName;
        if (gateway && !spec.name.empty()) resourceName = spec.name;
        if (c.name == std::string(kPilot)) resourceName += detail::revSuffix(in.values);
        // Policy hook (object_policy.h): the chart's objects before k8s settings and overlays.
        const std::vector<json> chartObjects = spec.k8s.empty() ? std::vector<json>{} : objs;
        if (*c.resourceType) {
          detail::applyK8sSettings(objs, spec, c.resourceType, resourceName, c.containerName, gateway);
        }
        detail::applyOverlays(objs, spec, result.errors);
        checkObjectPolicy(iop, spec, chartObjects, objs, result.objects, options.policy, result.errors);
        // The HPA owns the replica count: a Deployment it scales carries none, so applying
        // the Deployment never fights the autoscaler.
        for (auto& o : objs) {
          if (o.value("kind", "") != "Deployment") continue;
          for (const auto& h : objs) {
            if (h.value("kind", "") == "HorizontalPodAutoscaler" &&
                getString(h, "spec.scaleTargetRef.name") == getString(o, "metadata.name")) {
              o["spec"].erase("replicas");
            }
          }
        }
        for (auto& o : objs) {
          addOwnership(o, iop, c.name, options);
          result.objects.push_back({c.name, std::move(o)});
        }
      }
    }
    if (auto remote = getPath(merged, "spec.components.istiodRemote.enabled");
        remote && *remote == json(true)) {
      result.warnings.push_back(
          "spec.components.istiodRemote: this Istio version has no separate istiodRemote component; use "
          "profile "
          "\"remote\" or values.istiodRemote instead");
    }
    std::stable_sort(result.objects.begin(), result.objects.end(),
                     [](const RenderedObject& a, const RenderedObject& b) {
                       return kindOrder(a.object.value("kind", "")) < kindOrder(b.object.value("kind", ""));
                     });
  } catch (const std::exception& e) {
    // Rendering works on validated input; this guards the promise never to throw.
    result.errors.push_back({"", std::string("internal rendering error: ") + e.what()});
  }
  return result;
}

ParseResult composeIstioOperator(const std::vector<InputFile>& files,
                                 const std::vector<std::string>& setFlags, const ProfileSource& profiles) {
  json doc = {{"apiVersion", kIstioOperatorApiVersion},
              {"kind", kIstioOperatorKind},
              {"metadata", json::object()},
              {"spec", json::object()}};
  FieldErrors errors;
  for (const auto& f : files) {
    std::vector<json> docs;
    try {
      docs = iop::base::yamlDocumentsToJson(f.text);
    } catch (const std::exception& e) {
      errors.push_back({"", f.source + ": " + e.what()});
      continue;
    }
    std::erase_if(docs, [](const json& d) { return d.is_null(); });
    if (docs.size() > 1) {
      errors.push_back({"", f.source + ": contains " + std::to_string(docs.size()) +
                                " documents; only one IstioOperator per file is supported"});
      continue;
    }
    if (docs.empty()) continue;
    json d = docs.front();
    if (!d.is_object()) {
      errors.push_back({"", f.source + ": not an IstioOperator object"});
      continue;
    }
    if (d.contains("spec") && d["spec"].is_null()) d.erase("spec");
    deepMerge(doc, d);
  }
  for (const auto& flag : setFlags) {
    auto eq = flag.find('=');
    std::string path = flag.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : flag.substr(eq + 1);
    while (!path.empty() && std::isspace(static_cast<unsigned char>(path.back()))) path.pop_back();
    while (!path.empty() && std::isspace(static_cast<unsigned char>(path.front()))) path.erase(0, 1);
    if (path.empty()) {
      errors.push_back({"--set " + flag, "expected path=value"});
      continue;
    }
    if (path.rfind("spec.", 0) != 0) path = "spec." + path;
    if (auto err = setPath(doc, path, parseSetValue(path, value))) errors.push_back({"--set " + flag, *err});
  }
  if (!errors.empty()) return ParseResult{std::nullopt, errors};
  ValidationOptions options;
  options.profiles = profiles.names();
  return istioOperatorFromJson(doc, options);
}

}  // namespace iop::reconcilers

#include "reconcilers/render/render.h"

#include <algorithm>
#include <cctype>

#include "base/yaml_json.h"
#include "reconcilers/api/json_tree.h"
#include "reconcilers/api/labels.h"
#include "reconcilers/render/chart_objects.h"
#include "reconcilers/render/helm_values.h"
#include "reconcilers/render/post_process.h"
#include "reconcilers/render/profiles.h"

namespace iop::reconcilers {

using nlohmann::json;

namespace {

// The order objects are applied in: what others refer to first (CRDs, namespaces, accounts,
// RBAC, webhooks, config), then workloads, then what selects them.
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
                                                 "NetworkPolicy",
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

// Where charts and profiles come from for this CR: --manifests, else spec.installPackagePath,
// else the compiled-in ones.
std::shared_ptr<const IstioManifests> manifestsFor(const IstioOperator& iop, const RenderOptions& options,
                                                   FieldErrors& errors) {
  if (options.manifests) return options.manifests;
  auto path = iop.spec.find("installPackagePath");
  if (path == iop.spec.end() || !path->is_string() || path->get<std::string>().empty())
    return IstioManifests::compiledIn();
  auto dir = IstioManifests::fromDirectory(path->get<std::string>());
  if (!dir) {
    errors.push_back({"spec.installPackagePath", dir.error().message});
    return nullptr;
  }
  return *dir;
}

// The name `k8s` settings patch: the component's, a gateway's own, istiod's with its revision.
std::string patchedResourceName(const Component& c, const ComponentSpec& spec, const json& values) {
  std::string name = c.resourceName;
  if (c.isGateway() && !spec.name.empty()) name = spec.name;
  if (std::string_view(c.name) == kPilot) {
    std::string rev =
        values.value("revision", json()).is_string() ? values["revision"].get<std::string>() : "";
    if (!rev.empty() && rev != "default") name += "-" + rev;
  }
  return name;
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
    auto manifests = manifestsFor(iop, options, result.errors);
    if (!manifests) return result;
    std::string profileError;
    auto profile = resolveProfile(*manifests, iop.profile(), profileError);
    if (!profile) {
      result.errors.push_back({"spec.profile", profileError});
      return result;
    }
    result.merged = mergeIstioOperator(iop, *profile, iop.setFlags, result.errors);
    if (!result.ok()) return result;
    const json& merged = result.merged;
    const std::string defaultNamespace = getString(merged, "metadata.namespace");
    // istioctl (whose output iop matches) never reads spec.namespace; say so rather than let a
    // user believe the control plane went there.
    if (auto ns = iop.spec.find("namespace"); ns != iop.spec.end() && ns->is_string() &&
                                              !ns->get<std::string>().empty() &&
                                              ns->get<std::string>() != defaultNamespace) {
      result.warnings.push_back(
          "spec.namespace \"" + ns->get<std::string>() +
          "\" is not used (as with istioctl): components go to values.global.istioNamespace (\"" +
          defaultNamespace +
          "\") or their own components.<name>.namespace; set "
          "values.global.istioNamespace: " +
          ns->get<std::string>() + " instead");
    }

    std::set<std::string> wanted;
    for (const auto& c : options.components) wanted.insert(lower(c));

    for (const Component& c : components()) {
      if (!wanted.empty() && !wanted.count(lower(c.name))) continue;
      for (const ComponentInstance& instance : enabledInstances(c, merged, defaultNamespace, result.errors)) {
        const ComponentSpec& spec = instance.spec;
        json values = componentValues(c, instance, merged);
        ChartObjects rendered = renderChartObjects(*manifests, c.chart, spec.namespace_, values,
                                                   spec.specPath, result.errors, options.stop);
        for (auto& w : rendered.warnings) result.warnings.push_back(std::string(c.name) + ": " + w);
        std::vector<json>& objs = rendered.objects;
        // Policy hook (object_policy.h): the chart's objects before k8s settings and overlays.
        const std::vector<json> chartObjects = spec.k8s.empty() ? std::vector<json>{} : objs;
        if (*c.resourceType) {
          for (auto& w : applyK8sSettings(objs, spec, c.resourceType, patchedResourceName(c, spec, values),
                                          c.containerName, c.isGateway()))
            result.warnings.push_back(std::move(w));
        }
        applyOverlays(objs, spec, result.errors);
        checkObjectPolicy(iop, spec, chartObjects, objs, result.objects, options.policy, result.errors);
        // The HPA owns the replica count: a Deployment it scales carries none, so applying
        // the Deployment never fights the autoscaler (istioctl leaves a k8s.replicaCount there).
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
    std::stable_sort(result.objects.begin(), result.objects.end(),
                     [](const RenderedObject& a, const RenderedObject& b) {
                       return kindOrder(a.object.value("kind", "")) < kindOrder(b.object.value("kind", ""));
                     });
  } catch (const std::exception& e) {
    // Rendering works on validated input; this guards the promise never to throw.
    result.errors.push_back({"", std::string("internal rendering error: ") + e.what()});
  }
  if (!result.ok()) result.objects.clear();
  return result;
}

ParseResult composeIstioOperator(const std::vector<InputFile>& files,
                                 const std::vector<std::string>& setFlags, const IstioManifests& manifests) {
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
  std::vector<std::string> normalizedFlags;
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
    normalizedFlags.push_back(path.substr(5) + "=" + value);
  }
  if (!errors.empty()) return ParseResult{std::nullopt, errors};
  ValidationOptions options;
  options.profiles = manifests.profileNames();
  ParseResult parsed = istioOperatorFromJson(doc, options);
  if (parsed.iop) parsed.iop->setFlags = std::move(normalizedFlags);
  return parsed;
}

}  // namespace iop::reconcilers

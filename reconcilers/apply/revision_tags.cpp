#include "reconcilers/apply/revision_tags.h"

#include <algorithm>
#include <map>
#include <set>

#include "reconcilers/api/labels.h"
#include "reconcilers/render/chart_objects.h"
#include "reconcilers/render/components.h"
#include "reconcilers/render/render.h"

namespace iop::reconcilers {

using json = nlohmann::json;

namespace {

const kube::GroupVersionKind kMutating{"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration"};
const kube::GroupVersionKind kValidating{"admissionregistration.k8s.io", "v1",
                                         "ValidatingWebhookConfiguration"};
const kube::GroupVersionKind kService{"", "v1", "Service"};
const kube::GroupVersionKind kNamespace{"", "v1", "Namespace"};

// istioctl's names for what it looks for (generate.go).
constexpr const char* kInjectorWebhookSuffix = "sidecar-injector.istio.io";
constexpr const char* kDefaultValidatorName = "istiod-default-validator";

const json& labelsOf(const json& o) {
  static const json empty = json::object();
  const json& meta = o.contains("metadata") ? o["metadata"] : empty;
  const json& labels = meta.contains("labels") ? meta["labels"] : empty;
  return labels.is_object() ? labels : empty;
}

kube::Result<std::vector<json>> listItems(kube::Client& client, const kube::GroupVersionKind& gvk,
                                          const std::string& ns, const std::string& selector) {
  auto listed = client.listAll(gvk, ns, {.labelSelector = selector});
  if (!listed) return listed.error();
  std::vector<json> out;
  for (auto& item : (*listed)["items"]) {
    item["apiVersion"] = gvk.group.empty() ? gvk.version : gvk.group + "/" + gvk.version;
    item["kind"] = gvk.kind;
    out.push_back(std::move(item));
  }
  return out;
}

// istioctl's GetWebhooksWithRevision / GetServicesWithRevision: the revision's own objects, not
// a tag's.
std::string revisionSelector(const std::string& revision) {
  return std::string(kRevisionLabel) + "=" + revision + ",!" + kTagLabel;
}

// istioctl's generateLabels with UserManaged: the merged labels without any key in the
// operator.istio.io domain (ownership is iop's to add back).
json userManagedLabels(json labels, const json& more) {
  for (const auto& [k, v] : more.items()) labels[k] = v;
  json out = json::object();
  for (const auto& [k, v] : labels.items())
    if (k.find("operator.istio.io") == std::string::npos) out[k] = v;
  return out;
}

void mergeAnnotations(json& object, const json& annotations) {
  if (!annotations.is_object() || annotations.empty()) return;
  json& a = object["metadata"]["annotations"];
  if (!a.is_object()) a = json::object();
  for (const auto& [k, v] : annotations.items()) a[k] = v;
}

void setLabels(json& object, json labels) {
  if (labels.empty())
    object["metadata"].erase("labels");
  else
    object["metadata"]["labels"] = std::move(labels);
}

void addOwnershipLabels(json& object, const Owner& owner, const std::string& revision,
                        const std::string& iopVersion) {
  json& labels = object["metadata"]["labels"];
  if (!labels.is_object()) labels = json::object();
  labels[kManagedLabel] = kManagedValue;
  labels[kOwningResourceLabel] = owner.name;
  labels[kOwningNamespaceLabel] = owner.ns;
  labels[kComponentLabel] = kPilot;
  labels[kVersionLabel] = iopVersion;
  if (!labels.contains(kRevisionLabel)) labels[kRevisionLabel] = revision;
}

// What istioctl reads from the revision's injector webhook (tagWebhookConfigFromCanonicalWebhook).
struct CanonicalWebhook {
  std::string revision;  // "" for the default revision, as istioctl renders it
  std::string url, caBundle, path, reinvocationPolicy, service;
  json labels = json::object();  // all but "app"
  json annotations = json::object();
};

std::optional<CanonicalWebhook> canonicalFrom(const json& webhook, std::string& error) {
  CanonicalWebhook c;
  const json& labels = labelsOf(webhook);
  if (!labels.contains(kRevisionLabel)) {
    error = "could not extract tag revision from webhook";
    return std::nullopt;
  }
  c.revision = labels[kRevisionLabel].get<std::string>();
  if (c.revision == kDefaultRevision) c.revision = "";
  bool found = false;
  const json webhooks = webhook.value("webhooks", json::array());
  for (const auto& w : webhooks) {
    if (!w.value("name", "").ends_with(kInjectorWebhookSuffix)) continue;
    found = true;
    const json cc = w.value("clientConfig", json::object());
    c.caBundle = cc.value("caBundle", "");
    c.url = cc.value("url", "");
    if (cc.contains("service")) {
      c.path = cc["service"].value("path", "");
      c.service = cc["service"].value("name", "");
    }
    c.reinvocationPolicy = w.value("reinvocationPolicy", "");
    break;
  }
  if (!found) {
    error = "could not find sidecar-injector webhook in canonical webhook \"" +
            webhook["metadata"].value("name", "") + "\"";
    return std::nullopt;
  }
  for (const auto& [k, v] : labels.items())
    if (k != "app") c.labels[k] = v;
  c.annotations = webhook["metadata"].value("annotations", json::object());
  // The hash of what iop wrote there is the revision webhook's, not the tag's (the applier puts
  // the tag's own on it).
  if (c.annotations.is_object()) c.annotations.erase(kDesiredHashAnnotation);
  return c;
}

// The objects the istio-discovery chart renders for `values.revisionTags: [tag]` at `revision`:
// istioctl's `manifest generate` of profile empty with only Pilot, through iop's renderer.
std::optional<std::vector<json>> renderTagChart(const TagRequest& r, const std::string& revision,
                                                const std::vector<std::string>& extraSets,
                                                std::string& error) {
  auto manifests = r.manifests ? r.manifests : IstioManifests::compiledIn();
  std::vector<std::string> sets = {"profile=empty", "components.pilot.enabled=true", "revision=" + revision,
                                   "values.revisionTags.[0]=" + r.tag,
                                   "values.global.istioNamespace=" + r.istioNamespace};
  sets.insert(sets.end(), extraSets.begin(), extraSets.end());
  auto parsed = composeIstioOperator({}, sets, *manifests);
  if (!parsed.ok()) {
    error = "rendering the tag: " + parsed.errors.front().str();
    return std::nullopt;
  }
  parsed.iop->name = "revision-tag";
  parsed.iop->namespace_ = r.istioNamespace;
  auto rendered = render(*parsed.iop, {.manifests = manifests, .components = {kPilot}});
  if (!rendered.ok()) {
    error = "rendering the tag: " + rendered.errors.front().str();
    return std::nullopt;
  }
  std::vector<json> out;
  for (auto& o : rendered.objects) out.push_back(std::move(o.object));
  return out;
}

// generateMutatingWebhook.
std::optional<json> tagWebhook(const TagRequest& r, const CanonicalWebhook& c, std::string& error) {
  std::vector<std::string> sets = {std::string("values.sidecarInjectorWebhook.enableNamespacesByDefault=") +
                                   (r.autoInjectNamespaces ? "true" : "false")};
  if (!c.url.empty()) sets.push_back("values.istiodRemote.injectionURL=" + c.url);
  if (!c.reinvocationPolicy.empty())
    sets.push_back("values.sidecarInjectorWebhook.reinvocationPolicy=" + c.reinvocationPolicy);
  auto objects = renderTagChart(r, c.revision, sets, error);
  if (!objects) return std::nullopt;
  for (auto& o : *objects) {
    if (o.value("kind", "") != kMutating.kind ||
        !o["metadata"].value("name", "").starts_with("istio-revision-tag-"))
      continue;
    for (auto& w : o["webhooks"]) {
      json& cc = w["clientConfig"];
      if (c.caBundle.empty())
        cc.erase("caBundle");
      else
        cc["caBundle"] = c.caBundle;
      if (cc.contains("service")) {
        cc["service"]["path"] = c.path;
        cc["service"]["name"] = c.service;
      }
    }
    if (!r.webhookName.empty()) o["metadata"]["name"] = r.webhookName;
    setLabels(o, userManagedLabels(labelsOf(o), c.labels));
    mergeAnnotations(o, c.annotations);
    return o;
  }
  error = "could not find MutatingWebhookConfiguration in manifests";
  return std::nullopt;
}

// generateTagService.
std::optional<json> tagService(const TagRequest& r, std::string& error) {
  auto objects = renderTagChart(r, r.revision, {}, error);
  if (!objects) return std::nullopt;
  for (auto& o : *objects) {
    if (o.value("kind", "") != kService.kind || labelsOf(o).value(kTagLabel, "") != r.tag) continue;
    setLabels(o, userManagedLabels(labelsOf(o), json::object()));
    return o;
  }
  error = "could not find Service tag in manifests";
  return std::nullopt;
}

// generateValidatingWebhook, with fixWhConfig's URL path and failure policies: a webhook that
// istiod already switched to Fail keeps that (the field is left out, so istiod's value stays).
std::optional<json> defaultValidator(kube::Client& client, const TagRequest& r, const CanonicalWebhook& c,
                                     std::string& error) {
  std::string url = c.url;
  if (!url.empty()) {
    // Go's url.Parse, then Path = "/validate": scheme and host kept, the path replaced, query and
    // fragment kept.
    const auto scheme = url.find("://");
    const std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
    const std::string head = url.substr(0, url.find_first_of("/?#", host));
    const auto rest = url.find_first_of("?#", host);
    url = head + "/validate" + (rest == std::string::npos ? "" : url.substr(rest));
  }
  std::map<std::string, std::optional<json>> failurePolicies;
  auto live = client.get(kValidating, "", kDefaultValidatorName);
  if (!live && !kube::isNotFound(live.error())) {
    error = live.error().describe();
    return std::nullopt;
  }
  const json liveWebhooks = live ? live->value("webhooks", json::array()) : json::array();
  for (const auto& w : liveWebhooks) {
    const std::string policy = w.value("failurePolicy", "");
    failurePolicies[w.value("name", "")] =
        policy == "Fail" || policy.empty() ? std::nullopt : std::optional<json>(policy);
  }

  auto manifests = r.manifests ? r.manifests : IstioManifests::compiledIn();
  json values = {{"revision", c.revision},
                 {"base", {{"validationURL", url}}},
                 {"global", {{"istioNamespace", r.istioNamespace}}}};
  FieldErrors errors;
  auto chart = renderChartObjects(*manifests, "default", r.istioNamespace, values, "default chart", errors);
  if (!errors.empty()) {
    error = "rendering the default validator: " + errors.front().str();
    return std::nullopt;
  }
  for (auto& o : chart.objects) {
    if (o.value("kind", "") != kValidating.kind) continue;
    for (auto& w : o["webhooks"]) {
      if (c.caBundle.empty())
        w["clientConfig"].erase("caBundle");
      else
        w["clientConfig"]["caBundle"] = c.caBundle;
      auto p = failurePolicies.find(w.value("name", ""));
      if (p == failurePolicies.end()) continue;
      if (p->second)
        w["failurePolicy"] = *p->second;
      else
        w.erase("failurePolicy");
    }
    setLabels(o, userManagedLabels(labelsOf(o), c.labels));
    mergeAnnotations(o, c.annotations);
    return o;
  }
  error = "could not find ValidatingWebhookConfiguration in manifests";
  return std::nullopt;
}

}  // namespace

Owner tagSetOwner(const std::string& tag, const std::string& istioNamespace) {
  return {"revision-tag-" + tag, istioNamespace};
}

GeneratedTag generateTag(kube::Client& client, const TagRequest& r, const Owner& owner) {
  GeneratedTag out;
  auto fail = [&](std::string message) {
    out.objects.clear();
    out.error = std::move(message);
    return out;
  };
  // checkTagNameCollidesWithRevisionName
  if (!r.generate && !r.overwrite && r.tag != kDefaultRevision) {
    auto services = listItems(client, kService, r.istioNamespace, revisionSelector(r.tag) + ",app=istiod");
    if (!services) return fail(services.error().describe());
    auto webhooks = listItems(client, kMutating, "", revisionSelector(r.tag));
    if (!webhooks) return fail(webhooks.error().describe());
    if (!services->empty() || !webhooks->empty())
      return fail("cannot create revision tag \"" + r.tag +
                  "\": found existing control plane revision with same name");
  }
  // checkControlPlaneExistenceOrDuplicate
  auto services = listItems(client, kService, r.istioNamespace, revisionSelector(r.revision) + ",app=istiod");
  if (!services) return fail(services.error().describe());
  if (services->size() > 1)
    return fail("cannot modify tag: found multiple canonical services with revision \"" + r.revision +
                "\" in namespace \"" + r.istioNamespace + "\"");
  auto webhooks = listItems(client, kMutating, "", revisionSelector(r.revision));
  if (!webhooks) return fail(webhooks.error().describe());
  if (webhooks->empty() && services->empty())
    return fail("cannot modify tag: cannot find MutatingWebhookConfiguration or Service with revision \"" +
                r.revision + "\"");
  if (webhooks->size() > 1)
    return fail("cannot modify tag: found multiple canonical webhooks or services with revision \"" +
                r.revision + "\"");
  if (webhooks->empty())
    return fail("cannot modify tag: cannot find the MutatingWebhookConfiguration of revision \"" +
                r.revision + "\" (its injector), only its Service");
  // checkTagDuplicate
  if (!r.overwrite) {
    auto existing = tagObjects(client, r.tag, r.istioNamespace);
    if (!existing) return fail(existing.error().describe());
    for (const auto& o : *existing)
      if (o.value("kind", "") != kValidating.kind)
        return fail("revision tag \"" + r.tag + "\" already exists, and --overwrite is false");
  }

  std::string error;
  auto canonical = canonicalFrom(webhooks->front(), error);
  if (!canonical) return fail("failed to create tag webhook config: " + error);
  auto webhook = tagWebhook(r, *canonical, error);
  if (!webhook) return fail("failed to create tag webhook: " + error);
  out.objects.push_back(std::move(*webhook));
  if (r.tag == kDefaultRevision) {
    auto validator = defaultValidator(client, r, *canonical, error);
    if (!validator) return fail("failed to create validating webhook: " + error);
    out.objects.push_back(std::move(*validator));
  }
  auto service = tagService(r, error);
  if (!service) return fail(error);
  out.objects.push_back(std::move(*service));
  for (auto& o : out.objects) addOwnershipLabels(o, owner, r.revision, r.iopVersion);
  return out;
}

kube::Result<void> deactivateRevisionlessInjector(kube::Client& client) {
  auto webhooks = listItems(client, kMutating, "", revisionSelector(kDefaultRevision));
  if (!webhooks) return webhooks.error();
  if (webhooks->empty()) return {};
  if (webhooks->size() > 1) return kube::Error::invalid("expected a single webhook for default revision");
  json webhook = webhooks->front();
  // istioctl's util.NeverMatch: the webhook stays (its owner would recreate it) but matches nothing.
  const json never = {{"matchLabels", {{"istio.io/deactivated", "never-match"}}}};
  for (auto& w : webhook["webhooks"]) {
    w["namespaceSelector"] = never;
    w["objectSelector"] = never;
  }
  auto updated = client.update(kMutating, "", webhook["metadata"].value("name", ""), webhook);
  if (!updated) return updated.error();
  return {};
}

kube::Result<std::vector<json>> tagObjects(kube::Client& client, const std::string& tag,
                                           const std::string& istioNamespace) {
  const std::string selector = std::string(kTagLabel) + "=" + tag;
  std::vector<json> out;
  for (const auto& [gvk, ns] : {std::pair{kMutating, std::string()}, std::pair{kValidating, std::string()},
                                std::pair{kService, istioNamespace}}) {
    auto items = listItems(client, gvk, ns, selector);
    if (!items) return items.error();
    out.insert(out.end(), items->begin(), items->end());
  }
  return out;
}

kube::Result<std::vector<TagDescription>> listTags(kube::Client& client, const std::string& istioNamespace) {
  std::set<std::pair<std::string, std::string>> unique;  // (revision, tag)
  auto webhooks = listItems(client, kMutating, "", kRevisionLabel);
  if (!webhooks) return webhooks.error();
  for (const auto& w : *webhooks)
    unique.insert({labelsOf(w).value(kRevisionLabel, ""), labelsOf(w).value(kTagLabel, "")});
  auto services = listItems(client, kService, istioNamespace, kRevisionLabel);
  if (!services) return services.error();
  for (const auto& s : *services)
    unique.insert({labelsOf(s).value(kRevisionLabel, ""), labelsOf(s).value(kTagLabel, "")});
  // A revision's untagged row goes when the revision has a tag (istioctl's listTags).
  std::set<std::string> tagged;
  for (const auto& [rev, tag] : unique)
    if (!tag.empty()) tagged.insert(rev);
  std::vector<TagDescription> out;
  for (const auto& [rev, tag] : unique) {
    if (tag.empty() && tagged.count(rev)) continue;
    TagDescription d{tag, rev, {}};
    auto namespaces = listItems(client, kNamespace, "", std::string(kRevisionLabel) + "=" + tag);
    if (!namespaces) return namespaces.error();
    for (const auto& n : *namespaces) d.namespaces.push_back(n["metadata"].value("name", ""));
    out.push_back(std::move(d));
  }
  return out;
}

kube::Result<std::vector<std::string>> tagsOf(kube::Client& client, const std::string& revision) {
  auto webhooks =
      listItems(client, kMutating, "", std::string(kRevisionLabel) + "=" + revision + "," + kTagLabel);
  if (!webhooks) return webhooks.error();
  std::set<std::string> tags;
  for (const auto& w : *webhooks) tags.insert(labelsOf(w).value(kTagLabel, ""));
  return std::vector<std::string>(tags.begin(), tags.end());
}

std::optional<Installation> tagClaimant(kube::Client& client, const json& live, const Leaving& leaving) {
  const json& labels = labelsOf(live);
  const std::string tag = labels.value(kTagLabel, "");
  const bool defaultValidator = tag.empty() && live.value("kind", "") == kValidating.kind &&
                                labels.value(kComponentLabel, "") == "Base";
  if (tag.empty() && !defaultValidator) return std::nullopt;
  auto crs = client.listAll(kIstioOperatorGVK, ownerOf(live).ns);
  if (!crs) return std::nullopt;
  for (const auto& cr : (*crs)["items"]) {
    const json& meta = cr["metadata"];
    if (meta.contains("deletionTimestamp")) continue;
    const json spec = cr.value("spec", json::object());
    if (!spec.is_object()) continue;
    const std::string revision = spec.value("revision", "");
    const Installation who{{meta.value("name", ""), meta.value("namespace", "")},
                           revision.empty() ? kDefaultRevision : revision};
    if (leaving(who)) continue;
    const json values = spec.value("values", json::object());
    if (!values.is_object()) continue;
    if (defaultValidator) {
      const json d = values.value("defaultRevision", json());
      if (d.is_string() && !d.get<std::string>().empty()) return who;
      continue;
    }
    const json tags = values.value("revisionTags", json::array());
    if (tags.is_array() && std::find(tags.begin(), tags.end(), json(tag)) != tags.end()) return who;
  }
  return std::nullopt;
}

}  // namespace iop::reconcilers
